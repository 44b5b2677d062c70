/**
 * Reading PAP control entities into typed messages (model.ts). The prolog (DOCTYPE, entities)
 * is prolog.ts's; this module checks well-formedness, finds the one message element inside
 * `<pap>`, and reads it against the PAP DTD (WAP-247-PAP section 9): required attributes and
 * elements, enumerations (case-insensitively, as Kannel's compiler does), result codes,
 * timestamps. Unknown attributes are ignored (vendors add their own); white space around
 * `=` (`code ="1001"`) is XML and fine. Errors are PapError with the offending start tag as
 * the fragment, so the gateway can answer a badmessage-response (badMessageResponseFor).
 */
import { createXmlParser, rootElementNames, xmlSyntaxError } from '../xml/parser.ts';
import { decodeXmlText } from '../xml/text.ts';
import {
  isPapResultCode,
  PAP_DELIVERY_METHODS,
  PAP_MESSAGE_STATES,
  PAP_PRIORITIES,
  PAP_REPLACE_METHODS,
  type PapMessageState,
  type PapResultCode,
} from './codes.ts';
import { PapError } from './errors.ts';
import { PAP_MESSAGE_KINDS, type PapDocument, type PapMessage, type PapMessageKind, type PapProgressNote, type PapQualityOfService, type PapResult } from './model.ts';
import { readPapProlog } from './prolog.ts';
import { parsePapTimestamp } from './timestamp.ts';

type XmlNode = Record<string, unknown>;

const parser = createXmlParser();

/** Parse a PAP control entity. Throws PapError (2000 for anything malformed, 3002 for an unknown major version). */
export function parsePap(xml: string): PapDocument {
  const prolog = readPapProlog(xml);
  const source = prolog.xml;
  const syntaxError = xmlSyntaxError(source);
  if (syntaxError !== undefined) {
    const line = /\(line (\d+)\)$/.exec(syntaxError)?.[1];
    const fragment = line !== undefined ? source.split('\n')[Number(line) - 1]?.trim() : undefined;
    throw new PapError('PAP_ERR_XML', 2000, `Malformed PAP XML: ${syntaxError}`, fragment);
  }
  let tree: XmlNode;
  try {
    tree = parser.parse(source) as XmlNode;
  } catch (err) {
    // The validator passed it, the parser did not (nesting deeper than it takes, a name it guards against).
    throw new PapError('PAP_ERR_XML', 2000, `Malformed PAP XML: ${err instanceof Error ? err.message : String(err)}`);
  }
  const roots = rootElementNames(tree);
  const rootName = roots[0];
  if (roots.length !== 1 || Array.isArray(tree[rootName!])) throw new PapError('PAP_ERR_XML', 2000, `Expected one root element, found ${roots.length === 0 ? 'none' : roots.join(', ')}`);
  if (rootName !== 'pap') throw new PapError('PAP_ERR_SCHEMA', 2000, `Root element is <${rootName}>, not <pap>: send a PAP control entity`, startTag(source, rootName!));
  if (prolog.doctype && prolog.doctype.name !== 'pap') {
    throw new PapError('PAP_ERR_SCHEMA', 2000, `DOCTYPE names <${prolog.doctype.name}>, not <pap>`, `<!DOCTYPE ${prolog.doctype.name}`);
  }
  const pap = asNode(tree.pap);
  const reader = new Reader(source);
  const kinds = Object.keys(pap).filter((k) => !k.startsWith('@_') && !k.startsWith('#'));
  if (kinds.length !== 1 || Array.isArray(pap[kinds[0]!])) {
    throw new PapError('PAP_ERR_SCHEMA', 2000, `<pap> must hold exactly one message element, found ${kinds.length === 0 ? 'none' : kinds.join(', ')}`, startTag(source, 'pap'));
  }
  const kind = kinds[0]!;
  if (!(PAP_MESSAGE_KINDS as readonly string[]).includes(kind)) {
    throw new PapError('PAP_ERR_SCHEMA', 2000, `<${kind}> is not a PAP message (expected one of ${PAP_MESSAGE_KINDS.join(', ')})`, startTag(source, kind));
  }
  const doc: PapDocument = { message: reader.message(kind as PapMessageKind, asNode(pap[kind])) };
  if (prolog.version !== undefined) doc.version = prolog.version;
  const productName = reader.attr(pap, 'pap', 'product-name');
  if (productName !== undefined) doc.productName = productName;
  return doc;
}

