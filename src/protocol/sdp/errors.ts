/**
 * Errors raised by the SDP codecs. `status` is the SIP status the INVITE is answered with:
 * 400 for SDP that does not parse, 488 Not Acceptable Here for an offer without a usable
 * MSRP media line (RFC 3264 section 6), 415 when no offered content type is accepted.
 */
import { CodecError } from '../errors.ts';

export type SdpErrorCode =
  | 'SDP_ERR_SYNTAX'
  | 'SDP_ERR_NO_MSRP_MEDIA'
  | 'SDP_ERR_PATH'
  | 'SDP_ERR_ACCEPT_TYPES'
  | 'SDP_ERR_SETUP'
  | 'SDP_ERR_DIRECTION'
  | 'SDP_ERR_ATTRIBUTE';

export type SdpErrorStatus = 400 | 415 | 488;

export class SdpError extends CodecError<SdpErrorCode, SdpErrorStatus> {
  override name = 'SdpError';
}
