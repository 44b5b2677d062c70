/**
 * The codecs for the MSRP header values that have structure (RFC 4975 sections 7 and 9):
 * Byte-Range, Status, Success-Report, Failure-Report, the `ident` syntax of transaction IDs
 * and Message-IDs, and the table of known headers and reason phrases. The message model
 * itself (types only) is model.ts.
 */
import { MsrpError } from './errors.ts';
import type { ByteRange, MsrpStatusHeader } from './model.ts';

/** Canonical names of the headers that have typed fields (RFC 4975 section 9). */
export const KNOWN_HEADERS = {
  'to-path': 'To-Path',
  'from-path': 'From-Path',
  'message-id': 'Message-ID',
  'byte-range': 'Byte-Range',
  'content-type': 'Content-Type',
  'success-report': 'Success-Report',
  'failure-report': 'Failure-Report',
  status: 'Status',
} as const;

/** Reason phrases for the statuses of RFC 4975 section 10 (the comment is free text). */
export const MSRP_REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  403: 'Forbidden',
  408: 'Request Timeout',
  413: 'Stop Sending Message',
  415: 'Unsupported Media Type',
  423: 'Parameter Out Of Bounds',
  481: 'Session Does Not Exist',
  501: 'Not Implemented',
  506: 'Session Already In Use',
};

const IDENT = /^[A-Za-z0-9][A-Za-z0-9.\-+%=]{3,31}$/;
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/** `ident = ALPHANUM 3*31ident-char` (RFC 4975 section 9): transaction IDs and Message-IDs. */
export function isIdent(value: string): boolean {
  return IDENT.test(value);
}

/** Header names are RFC 4975 `token`s. */
export function isToken(value: string): boolean {
  return TOKEN.test(value);
}

const NUMBER = /^\d{1,16}$/;

function parseCount(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Parse a Byte-Range value. Throws MSRP_ERR_BYTE_RANGE (400). */
export function parseByteRange(value: string): ByteRange {
  const m = /^(\d+)-(\d+|\*)\/(\d+|\*)$/.exec(value.trim());
  const fail = (): never => {
    throw new MsrpError('MSRP_ERR_BYTE_RANGE', 400, `Invalid Byte-Range: ${value}`);
  };
  if (!m) return fail();
  const start = parseCount(m[1]!);
  const end = m[2] === '*' ? '*' : parseCount(m[2]!);
  const total = m[3] === '*' ? '*' : parseCount(m[3]!);
  if (start === undefined || end === undefined || total === undefined || start < 1) return fail();
  if (end !== '*' && end < start - 1) return fail();
  if (total !== '*' && end !== '*' && end > total) return fail();
  return { start, end, total };
}

export function formatByteRange(range: ByteRange): string {
  return `${range.start}-${range.end}/${range.total}`;
}

/** Parse a Status value `000 200 OK`. Throws MSRP_ERR_HEADER (400). */
export function parseStatusHeader(value: string): MsrpStatusHeader {
  const m = /^(\d{3}) (\d{3})(?: (.*))?$/.exec(value.trim());
  if (!m) throw new MsrpError('MSRP_ERR_HEADER', 400, `Invalid Status: ${value}`);
  const status: MsrpStatusHeader = { namespace: m[1]!, code: Number(m[2]) };
  if (m[3] !== undefined && m[3] !== '') status.reason = m[3];
  return status;
}

export function formatStatusHeader(status: MsrpStatusHeader): string {
  const code = String(status.code).padStart(3, '0');
  return status.reason ? `${status.namespace} ${code} ${status.reason}` : `${status.namespace} ${code}`;
}

/** Paths are space-separated URI lists (RFC 4975 section 9, `To-Path`, `From-Path`). */
export function parsePath(value: string): string[] {
  const uris = value.trim().split(/[ \t]+/).filter((s) => s !== '');
  // MSRP-URIs are visible ASCII (RFC 4975 section 9; RFC 3986): a URI holding another white
  // space (a vertical tab, a no-break space) or a control character could be taken as one URI
  // here and then not be written back in a response's To-Path.
  for (const uri of uris) {
    if (!/^[\x21-\x7e]+$/.test(uri)) throw new MsrpError('MSRP_ERR_URI', 400, `Invalid URI in path: ${JSON.stringify(uri.slice(0, 80))}`);
  }
  return uris;
}
