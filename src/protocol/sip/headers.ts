/**
 * Structured views of the SIP headers the system reads: generic parameters, name-addr
 * (From, To, Contact, Route), Via and CSeq (RFC 3261 section 25.1 grammar, leniently).
 */
import { SipError } from './errors.ts';

/** Parameter names are case-insensitive: keys are lower case. Flag parameters map to null. */
export type SipParams = Map<string, string | null>;

/**
 * Parse `;a=b;c;d="x;y"` (leading `;` optional). Quoted values keep their quotes, so a
 * formatted header round-trips; use unquote() to read them.
 */
export function parseParams(text: string): SipParams {
  const params: SipParams = new Map();
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && (text[i] === ';' || text[i] === ' ' || text[i] === '\t')) i++;
    if (i >= n) break;
    let nameEnd = i;
    while (nameEnd < n && text[nameEnd] !== '=' && text[nameEnd] !== ';') nameEnd++;
    const name = text.slice(i, nameEnd).trim().toLowerCase();
    i = nameEnd;
    let value: string | null = null;
    if (text[i] === '=') {
      i++;
      while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
      const start = i;
      if (text[i] === '"') {
        i++;
        while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
        i++;
      } else {
        while (i < n && text[i] !== ';') i++;
      }
      value = text.slice(start, Math.min(i, n)).trim();
    }
    if (name) params.set(name, value);
  }
  return params;
}

export function formatParams(params: SipParams): string {
  let out = '';
  for (const [name, value] of params) out += value === null ? `;${name}` : `;${name}=${value}`;
  return out;
}

export function unquote(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return value;
}

export function quote(value: string): string {
  return `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

export interface NameAddr {
  displayName?: string;
  /** The URI without angle brackets. */
  uri: string;
  /** Header parameters (tag, expires, q, feature tags...), not URI parameters. */
  params: SipParams;
}

/**
 * Parse a name-addr or addr-spec: `"Alice" <sip:alice@x;transport=ws>;tag=1` or
 * `sip:alice@x;tag=1` (where, per RFC 3261 section 20.10, the parameters belong to the header).
 */
export function parseNameAddr(value: string): NameAddr {
  const text = value.trim();
  const lt = findUnquoted(text, '<');
  if (lt >= 0) {
    const gt = text.indexOf('>', lt);
    if (gt < 0) throw new SipError('SIP_ERR_HEADER', 400, `Unterminated <uri> in ${text}`);
    const display = text.slice(0, lt).trim();
    const result: NameAddr = { uri: text.slice(lt + 1, gt).trim(), params: parseParams(text.slice(gt + 1)) };
    if (display) result.displayName = unquote(display) ?? display;
    return result;
  }
  const semi = text.indexOf(';');
  if (semi < 0) return { uri: text, params: new Map() };
  return { uri: text.slice(0, semi).trim(), params: parseParams(text.slice(semi)) };
}

export function formatNameAddr(addr: NameAddr): string {
  const display = addr.displayName ? `${quote(addr.displayName)} ` : '';
  return `${display}<${addr.uri}>${formatParams(addr.params)}`;
}

export interface Via {
  /** e.g. `SIP/2.0/WS` */
  protocol: string;
  /** Transport in upper case: UDP, TCP, TLS, WS, WSS. */
  transport: string;
  host: string;
  port?: number;
  params: SipParams;
}

export function parseVia(value: string): Via {
  const m = /^\s*(SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+))\s+([^;\s]+)\s*(;.*)?$/i.exec(value);
  if (!m) throw new SipError('SIP_ERR_HEADER', 400, `Malformed Via: ${value}`);
  const { host, port } = splitHostPort(m[3]!);
  const via: Via = { protocol: m[1]!.replace(/\s+/g, '').toUpperCase(), transport: m[2]!.toUpperCase(), host, params: parseParams(m[4] ?? '') };
  if (port !== undefined) via.port = port;
  return via;
}

export function formatVia(via: Via): string {
  const hostPort = via.port === undefined ? via.host : `${via.host}:${via.port}`;
  return `${via.protocol} ${hostPort}${formatParams(via.params)}`;
}

export interface CSeq {
  seq: number;
  method: string;
}

/** CSeq = 1*DIGIT LWS Method (RFC 3261 section 20.16); the method as written: methods are case-sensitive (section 7.1). */
export function parseCSeq(value: string): CSeq {
  const m = /^\s*(\d{1,10})\s+([A-Za-z0-9.!%*_+`'~-]+)\s*$/.exec(value);
  if (!m) throw new SipError('SIP_ERR_HEADER', 400, `Malformed CSeq: ${value}`);
  return { seq: Number(m[1]), method: m[2]! };
}

export interface SipUri {
  scheme: 'sip' | 'sips';
  user?: string;
  host: string;
  port?: number;
  params: SipParams;
  /** `?a=b&c=d` part, undecoded. */
  headers?: string;
}

export function parseUri(text: string): SipUri {
  const m = /^(sips?):(?:([^@;?]+)@)?([^@;?]+)((?:;[^?]*)?)(?:\?(.*))?$/i.exec(text.trim());
  if (!m) throw new SipError('SIP_ERR_URI', 400, `Malformed SIP URI: ${text}`);
  const { host, port } = splitHostPort(m[3]!);
  if (!host) throw new SipError('SIP_ERR_URI', 400, `SIP URI without host: ${text}`);
  const uri: SipUri = { scheme: m[1]!.toLowerCase() as 'sip' | 'sips', host: host.toLowerCase(), params: parseParams(m[4] ?? '') };
  // A password in the userinfo is deprecated (RFC 3261 section 19.1.1); it stays part of user.
  if (m[2] !== undefined) uri.user = m[2];
  if (port !== undefined) uri.port = port;
  if (m[5] !== undefined) uri.headers = m[5];
  return uri;
}

export function formatUri(uri: SipUri): string {
  const user = uri.user !== undefined ? `${uri.user}@` : '';
  const port = uri.port !== undefined ? `:${uri.port}` : '';
  const headers = uri.headers !== undefined ? `?${uri.headers}` : '';
  return `${uri.scheme}:${user}${uri.host}${port}${formatParams(uri.params)}${headers}`;
}

/** `sip:user@host` without port, parameters or headers: the key of an address of record. */
export function addressOfRecord(uriText: string): string {
  const uri = parseUri(uriText);
  return `${uri.scheme}:${uri.user !== undefined ? `${uri.user}@` : ''}${uri.host}`;
}

export function splitHostPort(text: string): { host: string; port?: number } {
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    const host = text.slice(0, end + 1);
    const rest = text.slice(end + 1);
    return rest.startsWith(':') ? { host, port: Number(rest.slice(1)) } : { host };
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { host: text };
  const port = Number(text.slice(colon + 1));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new SipError('SIP_ERR_URI', 400, `Invalid port in ${text}`);
  }
  return { host: text.slice(0, colon), port };
}

function findUnquoted(text: string, ch: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ch) return i;
  }
  return -1;
}
