/**
 * HTTP Digest for SIP (RFC 3261 section 22.4, RFC 2617 with qop=auth, MD5 only, the
 * algorithm SIP servers such as Kamailio use by default). Used by the sender to answer
 * 401/407 and by the embedded core to verify credentials.
 */
import { md5 } from '@noble/hashes/legacy.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { parseParams, quote, unquote } from './headers.ts';
import { encodeUtf8 } from './message.ts';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: string;
  qop?: string[];
  stale: boolean;
}

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm?: string;
  cnonce?: string;
  nc?: string;
  qop?: string;
  opaque?: string;
}

export function md5Hex(text: string): string {
  return bytesToHex(md5(encodeUtf8(text)));
}

function parseDigestParams(value: string): Map<string, string | null> {
  const m = /^\s*Digest\s+(.*)$/is.exec(value);
  if (!m) throw new Error(`Not a Digest header: ${value}`);
  // Digest parameters are comma separated; reuse the `;` parser on a rewritten list.
  const parts: string[] = [];
  let quoted = false;
  let current = '';
  for (const ch of m[1]!) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parseParams(parts.map((p) => p.trim()).join(';'));
}

/** Parse a WWW-Authenticate or Proxy-Authenticate header. */
export function parseChallenge(value: string): DigestChallenge {
  const p = parseDigestParams(value);
  const realm = unquote(p.get('realm'));
  const nonce = unquote(p.get('nonce'));
  if (realm === undefined || nonce === undefined) throw new Error('Digest challenge without realm or nonce');
  const challenge: DigestChallenge = {
    realm,
    nonce,
    algorithm: unquote(p.get('algorithm')) ?? 'MD5',
    stale: (unquote(p.get('stale')) ?? '').toLowerCase() === 'true',
  };
  const opaque = unquote(p.get('opaque'));
  if (opaque !== undefined) challenge.opaque = opaque;
  const qop = unquote(p.get('qop'));
  if (qop !== undefined) challenge.qop = qop.split(',').map((q) => q.trim().toLowerCase());
  return challenge;
}

export function formatChallenge(challenge: DigestChallenge): string {
  let out = `Digest realm=${quote(challenge.realm)}, nonce=${quote(challenge.nonce)}, algorithm=${challenge.algorithm}`;
  if (challenge.qop) out += `, qop=${quote(challenge.qop.join(','))}`;
  if (challenge.opaque !== undefined) out += `, opaque=${quote(challenge.opaque)}`;
  if (challenge.stale) out += ', stale=TRUE';
  return out;
}

/** Parse an Authorization or Proxy-Authorization header. */
export function parseCredentials(value: string): DigestCredentials {
  const p = parseDigestParams(value);
  const get = (name: string) => unquote(p.get(name));
  const username = get('username');
  const realm = get('realm');
  const nonce = get('nonce');
  const uri = get('uri');
  const response = get('response');
  if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) {
    throw new Error('Digest credentials lack username, realm, nonce, uri or response');
  }
  const creds: DigestCredentials = { username, realm, nonce, uri, response };
  for (const key of ['algorithm', 'cnonce', 'nc', 'qop', 'opaque'] as const) {
    const v = get(key);
    if (v !== undefined) creds[key] = v;
  }
  return creds;
}

export function formatCredentials(creds: DigestCredentials): string {
  let out = `Digest username=${quote(creds.username)}, realm=${quote(creds.realm)}, nonce=${quote(creds.nonce)}, uri=${quote(creds.uri)}, response=${quote(creds.response)}`;
  out += `, algorithm=${creds.algorithm ?? 'MD5'}`;
  if (creds.qop) out += `, qop=${creds.qop}, nc=${creds.nc}, cnonce=${quote(creds.cnonce ?? '')}`;
  if (creds.opaque !== undefined) out += `, opaque=${quote(creds.opaque)}`;
  return out;
}

/** The `response` value for the given method, URI and password (RFC 2617 section 3.2.2.1). */
export function digestResponse(args: { username: string; password: string; realm: string; nonce: string; method: string; uri: string; qop?: string; nc?: string; cnonce?: string }): string {
  const ha1 = md5Hex(`${args.username}:${args.realm}:${args.password}`);
  const ha2 = md5Hex(`${args.method}:${args.uri}`);
  if (args.qop === 'auth') return md5Hex(`${ha1}:${args.nonce}:${args.nc}:${args.cnonce}:auth:${ha2}`);
  return md5Hex(`${ha1}:${args.nonce}:${ha2}`);
}

/** Credentials answering a challenge; nc counts uses of the same nonce (starting at 1). */
export function answerChallenge(challenge: DigestChallenge, args: { username: string; password: string; method: string; uri: string; nc?: number; cnonce?: string }): DigestCredentials {
  if (challenge.algorithm.toUpperCase() !== 'MD5') throw new Error(`Unsupported digest algorithm ${challenge.algorithm}`);
  const creds: DigestCredentials = { username: args.username, realm: challenge.realm, nonce: challenge.nonce, uri: args.uri, response: '', algorithm: 'MD5' };
  if (challenge.qop?.includes('auth')) {
    creds.qop = 'auth';
    creds.nc = (args.nc ?? 1).toString(16).padStart(8, '0');
    creds.cnonce = args.cnonce ?? Math.random().toString(36).slice(2, 12);
  }
  if (challenge.opaque !== undefined) creds.opaque = challenge.opaque;
  creds.response = digestResponse({ username: args.username, password: args.password, method: args.method, uri: args.uri, realm: challenge.realm, nonce: challenge.nonce, ...(creds.qop ? { qop: creds.qop, nc: creds.nc!, cnonce: creds.cnonce! } : {}) });
  return creds;
}

/** True when the credentials carry the right response for this password and method. */
export function verifyCredentials(creds: DigestCredentials, password: string, method: string): boolean {
  const expected = digestResponse({
    username: creds.username,
    password,
    realm: creds.realm,
    nonce: creds.nonce,
    method,
    uri: creds.uri,
    ...(creds.qop ? { qop: creds.qop, nc: creds.nc ?? '', cnonce: creds.cnonce ?? '' } : {}),
  });
  return expected === creds.response;
}
