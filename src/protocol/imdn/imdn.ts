/**
 * IMDN documents (RFC 5438 section 7): `message/imdn+xml` delivery, display and processing
 * notifications, and the `imdn.Disposition-Notification` header values that request them
 * (section 6.3). The CPIM envelope around a notification is src/protocol/cpim's business;
 * this module takes and returns the XML document and typed values. Pure: no DOM, no Node.
 */
import { CodecError } from '../errors.ts';
import { createXmlParser, rootElementNames, xmlSyntaxError } from '../xml/parser.ts';
import { decodeXmlText, escapeXml, hasIllegalXmlChar } from '../xml/text.ts';

export const IMDN_CONTENT_TYPE = 'message/imdn+xml';
export const IMDN_NAMESPACE = 'urn:ietf:params:xml:ns:imdn';

export type DeliveryStatus = 'delivered' | 'failed' | 'forbidden' | 'error';
export type DisplayStatus = 'displayed' | 'forbidden' | 'error';
export type ProcessingStatus = 'processed' | 'stored' | 'forbidden' | 'error';

/** Which notification a document carries, with the statuses RFC 5438 section 7.2 allows for it. */
export type ImdnNotification =
  | { kind: 'delivery'; status: DeliveryStatus }
  | { kind: 'display'; status: DisplayStatus }
  | { kind: 'processing'; status: ProcessingStatus };

export interface ImdnDocument {
  /** imdn.Message-ID of the message this notification is about. */
  messageId: string;
  /** DateTime of that message (CPIM DateTime, RFC 3339), copied as given. */
  datetime: string;
  /** The recipient that generated the notification. */
  recipientUri?: string;
  /** The recipient the sender originally addressed (before any retargeting). */
  originalRecipientUri?: string;
  subject?: string;
  notification: ImdnNotification;
}

export type ImdnErrorCode = 'IMDN_ERR_XML' | 'IMDN_ERR_SCHEMA' | 'IMDN_ERR_DISPOSITION';

/** Errors of this module: a stable code, and the status a SIP server answers a request carrying it with. */
export class ImdnError extends CodecError<ImdnErrorCode> {
  override name = 'ImdnError';
}

const STATUSES: { [K in ImdnNotification['kind']]: readonly Extract<ImdnNotification, { kind: K }>['status'][] } = {
  delivery: ['delivered', 'failed', 'forbidden', 'error'],
  display: ['displayed', 'forbidden', 'error'],
  processing: ['processed', 'stored', 'forbidden', 'error'],
};

