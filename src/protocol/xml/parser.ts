/**
 * One XML parser configuration for every document the codecs here read: fast-xml-parser with
 * entities left alone (no DTD is ever read, so no entity expansion attack), decoded afterwards
 * by decodeXmlText (text.ts). The builds put this module and fast-xml-parser in a chunk of
 * their own (XML_PARSER_CHUNK in vite.config.ts), loaded only with a codec that parses.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

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
