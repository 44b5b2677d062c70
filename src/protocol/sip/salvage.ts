/**
 * The start line and headers of a request that failed to parse, read leniently only so an
 * error response can be addressed to it (RFC 3261 section 8.2: a malformed request is answered
 * 400 when a response can be built, instead of being dropped in silence): LF or CRLF line
 * ends, runs of white space in the start line, any SIP version, lines that are not headers
 * skipped. Never used to act on a request.
 */
import { decodeUtf8, getHeader, type SipHeader, type SipRequest } from './message.ts';

/** Null when the bytes are not a request, are an ACK (never answered) or carry no Via. */
export function salvageRequest(input: Uint8Array | string, maxHeaderBytes: number): SipRequest | null {
  const text = typeof input === 'string' ? input.slice(0, maxHeaderBytes + 4) : decodeUtf8(input.subarray(0, Math.min(input.length, maxHeaderBytes + 4)));
  const head = text.replace(/^(\r?\n)+/, '').split(/\r?\n\r?\n/, 1)[0] ?? '';
  const lines = head.split(/\r?\n/);
  const start = /^([A-Za-z0-9.!%*_+`'~-]+)[ \t]+(\S+)[ \t]+SIP\/\d+\.\d+[ \t]*$/.exec(lines[0] ?? '');
  if (!start || start[1]!.toUpperCase() === 'ACK') return null;
  const headers: SipHeader[] = [];
  for (const line of lines.slice(1)) {
    const m = /^([A-Za-z0-9.!%*_+`'~-]+)[ \t]*:[ \t]*(.*)$/.exec(line);
    if (m) headers.push({ name: m[1]!, value: m[2]!.trim() });
  }
  const request: SipRequest = { kind: 'request', method: start[1]!, uri: start[2]!, headers, body: new Uint8Array(0) };
  return getHeader(request, 'via') === undefined ? null : request;
}
