/**
 * What one attempt's outcome does to its delivery. The table, by SIP final response:
 *
 * | Response | Action | Why |
 * | --- | --- | --- |
 * | 202 Accepted | accepted | the core holds the push for later delivery (Kamailio msilo); delivery reports follow |
 * | other 2xx | delivered | the receiver answered after storing the push |
 * | 3xx | undeliverable | the sender does not follow redirections |
 * | 404 Not Found | park | the embedded core answers 404 for an AoR with no binding: wait for a contact (wake()) or parkDelayMs; counts as an attempt, so an AoR that never registers ends undeliverable after maxAttempts |
 * | 408 Request Timeout, 480 Temporarily Unavailable | retry | the receiver is away or slow |
 * | 486 Busy Here, 600 Busy Everywhere | retry | busy now |
 * | 500, 502, 503, 504 | retry | a server or its next hop failed; 503's Retry-After is honoured |
 * | 501, 505 | undeliverable | the far end does not implement the request |
 * | 401, 407 | undeliverable | the service's credentials were refused (after the digest retry): fix the configuration |
 * | 403 Forbidden | undeliverable | not an allowed push sender for this receiver |
 * | 413, 513 | undeliverable | too large for a MESSAGE: the caller should have chosen MSRP |
 * | 415, 488, 606 | undeliverable | the receiver or its app does not accept the content |
 * | 603 Decline, 604 Does Not Exist Anywhere | undeliverable | refused for good |
 * | any other 4xx, 6xx | undeliverable | a request the far end will not take as it is |
 * | any other 5xx | retry | a server error may pass |
 *
 * Without a SIP response: a transport failure (connection refused or closed, transaction
 * timeout with nothing received) retries; no matching contact in the directory parks (not a
 * send, so not counted as an attempt); a terminal found unable to take the push at send time
 * (`refused`: its capabilities, learnt after the submit) is undeliverable without a send. A
 * receiver that answers 410 with `Push-Report-Reason: expired` (the push reached it after its
 * deliver-before) ends the delivery `expired`, not undeliverable. A retry whose next attempt
 * would come after the push's deliver-before ends expired at once; a park waits for wake() or
 * the expiry sweep (expireDue). Either ends undeliverable after maxAttempts.
 */
import { QueueError } from './errors.ts';

/** The outcome of one claimed attempt, as the worker saw it. */
export type AttemptOutcome =
  /** A final SIP response to the MESSAGE (or to the INVITE / MSRP SEND of a large push). */
  | { kind: 'sip'; status: number; reason?: string; retryAfterSeconds?: number }
  /** No SIP response: the transport failed or the transaction timed out. */
  | { kind: 'transport'; reason: string }
  /** Not sent: the directory shows no contact that matches the target. */
  | { kind: 'no-contact'; reason?: string }
  /** The receiver refused it as past its deliver-before (410 with `Push-Report-Reason: expired`). */
  | { kind: 'expired'; reason: string }
  /** Not sent: the terminal cannot take it (capabilities learnt after the submit: content type, app, size). */
  | { kind: 'refused'; reason: string };

export type OutcomeAction =
  | { action: 'accepted' | 'delivered' | 'undeliverable' | 'expired'; reason: string }
  | { action: 'retry' | 'park'; reason: string; retryAfterMs: number };

const RETRY = new Set([408, 480, 486, 500, 502, 503, 504, 600]);
/** 5xx that retrying does not cure (every other 5xx retries). */
const FINAL_5XX = new Set([501, 505, 513]);

function describe(status: number, reason: string | undefined): string {
  return reason ? `${status} ${reason}` : String(status);
}

/** The action for an outcome (the table above); throws QUEUE_ERR_INPUT for a status that is not a final response. */
export function outcomeAction(outcome: AttemptOutcome): OutcomeAction {
  if (outcome.kind === 'transport') return { action: 'retry', reason: outcome.reason, retryAfterMs: 0 };
  if (outcome.kind === 'no-contact') return { action: 'park', reason: outcome.reason ?? 'no matching contact', retryAfterMs: 0 };
  if (outcome.kind === 'expired') return { action: 'expired', reason: outcome.reason };
  if (outcome.kind === 'refused') return { action: 'undeliverable', reason: outcome.reason };
  const { status } = outcome;
  if (!Number.isInteger(status) || status < 200 || status > 699) throw new QueueError('QUEUE_ERR_INPUT', `An attempt's outcome needs a final SIP status (200-699), got ${status}`);
  const reason = describe(status, outcome.reason);
  if (status === 202) return { action: 'accepted', reason };
  if (status < 300) return { action: 'delivered', reason };
  const retryAfterMs = Math.max(0, (outcome.retryAfterSeconds ?? 0) * 1000);
  if (status === 404) return { action: 'park', reason, retryAfterMs };
  if (RETRY.has(status) || (status >= 500 && status < 600 && !FINAL_5XX.has(status))) return { action: 'retry', reason, retryAfterMs };
  return { action: 'undeliverable', reason };
}
