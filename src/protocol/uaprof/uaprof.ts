/**
 * UAProf documents (OMA-TS-UAProf-V2_0): the RDF/XML profile a Push Receiver Agent serves
 * so a Push Sender Agent can learn what it accepts before pushing (OMA SIP Push spec 5.3.6).
 *
 * The builder writes the PushCharacteristics component (Push-Accept, Push-Accept-AppID,
 * Push-MsgSize) and a BrowserUA component naming the client. The parser reads those
 * properties wherever they are in a profile: real phone profiles use other vocabulary
 * versions (wapforum.org 2001/2002 and OMA 2002 namespaces) and other prefixes, so it
 * matches local names only. Pure: no DOM, no Node.
 */
import { CodecError } from '../errors.ts';
import { createXmlParser, rootElementNames, xmlSyntaxError } from '../xml/parser.ts';
import { decodeXmlText, escapeXml as escapeText, hasIllegalXmlChar } from '../xml/text.ts';

export const RDF_NAMESPACE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
/** The UAProf 2.0 vocabulary (prf:). */
export const PRF_NAMESPACE = 'http://www.openmobilealliance.org/tech/profiles/UAPROF/ccppschema-20021212#';

/** What this client declares about itself. */
export interface UaprofDescription {
  /** prf:BrowserName of the BrowserUA component. */
  clientName: string;
  /** prf:BrowserVersion, when given. */
  clientVersion?: string;
  /** prf:Push-Accept: content types accepted in pushes (`image/*` and `*\/*` allowed). */
  acceptTypes: string[];
  /** prf:Push-MsgSize: largest push (SIP MESSAGE content) accepted, in bytes. */
  maxMessageBytes: number;
  /** prf:Push-Accept-AppID: push application IDs (`news.ua`, or a phone's `x-wap-application:mms.ua`, or `*`). */
  appIds: string[];
}

/** What a profile says; a phone's profile may lack any of it. */
export interface UaprofProfile {
  clientName?: string;
  clientVersion?: string;
  /** prf:Vendor and prf:Model of the HardwarePlatform component. */
  vendor?: string;
  model?: string;
  acceptTypes: string[];
  maxMessageBytes?: number;
  appIds: string[];
}

export type UaprofErrorCode = 'UAPROF_ERR_XML' | 'UAPROF_ERR_SCHEMA' | 'UAPROF_ERR_VALUE';

/** `status` 400: the document (a REGISTER's UAProf, a fetched profile) is not usable. */
export class UaprofError extends CodecError<UaprofErrorCode> {
  override name = 'UaprofError';
}

/** A value escaped for the document; one XML cannot carry at all is refused. */
function escapeXml(text: string): string {
  if (hasIllegalXmlChar(text)) throw new UaprofError('UAPROF_ERR_VALUE', 400, 'A value holds a character XML cannot carry');
  return escapeText(text);
}

