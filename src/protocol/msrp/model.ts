/**
 * The MSRP message model (RFC 4975 sections 7 and 9): types only, imported by the codecs
 * (message.ts, parser.ts, serializer.ts) and by their errors (errors.ts).
 *
 * A message is its start line, its headers (the ones this project uses are typed fields,
 * every other header is kept in `extraHeaders` in wire order), an optional body, and the
 * continuation flag of its end-line. `body === undefined` means the message had no
 * content-stuff at all (no blank line), which is distinct from an empty body.
 */

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
