/**
 * MSRP message model (RFC 4975 sections 7 and 9) and the codecs for the header values that
 * have structure: Byte-Range, Status, Success-Report, Failure-Report, and the `ident` syntax
 * of transaction IDs and Message-IDs.
 *
 * A message is its start line, its headers (the ones this project uses are typed fields,
 * every other header is kept in `extraHeaders` in wire order), an optional body, and the
 * continuation flag of its end-line. `body === undefined` means the message had no
 * content-stuff at all (no blank line), which is distinct from an empty body.
 */
import { MsrpError } from './errors.ts';

/** End-line continuation flag: `$` complete, `+` more chunks follow, `#` aborted (RFC 4975 section 7.1). */
export type MsrpFlag = '$' | '+' | '#';

/**
 * Byte-Range `start-end/total` (RFC 4975 section 7.1.1), 1-based and inclusive; `*` for an
 * unknown end or total. An empty chunk of an empty message is `1-0/0`.
 */
export interface ByteRange {
  start: number;
  end: number | '*';
  total: number | '*';
}

/** Status header `namespace code [reason]` (RFC 4975 section 7.1.2); namespace 000 is MSRP. */
export interface MsrpStatusHeader {
  namespace: string;
  code: number;
  reason?: string;
}

export type SuccessReport = 'yes' | 'no';
export type FailureReport = 'yes' | 'no' | 'partial';

export interface MsrpExtraHeader {
  name: string;
  value: string;
}

/** Headers common to requests and responses. Paths list URIs as written, nearest hop first. */
export interface MsrpHeaderFields {
  toPath: string[];
  fromPath: string[];
  messageId?: string;
  byteRange?: ByteRange;
  contentType?: string;
  successReport?: SuccessReport;
  failureReport?: FailureReport;
  status?: MsrpStatusHeader;
  /** Every other header, in wire order, name as received. */
  extraHeaders: MsrpExtraHeader[];
}

export interface MsrpRequestHead extends MsrpHeaderFields {
  kind: 'request';
  transactionId: string;
  /** `SEND`, `REPORT`, or another method (answered 501 by the receiver). */
  method: string;
}

export interface MsrpResponseHead extends MsrpHeaderFields {
  kind: 'response';
  transactionId: string;
  /** Three-digit status code. */
  code: number;
  comment?: string;
}

/** What the parser knows once the header section is complete. */
export type MsrpHead = MsrpRequestHead | MsrpResponseHead;

export interface MsrpRequest extends MsrpRequestHead {
  body?: Uint8Array;
  flag: MsrpFlag;
}

export interface MsrpResponse extends MsrpResponseHead {
  /** RFC 4975's grammar gives responses no body; the parser tolerates one, the serializer refuses it. */
  body?: Uint8Array;
  flag: MsrpFlag;
}

export type MsrpMessage = MsrpRequest | MsrpResponse;

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
  return value.trim().split(/[ \t]+/).filter((s) => s !== '');
}
