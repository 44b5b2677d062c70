/**
 * Building responses to a request (RFC 3261 section 8.2.6): Via, From, To, Call-ID and CSeq
 * copied, a To tag added when the request had none (except for 100 Trying).
 */
import { getHeader, getHeaders, type SipHeader, type SipRequest, type SipResponse } from './message.ts';
import { parseNameAddr } from './headers.ts';

export const REASON_PHRASES: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  200: 'OK',
  202: 'Accepted',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  423: 'Interval Too Brief',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  513: 'Message Too Large',
  603: 'Decline',
};

export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? (status < 300 ? 'OK' : 'Error');
}

/**
 * A reason phrase from free text (an error message, a policy decision): control characters
 * (CR and LF above all, RFC 3261 section 25.1 Reason-Phrase) become spaces, and the text is cut
 * to 200 characters so a long message cannot bloat a response.
 */
export function safeReasonPhrase(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length > 200 ? `${clean.slice(0, 197)}...` : clean;
}

export interface ResponseOptions {
  reason?: string;
  headers?: SipHeader[];
  body?: Uint8Array;
  /** To tag to add when the request's To has none (default: a random token). */
  toTag?: string;
}

export function createResponse(request: SipRequest, status: number, options: ResponseOptions = {}): SipResponse {
  const headers: SipHeader[] = [];
  for (const via of getHeaders(request, 'via')) headers.push({ name: 'Via', value: via });
  const from = getHeader(request, 'from');
  if (from !== undefined) headers.push({ name: 'From', value: from });
  let to = getHeader(request, 'to');
  // RFC 3261 section 8.2.6.2: a UAS MUST add a To tag when the request had none, except on 100.
  if (to !== undefined && status !== 100 && !hasTag(to)) {
    to = `${to};tag=${options.toTag ?? randomToken(10)}`;
  }
  if (to !== undefined) headers.push({ name: 'To', value: to });
  const callId = getHeader(request, 'call-id');
  if (callId !== undefined) headers.push({ name: 'Call-ID', value: callId });
  const cseq = getHeader(request, 'cseq');
  if (cseq !== undefined) headers.push({ name: 'CSeq', value: cseq });
  if (options.headers) headers.push(...options.headers);
  return {
    kind: 'response',
    status,
    reason: options.reason ?? reasonPhrase(status),
    headers,
    body: options.body ?? new Uint8Array(0),
  };
}

/** A malformed To (the request may be answered 400 for it) counts as tagged: left as it is. */
function hasTag(to: string): boolean {
  try {
    return parseNameAddr(to).params.has('tag');
  } catch {
    return true;
  }
}

/** A random token for tags, branches and Call-IDs. */
export function randomToken(length = 16): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}

/** RFC 3261 magic cookie branch (section 8.1.1.7). */
export function newBranch(): string {
  return `z9hG4bK${randomToken(20)}`;
}
