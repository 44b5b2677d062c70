/**
 * Malformed SIP the soak sends: each a valid MESSAGE with one thing wrong, the kinds of issue
 * 9 items 1 and 7 (start lines, repeated single-valued headers, sizes past the core's limits)
 * and plain garbage. Built fresh for each send (new branch, tag and Call-ID), so no two are
 * retransmissions of each other.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_LIMITS } from '../../../server/core/options.ts';

export type MalformedKind = (typeof MALFORMED_KINDS)[number];

export const MALFORMED_KINDS = [
  'double-space-start-line',
  'sip-3.0',
  'lower-case-method',
  'garbage-start-line',
  'bare-lf',
  'two-froms',
  'two-content-lengths',
  'from-two-addresses',
  'no-call-id',
  'cseq-other-method',
  'header-without-colon',
  'max-forwards-not-a-number',
  'content-length-past-body',
  'header-section-too-large',
  'message-too-large',
  'binary-garbage',
] as const;

/** Too large for UDP (a datagram carries at most 65507 bytes): sent over WS and TCP only. */
export const STREAM_ONLY: ReadonlySet<MalformedKind> = new Set(['message-too-large']);

const token = () => randomBytes(6).toString('hex');

/** The malformed request of `kind`, with our Via for `transport`, to a user of `domain`. */
export function malformedSip(kind: MalformedKind, transport: 'WS' | 'TCP' | 'UDP', domain: string): Uint8Array {
  if (kind === 'binary-garbage') return randomBytes(300);
  const uri = `sip:ua0@${domain}`;
  let startLine = `MESSAGE ${uri} SIP/2.0`;
  const headers = [
    `Via: SIP/2.0/${transport} ${token()}.invalid;branch=z9hG4bK${token()};rport`,
    'Max-Forwards: 70',
    `From: <sip:mallory@example.invalid>;tag=${token()}`,
    `To: <${uri}>`,
    `Call-ID: ${token()}`,
    'CSeq: 1 MESSAGE',
    'Content-Type: text/plain',
  ];
  let body = 'soak';
  let contentLength: string[] = [];
  let eol = '\r\n';
  const replace = (name: string, ...lines: string[]) => headers.splice(headers.findIndex((h) => h.startsWith(`${name}:`)), 1, ...lines);
  switch (kind) {
    case 'double-space-start-line': startLine = `MESSAGE  ${uri} SIP/2.0`; break;
    case 'sip-3.0': startLine = `MESSAGE ${uri} SIP/3.0`; break;
    case 'lower-case-method': startLine = `message ${uri} SIP/2.0`; break;
    case 'garbage-start-line': startLine = 'GIVE ME EVERYTHING'; break;
    case 'bare-lf': eol = '\n'; break;
    case 'two-froms': headers.push(`From: <sip:eve@example.invalid>;tag=${token()}`); break;
    case 'two-content-lengths': contentLength = ['Content-Length: 4', 'Content-Length: 40']; break;
    case 'from-two-addresses': replace('From', `From: <sip:mallory@example.invalid>;tag=${token()}, <sip:eve@example.invalid>`); break;
    case 'no-call-id': replace('Call-ID'); break;
    case 'cseq-other-method': replace('CSeq', 'CSeq: 1 INVITE'); break;
    case 'header-without-colon': headers.push('This line has no colon'); break;
    case 'max-forwards-not-a-number': replace('Max-Forwards', 'Max-Forwards: seventy'); break;
    case 'content-length-past-body': contentLength = ['Content-Length: 4000']; break;
    case 'header-section-too-large': headers.push(`Subject: ${'x'.repeat(DEFAULT_LIMITS.maxHeaderBytes + 1024)}`); break;
    case 'message-too-large': body = 'x'.repeat(DEFAULT_LIMITS.maxMessageBytes + 1024); break;
  }
  if (contentLength.length === 0) contentLength = [`Content-Length: ${Buffer.byteLength(body)}`];
  return Buffer.from([startLine, ...headers, ...contentLength, '', body].join(eol));
}