/**
 * Parse a control entity from its bytes: the charset from its Content-Type parameter, else
 * from the XML declaration's encoding (PAP 1.0 clients write iso-8859-1), else UTF-8.
 */
export function parsePapBytes(bytes: Uint8Array, charset?: string): PapDocument {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 200));
  const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head.replace(/^\uFEFF|^\u00EF\u00BB\u00BF/, ''))?.[1];
  const label = charset ?? declared ?? 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(label, { fatal: true });
  } catch {
    throw new PapError('PAP_ERR_XML', 2000, `Unknown charset ${label} for the PAP control entity; send UTF-8`);
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new PapError('PAP_ERR_XML', 2000, `The PAP control entity is not valid ${label}`);
  }
  return parsePap(text);
}

/** The start tag of the first `name` element in the source, for an error's fragment. */
function startTag(source: string, name: string): string | undefined {
  const at = source.search(new RegExp(`<${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=[\\s/>])`));
  if (at < 0) return undefined;
  const end = source.indexOf('>', at);
  return source.slice(at, end < 0 ? undefined : end + 1);
}

function asNode(value: unknown): XmlNode {
  // An element with neither attributes nor children reads as '' (fast-xml-parser).
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as XmlNode) : {};
}

function list(value: unknown): XmlNode[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(asNode);
}

/** Reads elements of one document; holds the source for error fragments. */
class Reader {
  constructor(private readonly source: string) {}

  fail(code: 'PAP_ERR_SCHEMA' | 'PAP_ERR_VALUE', element: string, message: string): never {
    throw new PapError(code, 2000, message, startTag(this.source, element));
  }

  attr(node: XmlNode, element: string, name: string): string | undefined {
    const value = node[`@_${name}`];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') this.fail('PAP_ERR_SCHEMA', element, `<${element}> ${name} is not an attribute value`);
    const bad = badCharReference(value);
    if (bad !== undefined) this.fail('PAP_ERR_VALUE', element, `<${element}> ${name} holds ${bad}, a character reference XML 1.0 does not allow (section 4.1, Char); send only characters XML can carry`);
    return decodeXmlText(value);
  }

  required(node: XmlNode, element: string, name: string): string {
    const value = this.attr(node, element, name);
    if (value === undefined || value.trim() === '') this.fail('PAP_ERR_SCHEMA', element, `<${element}> needs a non-empty ${name} attribute`);
    return value;
  }

  enumeration<T extends string>(node: XmlNode, element: string, name: string, allowed: readonly T[]): T | undefined {
    const value = this.attr(node, element, name);
    if (value === undefined) return undefined;
    const found = allowed.find((a) => a === value.trim().toLowerCase());
    if (found === undefined) this.fail('PAP_ERR_VALUE', element, `<${element}> ${name}="${value}" is not one of ${allowed.join(', ')}`);
    return found;
  }

  flag(node: XmlNode, element: string, name: string): boolean {
    return this.enumeration(node, element, name, ['true', 'false'] as const) === 'true';
  }

  time(node: XmlNode, element: string, name: string): Date | undefined {
    const value = this.attr(node, element, name);
    if (value === undefined) return undefined;
    try {
      return parsePapTimestamp(value, `<${element}> ${name}`);
    } catch (err) {
      if (err instanceof PapError) throw new PapError(err.code, err.status, err.message, startTag(this.source, element));
      throw err;
    }
  }

  code(node: XmlNode, element: string): PapResultCode {
    const text = this.required(node, element, 'code').trim();
    const code = Number(text);
    if (!/^\d{4}$/.test(text) || !isPapResultCode(code)) this.fail('PAP_ERR_VALUE', element, `<${element}> code="${text}" is not a PAP result code (four digits, 1000-5999)`);
    return code;
  }

