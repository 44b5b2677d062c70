/**
 * Writing PAP control entities (the gateway's push-response, cancel-response,
 * statusquery-response, ccq-response, badmessage-response and resultnotification-message;
 * the initiator's messages for tests). Elements in the order the PAP DTD's content models
 * give (WAP-247-PAP section 9), so a validating client accepts them; attributes only when set,
 * plus priority and delivery-method of a quality-of-service. The DOCTYPE is the one of the
 * version asked for (answer a client in its own version: responseVersionFor).
 */
import { hasIllegalXmlChar, escapeXml } from '../xml/text.ts';
import { isPapResultCode, PAP_DELIVERY_METHODS, PAP_MESSAGE_STATES, PAP_PRIORITIES, PAP_REPLACE_METHODS } from './codes.ts';
import { PapError } from './errors.ts';
import type { PapMessage, PapQualityOfService, PapResult } from './model.ts';
import { formatPapTimestamp } from './timestamp.ts';

/** The PAP DTDs this codec writes, by version (public and system identifiers as clients send them). */
export const PAP_DTDS = {
  '1.0': { publicId: '-//WAPFORUM//DTD PAP 1.0//EN', systemId: 'http://www.wapforum.org/DTD/pap_1.0.dtd' },
  '2.0': { publicId: '-//WAPFORUM//DTD PAP 2.0//EN', systemId: 'http://www.wapforum.org/DTD/pap_2.0.dtd' },
  '2.1': { publicId: '-//WAPFORUM//DTD PAP 2.1//EN', systemId: 'http://www.openmobilealliance.org/tech/DTD/pap_2.1.dtd' },
} as const;

export type PapVersion = keyof typeof PAP_DTDS;

/** The version to answer a request in: its own when we write that DTD, else the nearest of its major (2.0 when unknown). */
export function responseVersionFor(requestVersion: string | undefined): PapVersion {
  if (requestVersion !== undefined && requestVersion in PAP_DTDS) return requestVersion as PapVersion;
  return requestVersion?.startsWith('1.') ? '1.0' : requestVersion?.startsWith('2.') ? '2.1' : '2.0';
}

export interface BuildPapOptions {
  /** DOCTYPE version (default 2.0). */
  version?: PapVersion;
  /** The pap element's product-name. */
  productName?: string;
}

/** The control entity (application/xml, UTF-8) for a message. Throws PapError PAP_ERR_VALUE on values PAP cannot carry. */
export function buildPap(message: PapMessage, options: BuildPapOptions = {}): string {
  const dtd = PAP_DTDS[options.version ?? '2.0'];
  if (dtd === undefined) throw new PapError('PAP_ERR_VERSION', 3002, `No PAP DTD for version ${String(options.version)}; use one of ${Object.keys(PAP_DTDS).join(', ')}`);
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<!DOCTYPE pap PUBLIC "${dtd.publicId}" "${dtd.systemId}">`, `<pap${attrs([['product-name', options.productName]])}>`];
  writeMessage(message, lines);
  lines.push('</pap>');
  return lines.join('\n') + '\n';
}

type Attr = [name: string, value: string | number | boolean | Date | undefined];

function fail(message: string): never {
  throw new PapError('PAP_ERR_VALUE', 2000, message);
}

function attrs(list: Attr[]): string {
  let out = '';
  for (const [name, value] of list) {
    if (value === undefined) continue;
    const text = value instanceof Date ? formatPapTimestamp(value) : String(value);
    if (hasIllegalXmlChar(text)) fail(`${name} holds a character XML cannot carry`);
    // Tab, CR and LF as character references: a reader normalises them to spaces otherwise (XML
    // 1.0 section 3.3.3); spaces at the ends too, which readers (ours included) trim.
    const escaped = escapeXml(text)
      .replace(/[\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`)
      .replace(/^ +| +$/g, (spaces) => '&#32;'.repeat(spaces.length));
    out += ` ${name}="${escaped}"`;
  }
  return out;
}

function nonEmpty(name: string, value: string): string {
  if (value.trim() === '') fail(`${name} is empty`);
  return value;
}

function oneOf<T extends string>(name: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) fail(`${name} ${String(value)} is not one of ${allowed.join(', ')}`);
  return value;
}

function resultAttrs(result: PapResult): Attr[] {
  if (!isPapResultCode(result.code)) fail(`code ${result.code} is not a PAP result code (1000-5999)`);
  return [['code', result.code], ['desc', result.desc]];
}

function element(lines: string[], depth: number, name: string, list: Attr[], children: (inner: string[]) => void = () => {}): void {
  const inner: string[] = [];
  children(inner);
  const indent = '  '.repeat(depth);
  if (inner.length === 0) lines.push(`${indent}<${name}${attrs(list)}/>`);
  else lines.push(`${indent}<${name}${attrs(list)}>`, ...inner, `${indent}</${name}>`);
}

function addresses(lines: string[], depth: number, values: readonly string[]): void {
  for (const value of values) element(lines, depth, 'address', [['address-value', nonEmpty('address-value', value)]]);
}

