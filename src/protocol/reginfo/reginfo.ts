/**
 * Registration state documents, `application/reginfo+xml` (RFC 3680 section 5), with the GRUU
 * extension of RFC 5628 (`<gr:pub-gruu uri>`, `<gr:temp-gruu uri first-cseq>`). parseReginfo
 * reads what a registrar sends in a reg-event NOTIFY (ours, and Kamailio 5.6's pua_reginfo
 * layout with its non-standard contact attributes); buildReginfo writes what the embedded core
 * sends. Pure: no DOM, no Node. The state kept across NOTIFYs is reginfoState.ts's business.
 */
import { CodecError } from '../errors.ts';
import { createXmlParser, rootElementNames, xmlSyntaxError } from '../xml/parser.ts';
import { decodeXmlText, escapeXml, hasIllegalXmlChar } from '../xml/text.ts';

export const REGINFO_CONTENT_TYPE = 'application/reginfo+xml';
export const REGINFO_NAMESPACE = 'urn:ietf:params:xml:ns:reginfo';
/** RFC 5628 section 5. */
export const GRUUINFO_NAMESPACE = 'urn:ietf:params:xml:ns:gruuinfo';

export type ReginfoDocumentState = 'full' | 'partial';
/** RFC 3680 section 5.2: init (no contacts yet), active, terminated (no active contacts left). */
export type RegistrationState = 'init' | 'active' | 'terminated';
export type ContactState = 'active' | 'terminated';
/** What last happened to a contact (RFC 3680 section 5.1, the contact state machine). */
export type ContactEvent = 'registered' | 'created' | 'refreshed' | 'shortened' | 'expired' | 'deactivated' | 'probation' | 'unregistered' | 'rejected';

export const REGISTRATION_STATES: readonly RegistrationState[] = ['init', 'active', 'terminated'];
export const CONTACT_STATES: readonly ContactState[] = ['active', 'terminated'];
export const CONTACT_EVENTS: readonly ContactEvent[] = ['registered', 'created', 'refreshed', 'shortened', 'expired', 'deactivated', 'probation', 'unregistered', 'rejected'];

/** A Contact parameter the registrar does not interpret (RFC 3680 section 5.3): feature tags, `+sip.instance`... */
export interface ReginfoUnknownParam {
  /** As written in the Contact (feature tags keep their `+`). */
  name: string;
  /** The parameter's value as written (quotes kept), null for a flag (an empty element). */
  value: string | null;
}

export interface ReginfoTempGruu {
  uri: string;
  firstCseq: number;
}

export interface ReginfoContact {
  id: string;
  state: ContactState;
  event: ContactEvent;
  uri: string;
  displayName?: string;
  /** Seconds left (RFC 3680 `expires`). */
  expires?: number;
  /** Seconds since the contact was first registered. */
  durationRegistered?: number;
  /** Seconds, with event probation. */
  retryAfter?: number;
  /** The q value as written (`0.5`). */
  q?: string;
  callId?: string;
  cseq?: number;
  unknownParams: ReginfoUnknownParam[];
  /** RFC 5628: the contact's public GRUU. */
  pubGruu?: string;
  /** RFC 5628: its temporary GRUUs. */
  tempGruus: ReginfoTempGruu[];
  /**
   * Attributes outside RFC 3680 and RFC 5628, unprefixed, as read (Kamailio 5.6 writes
   * `received`, `path`, `user_agent`); kept for diagnostics and written back by buildReginfo.
   */
  extraAttributes: Record<string, string>;
}

export interface ReginfoRegistration {
  aor: string;
  id: string;
  state: RegistrationState;
  contacts: ReginfoContact[];
}

export interface ReginfoDocument {
  /** Counts the documents of one subscription from 0 (RFC 3680 section 5.2). */
  version: number;
  state: ReginfoDocumentState;
  registrations: ReginfoRegistration[];
}

export type ReginfoErrorCode = 'REGINFO_ERR_XML' | 'REGINFO_ERR_SCHEMA' | 'REGINFO_ERR_VALUE';

/** Errors of this module: a stable code and the status a SIP UA answers the NOTIFY that carried it with. */
export class ReginfoError extends CodecError<ReginfoErrorCode> {
  override name = 'ReginfoError';
}

