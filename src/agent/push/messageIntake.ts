/**
 * MESSAGE intake (flow 5.4.1): a parsed SIP MESSAGE in, the final response out, answered only
 * after the push is committed to IndexedDB.
 *
 *   request ─> headers (From, To, Call-ID, CSeq, Content-Type, Accept-Contact)   400 if missing/garbled
 *           ─> push control headers (Push-ID, Push-Deliver-Before/After,        400 naming the header
 *              Priority: src/protocol/push)
 *           ─> unwrap message/cpim (content type, content, imdn.Message-ID,     400 if malformed
 *              imdn.Disposition-Notification, From, DateTime: the report request)
 *           ─> past Push-Deliver-Before                                        410 + Push-Report-Reason: expired
 *           ─> policy: app, allowFrom, accept, size                            404 / 403 / 415 / 413
 *           ─> GroupCommitter.enqueue (one transaction per tick)
 *           ─> 'stored' | 'duplicate' -> 200; full -> 503 + Retry-After; error -> 500
 *
 * Only the headers the push path needs are read. Every non-200 is reported to onRejected;
 * stored pushes are reported to onStored once per committed batch.
 */
import { CpimError, getContentHeader, getCpimHeader, IMDN_NS, parseCpim } from '../../protocol/cpim/cpim.ts';
import { parseDispositionNotification, ImdnError } from '../../protocol/imdn/imdn.ts';
import { parsePushControl, PushControlError, PUSH_REPORT_REASON_HEADER, PUSH_REPORT_REASONS, type PushControl } from '../../protocol/push/control.ts';
import { parseCSeq, parseNameAddr } from '../../protocol/sip/headers.ts';
import { getHeader, type SipHeader, type SipRequest, type SipResponse } from '../../protocol/sip/message.ts';
import { createResponse, randomToken, safeReasonPhrase } from '../../protocol/sip/response.ts';
import type { EnqueueOutcome, GroupCommitter } from '../store/groupCommit.ts';
import type { NewPush } from '../store/pushStore.ts';
import type { AgentEvents, AgentLimits, PushAppSpec, PushReportRequest, StoredPush } from '../types.ts';
import { dedupKey } from './dedupKey.ts';
import { MalformedPushRequest, readAppIds, readParty, readSender, requiredHeader } from '../policy/pushAddressing.ts';
import { bareMediaType, decidePush, type AppLookup } from '../policy/pushPolicy.ts';

export type PushRejection = AgentEvents['rejected'];

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

export interface MessageIntakeOptions {
  apps: AppLookup<PushAppSpec>;
  committer: Pick<GroupCommitter, 'enqueue' | 'on'>;
  limits: Pick<AgentLimits, 'maxMessageBytes' | 'retryAfterSeconds'>;
  /** The sender is the core's P-Asserted-Identity (AgentConfig.trustAssertedIdentity). */
  trustAssertedIdentity?: boolean;
  /** Clock for receivedAt (ms since the epoch). */
  now?: () => number;
  /** To tag of the responses (RFC 3261 section 8.2.6.2). */
  toTag?: () => string;
  /** Pushes this intake got stored, once per committed batch (feeds the agent's 'stored' event). */
  onStored?: (pushes: StoredPush[]) => void;
  /** Every push answered with something other than 200 (feeds the agent's 'rejected' event). */
  onRejected?: (rejection: PushRejection) => void;
}

export interface MessageIntake {
  /** The final response to a MESSAGE; resolves after the commit for a 200. Never rejects. */
  handle(request: SipRequest): Promise<SipResponse>;
  /** Stop listening to the committer. */
  close(): void;
}

/** Facts read from a MESSAGE before policy: what the push path needs, nothing more. */
export interface MessageFacts {
  /** The sender: the asserted identity when the core is trusted, else From. */
  fromAor: string;
  /** Trusting the core, it asserted nobody (see readSender). */
  senderUnverified?: boolean;
  fromDisplayName?: string;
  toAor: string;
  callId: string;
  cseq: number;
  appIds: string[];
  contentType: string;
  content: Uint8Array;
  messageId?: string;
  /** Push control information (Push-ID, Push-Deliver-Before/After, Priority). */
  control: PushControl;
  /** Reports asked for by the CPIM wrapper (imdn.Message-ID and imdn.Disposition-Notification). */
  report?: PushReportRequest;
}

