/**
 * The part of a PAP document before its root element, read by hand so that nothing in it is
 * ever resolved: the XML declaration, comments, processing instructions and the DOCTYPE that
 * PAP clients send (`<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 1.0//EN"
 * "http://www.wapforum.org/DTD/pap_1.0.dtd">`, the 2.0 and 2.1 ones, and RIM's with an internal
 * subset holding only `<?wap-pap-ver supported-versions="2.0"?>`). The DTD is never fetched
 * (no external entity, XXE safe); an internal subset may hold only processing instructions
 * and comments, so an entity declaration (billion laughs) or any other markup declaration is
 * refused. fast-xml-parser then reads the document with the DOCTYPE blanked out (it throws on
 * a processing instruction in an internal subset), line numbers kept for its errors.
 */
import { PapError } from './errors.ts';

export interface PapProlog {
  /** The document with its DOCTYPE replaced by white space (same length, same lines). */
  xml: string;
  /** The DOCTYPE's root name, public and system identifiers, when it has them. */
  doctype?: { name: string; publicId?: string; systemId?: string };
  /** The PAP version the DOCTYPE names (`1.0`, `2.0`, `2.1`...). */
  version?: string;
}

/** Major PAP versions this codec reads: 1.x (WAP-164) and 2.x (WAP-247, OMA Push 2.x). */
const SUPPORTED_MAJORS = new Set(['1', '2']);
const PAP_PUBLIC_ID = /^-\/\/(?:WAPFORUM|OMA)\/\/DTD PAP (\d+)\.(\d+)\/\/EN$/i;
const PAP_SYSTEM_ID = /pap_(\d+)\.(\d+)\.dtd$/i;