  result(node: XmlNode, element: string): PapResult {
    const result: PapResult = { code: this.code(node, element) };
    const desc = this.attr(node, element, 'desc');
    if (desc !== undefined) result.desc = desc;
    return result;
  }

  state(node: XmlNode, element: string): PapMessageState {
    const state = this.enumeration(node, element, 'message-state', PAP_MESSAGE_STATES);
    if (state === undefined) this.fail('PAP_ERR_SCHEMA', element, `<${element}> needs a message-state attribute`);
    return state;
  }

  /** At most one child `name`; undefined when absent. */
  optionalChild(node: XmlNode, element: string, name: string): XmlNode | undefined {
    const children = list(node[name]);
    if (children.length > 1) this.fail('PAP_ERR_SCHEMA', element, `<${element}> holds more than one <${name}>`);
    return children[0];
  }

  child(node: XmlNode, element: string, name: string): XmlNode {
    const found = this.optionalChild(node, element, name);
    if (found === undefined) this.fail('PAP_ERR_SCHEMA', element, `<${element}> needs a <${name}> element`);
    return found;
  }

  addresses(node: XmlNode, element: string, atLeastOne: boolean): string[] {
    const addresses = list(node.address).map((a) => this.required(a, 'address', 'address-value'));
    if (atLeastOne && addresses.length === 0) this.fail('PAP_ERR_SCHEMA', element, `<${element}> needs at least one <address address-value="WAPPUSH=.../TYPE=...">`);
    return addresses;
  }

  address(node: XmlNode, element: string): string {
    const addresses = this.addresses(node, element, true);
    if (addresses.length > 1) this.fail('PAP_ERR_SCHEMA', element, `<${element}> holds exactly one <address>, found ${addresses.length}`);
    return addresses[0]!;
  }

  qos(node: XmlNode): PapQualityOfService | undefined {
    const q = this.optionalChild(node, 'quality-of-service', 'quality-of-service');
    if (q === undefined) return undefined;
    const e = 'quality-of-service';
    const qos: PapQualityOfService = {
      priority: this.enumeration(q, e, 'priority', PAP_PRIORITIES) ?? 'medium',
      deliveryMethod: this.enumeration(q, e, 'delivery-method', PAP_DELIVERY_METHODS) ?? 'notspecified',
      networkRequired: this.flag(q, e, 'network-required'),
      bearerRequired: this.flag(q, e, 'bearer-required'),
    };
    const network = this.attr(q, e, 'network');
    if (network !== undefined) qos.network = network;
    const bearer = this.attr(q, e, 'bearer');
    if (bearer !== undefined) qos.bearer = bearer;
    return qos;
  }

