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
  safeReasonPhrase,
  salvageRequest,
  SipError,
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
  // Methods are case-sensitive (RFC 3261 section 7.1): `message` is not MESSAGE, and a CSeq
  // naming another method than the request line is a 400 (section 8.1.1.5).
  if (cseq.method !== request.method) {
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
 * The error response for bytes that failed to parse, addressed from what can be read of them
 * (salvageRequest: LF line ends and stray white space included). Null when nothing can be
 * answered (not a request, an ACK, no Via).
 */
export function salvageErrorResponse(bytes: Uint8Array, error: unknown, maxHeaderBytes: number): SipResponse | null {
  const request = salvageRequest(bytes, maxHeaderBytes);
  return request ? errorResponse(request, error) : null;
}

/** The response for a request that failed validation, its reason phrase taken from the error. */
export function errorResponse(request: SipRequest, error: unknown): SipResponse {
  const status = error instanceof SipError ? error.status : 400;
  const reason = (error instanceof Error ? safeReasonPhrase(error.message) : '') || 'Bad Request';
  return createResponse(request, status, { reason, toTag: randomToken(10) });
}

function displayName(name: string): string {
  return name === 'call-id' ? 'Call-ID' : name === 'cseq' ? 'CSeq' : name[0]!.toUpperCase() + name.slice(1);
}

function truncate(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
