/**
 * Capability query answer (RFC 3840 section 7, RFC 3261 section 11.2): OPTIONS is answered
 * with the Contact carrying our feature tags, and Accept / Allow describing what a push may be.
 */
import { createResponse, type SipRequest, type SipResponse } from '../../protocol/sip/index.ts';

/** Methods the agent answers: MESSAGE pushes, MSRP sessions (INVITE dialog), OPTIONS. */
export const ALLOWED_METHODS = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'MESSAGE', 'OPTIONS'] as const;

export function answerOptions(request: SipRequest, capabilities: { contact: string; accept: string[]; toTag: string }): SipResponse {
  return createResponse(request, 200, {
    toTag: capabilities.toTag,
    headers: [
      { name: 'Contact', value: capabilities.contact },
      { name: 'Accept', value: capabilities.accept.join(', ') },
      { name: 'Allow', value: ALLOWED_METHODS.join(', ') },
      { name: 'Accept-Encoding', value: 'identity' },
      { name: 'Supported', value: 'gruu' },
    ],
  });
}