/** The RDF/XML document for a description. Throws UaprofError on values a profile cannot carry. */
export function buildUaprof(desc: UaprofDescription): string {
  if (desc.clientName.trim() === '') throw new UaprofError('UAPROF_ERR_VALUE', 400, 'clientName is empty');
  if (!Number.isSafeInteger(desc.maxMessageBytes) || desc.maxMessageBytes <= 0) {
    throw new UaprofError('UAPROF_ERR_VALUE', 400, `maxMessageBytes must be a positive integer, not ${desc.maxMessageBytes}`);
  }
  for (const value of [...desc.acceptTypes, ...desc.appIds]) {
    if (value.trim() === '' || value !== value.trim()) throw new UaprofError('UAPROF_ERR_VALUE', 400, `Bag values must be non-empty and trimmed: ${JSON.stringify(value)}`);
  }
  const bag = (indent: string, values: readonly string[]) =>
    values.length === 0 ? [`${indent}<rdf:Bag/>`] : [`${indent}<rdf:Bag>`, ...values.map((v) => `${indent}  <rdf:li>${escapeXml(v)}</rdf:li>`), `${indent}</rdf:Bag>`];
  const component = (id: string, properties: string[]) => [
    '    <prf:component>',
    `      <rdf:Description rdf:ID="${id}">`,
    `        <rdf:type rdf:resource="${PRF_NAMESPACE}${id}"/>`,
    ...properties,
    '      </rdf:Description>',
    '    </prf:component>',
  ];
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<rdf:RDF xmlns:rdf="${RDF_NAMESPACE}"`,
    `         xmlns:prf="${PRF_NAMESPACE}">`,
    '  <rdf:Description rdf:ID="Profile">',
    ...component('BrowserUA', [
      `        <prf:BrowserName>${escapeXml(desc.clientName)}</prf:BrowserName>`,
      ...(desc.clientVersion !== undefined ? [`        <prf:BrowserVersion>${escapeXml(desc.clientVersion)}</prf:BrowserVersion>`] : []),
    ]),
    ...component('PushCharacteristics', [
      '        <prf:Push-Accept>',
      ...bag('          ', desc.acceptTypes),
      '        </prf:Push-Accept>',
      '        <prf:Push-Accept-AppID>',
      ...bag('          ', desc.appIds),
      '        </prf:Push-Accept-AppID>',
      `        <prf:Push-MsgSize>${desc.maxMessageBytes}</prf:Push-MsgSize>`,
    ]),
    '  </rdf:Description>',
    '</rdf:RDF>',
  ];
  return lines.join('\n') + '\n';
}

const parser = createXmlParser({ removeNSPrefix: true });

/** Parse a UAProf document. Throws UaprofError (UAPROF_ERR_XML, _SCHEMA or _VALUE). */
export function parseUaprof(xml: string): UaprofProfile {
  const syntaxError = xmlSyntaxError(xml);
  if (syntaxError !== undefined) throw new UaprofError('UAPROF_ERR_XML', 400, `Malformed UAProf XML: ${syntaxError}`);
  const tree: unknown = parser.parse(xml);
  const roots = isObject(tree) ? rootElementNames(tree) : [];
  const root = isObject(tree) ? tree['RDF'] : undefined;
  if (roots.length > 1 || Array.isArray(root)) throw new UaprofError('UAPROF_ERR_XML', 400, 'More than one root element');
  if (root === undefined) throw new UaprofError('UAPROF_ERR_SCHEMA', 400, 'Not a UAProf document: the root element must be one rdf:RDF');

  const profile: UaprofProfile = { acceptTypes: bagValues(find(root, 'Push-Accept')), appIds: bagValues(find(root, 'Push-Accept-AppID')) };
  const text = (name: string): string | undefined => {
    const node = find(root, name);
    if (node === undefined) return undefined;
    const value = textOf(node);
    if (value === undefined) throw new UaprofError('UAPROF_ERR_VALUE', 400, `prf:${name} must hold text`);
    return value;
  };
  const size = text('Push-MsgSize');
  if (size !== undefined) {
    if (!/^\d+$/.test(size) || Number(size) <= 0 || !Number.isSafeInteger(Number(size))) {
      throw new UaprofError('UAPROF_ERR_VALUE', 400, `prf:Push-MsgSize is not a positive integer: ${size}`);
    }
    profile.maxMessageBytes = Number(size);
  }
  for (const [key, name] of [['clientName', 'BrowserName'], ['clientVersion', 'BrowserVersion'], ['vendor', 'Vendor'], ['model', 'Model']] as const) {
    const value = text(name);
    if (value !== undefined && value !== '') profile[key] = value;
  }
  return profile;
}

/** Whether a profile accepts pushes for an application ID (`*` accepts all; `x-wap-application:` ignored). */
export function profileAcceptsAppId(profile: Pick<UaprofProfile, 'appIds'>, appId: string): boolean {
  const short = (id: string) => id.trim().toLowerCase().replace(/^x-wap-application:/, '');
  const wanted = short(appId);
  return profile.appIds.some((id) => id === '*' || short(id) === wanted);
}

/** Whether a profile accepts a content type, honouring `type/*` and `*\/*`; parameters are ignored. */
export function profileAcceptsContentType(profile: Pick<UaprofProfile, 'acceptTypes'>, contentType: string): boolean {
  const bare = (t: string) => t.split(';')[0]!.trim().toLowerCase();
  const wanted = bare(contentType);
  const major = wanted.split('/')[0];
  return profile.acceptTypes.some((t) => {
    const accepted = bare(t);
    return accepted === '*/*' || accepted === wanted || accepted === `${major}/*`;
  });
}

type XmlObject = Record<string, unknown>;

function isObject(value: unknown): value is XmlObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** First element of that local name, depth first in document order. */
function find(node: unknown, name: string): unknown {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = find(item, name);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isObject(node)) return undefined;
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('@_')) continue;
    if (key === name) return Array.isArray(value) ? value[0] : value;
    const found = find(value, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

function textOf(node: unknown): string | undefined {
  if (typeof node === 'string') return decodeXmlText(node);
  if (isObject(node)) {
    const keys = Object.keys(node).filter((k) => !k.startsWith('@_'));
    if (keys.length === 0) return '';
    if (keys.length === 1 && keys[0] === '#text') return decodeXmlText(String(node['#text']));
  }
  return undefined;
}

/** Values of an rdf:Bag (or Seq or Alt) property; a bare text value is read as a comma list. */
function bagValues(property: unknown): string[] {
  if (property === undefined) return [];
  const plain = textOf(property);
  if (plain !== undefined) return plain.split(',').map((v) => v.trim()).filter((v) => v !== '');
  if (!isObject(property)) return [];
  const container = property['Bag'] ?? property['Seq'] ?? property['Alt'];
  if (!isObject(container)) return [];
  const items = container['li'];
  const list = items === undefined ? [] : Array.isArray(items) ? items : [items];
  const out: string[] = [];
  for (const item of list) {
    const value = textOf(item);
    if (value === undefined) throw new UaprofError('UAPROF_ERR_VALUE', 400, 'rdf:li must hold text');
    if (value !== '' && !out.includes(value)) out.push(value);
  }
  return out;
}
