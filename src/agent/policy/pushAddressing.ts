/**
 * Who a push is from, who it is to and which push applications it addresses: the headers both
 * intakes read before the push policy (pushPolicy.ts) decides, read by one piece of code so
 * a MESSAGE (push/messageIntake.ts) and an MSRP INVITE (sip/inviteOffer.ts) can never be
 * judged on different readings of the same request.
 *
 *   From, To         name-addr -> AoR (RFC 3261 section 19.1.4) and display name
 *   P-Asserted-Identity  the sender as the core vouches for it (RFC 3325), read instead of
 *                    From when the agent trusts its core (AgentConfig.trustAssertedIdentity)
 *   Accept-Contact   +g.oma.pusheventapp values, in order (RFC 3841 section 9.2)
 *
 * Anything missing or unreadable throws MalformedPushRequest, which both intakes answer 400.
 */
import { parseAcceptContactHeaders, requestedPushAppIds } from '../../protocol/sip/acceptContact.ts';
import { addressOfRecord, parseNameAddr } from '../../protocol/sip/headers.ts';
import { getHeader, getHeaders, type SipRequest } from '../../protocol/sip/message.ts';

/** Why a push request is a 400; the message is the reason phrase to answer with. */
export class MalformedPushRequest extends Error {}

/** One end of a push: the AoR (`sip:user@host`) and the display name when the header had one. */
export interface PushParty {
  aor: string;
  displayName?: string;
}

/** A header's value, trimmed; absent or blank throws MalformedPushRequest("Missing <name> header"). */
export function requiredHeader(request: SipRequest, name: string): string {
  const value = getHeader(request, name);
  if (value === undefined || value.trim() === '') throw new MalformedPushRequest(`Missing ${name} header`);
  return value.trim();
}

/** The From or To of a request (present, a parsable name-addr with a SIP URI). */
export function readParty(request: SipRequest, name: 'From' | 'To'): PushParty {
  const value = requiredHeader(request, name);
  try {
    const addr = parseNameAddr(value);
    const party: PushParty = { aor: addressOfRecord(addr.uri) };
    if (addr.displayName) party.displayName = addr.displayName;
    return party;
  } catch {
    throw new MalformedPushRequest(`Malformed ${name} header`);
  }
}

/** The sender of a push, and whether the core vouched for it. */
export interface PushSender extends PushParty {
  /**
   * `asserted`: the AoR is the core's P-Asserted-Identity. `unverified`: the agent trusts its
   * core and the core asserted nobody (an unauthenticated sender), so From is only what the
   * sender wrote: an app with allowFrom must refuse it.
   */
  identity: 'from' | 'asserted' | 'unverified';
}

/**
 * Who sent a push. Trusting the core, its P-Asserted-Identity (the first, a SIP URI) is the
 * sender and the display name comes from From; with none, From is kept for display but marked
 * unverified. Not trusting it, From, as any sender may write it.
 */
export function readSender(request: SipRequest, trustAssertedIdentity: boolean): PushSender {
  const from = readParty(request, 'From');
  if (!trustAssertedIdentity) return { ...from, identity: 'from' };
  const asserted = getHeader(request, 'P-Asserted-Identity');
  if (asserted === undefined) return { ...from, identity: 'unverified' };
  try {
    const sender: PushSender = { aor: addressOfRecord(parseNameAddr(asserted).uri), identity: 'asserted' };
    if (from.displayName !== undefined) sender.displayName = from.displayName;
    return sender;
  } catch {
    throw new MalformedPushRequest('Malformed P-Asserted-Identity header');
  }
}

/** The push application IDs the request addresses, in order (empty when it names none). */
export function readAppIds(request: SipRequest): string[] {
  try {
    return requestedPushAppIds(parseAcceptContactHeaders(getHeaders(request, 'accept-contact')));
  } catch {
    throw new MalformedPushRequest('Malformed Accept-Contact header');
  }
}