function qos(lines: string[], depth: number, q: PapQualityOfService | undefined): void {
  if (q === undefined) return;
  element(lines, depth, 'quality-of-service', [
    ['priority', oneOf('priority', q.priority, PAP_PRIORITIES)],
    ['delivery-method', oneOf('delivery-method', q.deliveryMethod, PAP_DELIVERY_METHODS)],
    ['network', q.network],
    ['network-required', q.networkRequired ? true : undefined],
    ['bearer', q.bearer],
    ['bearer-required', q.bearerRequired ? true : undefined],
  ]);
}

function writeMessage(m: PapMessage, lines: string[]): void {
  const d = 1;
  switch (m.kind) {
    case 'push-message':
      if (m.addresses.length === 0) fail('A push-message needs at least one address');
      if (m.replaceMethod !== undefined) oneOf('replace-method', m.replaceMethod, PAP_REPLACE_METHODS);
      return element(
        lines,
        d,
        m.kind,
        [
          ['push-id', nonEmpty('push-id', m.pushId)],
          ['replace-push-id', m.replacePushId],
          ['replace-method', m.replacePushId !== undefined ? m.replaceMethod : undefined],
          ['deliver-before-timestamp', m.deliverBefore],
          ['deliver-after-timestamp', m.deliverAfter],
          ['source-reference', m.sourceReference],
          ['ppg-notify-requested-to', m.ppgNotifyRequestedTo],
          ['progress-notes-requested', m.progressNotesRequested ? true : undefined],
        ],
        (inner) => {
          addresses(inner, d + 1, m.addresses);
          qos(inner, d + 1, m.qualityOfService);
        },
      );
    case 'push-response':
      return element(
        lines,
        d,
        m.kind,
        [['push-id', nonEmpty('push-id', m.pushId)], ['sender-address', m.senderAddress], ['sender-name', m.senderName], ['reply-time', m.replyTime]],
        (inner) => {
          for (const p of m.progressNotes) element(inner, d + 1, 'progress-note', [['stage', nonEmpty('stage', p.stage)], ['note', p.note], ['time', p.time]]);
          element(inner, d + 1, 'response-result', resultAttrs(m.result));
        },
      );
    case 'cancel-message':
    case 'statusquery-message':
      return element(lines, d, m.kind, [['push-id', nonEmpty('push-id', m.pushId)]], (inner) => addresses(inner, d + 1, m.addresses));
    case 'cancel-response':
      if (m.results.length === 0) fail('A cancel-response needs at least one cancel-result');
      return element(lines, d, m.kind, [['push-id', nonEmpty('push-id', m.pushId)]], (inner) => {
        for (const r of m.results) element(inner, d + 1, 'cancel-result', resultAttrs(r), (inner2) => addresses(inner2, d + 2, r.addresses));
      });
    case 'statusquery-response':
      if (m.results.length === 0) fail('A statusquery-response needs at least one statusquery-result');
      return element(lines, d, m.kind, [['push-id', nonEmpty('push-id', m.pushId)]], (inner) => {
        for (const r of m.results) {
          element(inner, d + 1, 'statusquery-result', [['event-time', r.eventTime], ['message-state', oneOf('message-state', r.messageState, PAP_MESSAGE_STATES)], ...resultAttrs(r)], (inner2) => {
            addresses(inner2, d + 2, r.addresses);
            qos(inner2, d + 2, r.qualityOfService);
          });
        }
      });
    case 'resultnotification-message':
      return element(
        lines,
        d,
        m.kind,
        [
          ['push-id', nonEmpty('push-id', m.pushId)],
          ['sender-address', m.senderAddress],
          ['sender-name', m.senderName],
          ['received-time', m.receivedTime],
          ['event-time', m.eventTime],
          ['message-state', oneOf('message-state', m.messageState, PAP_MESSAGE_STATES)],
          ...resultAttrs(m),
        ],
        (inner) => {
          addresses(inner, d + 1, [m.address]);
          qos(inner, d + 1, m.qualityOfService);
        },
      );
    case 'resultnotification-response':
      return element(lines, d, m.kind, [['push-id', nonEmpty('push-id', m.pushId)], ...resultAttrs(m)], (inner) => addresses(inner, d + 1, m.address === undefined ? [] : [m.address]));
    case 'ccq-message':
      return element(lines, d, m.kind, [['query-id', nonEmpty('query-id', m.queryId)], ['app-id', m.appId]], (inner) => {
        addresses(inner, d + 1, [m.address]);
        qos(inner, d + 1, m.qualityOfService);
      });
    case 'ccq-response':
      return element(lines, d, m.kind, [['query-id', nonEmpty('query-id', m.queryId)], ...resultAttrs(m)], (inner) => {
        addresses(inner, d + 1, [m.address]);
        qos(inner, d + 1, m.qualityOfService);
      });
    case 'badmessage-response':
      return element(lines, d, m.kind, [...resultAttrs(m), ['bad-message-fragment', m.badMessageFragment]]);
    default:
      return fail(`Unknown PAP message kind ${String((m as { kind: unknown }).kind)}`);
  }
}

/**
 * The answer to a client capability query: this gateway keeps no capabilities to give a
 * Push Initiator (the SIP side's are its own business), so 3001 Not Implemented.
 */
export function ccqNotSupported(query: Extract<PapMessage, { kind: 'ccq-message' }>): Extract<PapMessage, { kind: 'ccq-response' }> {
  return { kind: 'ccq-response', queryId: query.queryId, code: 3001, desc: 'Not Implemented: client capability query is not supported', address: query.address };
}
