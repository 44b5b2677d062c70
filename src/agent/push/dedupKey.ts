/**
 * The key that makes a re-sent push recognisable (stored once, answered 200 again):
 *   `imdn:<Message-ID>`          when the CPIM wrapper carries imdn.Message-ID (RFC 5438
 *                                section 6.3: unique per message, kept across re-sends);
 *   `sip:<Call-ID>:<CSeq number>` otherwise (a retransmission of the same request,
 *                                RFC 3261 sections 8.2.2.2 and 17.2.3).
 */
export interface DedupFacts {
  messageId?: string | undefined;
  callId: string;
  cseq: number;
}

export function dedupKey(facts: DedupFacts): string {
  return facts.messageId ? `imdn:${facts.messageId}` : `sip:${facts.callId}:${facts.cseq}`;
}
