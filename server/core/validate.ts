/**
 * Checks a request must pass before the core acts on it (RFC 3261 sections 8.2 and 16.3), and
 * the salvage of a response from bytes that failed to parse, so a malformed message still
 * gets a 400 whose reason phrase says what is wrong.
 */
import {
  createResponse,
  getHeader,
  getHeaderValues,
  parseCSeq,
  parseNameAddr,
  parseUri,
  parseVia,
  randomToken,
  SipError,
  type SipHeader,
  type SipRequest,
  type SipResponse,
} from '../../src/protocol/sip/index.ts';

const REQUIRED = ['via', 'from', 'to', 'call-id', 'cseq'] as const;

/** Throws SipError (status 400 or 416) naming the first problem found. */
export function validateRequest(request: SipRequest): void {
  for (const name of REQUIRED) {
    if (getHeader(request, name) === undefined) throw new SipError('SIP_ERR_MISSING_HEADER', 400, `Missing ${displayName(name)} header`);
  }
  parseVia(getHeaderValues(request, 'via')[0] ?? '');
  const cseq = parseCSeq(getHeader(request, 'cseq')!);
  if (cseq.method !== request.method.toUpperCase()) {
    throw new SipError('SIP_ERR_HEADER', 400, `CSeq method ${cseq.method} does not match ${request.method}`);
  }
  if (!/^sips?:/i.test(request.uri)) throw new SipError('SIP_ERR_URI', 416, `Unsupported URI scheme in ${truncate(request.uri)}`);
  parseUri(request.uri);
  // From and To may hold other schemes (tel:, RFC 3966); only SIP URIs are parsed further.
  for (const name of ['from', 'to'] as const) {
    const uri = parseNameAddr(getHeader(request, name)!).uri;
    if (/^sips?:/i.test(uri)) parseUri(uri);
  }
  const maxForwards = getHeader(request, 'max-forwards');
  if (maxForwards !== undefined && !/^\d{1,3}$/.test(maxForwards)) {
    throw new SipError('SIP_ERR_HEADER', 400, `Invalid Max-Forwards: ${truncate(maxForwards)}`);
  }
}

/** A response may be routed back only if its top Via parses and it has a CSeq. */
export function validateResponse(response: SipResponse): void {
  const top = getHeaderValues(response, 'via')[0];
  if (top === undefined) throw new SipError('SIP_ERR_MISSING_HEADER', 400, 'Missing Via header');
  parseVia(top);
  parseCSeq(getHeader(response, 'cseq') ?? '');
}

/**
 * Build the error response for bytes that failed to parse, from the header lines that can be
 * read. Null when the bytes are not a request, or lack what a response needs (Via).
 */
export function salvageErrorResponse(bytes: Uint8Array, error: unknown, maxHeaderBytes: number): SipResponse | null {
  const text = Buffer.from(bytes.subarray(0, Math.min(bytes.length, maxHeaderBytes + 4))).toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  const lines = (end >= 0 ? text.slice(0, end) : text).replace(/^(\r\n)+/, '').split('\r\n');
  const start = /^([A-Za-z0-9.!%*_+`'~-]+) (\S+) SIP\/2\.0$/.exec(lines[0] ?? '');
  if (!start || start[1]!.toUpperCase() === 'ACK') return null; // never answer a response or an ACK
  const headers: SipHeader[] = [];
  for (const line of lines.slice(1)) {
    const m = /^([A-Za-z0-9.!%*_+`'~-]+)[ \t]*:[ \t]*(.*)$/.exec(line);
    if (m) headers.push({ name: m[1]!, value: m[2]!.trim() });
  }
  const request: SipRequest = { kind: 'request', method: start[1]!, uri: start[2]!, headers, body: new Uint8Array(0) };
  if (getHeader(request, 'via') === undefined) return null;
  return errorResponse(request, error);
}

/** The response for a request that failed validation, its reason phrase taken from the error. */
export function errorResponse(request: SipRequest, error: unknown): SipResponse {
  const status = error instanceof SipError ? error.status : 400;
  const reason = error instanceof Error ? sanitizeReason(error.message) : 'Bad Request';
  return createResponse(request, status, { reason, toTag: randomToken(10) });
}

/** Reason-Phrase may not hold CR, LF or other controls (RFC 3261 section 25.1). */
function sanitizeReason(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return clean.length > 160 ? `${clean.slice(0, 160)}...` : clean || 'Bad Request';
}

function displayName(name: string): string {
  return name === 'call-id' ? 'Call-ID' : name === 'cseq' ? 'CSeq' : name[0]!.toUpperCase() + name.slice(1);
}

function truncate(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