// ---- serialize --------------------------------------------------------------------------

const CONTACT_ATTRIBUTES = new Set(['id', 'state', 'event', 'expires', 'duration-registered', 'retry-after', 'q', 'callid', 'cseq']);
const NAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;

/** The `application/reginfo+xml` body of a document. Throws ReginfoError on values the schema forbids. */
export function buildReginfo(doc: ReginfoDocument): string {
  validateDocument(doc);
  const gruu = doc.registrations.some((r) => r.contacts.some((c) => c.pubGruu !== undefined || c.tempGruus.length > 0));
  const attr = (name: string, value: string | number | undefined) => (value === undefined ? '' : ` ${name}="${escapeXml(String(value))}"`);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<reginfo xmlns="${REGINFO_NAMESPACE}"${gruu ? ` xmlns:gr="${GRUUINFO_NAMESPACE}"` : ''} version="${doc.version}" state="${doc.state}">`,
  ];
  for (const r of doc.registrations) {
    const open = `  <registration${attr('aor', r.aor)}${attr('id', r.id)}${attr('state', r.state)}`;
    if (r.contacts.length === 0) {
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(`${open}>`);
    for (const c of r.contacts) {
      let head = `    <contact${attr('id', c.id)}${attr('state', c.state)}${attr('event', c.event)}`;
      head += attr('expires', c.expires) + attr('duration-registered', c.durationRegistered) + attr('retry-after', c.retryAfter);
      head += attr('q', c.q) + attr('callid', c.callId) + attr('cseq', c.cseq);
      for (const [name, value] of Object.entries(c.extraAttributes)) head += attr(name, value);
      lines.push(`${head}>`, `      <uri>${escapeXml(c.uri)}</uri>`);
      if (c.displayName !== undefined) lines.push(`      <display-name>${escapeXml(c.displayName)}</display-name>`);
      for (const p of c.unknownParams) {
        lines.push(p.value === null ? `      <unknown-param${attr('name', p.name)}/>` : `      <unknown-param${attr('name', p.name)}>${escapeXml(p.value)}</unknown-param>`);
      }
      if (c.pubGruu !== undefined) lines.push(`      <gr:pub-gruu${attr('uri', c.pubGruu)}/>`);
      for (const t of c.tempGruus) lines.push(`      <gr:temp-gruu${attr('uri', t.uri)}${attr('first-cseq', t.firstCseq)}/>`);
      lines.push('    </contact>');
    }
    lines.push('  </registration>');
  }
  lines.push('</reginfo>');
  return lines.join('\n') + '\n';
}

function validateDocument(doc: ReginfoDocument): void {
  const fail = (message: string): never => {
    throw new ReginfoError('REGINFO_ERR_VALUE', 400, message);
  };
  const text = (what: string, value: string, nonEmpty = true) => {
    if (hasIllegalXmlChar(value)) fail(`${what} holds a character XML cannot carry`);
    if (nonEmpty && value.trim() === '') fail(`${what} is empty`);
    if (value !== value.trim()) fail(`${what} has leading or trailing white space`);
  };
  const count = (what: string, value: number | undefined) => {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) fail(`${what} must be a non-negative integer, not ${value}`);
  };
  count('version', doc.version);
  if (doc.state !== 'full' && doc.state !== 'partial') fail(`state must be full or partial, not ${String(doc.state)}`);
  for (const r of doc.registrations) {
    text('registration aor', r.aor);
    text('registration id', r.id);
    if (!REGISTRATION_STATES.includes(r.state)) fail(`registration state must be one of ${REGISTRATION_STATES.join(', ')}, not ${String(r.state)}`);
    const ids = new Set<string>();
    for (const c of r.contacts) {
      text('contact id', c.id);
      if (ids.has(c.id)) fail(`Two contacts with id ${c.id} in registration ${r.aor}`);
      ids.add(c.id);
      if (!CONTACT_STATES.includes(c.state)) fail(`contact state must be active or terminated, not ${String(c.state)}`);
      if (!CONTACT_EVENTS.includes(c.event)) fail(`contact event must be one of ${CONTACT_EVENTS.join(', ')}, not ${String(c.event)}`);
      text('contact uri', c.uri);
      if (c.displayName !== undefined) text('display-name', c.displayName, false);
      if (c.q !== undefined && !/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(c.q)) fail(`q must be a qvalue (0 to 1, three decimals at most), not ${c.q}`);
      if (c.callId !== undefined) text('callid', c.callId);
      count('expires', c.expires);
      count('duration-registered', c.durationRegistered);
      count('retry-after', c.retryAfter);
      count('cseq', c.cseq);
      for (const p of c.unknownParams) {
        text('unknown-param name', p.name);
        if (p.value === '') fail(`unknown-param ${p.name}: an empty value is written as null (a flag)`);
        if (p.value !== null) text(`unknown-param ${p.name}`, p.value, false);
      }
      if (c.pubGruu !== undefined) text('pub-gruu uri', c.pubGruu);
      for (const t of c.tempGruus) {
        text('temp-gruu uri', t.uri);
        count('temp-gruu first-cseq', t.firstCseq);
      }
      for (const [name, value] of Object.entries(c.extraAttributes)) {
        if (!NAME.test(name) || CONTACT_ATTRIBUTES.has(name) || name.startsWith('xml')) fail(`${JSON.stringify(name)} cannot be an extra contact attribute`);
        text(`contact attribute ${name}`, value, false);
      }
    }
  }
}

// ---- parse ------------------------------------------------------------------------------

const parser = createXmlParser();

type XmlNode = Record<string, unknown>;

/** Limits of what parseReginfo accepts; a NOTIFY is already bounded by the SIP message size. */
export interface ReginfoParseLimits {
  /** Registrations in one document (default 100). */
  maxRegistrations: number;
  /** Contacts in one registration (default 1000). */
  maxContacts: number;
}

export const DEFAULT_REGINFO_LIMITS: ReginfoParseLimits = { maxRegistrations: 100, maxContacts: 1000 };

/**
 * Parse an `application/reginfo+xml` body. Elements and attributes of other namespaces are
 * ignored (RFC 3680 section 5.4 allows extensions); unprefixed attributes outside the schema
 * go to `extraAttributes`. Throws ReginfoError: REGINFO_ERR_XML (not well-formed),
 * REGINFO_ERR_SCHEMA (wrong root, namespace or structure), REGINFO_ERR_VALUE (a bad value).
 */
export function parseReginfo(xml: string, limits: ReginfoParseLimits = DEFAULT_REGINFO_LIMITS): ReginfoDocument {
  if (/<!DOCTYPE/i.test(xml)) throw new ReginfoError('REGINFO_ERR_XML', 400, 'reginfo documents carry no DOCTYPE');
  const syntaxError = xmlSyntaxError(xml);
  if (syntaxError !== undefined) throw new ReginfoError('REGINFO_ERR_XML', 400, `Malformed reginfo XML: ${syntaxError}`);
  const tree = parser.parse(xml) as XmlNode;
  const rootKeys = rootElementNames(tree);
  const rootKey = rootKeys[0];
  if (rootKeys.length > 1 || Array.isArray(tree[rootKey ?? ''])) throw new ReginfoError('REGINFO_ERR_XML', 400, 'More than one root element');
  const prefix = rootKey?.includes(':') ? rootKey.slice(0, rootKey.indexOf(':') + 1) : '';
  if (rootKey !== `${prefix}reginfo`) throw new ReginfoError('REGINFO_ERR_SCHEMA', 400, `Root element is ${rootKey ?? 'missing'}, not reginfo`);
  const root = tree[rootKey];
  if (!isNode(root)) throw new ReginfoError('REGINFO_ERR_SCHEMA', 400, 'reginfo element without version and state');
  const ns = root[prefix ? `@_xmlns:${prefix.slice(0, -1)}` : '@_xmlns'];
  if (ns !== REGINFO_NAMESPACE) throw new ReginfoError('REGINFO_ERR_SCHEMA', 400, `reginfo element is not in the ${REGINFO_NAMESPACE} namespace`);
  const gruuPrefixes = prefixesOf(root, GRUUINFO_NAMESPACE);

  const version = integerAttr(root, 'version', 'reginfo', true)!;
  const state = attrText(root, 'state', 'reginfo', true);
  if (state !== 'full' && state !== 'partial') throw new ReginfoError('REGINFO_ERR_VALUE', 400, `reginfo state must be full or partial, not ${state}`);
  const registrationNodes = children(root, `${prefix}registration`);
  if (registrationNodes.length > limits.maxRegistrations) {
    throw new ReginfoError('REGINFO_ERR_VALUE', 413, `More than ${limits.maxRegistrations} registrations in one document`);
  }
  const registrations = registrationNodes.map((node) => parseRegistration(node, prefix, gruuPrefixes, limits));
  return { version, state, registrations };
}

function parseRegistration(node: unknown, prefix: string, gruuPrefixes: Set<string>, limits: ReginfoParseLimits): ReginfoRegistration {
  if (!isNode(node)) throw new ReginfoError('REGINFO_ERR_SCHEMA', 400, '<registration> without aor, id and state');
  const aor = attrText(node, 'aor', 'registration', true);
  const id = attrText(node, 'id', 'registration', true);
  const state = attrText(node, 'state', 'registration', true) as RegistrationState;
  if (!REGISTRATION_STATES.includes(state)) {
    throw new ReginfoError('REGINFO_ERR_VALUE', 400, `registration ${aor}: state must be one of ${REGISTRATION_STATES.join(', ')}, not ${state}`);
  }
  const contactNodes = children(node, `${prefix}contact`);
  if (contactNodes.length > limits.maxContacts) throw new ReginfoError('REGINFO_ERR_VALUE', 413, `registration ${aor}: more than ${limits.maxContacts} contacts`);
  const gruu = new Set([...gruuPrefixes, ...prefixesOf(node, GRUUINFO_NAMESPACE)]);
  const contacts: ReginfoContact[] = [];
  const ids = new Set<string>();
  for (const c of contactNodes) {
    const contact = parseContact(c, prefix, gruu, aor);
    if (ids.has(contact.id)) throw new ReginfoError('REGINFO_ERR_VALUE', 400, `registration ${aor}: two contacts with id ${contact.id}`);
    ids.add(contact.id);
    contacts.push(contact);
  }
  return { aor, id, state, contacts };
}

function parseContact(node: unknown, prefix: string, gruuPrefixes: Set<string>, aor: string): ReginfoContact {
  const where = `contact of ${aor}`;
  if (!isNode(node)) throw new ReginfoError('REGINFO_ERR_SCHEMA', 400, `${where}: <contact> without id, state, event and uri`);
  const id = attrText(node, 'id', where, true);
  const at = `contact ${id} of ${aor}`;
  const state = attrText(node, 'state', at, true) as ContactState;
  if (!CONTACT_STATES.includes(state)) throw new ReginfoError('REGINFO_ERR_VALUE', 400, `${at}: state must be active or terminated, not ${state}`);
  const event = attrText(node, 'event', at, true) as ContactEvent;
  if (!CONTACT_EVENTS.includes(event)) throw new ReginfoError('REGINFO_ERR_VALUE', 400, `${at}: event must be one of ${CONTACT_EVENTS.join(', ')}, not ${event}`);

  const uris = children(node, `${prefix}uri`);
  if (uris.length !== 1) throw new ReginfoError('REGINFO_ERR_SCHEMA', 400, `${at}: expected one <uri>, found ${uris.length}`);
  const uri = textOf(uris[0], `${at}: <uri>`);
  if (uri === '') throw new ReginfoError('REGINFO_ERR_VALUE', 400, `${at}: empty <uri>`);

  const contact: ReginfoContact = { id, state, event, uri, unknownParams: [], tempGruus: [], extraAttributes: {} };
  const names = children(node, `${prefix}display-name`);
  if (names.length > 1) throw new ReginfoError('REGINFO_ERR_SCHEMA', 400, `${at}: more than one <display-name>`);
  if (names.length === 1) contact.displayName = textOf(names[0], `${at}: <display-name>`);

  const expires = integerAttr(node, 'expires', at, false);
  if (expires !== undefined) contact.expires = expires;
  const duration = integerAttr(node, 'duration-registered', at, false);
  if (duration !== undefined) contact.durationRegistered = duration;
  const retryAfter = integerAttr(node, 'retry-after', at, false);
  if (retryAfter !== undefined) contact.retryAfter = retryAfter;
  const cseq = integerAttr(node, 'cseq', at, false);
  if (cseq !== undefined) contact.cseq = cseq;
  const q = attrText(node, 'q', at, false);
  if (q !== undefined) {
    if (!/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(q)) throw new ReginfoError('REGINFO_ERR_VALUE', 400, `${at}: q is not a qvalue: ${q}`);
    contact.q = q;
  }
  const callId = attrText(node, 'callid', at, false);
  if (callId !== undefined) contact.callId = callId;
  for (const [key, value] of Object.entries(node)) {
    if (!key.startsWith('@_')) continue;
    const name = key.slice(2);
    if (CONTACT_ATTRIBUTES.has(name) || name.includes(':') || name === 'xmlns') continue;
    contact.extraAttributes[name] = decodeXmlText(String(value));
  }

  for (const p of children(node, `${prefix}unknown-param`)) {
    const name = isNode(p) ? p['@_name'] : undefined;
    if (typeof name !== 'string' || name.trim() === '') throw new ReginfoError('REGINFO_ERR_SCHEMA', 400, `${at}: <unknown-param> without a name`);
    const value = textOf(p, `${at}: <unknown-param name="${name}">`);
    const empty = !isNode(p) || p['#text'] === undefined;
    contact.unknownParams.push({ name: decodeXmlText(name), value: empty && value === '' ? null : value });
  }
  for (const gr of gruuPrefixes) {
    const pubs = children(node, `${gr}pub-gruu`);
    if (pubs.length > 1) throw new ReginfoError('REGINFO_ERR_SCHEMA', 400, `${at}: more than one <pub-gruu>`);
    if (pubs.length === 1) contact.pubGruu = attrText(pubs[0], 'uri', `${at}: <pub-gruu>`, true);
    for (const t of children(node, `${gr}temp-gruu`)) {
      contact.tempGruus.push({ uri: attrText(t, 'uri', `${at}: <temp-gruu>`, true), firstCseq: integerAttr(t, 'first-cseq', `${at}: <temp-gruu>`, true)! });
    }
  }
  return contact;
}

/** The prefixes (`gr:`) an element declares for a namespace. */
function prefixesOf(node: XmlNode, namespace: string): Set<string> {
  const out = new Set<string>();
  for (const [key, value] of Object.entries(node)) if (key.startsWith('@_xmlns:') && value === namespace) out.add(`${key.slice('@_xmlns:'.length)}:`);
  return out;
}

function children(node: XmlNode, name: string): unknown[] {
  const value = node[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function attrText(node: unknown, name: string, where: string, required: true): string;
function attrText(node: unknown, name: string, where: string, required: false): string | undefined;
function attrText(node: unknown, name: string, where: string, required: boolean): string | undefined {
  const value = isNode(node) ? node[`@_${name}`] : undefined;
  if (value === undefined) {
    if (required) throw new ReginfoError('REGINFO_ERR_SCHEMA', 400, `${where}: missing attribute ${name}`);
    return undefined;
  }
  const text = decodeXmlText(String(value)).trim();
  if (required && text === '') throw new ReginfoError('REGINFO_ERR_VALUE', 400, `${where}: empty attribute ${name}`);
  return text;
}

function integerAttr(node: unknown, name: string, where: string, required: boolean): number | undefined {
  const text = required ? attrText(node, name, where, true) : attrText(node, name, where, false);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new ReginfoError('REGINFO_ERR_VALUE', 400, `${where}: ${name} is not a non-negative integer: ${text}`);
  return Number(text);
}

function textOf(node: unknown, where: string): string {
  if (typeof node === 'string') return decodeXmlText(node);
  if (isNode(node)) {
    const keys = Object.keys(node).filter((k) => !k.startsWith('@_'));
    if (keys.length === 0) return '';
    if (keys.length === 1 && keys[0] === '#text') return decodeXmlText(String(node['#text']));
  }
  throw new ReginfoError('REGINFO_ERR_SCHEMA', 400, `${where} must hold text only`);
}

function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
