/**
 * Delivery reports arriving at the service (OMA SIP Push 5.3.1 functions 5 and 6; issue 12
 * item 5): an IMDN MESSAGE (RFC 5438) from a receiver, addressed to the service's AoR, turned
 * into the queue report it means and the SIP response to send.
 *
 *   MESSAGE ─> method MESSAGE?                                   405 Allow: MESSAGE
 *           ─> Content-Type message/cpim around message/imdn+xml,
 *              or a bare message/imdn+xml?                        415 Accept: message/cpim, message/imdn+xml
 *           ─> CPIM and IMDN XML well formed, sender readable?     400 with the codec's reason
 *           ─> <message-id> one of ours (parseReportMessageId)?    404 (not a push of this service)
 *           ─> the push and that terminal's delivery exist?        404
 *           ─> sent by the terminal's AoR (P-Asserted-Identity,
 *              else From), when the AoR is known?                  403
 *           ─> 200, with the report below (applied or not: the
 *              queue keeps the most advanced status, see status.ts)
 *
 * | Notification | Status | Queue report |
 * | --- | --- | --- |
 * | delivery | delivered | delivered |
 * | delivery | failed, forbidden, error | expired when `Push-Report-Reason: expired` or the push's deliver-before has passed; else undeliverable, reason `IMDN <status>[ (<Push-Report-Reason>)]` |
 * | display | displayed | displayed |
 * | display | forbidden, error | delivered (the receiver has it; it will not say when it is shown) |
 * | processing | any | none (the service never asks for it) |
 *
 * 404 and not 200 for a notification about a message the service does not know: the receiver
 * learns its report went nowhere (RFC 3261 21.4.5: the resource, here the message the report
 * is about, is not found), and does not retry a 4xx. A report the queue no longer applies (the
 * delivery already further along, or final) is answered 200: it was received and understood.
 */
import { getContentHeader, parseCpim } from '../../../../src/protocol/cpim/index.ts';
import { CodecError } from '../../../../src/protocol/errors.ts';
import { IMDN_CONTENT_TYPE, parseImdn, type ImdnDocument, type ImdnNotification } from '../../../../src/protocol/imdn/index.ts';
import { CPIM_CONTENT_TYPE, parseNotificationBody, parseReportMessageId, PUSH_REPORT_REASON_HEADER, PUSH_REPORT_REASONS } from '../../../../src/protocol/push/index.ts';
import { createResponse, getHeader, parseNameAddr, parseUri, safeReasonPhrase, type SipHeader, type SipRequest, type SipResponse } from '../../../../src/protocol/sip/index.ts';
import type { Json, PushQueue, PushState, ReportResult } from '../../queue/index.ts';

/** An IMDN read from a request, before the queue is asked. */
export interface ImdnReport {
  kind: 'report';
  pushId: string;
  terminal: string;
  /** The document's <message-id> (a reportMessageId). */
  messageId: string;
  notification: ImdnNotification;
  /** Who sent it: the AoR of P-Asserted-Identity, else of From (`sip:user@host`). */
  sender: string;
  /** The `Push-Report-Reason` token, lower case, when present. */
  reportReason?: string;
  document: ImdnDocument;
}

/** A request answered without asking the queue. */
export interface ImdnRejection {
  kind: 'reject';
  status: 400 | 404 | 405 | 415;
  reason: string;
  headers: SipHeader[];
}

export type QueueReportStatus = 'delivered' | 'displayed' | 'undeliverable' | 'expired';

/** What to apply: `queue.report(pushId, terminal, to, { reason })`. */
export interface QueueReport {
  pushId: string;
  terminal: string;
  to: QueueReportStatus;
  reason: string;
}

export interface ImdnDecision {
  status: 200 | 403 | 404;
  reason: string;
  /** Absent when nothing is to be applied (refused, or a processing notification). */
  report?: QueueReport;
}

const ACCEPT: SipHeader = { name: 'Accept', value: `${CPIM_CONTENT_TYPE}, ${IMDN_CONTENT_TYPE}` };

function reject(status: ImdnRejection['status'], reason: string, headers: SipHeader[] = []): ImdnRejection {
  return { kind: 'reject', status, reason, headers };
}

function bareType(value: string): string {
  return value.split(';')[0]!.trim().toLowerCase();
}

/** `sip:user@host[:port]` of a name-addr (the directory's and targets.ts's AoR form). */
function aorOf(nameAddr: string): string {
  const uri = parseUri(parseNameAddr(nameAddr).uri);
  return `${uri.scheme}:${uri.user ?? ''}${uri.user === undefined ? '' : '@'}${uri.host}${uri.port === undefined ? '' : `:${uri.port}`}`;
}