/** Read the prolog; throws PapError (PAP_ERR_XML, PAP_ERR_ENTITY, PAP_ERR_VERSION). */
export function readPapProlog(text: string): PapProlog {
  // Kannel strips blanks before parsing (pap_compile); some clients send a newline before <?xml.
  const xml = text.replace(/^\uFEFF/, '').trim();
  checkEntityReferences(xml);
  let at = 0;
  const skipSpace = () => {
    while (at < xml.length && /\s/.test(xml[at]!)) at++;
  };
  const skipUntil = (end: string, what: string) => {
    const found = xml.indexOf(end, at);
    if (found < 0) throw new PapError('PAP_ERR_XML', 2000, `Unclosed ${what} in the prolog`, xml.slice(at, at + 80));
    at = found + end.length;
  };
  let doctype: PapProlog['doctype'];
  let span: [number, number] | undefined;
  for (;;) {
    skipSpace();
    if (xml.startsWith('<?', at)) skipUntil('?>', 'processing instruction');
    else if (xml.startsWith('<!--', at)) skipUntil('-->', 'comment');
    else if (xml.startsWith('<!DOCTYPE', at)) {
      if (doctype) throw new PapError('PAP_ERR_XML', 2000, 'More than one DOCTYPE', xml.slice(at, at + 80));
      const start = at;
      ({ doctype, end: at } = readDoctype(xml, at));
      span = [start, at];
    } else break;
  }
  const rest = stripCommentsAndCdata(xml.slice(at));
  const declaration = /<!(?!--|\[CDATA\[)[A-Za-z]*/.exec(rest);
  if (declaration) {
    const kind = declaration[0] === '<!ENTITY' ? 'PAP_ERR_ENTITY' : 'PAP_ERR_XML';
    throw new PapError(kind, 2000, `${declaration[0]} after the prolog: markup declarations belong in no PAP document`, declaration[0]);
  }
  const blanked = span ? xml.slice(0, span[0]) + xml.slice(span[0], span[1]).replace(/[^\n]/g, ' ') + xml.slice(span[1]) : xml;
  const prolog: PapProlog = { xml: blanked };
  if (doctype) {
    prolog.doctype = doctype;
    const version = papVersionOf(doctype.publicId, doctype.systemId);
    if (version !== undefined) prolog.version = version;
  }
  return prolog;
}

function papVersionOf(publicId: string | undefined, systemId: string | undefined): string | undefined {
  const m = (publicId !== undefined ? PAP_PUBLIC_ID.exec(publicId) : null) ?? (systemId !== undefined ? PAP_SYSTEM_ID.exec(systemId) : null);
  if (!m) return undefined;
  if (!SUPPORTED_MAJORS.has(m[1]!)) {
    throw new PapError('PAP_ERR_VERSION', 3002, `PAP ${m[1]}.${m[2]} is not supported; send a PAP 1.x or 2.x document (DOCTYPE -//WAPFORUM//DTD PAP 2.0//EN)`, publicId ?? systemId);
  }
  return `${m[1]}.${m[2]}`;
}

function readDoctype(xml: string, start: number): { doctype: NonNullable<PapProlog['doctype']>; end: number } {
  const fail = (code: 'PAP_ERR_XML' | 'PAP_ERR_ENTITY', why: string, at: number): never => {
    throw new PapError(code, 2000, why, xml.slice(start, Math.min(xml.length, Math.max(at + 40, start + 80))));
  };
  let at = start + '<!DOCTYPE'.length;
  const space = () => {
    const from = at;
    while (at < xml.length && /\s/.test(xml[at]!)) at++;
    return at > from;
  };
  const literal = (what: string): string => {
    const quote = xml[at];
    if (quote !== '"' && quote !== "'") return fail('PAP_ERR_XML', `DOCTYPE ${what} must be quoted`, at);
    const close = xml.indexOf(quote, at + 1);
    if (close < 0) return fail('PAP_ERR_XML', `Unclosed DOCTYPE ${what}`, at);
    const value = xml.slice(at + 1, close);
    at = close + 1;
    return value;
  };
  if (!space()) fail('PAP_ERR_XML', 'DOCTYPE without a root name', at);
  const name = /^[A-Za-z_:][\w.:-]*/.exec(xml.slice(at))?.[0];
  if (name === undefined) return fail('PAP_ERR_XML', 'DOCTYPE without a root name', at);
  at += name.length;
  const doctype: NonNullable<PapProlog['doctype']> = { name };
  space();
  if (xml.startsWith('PUBLIC', at)) {
    at += 6;
    space();
    doctype.publicId = literal('public identifier').replace(/\s+/g, ' ').trim();
    space();
    // Some PAP 1.0 clients write PUBLIC with no system literal; XML requires one, we tolerate its absence.
    if (xml[at] === '"' || xml[at] === "'") doctype.systemId = literal('system identifier');
  } else if (xml.startsWith('SYSTEM', at)) {
    at += 6;
    space();
    doctype.systemId = literal('system identifier');
  }
  space();
  if (xml[at] === '[') {
    at++;
    for (;;) {
      space();
      if (at >= xml.length) fail('PAP_ERR_XML', 'Unclosed DOCTYPE internal subset', at);
      if (xml[at] === ']') {
        at++;
        break;
      }
      if (xml.startsWith('<?', at)) {
        const close = xml.indexOf('?>', at);
        if (close < 0) fail('PAP_ERR_XML', 'Unclosed processing instruction in the DOCTYPE', at);
        at = close + 2;
      } else if (xml.startsWith('<!--', at)) {
        const close = xml.indexOf('-->', at);
        if (close < 0) fail('PAP_ERR_XML', 'Unclosed comment in the DOCTYPE', at);
        at = close + 3;
      } else if (xml.startsWith('<!ENTITY', at) || xml[at] === '%') {
        fail('PAP_ERR_ENTITY', 'Entity declarations and parameter entities are refused (no PAP document needs one): remove them from the DOCTYPE', at);
      } else if (xml.startsWith('<!', at)) {
        fail('PAP_ERR_ENTITY', 'Markup declarations in the DOCTYPE are refused (the PAP DTD is never read): remove the internal subset', at);
      } else {
        fail('PAP_ERR_XML', 'Unexpected text in the DOCTYPE internal subset', at);
      }
    }
    space();
  }
  if (xml[at] !== '>') fail('PAP_ERR_XML', 'Malformed DOCTYPE (expected >)', at);
  return { doctype, end: at + 1 };
}

function stripCommentsAndCdata(xml: string): string {
  return xml.replace(/<!--[\s\S]*?-->/g, '').replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
}

/** XML's five entities and character references are all a document without a DTD may use (XML 1.0 section 4.1, WFC: Entity Declared). */
function checkEntityReferences(xml: string): void {
  const bad = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)([^\s;<&]{0,40};?)/.exec(stripCommentsAndCdata(xml));
  if (bad) {
    throw new PapError(
      'PAP_ERR_ENTITY',
      2000,
      `Entity reference &${bad[1]} is not one of XML's five (amp, lt, gt, quot, apos) nor a character reference; PAP documents declare no entities: write the character or &#NN;`,
      `&${bad[1]}`,
    );
  }
}
