/**
 * Errors raised by the SIP codecs. Each carries a stable `code` (for tests and logs) and the
 * SIP status a server should answer with when the error comes from a received message.
 */
import { CodecError } from '../errors.ts';

export type SipErrorCode =
  | 'SIP_ERR_START_LINE'
  | 'SIP_ERR_HEADER'
  | 'SIP_ERR_MISSING_HEADER'
  | 'SIP_ERR_CONTENT_LENGTH'
  | 'SIP_ERR_HEADERS_TOO_LARGE'
  | 'SIP_ERR_MESSAGE_TOO_LARGE'
  | 'SIP_ERR_URI'
  | 'SIP_ERR_ENCODING'
  | 'SIP_ERR_VERSION';

/** `status`: what a server answers with (400 Bad Request, 513 Message Too Large, ...). */
export class SipError extends CodecError<SipErrorCode> {
  override name = 'SipError';
}
