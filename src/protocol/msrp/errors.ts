/**
 * Errors raised by the MSRP codecs (RFC 4975). Each carries a stable `code` (for tests and
 * logs) and the MSRP status a receiver answers with (RFC 4975 section 10). When the error
 * comes from a received message, `transactionId` and, once the headers were read, `head`
 * are attached so the receiver can still answer the request (e.g. 413 to an oversized chunk).
 */
import { CodecError } from '../errors.ts';
import type { MsrpHead } from './model.ts';

export type MsrpErrorCode =
  | 'MSRP_ERR_START_LINE'
  | 'MSRP_ERR_TRANSACTION_ID'
  | 'MSRP_ERR_HEADER'
  | 'MSRP_ERR_MISSING_HEADER'
  | 'MSRP_ERR_MESSAGE_ID'
  | 'MSRP_ERR_BYTE_RANGE'
  | 'MSRP_ERR_END_LINE'
  | 'MSRP_ERR_HEADERS_TOO_LARGE'
  | 'MSRP_ERR_CHUNK_TOO_LARGE'
  | 'MSRP_ERR_BODY_TOO_LARGE'
  | 'MSRP_ERR_INCOMPLETE'
  | 'MSRP_ERR_TRAILING_DATA'
  | 'MSRP_ERR_URI'
  | 'MSRP_ERR_INVALID_MESSAGE'
  | 'MSRP_ERR_END_LINE_IN_BODY';

/** Statuses the codecs produce: 400 Bad Request (unintelligible), 413 Stop Sending Message. */
export type MsrpErrorStatus = 400 | 413;

export class MsrpError extends CodecError<MsrpErrorCode, MsrpErrorStatus> {
  override name = 'MsrpError';
  /** Transaction ID of the message being parsed, when the start line was read. */
  readonly transactionId: string | undefined;
  /** Start line and headers of the message being parsed, when they were complete. */
  readonly head: MsrpHead | undefined;

  constructor(
    code: MsrpErrorCode,
    status: MsrpErrorStatus,
    message: string,
    context: { transactionId?: string | undefined; head?: MsrpHead | undefined } = {},
  ) {
    super(code, status, message);
    this.transactionId = context.transactionId ?? context.head?.transactionId;
    this.head = context.head;
  }
}
