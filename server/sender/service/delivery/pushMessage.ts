/**
 * What goes on the wire for one claimed delivery (issue 12 items 5 and 7): the SIP MESSAGE of
 * a small push (flow 5.4.1), or the headers of the INVITE of a large one (flow 5.4.2). Pure.
 *
 * MESSAGE (RFC 3428):
 *   MESSAGE <GRUU or AoR> SIP/2.0
 *   Accept-Contact: *;+sip.instance="<urn:uuid:...>";require;explicit   <- only for an instance by its AoR
 *   Accept-Contact: *;+g.oma.pusheventapp="news.ua";require;explicit
 *   Push-ID: "provider id"                 <- src/protocol/push control headers
 *   Push-Deliver-Before: ... / Push-Deliver-After: ...
 *   Priority: non-urgent | normal | urgent
 *   Content-Type: <the app's type>         <- no report requested: the content as it is
 *   Content-Type: message/cpim             <- report requested (RFC 5438 7.1): From <service AoR>,
 *                                             To <target AoR>, DateTime, NS imdn,
 *                                             imdn.Message-ID = reportMessageId(pushId, terminal),
 *                                             imdn.Disposition-Notification: positive-delivery,
 *                                             negative-delivery, display; then the content
 *
 * INVITE (MSRP): the same Accept-Contact and control headers; with a report requested also
 * `Push-Message-ID: <reportMessageId>` and `Push-Disposition-Notification: display` (delivery
 * is reported by the MSRP Success-Report REPORT, display by an IMDN MESSAGE).
 *
 * The message ID is deterministic (same push, same terminal -> same ID), so a resend after a
 * lost 200 is dropped by the receiver's dedup. Give these headers to PushSender.sendPush /
 * sendLargePush and leave their `app` unset: the Accept-Contact is already here.
 *
 * Priority: API low | normal | high -> queue -1 | 0 | 1 (claimed first when higher) -> wire
 * non-urgent | normal | urgent (RFC 3261 20.26).
 */
import { buildPushControlHeaders, buildReportRequestBody, CPIM_CONTENT_TYPE, reportMessageId, type PushControl, type PushPriority as WirePriority } from '../../../../src/protocol/push/index.ts';
import type { SipHeader } from '../../../../src/protocol/sip/index.ts';
import type { PushPriority } from '../types.ts';
import type { DeliveryAddress } from './targets.ts';

export type { WirePriority };

/** API priority -> the queue's integer priority (higher is claimed first). */
export const QUEUE_PRIORITY: Readonly<Record<PushPriority, -1 | 0 | 1>> = { low: -1, normal: 0, high: 1 };

/** API priority -> RFC 3261 Priority. */
export const WIRE_PRIORITY: Readonly<Record<PushPriority, WirePriority>> = { low: 'non-urgent', normal: 'normal', high: 'urgent' };

/** The queue's integer priority (Claim.push.priority) read back as the API's: below 0 low, 0 normal, above 0 high. */
export function apiPriority(queuePriority: number): PushPriority {
  return queuePriority < 0 ? 'low' : queuePriority > 0 ? 'high' : 'normal';
}

/** The queue's integer priority as the wire's Priority value. */
export function wirePriority(queuePriority: number): WirePriority {
  return WIRE_PRIORITY[apiPriority(queuePriority)];
}

/** One claimed delivery: what the queue's Claim and the push hold, and where to send it (addressFor). */
export interface PushWireInput {
  pushId: string;
  /** The delivery key (Claim.terminal). */
  terminal: string;
  address: Pick<DeliveryAddress, 'aor' | 'requestUri' | 'acceptContact'>;
  /** The service's own AoR (`sip:psa@<domain>`): the IMDNs are sent to it. */
  serviceAor: string;
  contentType: string;
  reportRequested: boolean;
  /** The queue's integer priority. */
  priority: number;
  /** Epoch ms. */
  deliverBefore?: number;
  /** Epoch ms. */
  deliverAfter?: number;
}

export interface PushMessageInput extends PushWireInput {
  content: Uint8Array;
  /** Epoch ms now: the CPIM DateTime. */
  now: number;
}

export interface OutgoingMessage {
  requestUri: string;
  /** Accept-Contact and the push control headers, in that order. */
  headers: SipHeader[];
  /** The SIP body's type: the content's, or message/cpim. */
  contentType: string;
  body: Uint8Array;
  /** The imdn.Message-ID the reports will name (when a report was requested). */
  reportMessageId?: string;
}

export interface OutgoingInvite {
  requestUri: string;
  /** Accept-Contact, the push control headers and, with a report, Push-Message-ID and Push-Disposition-Notification. */
  headers: SipHeader[];
  reportMessageId?: string;
}

function control(input: PushWireInput): PushControl {
  return {
    pushId: input.pushId,
    ...(input.deliverBefore !== undefined && { deliverBefore: input.deliverBefore }),
    ...(input.deliverAfter !== undefined && { deliverAfter: input.deliverAfter }),
    priority: wirePriority(input.priority),
  };
}

function acceptContactHeaders(input: PushWireInput): SipHeader[] {
  return input.address.acceptContact.map((value) => ({ name: 'Accept-Contact', value }));
}

/** The MESSAGE of a small push. Throws PushControlError for a value the headers cannot carry. */
export function buildPushMessage(input: PushMessageInput): OutgoingMessage {
  const headers = [...acceptContactHeaders(input), ...buildPushControlHeaders(control(input))];
  if (!input.reportRequested) return { requestUri: input.address.requestUri, headers, contentType: input.contentType, body: input.content };
  const messageId = reportMessageId(input.pushId, input.terminal);
  const body = buildReportRequestBody({
    from: `<${input.serviceAor}>`,
    to: `<${input.address.aor}>`,
    messageId,
    dateTime: new Date(input.now),
    contentType: input.contentType,
    content: input.content,
  });
  return { requestUri: input.address.requestUri, headers, contentType: CPIM_CONTENT_TYPE, body, reportMessageId: messageId };
}

/** The INVITE headers of a large (MSRP) push. Throws PushControlError for a value the headers cannot carry. */
export function buildPushInvite(input: PushWireInput): OutgoingInvite {
  if (!input.reportRequested) return { requestUri: input.address.requestUri, headers: [...acceptContactHeaders(input), ...buildPushControlHeaders(control(input))] };
  const messageId = reportMessageId(input.pushId, input.terminal);
  const headers = [...acceptContactHeaders(input), ...buildPushControlHeaders({ ...control(input), reportMessageId: messageId, displayRequested: true })];
  return { requestUri: input.address.requestUri, headers, reportMessageId: messageId };
}

/**
 * The bytes the CPIM wrapper adds to this push's content (0 without a report), exact but for
 * the Content-Length value, counted at its widest: pass it to selectMode as reportOverheadBytes.
 */
export function reportOverheadBytes(input: Omit<PushMessageInput, 'content'>): number {
  if (!input.reportRequested) return 0;
  const widest = String(Number.MAX_SAFE_INTEGER).length - 1; // the empty content wrote one digit
  return buildPushMessage({ ...input, content: new Uint8Array(0) }).body.length + widest;
}
