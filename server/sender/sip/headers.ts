/** The headers the sender writes itself, and the check on those a caller adds. */
import type { SipHeader } from '../../../src/protocol/sip/index.ts';
import { SenderError } from './errors.ts';

export const SENDER_USER_AGENT = 'sip-push-web-sender/0.1';

/** Headers the client writes itself; callers may not pass them in `headers`. */
const MANAGED_HEADERS = new Set([
  'via', 'v', 'from', 'f', 'to', 't', 'call-id', 'i', 'cseq', 'content-length', 'l', 'content-type', 'c',
  'max-forwards', 'authorization', 'proxy-authorization',
]);
/** RFC 3261 section 25.1 `token`: a method or a header name. */
export const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;
export const REQUEST_URI = /^sips?:[^\s<>"]+$/i;

/** Throws SENDER_ERR_HEADER unless the header may be added by a caller. */
export function validateExtraHeader(header: SipHeader): void {
  if (!TOKEN.test(header.name)) throw new SenderError('SENDER_ERR_HEADER', `Invalid header name ${JSON.stringify(header.name)}`);
  if (MANAGED_HEADERS.has(header.name.toLowerCase())) {
    throw new SenderError('SENDER_ERR_HEADER', `Header ${header.name} is set by the sender and cannot be overridden`);
  }
  if (/[\r\n\0]/.test(header.value)) throw new SenderError('SENDER_ERR_HEADER', `Header ${header.name} has a line break in its value`);
}
