/**
 * The textual forms, `text/vnd.wap.si` and `text/vnd.wap.sl`. The prolog is read by hand so that
 * nothing in it is resolved: the XML declaration, comments, processing instructions and the
 * DOCTYPE senders write (`<!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SI 1.0//EN"
 * "http://www.wapforum.org/DTD/si.dtd">`, WAP-167 8.1; SL 1.0 likewise, WAP-168 9.1). The DTD
 * is never fetched; an internal subset, an entity declaration or a reference to any entity but
 * XML's five is refused (no SI or SL needs one; billion laughs, XXE). The rest is read with the
 * shared XML parser (src/protocol/xml), made on first use so a bundle that never reads SI
 * does not carry it.
 */
import { createXmlParser, xmlSyntaxError } from '../xml/parser.ts';
import { decodeXmlText } from '../xml/text.ts';
import { DEFAULT_SI_LIMITS, SiError, type ServiceContent, type SiParseOptions } from './model.ts';
import { shapeDocument, type DocElement } from './shape.ts';

const PUBLIC_IDS = { si: '-//WAPFORUM//DTD SI 1.0//EN', sl: '-//WAPFORUM//DTD SL 1.0//EN' } as const;

let parser: ReturnType<typeof createXmlParser> | undefined;

type XmlNode = Record<string, unknown>;

/** Read a `text/vnd.wap.si` (kind 'si') or `text/vnd.wap.sl` (kind 'sl') document. Throws SiError. */
export function parseServiceXml(text: string, kind: 'si' | 'sl', options: SiParseOptions = {}): ServiceContent {
  const { maxBytes, maxDepth } = { ...DEFAULT_SI_LIMITS, ...options };
  // A UTF-16 code unit is at most 3 UTF-8 octets: only count exactly when it could matter.
  if (text.length > maxBytes || (text.length * 3 > maxBytes && new TextEncoder().encode(text).length > maxBytes)) {
    throw new SiError('SI_ERR_TOO_LARGE', 413, `The ${kind.toUpperCase()} document is over ${maxBytes} bytes (maxBytes)`);
  }
  const xml = readProlog(text.replace(/^\uFEFF/, '').trim(), kind);
  checkDepth(xml, maxDepth);
  const syntaxError = xmlSyntaxError(xml);
  if (syntaxError !== undefined) throw new SiError('SI_ERR_XML', 400, `Malformed ${kind.toUpperCase()} XML: ${syntaxError}`);
  let tree: XmlNode;
  try {
    tree = (parser ??= createXmlParser()).parse(xml) as XmlNode;
  } catch (err) {
    // The validator above catches what the parser would; this keeps the codec's one error type if not.
    throw new SiError('SI_ERR_XML', 400, `Malformed ${kind.toUpperCase()} XML: ${err instanceof Error ? err.message : String(err)}`);
  }
  const roots = Object.keys(tree).filter((k) => !k.startsWith('?') && !k.startsWith('#'));
  const rootName = roots[0];
  if (rootName === undefined) throw new SiError('SI_ERR_XML', 400, `No root element: send <${kind}>…</${kind}>`);
  if (roots.length > 1 || Array.isArray(tree[rootName])) throw new SiError('SI_ERR_XML', 400, 'More than one root element');
  return shapeDocument(toElement(rootName, tree[rootName]), kind);
}

function toElement(name: string, value: unknown): DocElement {
  const el: DocElement = { name, attrs: new Map(), children: [] };
  if (typeof value === 'string') {
    if (value !== '') el.children.push(decodeXmlText(value));
    return el;
  }
  if (typeof value !== 'object' || value === null) return el;
  for (const [key, child] of Object.entries(value as XmlNode)) {
    if (key.startsWith('@_')) el.attrs.set(key.slice(2), [decodeXmlText(String(child))]);
    else if (key === '#text') el.children.push(decodeXmlText(String(child)));
    else for (const one of Array.isArray(child) ? child : [child]) el.children.push(toElement(key, one));
  }
  return el;
}

/** Refuse nesting deeper than maxDepth before the recursive reader sees it (a cheap tag count). */
function checkDepth(xml: string, maxDepth: number): void {
  let depth = 0;
  for (const m of xml.matchAll(/<(\/?)[A-Za-z_][^>]*?(\/?)>/g)) {
    if (m[1] === '/') depth--;
    else if (m[2] !== '/' && ++depth > maxDepth) throw new SiError('SI_ERR_TOO_LARGE', 413, `Elements nest deeper than ${maxDepth} (maxDepth); SI nests 3 deep`);
  }
}

function stripCommentsAndCdata(xml: string): string {
  return xml.replace(/<!--[\s\S]*?-->/g, '').replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
}

/** The document with its DOCTYPE blanked (same length), after checking prolog and entity use. */
function readProlog(xml: string, kind: 'si' | 'sl'): string {
  const bare = stripCommentsAndCdata(xml);
  if (/<!ENTITY/i.test(bare)) throw new SiError('SI_ERR_ENTITY', 400, 'Entity declarations are refused (no SI or SL document needs one): remove them');
  const badRef = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)([^\s;<&]{0,40};?)/.exec(bare);
  if (badRef) {
    throw new SiError('SI_ERR_ENTITY', 400, `Entity reference &${badRef[1]} is not one of XML's five nor a character reference; write the character or &#NN;`);
  }
  const start = bare.search(/<!DOCTYPE/i);
  if (start < 0) {
    if (/<!(?!--|\[CDATA\[)/.test(bare)) throw new SiError('SI_ERR_XML', 400, 'A markup declaration outside a DOCTYPE: remove it');
    return xml;
  }
  const m = /^<!DOCTYPE\s+([A-Za-z_][\w.:-]*)(?:\s+PUBLIC\s+("[^"]*"|'[^']*')(?:\s+("[^"]*"|'[^']*'))?|\s+SYSTEM\s+("[^"]*"|'[^']*'))?\s*(\[)?/i.exec(xml.slice(xml.search(/<!DOCTYPE/i)));
  if (!m) throw new SiError('SI_ERR_XML', 400, 'Malformed DOCTYPE: write <!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SI 1.0//EN" "http://www.wapforum.org/DTD/si.dtd">');
  if (m[5] === '[') throw new SiError('SI_ERR_ENTITY', 400, 'A DOCTYPE internal subset is refused (the SI/SL DTD is never read): remove the [...] part');
  if (m[1] !== kind) throw new SiError('SI_ERR_SCHEMA', 400, `The DOCTYPE names <${m[1]}>, not <${kind}>`);
  const publicId = m[2]?.slice(1, -1).replace(/\s+/g, ' ').trim();
  if (publicId !== undefined && publicId.toUpperCase() !== PUBLIC_IDS[kind]) {
    throw new SiError('SI_ERR_XML', 400, `DOCTYPE public identifier "${publicId.slice(0, 60)}" is not ${PUBLIC_IDS[kind]}`);
  }
  const at = xml.search(/<!DOCTYPE/i);
  const end = xml.indexOf('>', at + m[0].length - 1);
  if (end < 0 || xml.slice(at + m[0].length, end).trim() !== '') throw new SiError('SI_ERR_XML', 400, 'Malformed DOCTYPE (expected >)');
  return xml.slice(0, at) + xml.slice(at, end + 1).replace(/[^\n]/g, ' ') + xml.slice(end + 1);
}
