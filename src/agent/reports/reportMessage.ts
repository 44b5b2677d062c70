/**
 * The IMDN MESSAGE the Push Receiver Agent sends about one push (RFC 5438 section 7.1.1),
 * built purely from the push's report request:
 *
 *   MESSAGE <report.replyTo> SIP/2.0          (JsSIP adds Via, From = our AoR, To, Call-ID, CSeq)
 *   Content-Type: message/cpim
 *   Push-Report-Reason: expired               (negative reports only: why it was discarded)
 *
 *   From: <sip:alice@example.com>
 *   To: <sip:psa@example.com>
 *   DateTime: 2026-12-02T17:00:01.000Z
 *   NS: imdn <urn:ietf:params:imdn>
 *   imdn.Message-ID: <fresh>
 *
 *   Content-Type: message/imdn+xml
 *   Content-Disposition: notification
 *   Content-Length: ...
 *
 *   <imdn ...><message-id>{push's imdn.Message-ID}</message-id><datetime>{push's DateTime}</datetime>
 *   <delivery-notification><status><delivered/></status></delivery-notification></imdn>
 */
import { PUSH_REPORT_REASON_HEADER } from '../../protocol/push/control.ts';
import { buildNotificationBody, CPIM_CONTENT_TYPE } from '../../protocol/push/reports.ts';
import type { ImdnNotification } from '../../protocol/imdn/imdn.ts';
import type { PushReportRequest } from '../types.ts';

/** What a report says: delivered, displayed, or failed (discarded unshown, with a reason). */
export type ReportKind = 'delivered' | 'displayed' | 'failed';

/** One SIP MESSAGE to send (through JsSIP's UA.sendMessage). */
export interface ReportMessage {
  /** Request-URI and To. */
  target: string;
  contentType: string;
  /** The CPIM text (UTF-8 XML inside: JsSIP takes the body as a string). */
  body: string;
  /** `Name: value` lines beyond JsSIP's own. */
  extraHeaders: string[];
}

const NOTIFICATIONS: Record<ReportKind, ImdnNotification> = {
  delivered: { kind: 'delivery', status: 'delivered' },
  displayed: { kind: 'display', status: 'displayed' },
  failed: { kind: 'delivery', status: 'failed' },
};

/** Whether the push asked for this kind of report (RFC 5438 section 6.3). */
export function wantsReport(report: PushReportRequest | undefined, kind: ReportKind): report is PushReportRequest {
  if (!report) return false;
  const needed = kind === 'delivered' ? 'positive-delivery' : kind === 'failed' ? 'negative-delivery' : 'display';
  return report.dispositions.includes(needed);
}

export interface ReportMessageInit {
  kind: ReportKind;
  report: PushReportRequest;
  /** Our AoR (the CPIM From). */
  from: string;
  /** The notification's own imdn.Message-ID (fresh). */
  notificationId: string;
  now: number;
  /** Push-Report-Reason of a failed report (`expired`...). */
  reason?: string;
}

export function buildReportMessage(init: ReportMessageInit): ReportMessage {
  const body = buildNotificationBody({
    from: `<${init.from}>`,
    to: `<${init.report.replyTo}>`,
    notificationId: init.notificationId,
    dateTime: new Date(init.now),
    document: { messageId: init.report.messageId, datetime: init.report.dateTime, notification: NOTIFICATIONS[init.kind] },
  });
  const extraHeaders: string[] = [];
  if (init.kind === 'failed' && init.reason !== undefined) extraHeaders.push(`${PUSH_REPORT_REASON_HEADER}: ${init.reason}`);
  return { target: init.report.replyTo, contentType: CPIM_CONTENT_TYPE, body: new TextDecoder().decode(body), extraHeaders };
}