/** Read an IMDN MESSAGE (the pipeline above, up to the message ID). Never throws. */
export function readImdn(request: SipRequest): ImdnReport | ImdnRejection {
  if (request.method !== 'MESSAGE') return reject(405, `${request.method} is not taken here; the service takes IMDN MESSAGEs`, [{ name: 'Allow', value: 'MESSAGE' }]);
  const contentType = getHeader(request, 'content-type');
  const type = contentType === undefined ? undefined : bareType(contentType);
  let document: ImdnDocument;
  let sender: string;
  try {
    if (type === CPIM_CONTENT_TYPE) {
      const inner = getContentHeader(parseCpim(request.body), 'Content-Type');
      if (inner === undefined || bareType(inner) !== IMDN_CONTENT_TYPE) {
        return reject(415, `CPIM content is ${inner ?? 'untyped'}; the service takes only IMDN notifications (${IMDN_CONTENT_TYPE})`, [ACCEPT]);
      }
      document = parseNotificationBody(request.body).document;
    } else if (type === IMDN_CONTENT_TYPE) {
      document = parseImdn(new TextDecoder('utf-8').decode(request.body));
    } else {
      return reject(415, `Content-Type ${contentType ?? 'missing'}; the service takes IMDN notifications (${CPIM_CONTENT_TYPE} or ${IMDN_CONTENT_TYPE})`, [ACCEPT]);
    }
    const from = getHeader(request, 'p-asserted-identity') ?? getHeader(request, 'from');
    if (from === undefined) return reject(400, 'Missing From header');
    sender = aorOf(from);
  } catch (error) {
    if (error instanceof CodecError) return reject(400, error.message);
    throw error;
  }
  const ids = parseReportMessageId(document.messageId);
  if (!ids) return reject(404, `No push of this service has message ID ${JSON.stringify(document.messageId.slice(0, 80))}`);
  const reportReason = getHeader(request, PUSH_REPORT_REASON_HEADER)?.trim().toLowerCase();
  return {
    kind: 'report',
    ...ids,
    messageId: document.messageId,
    notification: document.notification,
    sender,
    ...(reportReason ? { reportReason } : {}),
    document,
  };
}

/**
 * The report an IMDN means for `push` (the table above) and the response status. `expectedAor`:
 * the AoR the terminal belongs to, when known (a notification from anyone else is refused 403).
 */
export function decideImdn(imdn: ImdnReport, push: Pick<PushState, 'deliverBefore' | 'deliveries'> | undefined, now: number, expectedAor?: string): ImdnDecision {
  const what = `push ${JSON.stringify(imdn.pushId)} to ${imdn.terminal}`;
  if (!push || !push.deliveries.some((d) => d.terminal === imdn.terminal)) return { status: 404, reason: `No delivery of ${what}` };
  if (expectedAor !== undefined && expectedAor.toLowerCase() !== imdn.sender.toLowerCase()) {
    return { status: 403, reason: `A report on ${what} must come from ${expectedAor}, not ${imdn.sender}` };
  }
  const report = (to: QueueReportStatus, reason: string): ImdnDecision => ({ status: 200, reason: 'OK', report: { pushId: imdn.pushId, terminal: imdn.terminal, to, reason } });
  const { kind, status } = imdn.notification;
  if (kind === 'processing') return { status: 200, reason: 'OK' };
  if (kind === 'display') return status === 'displayed' ? report('displayed', 'IMDN displayed') : report('delivered', `IMDN display ${status}`);
  if (status === 'delivered') return report('delivered', 'IMDN delivered');
  const why = `IMDN ${status}${imdn.reportReason ? ` (${imdn.reportReason})` : ''}`;
  const expired = imdn.reportReason === PUSH_REPORT_REASONS.expired || (push.deliverBefore !== undefined && now >= push.deliverBefore);
  return report(expired ? 'expired' : 'undeliverable', why);
}

/** The SIP response for a rejection or a decision. */
export function imdnResponse(request: SipRequest, outcome: ImdnRejection | ImdnDecision): SipResponse {
  const headers = 'headers' in outcome ? outcome.headers : [];
  return createResponse(request, outcome.status, { reason: safeReasonPhrase(outcome.reason), headers });
}

/**
 * The AoR a delivery key belongs to: `aor:<aor>` keys name it; for the others the push's stored
 * target is read when it holds `aorOf: { key: aor }` (targets.ts ResolvedTargets.aorOf).
 */
export function expectedAorOf(push: Pick<PushState, 'target'>, terminal: string): string | undefined {
  if (terminal.startsWith('aor:')) return terminal.slice(4);
  const target = push.target as Json;
  if (typeof target === 'object' && target !== null && !Array.isArray(target)) {
    const map = target['aorOf'];
    if (typeof map === 'object' && map !== null && !Array.isArray(map)) {
      const aor = map[terminal];
      if (typeof aor === 'string') return aor;
    }
  }
  return undefined;
}

export interface ImdnHandled {
  response: SipResponse;
  /** The report the IMDN meant, when it meant one. */
  report?: QueueReport;
  /** What the queue did with it. */
  result?: ReportResult;
}

/**
 * The whole intake against a queue: read, look the push up, decide, apply, answer. Resolves
 * with the response to send (never rejects for the request's content; rejects when the queue
 * fails, which the caller answers 500).
 */
export async function handleImdn(request: SipRequest, queue: Pick<PushQueue, 'getPush' | 'report'>, now: () => number = Date.now): Promise<ImdnHandled> {
  const imdn = readImdn(request);
  if (imdn.kind === 'reject') return { response: imdnResponse(request, imdn) };
  const push = await queue.getPush(imdn.pushId);
  const decision = decideImdn(imdn, push, now(), push && expectedAorOf(push, imdn.terminal));
  if (!decision.report) return { response: imdnResponse(request, decision) };
  const { pushId, terminal, to, reason } = decision.report;
  const result = await queue.report(pushId, terminal, to, { reason });
  return { response: imdnResponse(request, decision), report: decision.report, result };
}
