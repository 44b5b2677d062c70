/**
 * The CPIM bodies of delivery reports (RFC 5438) between the Push Sender Agent and the Push
 * Receiver Agent, built from src/protocol/cpim and src/protocol/imdn:
 *
 * - the push that asks for reports (RFC 5438 section 6.3, 7.1): `message/cpim` with
 *   `NS: imdn <urn:ietf:params:imdn>`, `imdn.Message-ID`, `DateTime`,
 *   `imdn.Disposition-Notification`, around the app's content;
 * - the notification the receiver sends back (section 7.1.1): `message/cpim` with a fresh
 *   imdn.Message-ID around `message/imdn+xml` with `Content-Disposition: notification`, whose
 *   <message-id> is the push's imdn.Message-ID.
 * Pure: no DOM, no Node types.
 */
import { createCpim, getContentHeader, getCpimHeader, IMDN_NS, parseCpim, serializeCpim } from '../cpim/cpim.ts';
import { buildImdn, formatDispositionNotification, IMDN_CONTENT_TYPE, ImdnError, parseImdn, type DispositionRequest, type ImdnDocument } from '../imdn/imdn.ts';

export const CPIM_CONTENT_TYPE = 'message/cpim';
/** What the Push Sender Agent asks for on every push that wants reports. */
export const ALL_PUSH_DISPOSITIONS: readonly DispositionRequest[] = ['positive-delivery', 'negative-delivery', 'display'];

export interface ReportRequestInit {
  /** CPIM From: the address the notifications go to, `<sip:psa@example.com>`. */
  from: string;
  to: string;
  /** imdn.Message-ID (reportMessageId(pushId, terminal) for the service). */
  messageId: string;
  dateTime: string | Date;
  /** Default ALL_PUSH_DISPOSITIONS. */
  dispositions?: readonly DispositionRequest[];
  contentType: string;
  content: Uint8Array | string;
}

/** The `message/cpim` body of a push that asks for delivery reports. */
export function buildReportRequestBody(init: ReportRequestInit): Uint8Array {
  return serializeCpim(
    createCpim({
      from: init.from,
      to: init.to,
      dateTime: init.dateTime,
      namespaces: { imdn: IMDN_NS },
      headers: [
        { name: 'imdn.Message-ID', value: init.messageId },
        { name: 'imdn.Disposition-Notification', value: formatDispositionNotification(init.dispositions ?? ALL_PUSH_DISPOSITIONS) },
      ],
      contentType: init.contentType,
      content: init.content,
    }),
    { contentLength: true },
  );
}

export interface NotificationInit {
  /** CPIM From: the receiver (`<sip:alice@example.com>`). */
  from: string;
  /** CPIM To: the push's CPIM From (or the INVITE's From AoR). */
  to: string;
  /** The notification's own imdn.Message-ID: fresh per notification. */
  notificationId: string;
  dateTime: string | Date;
  /** message-id = the push's imdn.Message-ID, datetime = the push's DateTime. */
  document: ImdnDocument;
}

/** The `message/cpim` body of an IMDN (RFC 5438 section 7.1.1). Throws ImdnError on invalid documents. */
export function buildNotificationBody(init: NotificationInit): Uint8Array {
  return serializeCpim(
    createCpim({
      from: init.from,
      to: init.to,
      dateTime: init.dateTime,
      namespaces: { imdn: IMDN_NS },
      headers: [{ name: 'imdn.Message-ID', value: init.notificationId }],
      contentType: IMDN_CONTENT_TYPE,
      contentHeaders: [{ name: 'Content-Disposition', value: 'notification' }],
      content: buildImdn(init.document),
    }),
    { contentLength: true },
  );
}

export interface ReceivedNotification {
  /** The notification's own imdn.Message-ID, when it has one. */
  notificationId?: string;
  /** CPIM From of the notification (the receiver). */
  from?: string;
  document: ImdnDocument;
}

/**
 * Read an IMDN MESSAGE body (`message/cpim` around `message/imdn+xml`). Throws CpimError or
 * ImdnError (status 400) when it is not one.
 */
export function parseNotificationBody(body: Uint8Array | string): ReceivedNotification {
  const cpim = parseCpim(body);
  const type = getContentHeader(cpim, 'Content-Type');
  if (type?.split(';')[0]!.trim().toLowerCase() !== IMDN_CONTENT_TYPE) {
    throw new ImdnError('IMDN_ERR_SCHEMA', 400, `CPIM content is ${type ?? 'untyped'}, not ${IMDN_CONTENT_TYPE}`);
  }
  const out: ReceivedNotification = { document: parseImdn(new TextDecoder('utf-8').decode(cpim.content)) };
  const id = getCpimHeader(cpim, 'Message-ID', IMDN_NS);
  if (id !== undefined) out.notificationId = id;
  const from = getCpimHeader(cpim, 'From');
  if (from !== undefined) out.from = from;
  return out;
}