export function createMessageIntake(options: MessageIntakeOptions): MessageIntake {
  const now = options.now ?? Date.now;
  const toTag = options.toTag ?? (() => randomToken(10));
  // dedupKeys this intake has queued: the committer's batches may also hold MSRP pushes.
  // A count per key: a retransmission may be waiting on the same key (and be retried after
  // the first copy failed), so the key stays ours until the last of them settles.
  const mine = new Map<string, number>();
  const unsubscribe = options.committer.on('committed', (pushes) => {
    const ours = pushes.filter((p) => mine.has(p.dedupKey));
    if (ours.length > 0) options.onStored?.(ours);
  });

  function respond(request: SipRequest, status: number, reason?: string, headers: SipHeader[] = []): SipResponse {
    const opts: Parameters<typeof createResponse>[2] = { headers, toTag: toTag() };
    if (reason !== undefined) opts.reason = safeReasonPhrase(reason);
    try {
      return createResponse(request, status, opts);
    } catch {
      // A To header too garbled to take a tag (answering 400 about it): echo it unchanged.
      delete opts.toTag;
      return createResponse(request, status, opts);
    }
  }

  function reject(request: SipRequest, status: number, reason: string, headers: SipHeader[] = [], extra: { appId?: string; from?: string } = {}): SipResponse {
    const response = respond(request, status, reason, headers);
    options.onRejected?.({ status, reason: response.reason, ...extra });
    return response;
  }

  async function handle(request: SipRequest): Promise<SipResponse> {
    if (request.method !== 'MESSAGE') {
      return reject(request, 405, `Method ${request.method} not handled by the push intake`, [{ name: 'Allow', value: 'MESSAGE' }]);
    }
    let facts: MessageFacts;
    try {
      facts = readMessageFacts(request, options.trustAssertedIdentity ?? false);
    } catch (error) {
      const known = error instanceof MalformedPushRequest || error instanceof CpimError || error instanceof PushControlError || error instanceof ImdnError;
      const reason = known ? error.message : `Malformed request: ${String((error as Error).message ?? error)}`;
      return reject(request, 400, reason);
    }
    if (facts.control.deliverBefore !== undefined && facts.control.deliverBefore <= now()) {
      // Already expired: not stored, never dispatched; the sender learns why (contract: 410).
      return reject(request, 410, 'Push expired (Push-Deliver-Before has passed)', [{ name: PUSH_REPORT_REASON_HEADER, value: PUSH_REPORT_REASONS.expired }], { from: facts.fromAor });
    }
    const decision = decidePush(
      { appIds: facts.appIds, fromAor: facts.fromAor, senderUnverified: facts.senderUnverified ?? false, contentType: facts.contentType, size: facts.content.length },
      options.apps,
      options.limits,
    );
    if (!decision.accept) {
      const extra: { appId?: string; from: string } = { from: facts.fromAor };
      if (decision.appId !== undefined) extra.appId = decision.appId;
      return reject(request, decision.status, decision.reason, decision.headers, extra);
    }
    const push: NewPush = {
      appId: decision.app.id,
      from: facts.fromAor,
      to: facts.toAor,
      contentType: facts.contentType,
      content: facts.content,
      size: facts.content.length,
      receivedAt: now(),
      via: 'message',
      dedupKey: dedupKey({ ...facts, appId: decision.app.id }),
    };
    if (facts.fromDisplayName !== undefined) push.fromDisplayName = facts.fromDisplayName;
    if (facts.messageId !== undefined) push.messageId = facts.messageId;
    if (facts.senderUnverified) push.senderUnverified = true;
    withControl(push, facts.control);
    if (facts.report) push.report = facts.report;

    mine.set(push.dedupKey, (mine.get(push.dedupKey) ?? 0) + 1);
    let outcome: EnqueueOutcome;
    try {
      outcome = await options.committer.enqueue(push);
    } catch (error) {
      outcome = { failure: 'error', message: String((error as Error).message ?? error) };
    } finally {
      const left = (mine.get(push.dedupKey) ?? 1) - 1;
      if (left > 0) mine.set(push.dedupKey, left);
      else mine.delete(push.dedupKey);
    }
    if (outcome === 'stored' || outcome === 'duplicate') return respond(request, 200);
    const extra = { appId: push.appId, from: push.from };
    if (outcome.failure === 'full') {
      return reject(request, 503, outcome.message, [{ name: 'Retry-After', value: String(options.limits.retryAfterSeconds) }], extra);
    }
    return reject(request, 500, outcome.message, [], extra);
  }

  return { handle, close: unsubscribe };
}