  message(kind: PapMessageKind, n: XmlNode): PapMessage {
    const set = <T extends object, K extends string>(target: T, key: K, value: unknown) => {
      if (value !== undefined) (target as Record<string, unknown>)[key] = value;
      return target;
    };
    switch (kind) {
      case 'push-message': {
        const m: PapMessage = {
          kind,
          pushId: this.required(n, kind, 'push-id'),
          progressNotesRequested: this.flag(n, kind, 'progress-notes-requested'),
          addresses: this.addresses(n, kind, true),
        };
        set(m, 'replacePushId', this.attr(n, kind, 'replace-push-id'));
        const replaceMethod = this.enumeration(n, kind, 'replace-method', PAP_REPLACE_METHODS);
        if (m.replacePushId !== undefined) m.replaceMethod = replaceMethod ?? 'all';
        set(m, 'deliverBefore', this.time(n, kind, 'deliver-before-timestamp'));
        set(m, 'deliverAfter', this.time(n, kind, 'deliver-after-timestamp'));
        set(m, 'sourceReference', this.attr(n, kind, 'source-reference'));
        set(m, 'ppgNotifyRequestedTo', this.attr(n, kind, 'ppg-notify-requested-to'));
        return set(m, 'qualityOfService', this.qos(n));
      }
      case 'push-response': {
        const notes = list(n['progress-note']).map((p) => {
          const note: PapProgressNote = { stage: this.required(p, 'progress-note', 'stage') };
          set(note, 'note', this.attr(p, 'progress-note', 'note'));
          return set(note, 'time', this.time(p, 'progress-note', 'time'));
        });
        const m: PapMessage = { kind, pushId: this.required(n, kind, 'push-id'), progressNotes: notes, result: this.result(this.child(n, kind, 'response-result'), 'response-result') };
        set(m, 'senderAddress', this.attr(n, kind, 'sender-address'));
        set(m, 'senderName', this.attr(n, kind, 'sender-name'));
        return set(m, 'replyTime', this.time(n, kind, 'reply-time'));
      }
      case 'cancel-message':
      case 'statusquery-message':
        return { kind, pushId: this.required(n, kind, 'push-id'), addresses: this.addresses(n, kind, false) };
      case 'cancel-response': {
        const results = list(n['cancel-result']).map((r) => ({ ...this.result(r, 'cancel-result'), addresses: this.addresses(r, 'cancel-result', false) }));
        if (results.length === 0) this.fail('PAP_ERR_SCHEMA', kind, `<${kind}> needs at least one <cancel-result>`);
        return { kind, pushId: this.required(n, kind, 'push-id'), results };
      }
      case 'statusquery-response': {
        const e = 'statusquery-result';
        const results = list(n[e]).map((r) => {
          const result = { ...this.result(r, e), messageState: this.state(r, e), addresses: this.addresses(r, e, false) };
          set(result, 'eventTime', this.time(r, e, 'event-time'));
          return set(result, 'qualityOfService', this.qos(r));
        });
        if (results.length === 0) this.fail('PAP_ERR_SCHEMA', kind, `<${kind}> needs at least one <${e}>`);
        return { kind, pushId: this.required(n, kind, 'push-id'), results };
      }
      case 'resultnotification-message': {
        const m: PapMessage = { kind, pushId: this.required(n, kind, 'push-id'), ...this.result(n, kind), messageState: this.state(n, kind), address: this.address(n, kind) };
        set(m, 'senderAddress', this.attr(n, kind, 'sender-address'));
        set(m, 'senderName', this.attr(n, kind, 'sender-name'));
        set(m, 'receivedTime', this.time(n, kind, 'received-time'));
        set(m, 'eventTime', this.time(n, kind, 'event-time'));
        return set(m, 'qualityOfService', this.qos(n));
      }
      case 'resultnotification-response': {
        const m: PapMessage = { kind, pushId: this.required(n, kind, 'push-id'), ...this.result(n, kind) };
        const addresses = this.addresses(n, kind, false);
        if (addresses.length > 1) this.fail('PAP_ERR_SCHEMA', kind, `<${kind}> holds at most one <address>, found ${addresses.length}`);
        return set(m, 'address', addresses[0]);
      }
      case 'ccq-message': {
        const m: PapMessage = { kind, queryId: this.required(n, kind, 'query-id'), address: this.address(n, kind) };
        set(m, 'appId', this.attr(n, kind, 'app-id'));
        return set(m, 'qualityOfService', this.qos(n));
      }
      case 'ccq-response': {
        const m: PapMessage = { kind, queryId: this.required(n, kind, 'query-id'), ...this.result(n, kind), address: this.address(n, kind) };
        return set(m, 'qualityOfService', this.qos(n));
      }
      case 'badmessage-response': {
        const m: PapMessage = { kind, ...this.result(n, kind) };
        return set(m, 'badMessageFragment', this.attr(n, kind, 'bad-message-fragment'));
      }
    }
  }
}

/** The first character reference in a raw value to a code point that is not an XML 1.0 Char (section 2.2), or undefined. */
function badCharReference(raw: string): string | undefined {
  for (const m of raw.matchAll(/&#([xX][0-9a-fA-F]+|[0-9]+);/g)) {
    const digits = m[1]!;
    const code = digits[0] === 'x' || digits[0] === 'X' ? parseInt(digits.slice(1), 16) : parseInt(digits, 10);
    const isChar = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
    if (!isChar) return m[0];
  }
  return undefined;
}