/** RFC 3339 date-time, as CPIM DateTime carries it. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** The `message/imdn+xml` body for a notification. Throws ImdnError on values the schema forbids. */
export function buildImdn(doc: ImdnDocument): string {
  validate(doc);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<imdn xmlns="${IMDN_NAMESPACE}">`];
  const element = (name: string, value: string | undefined) => {
    if (value !== undefined) lines.push(`  <${name}>${escapeXml(value)}</${name}>`);
  };
  element('message-id', doc.messageId);
  element('datetime', doc.datetime);
  element('recipient-uri', doc.recipientUri);
  element('original-recipient-uri', doc.originalRecipientUri);
  element('subject', doc.subject);
  const { kind, status } = doc.notification;
  lines.push(`  <${kind}-notification>`, `    <status><${status}/></status>`, `  </${kind}-notification>`, '</imdn>');
  return lines.join('\n') + '\n';
}

/** Convenience for the common case: the delivery notification answering one message. */
export function deliveryNotification(about: Omit<ImdnDocument, 'notification'>, status: DeliveryStatus): ImdnDocument {
  return { ...about, notification: { kind: 'delivery', status } };
}

// Made on first use: a module that only builds IMDN (the browser's reports) must not pull the
// XML parser into the widget bundle (.size-limit.json).
let parser: ReturnType<typeof createXmlParser> | undefined;

type XmlNode = Record<string, unknown>;

/** Parse a `message/imdn+xml` body. Throws ImdnError (IMDN_ERR_XML or IMDN_ERR_SCHEMA). */
export function parseImdn(xml: string): ImdnDocument {
  if (/<!DOCTYPE/i.test(xml)) throw new ImdnError('IMDN_ERR_XML', 400, 'IMDN documents carry no DOCTYPE');
  const syntaxError = xmlSyntaxError(xml);
  if (syntaxError !== undefined) throw new ImdnError('IMDN_ERR_XML', 400, `Malformed IMDN XML: ${syntaxError}`);
  const tree = (parser ??= createXmlParser()).parse(xml) as XmlNode;
  const rootKeys = rootElementNames(tree);
  const rootKey = rootKeys[0];
  if (rootKeys.length > 1 || Array.isArray(tree[rootKey ?? ''])) throw new ImdnError('IMDN_ERR_XML', 400, 'More than one root element');
  const prefix = rootKey?.includes(':') ? rootKey.slice(0, rootKey.indexOf(':') + 1) : '';
  if (rootKey !== `${prefix}imdn`) throw new ImdnError('IMDN_ERR_SCHEMA', 400, `Root element is ${rootKey ?? 'missing'}, not imdn`);
  const root = tree[rootKey];
  if (!isNode(root)) throw new ImdnError('IMDN_ERR_SCHEMA', 400, 'Empty imdn element');
  const ns = root[prefix ? `@_xmlns:${prefix.slice(0, -1)}` : '@_xmlns'];
  if (ns !== IMDN_NAMESPACE) throw new ImdnError('IMDN_ERR_SCHEMA', 400, `imdn element is not in the ${IMDN_NAMESPACE} namespace`);

  const text = (name: string, required: boolean): string | undefined => {
    const value = root[prefix + name];
    if (value === undefined) {
      if (required) throw new ImdnError('IMDN_ERR_SCHEMA', 400, `Missing <${name}>`);
      return undefined;
    }
    if (Array.isArray(value)) throw new ImdnError('IMDN_ERR_SCHEMA', 400, `More than one <${name}>`);
    if (typeof value !== 'string') throw new ImdnError('IMDN_ERR_SCHEMA', 400, `<${name}> must hold text only`);
    return decodeXmlText(value);
  };

  const messageId = text('message-id', true)!;
  if (messageId === '') throw new ImdnError('IMDN_ERR_SCHEMA', 400, 'Empty <message-id>');
  const datetime = text('datetime', true)!;
  if (!DATE_TIME.test(datetime)) throw new ImdnError('IMDN_ERR_SCHEMA', 400, `<datetime> is not an RFC 3339 date-time: ${datetime}`);

  const kinds = (Object.keys(STATUSES) as ImdnNotification['kind'][]).filter((k) => root[`${prefix}${k}-notification`] !== undefined);
  if (kinds.length !== 1) throw new ImdnError('IMDN_ERR_SCHEMA', 400, `Expected exactly one notification element, found ${kinds.length}`);
  const kind = kinds[0]!;
  const notification = root[`${prefix}${kind}-notification`];
  const statusNode = isNode(notification) ? notification[`${prefix}status`] : undefined;
  if (!isNode(statusNode)) throw new ImdnError('IMDN_ERR_SCHEMA', 400, `<${kind}-notification> without <status>`);
  const found = Object.keys(statusNode).filter((k) => !k.startsWith('@_') && k !== '#text');
  const allowed = STATUSES[kind] as readonly string[];
  const status = found.length === 1 && found[0]!.startsWith(prefix) ? found[0]!.slice(prefix.length) : undefined;
  if (status === undefined || !allowed.includes(status)) {
    throw new ImdnError('IMDN_ERR_SCHEMA', 400, `<${kind}-notification> status must be one of ${allowed.join(', ')}; got ${found.join(', ') || 'nothing'}`);
  }

  const doc: ImdnDocument = { messageId, datetime, notification: { kind, status } as ImdnNotification };
  const recipientUri = text('recipient-uri', false);
  if (recipientUri !== undefined) doc.recipientUri = recipientUri;
  const originalRecipientUri = text('original-recipient-uri', false);
  if (originalRecipientUri !== undefined) doc.originalRecipientUri = originalRecipientUri;
  const subject = text('subject', false);
  if (subject !== undefined) doc.subject = subject;
  return doc;
}

function validate(doc: ImdnDocument): void {
  if (doc.messageId === '') throw new ImdnError('IMDN_ERR_SCHEMA', 400, 'Empty message ID');
  for (const value of [doc.messageId, doc.datetime, doc.recipientUri, doc.originalRecipientUri, doc.subject]) {
    if (value !== undefined && hasIllegalXmlChar(value)) throw new ImdnError('IMDN_ERR_SCHEMA', 400, 'A value holds a character XML cannot carry');
  }
  if (!DATE_TIME.test(doc.datetime)) throw new ImdnError('IMDN_ERR_SCHEMA', 400, `datetime is not an RFC 3339 date-time: ${doc.datetime}`);
  const allowed = STATUSES[doc.notification.kind] as readonly string[] | undefined;
  if (!allowed?.includes(doc.notification.status)) {
    throw new ImdnError('IMDN_ERR_SCHEMA', 400, `Status ${doc.notification.status} is not allowed in a ${doc.notification.kind} notification`);
  }
}

function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Notifications a sender may request (RFC 5438 section 6.3). */
export type DispositionRequest = 'positive-delivery' | 'negative-delivery' | 'processing' | 'display';

const DISPOSITION_REQUESTS: readonly DispositionRequest[] = ['positive-delivery', 'negative-delivery', 'processing', 'display'];
const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;

/**
 * Parse an `imdn.Disposition-Notification` value such as `positive-delivery, negative-delivery,
 * display`: the known requests in order, once each. Unknown tokens and parameters are ignored
 * (section 6.3); an item that is not a token is an IMDN_ERR_DISPOSITION error.
 */
export function parseDispositionNotification(value: string): DispositionRequest[] {
  const out: DispositionRequest[] = [];
  for (const item of value.split(',')) {
    const name = item.split(';')[0]!.trim().toLowerCase();
    if (name === '' && item.trim() === '') continue;
    if (!TOKEN.test(name)) throw new ImdnError('IMDN_ERR_DISPOSITION', 400, `Invalid Disposition-Notification item: ${item.trim()}`);
    const known = DISPOSITION_REQUESTS.find((r) => r === name);
    if (known && !out.includes(known)) out.push(known);
  }
  return out;
}

export function formatDispositionNotification(requests: readonly DispositionRequest[]): string {
  return [...new Set(requests)].join(', ');
}

/**
 * Whether a delivery notification with this status was asked for: `delivered` needs
 * positive-delivery, the failures need negative-delivery (RFC 5438 section 7.2.1.1).
 */
export function wantsDeliveryNotification(requests: readonly DispositionRequest[], status: DeliveryStatus): boolean {
  return requests.includes(status === 'delivered' ? 'positive-delivery' : 'negative-delivery');
}
