/**
 * From a document tree (read from XML by xml.ts or from WBXML by wbxml.ts) to a typed SI or SL,
 * by the DTDs of WAP-167 section 8.2 and WAP-168 section 9.2:
 *
 *   <!ELEMENT si (indication, info?)>
 *   <!ELEMENT indication (#PCDATA)>  href, si-id, created, si-expires, action (signal-medium)
 *   <!ELEMENT info (item+)>          <!ELEMENT item (#PCDATA)>  class (required)
 *   <!ELEMENT sl EMPTY>              href (required), action (execute-low)
 *
 * Unknown attributes are ignored (a later version may add some); unknown elements are refused.
 */
import { decodeOpaqueDate, parseSiDate } from './dates.ts';
import { SI_ACTIONS, SL_ACTIONS, SiError, type ServiceContent, type ServiceIndication, type ServiceLoading, type SiAction, type SiInfoItem, type SlAction } from './model.ts';

/** An attribute value: text, with OPAQUE octets where the tokenised form had them (dates). */
export type AttrParts = (string | Uint8Array)[];

export interface DocElement {
  name: string;
  attrs: Map<string, AttrParts>;
  children: (DocElement | string)[];
}

function schema(message: string): SiError {
  return new SiError('SI_ERR_SCHEMA', 400, message);
}

function textAttr(el: DocElement, name: string): string | undefined {
  const parts = el.attrs.get(name);
  if (parts === undefined) return undefined;
  if (parts.some((p) => typeof p !== 'string')) throw schema(`${name} of <${el.name}> holds OPAQUE data; it must be text`);
  return parts.join('');
}

function dateAttr(el: DocElement, name: string): string | undefined {
  const parts = el.attrs.get(name);
  if (parts === undefined) return undefined;
  const first = parts[0];
  if (parts.length === 1 && first instanceof Uint8Array) return decodeOpaqueDate(first, name);
  if (parts.every((p) => typeof p === 'string')) return parseSiDate(parts.join(''), name);
  throw new SiError('SI_ERR_DATE', 400, `${name} mixes text and OPAQUE data; send one OPAQUE date or the text form`);
}

function elements(el: DocElement): DocElement[] {
  return el.children.filter((c): c is DocElement => typeof c !== 'string');
}

/** The element's text, runs of white space collapsed (as Kannel's si compiler does), trimmed. */
function textOf(el: DocElement): string {
  const inner = elements(el)[0];
  if (inner) throw schema(`<${el.name}> holds text only; found <${inner.name}>`);
  return el.children.join('').replace(/\s+/g, ' ').trim();
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T, where: string): T {
  if (value === undefined) return fallback;
  const found = allowed.find((a) => a === value.trim());
  if (found === undefined) throw schema(`${where} action="${value.slice(0, 40)}" is not one of ${allowed.join(', ')}`);
  return found;
}

export function shapeDocument(root: DocElement, expected: 'si' | 'sl'): ServiceContent {
  if (root.name !== expected) throw schema(`Root element is <${root.name}>, not <${expected}> (${expected === 'si' ? 'WAP-167 8.2' : 'WAP-168 9.2'})`);
  return expected === 'si' ? shapeSi(root) : shapeSl(root);
}

function shapeSi(si: DocElement): ServiceIndication {
  const strayText = si.children.find((c) => typeof c === 'string' && c.trim() !== '');
  if (strayText !== undefined) throw schema('<si> holds elements only; text belongs in <indication>');
  const children = elements(si);
  const indication = children[0];
  if (indication?.name !== 'indication') throw schema('<si> must start with one <indication> (WAP-167 8.2)');
  const info = children[1];
  if (info !== undefined && info.name !== 'info') throw schema(`<${info.name}> is not allowed in <si>; after <indication> only <info> may come`);
  if (children.length > 2) throw schema(`<si> holds ${children.length} elements; at most <indication> and <info>`);

  const href = textAttr(indication, 'href');
  const siIdGiven = textAttr(indication, 'si-id');
  const created = dateAttr(indication, 'created');
  const expires = dateAttr(indication, 'si-expires');
  const action: SiAction = oneOf(textAttr(indication, 'action'), SI_ACTIONS, 'signal-medium', '<indication>');
  const out: ServiceIndication = { kind: 'si', action, text: textOf(indication), info: info ? infoItems(info) : [] };
  if (href !== undefined) out.href = href;
  // WAP-167 5.2.1: "If [si-id] is not specified, its value is considered to be the same as the value of the href attribute."
  const siId = siIdGiven ?? href;
  if (siId !== undefined) out.siId = siId;
  if (created !== undefined) out.created = created;
  if (expires !== undefined) out.expires = expires;
  if (action === 'delete' && siId === undefined) throw schema('An SI with action="delete" needs an si-id (or an href) naming the indication to delete (WAP-167 6.2)');
  return out;
}

function infoItems(info: DocElement): SiInfoItem[] {
  const items = elements(info);
  if (items.length === 0) throw schema('<info> must hold at least one <item> (WAP-167 8.2)');
  return items.map((item) => {
    if (item.name !== 'item') throw schema(`<${item.name}> is not allowed in <info>; only <item>`);
    const cls = textAttr(item, 'class');
    if (cls === undefined) throw schema('<item> needs a class attribute (WAP-167 8.2)');
    return { class: cls, text: textOf(item) };
  });
}

function shapeSl(sl: DocElement): ServiceLoading {
  const inner = elements(sl)[0];
  if (inner) throw schema(`<sl> is empty (WAP-168 9.2); found <${inner.name}>`);
  if (sl.children.some((c) => typeof c === 'string' && c.trim() !== '')) throw schema('<sl> is empty (WAP-168 9.2); found text');
  const href = textAttr(sl, 'href');
  if (href === undefined || href.trim() === '') throw schema('<sl> needs an href (WAP-168 9.2)');
  const action: SlAction = oneOf(textAttr(sl, 'action'), SL_ACTIONS, 'execute-low', '<sl>');
  return { kind: 'sl', href, action };
}
