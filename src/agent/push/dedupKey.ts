/**
 * The key that makes a re-sent push recognisable (stored once, answered 200 again). A
 * duplicate is the same push from the same sender to the same app, so the key is scoped by
 * the sender's identity (its AoR) and the app, never an ID alone: IMDN Message-IDs are often
 * counters and Call-IDs are the sender's choice, so an ID alone would let one sender suppress
 * another's pushes (answered 200, stored nothing).
 *
 *   `imdn:["<from>","<app>","<Message-ID>"]`  when the CPIM wrapper carries imdn.Message-ID
 *        (RFC 5438 section 6.3: unique per message from that sender, kept across re-sends);
 *   `sip:["<from>","<app>","<Call-ID>",<CSeq>]`  otherwise: a retransmission of the same request
 *        (RFC 3261 sections 8.2.2.2 and 17.2.3; the Call-ID is unique only with its sender).
 *
 * JSON arrays keep the parts apart whatever characters they hold.
 */
export interface DedupFacts {
  /** The sender's AoR: the identity the core asserted when it is trusted, else From. */
  fromAor: string;
  /** The app the push was accepted for. */
  appId: string;
  messageId?: string | undefined;
  callId: string;
  cseq: number;
}

export function dedupKey(facts: DedupFacts): string {
  return facts.messageId
    ? `imdn:${JSON.stringify([facts.fromAor, facts.appId, facts.messageId])}`
    : `sip:${JSON.stringify([facts.fromAor, facts.appId, facts.callId, facts.cseq])}`;
}
