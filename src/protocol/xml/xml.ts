/**
 * The XML pieces every XML codec here shares (IMDN, UAProf; later reginfo and PAP): escaping
 * for the documents we build, entity decoding and one parser configuration for the documents
 * we read. Parsing is fast-xml-parser with entities left alone (no DTD is ever read, so no
 * entity expansion attack) and decoded by decodeXmlText: the five predefined entities and
 * character references of XML 1.0 (sections 4.6 and 4.1), nothing else.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** Characters XML 1.0 cannot carry, even escaped (section 2.2, Char). */
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** Whether a value holds a character no XML 1.0 document can carry (check before escapeXml). */
export function hasIllegalXmlChar(text: string): boolean {
  return XML_ILLEGAL.test(text);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text or attribute value escaped for XML (the five predefined entities). */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decode the predefined entities and character references of XML 1.0 (section 4.6, 4.1). */
export function decodeXmlText(text: string): string {
  return text.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (whole, ref: string) => {
    if (ref[0] !== '#') return NAMED_ENTITIES[ref]!;
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

export interface XmlParserOptions {
  /** Drop namespace prefixes from element and attribute names (`rdf:li` -> `li`). */
  removeNSPrefix?: boolean;
}

/**
 * A parser with the options every codec here reads with: attributes kept (`@_name`), values
 * as strings (no number guessing), trimmed, declaration and processing instructions dropped,
 * entities left for decodeXmlText.
 */
export function createXmlParser(options: XmlParserOptions = {}): XMLParser {
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    removeNSPrefix: options.removeNSPrefix ?? false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    processEntities: false,
  });
}

/** Why a text is not well-formed XML (`message (line n)`), or undefined when it is. */
export function xmlSyntaxError(xml: string): string | undefined {
  const valid = XMLValidator.validate(xml);
  return valid === true ? undefined : `${valid.err.msg} (line ${valid.err.line})`;
}

/** The element names at the top of a parsed tree (declarations and text left out). */
export function rootElementNames(tree: Record<string, unknown>): string[] {
  return Object.keys(tree).filter((k) => !k.startsWith('?') && !k.startsWith('#'));
}