/** Read and check the headers and body of a MESSAGE. Throws MalformedPushRequest or CpimError (400). */
export function readMessageFacts(request: SipRequest, trustAssertedIdentity = false): MessageFacts {
  requiredHeader(request, 'From');
  requiredHeader(request, 'To');
  const callId = requiredHeader(request, 'Call-ID');
  const cseqValue = requiredHeader(request, 'CSeq');
  const contentTypeValue = requiredHeader(request, 'Content-Type');

  let cseq: number;
  try {
    const parsed = parseCSeq(cseqValue);
    if (parsed.method !== request.method) throw new MalformedPushRequest(`CSeq method ${parsed.method} does not match ${request.method}`);
    cseq = parsed.seq;
  } catch (error) {
    throw error instanceof MalformedPushRequest ? error : new MalformedPushRequest(`Malformed CSeq header`);
  }
  const control = parsePushControl((name) => getHeader(request, name));
  const from = readSender(request, trustAssertedIdentity);
  const to = readParty(request, 'To');
  const appIds = readAppIds(request);

  let contentType = contentTypeValue;
  let content = request.body;
  let messageId: string | undefined;
  let report: PushReportRequest | undefined;
  if (bareMediaType(contentTypeValue) === 'message/cpim') {
    const cpim = parseCpim(request.body);
    const inner = getContentHeader(cpim, 'Content-Type');
    if (!inner) throw new MalformedPushRequest('CPIM content without Content-Type');
    contentType = inner;
    content = cpim.content;
    messageId = getCpimHeader(cpim, 'Message-ID', IMDN_NS);
    if (messageId !== undefined && messageId === '') messageId = undefined;
    const disposition = getCpimHeader(cpim, 'Disposition-Notification', IMDN_NS);
    if (messageId !== undefined && disposition !== undefined) {
      const dispositions = parseDispositionNotification(disposition);
      if (dispositions.length > 0) {
        // RFC 5438 section 7.1: notifications go to the CPIM From (the SIP From when it has none).
        const cpimFrom = getCpimHeader(cpim, 'From');
        let replyTo = from.aor;
        if (cpimFrom !== undefined) {
          try {
            replyTo = parseNameAddr(cpimFrom).uri;
          } catch {
            throw new MalformedPushRequest(`Malformed CPIM From: ${cpimFrom}`);
          }
        }
        // Echoed in the notifications' <datetime>, which must be RFC 3339: else the receipt time.
        const dateTime = getCpimHeader(cpim, 'DateTime');
        report = { messageId, dispositions, replyTo, dateTime: dateTime !== undefined && RFC3339.test(dateTime) ? dateTime : new Date().toISOString() };
      }
    }
  }

  const facts: MessageFacts = { fromAor: from.aor, toAor: to.aor, callId, cseq, appIds, contentType, content, control };
  if (report) facts.report = report;
  if (from.displayName !== undefined) facts.fromDisplayName = from.displayName;
  if (from.identity === 'unverified') facts.senderUnverified = true;
  if (messageId !== undefined) facts.messageId = messageId;
  return facts;
}

/** Copy the control information onto a push record (absent fields stay absent). */
export function withControl<T extends Partial<Pick<StoredPush, 'pushId' | 'deliverBefore' | 'deliverAfter' | 'priority'>>>(push: T, control: PushControl): T {
  if (control.pushId !== undefined) push.pushId = control.pushId;
  if (control.deliverBefore !== undefined) push.deliverBefore = control.deliverBefore;
  if (control.deliverAfter !== undefined) push.deliverAfter = control.deliverAfter;
  if (control.priority !== undefined) push.priority = control.priority;
  return push;
}
