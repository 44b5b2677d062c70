/**
 * XML text helpers every XML codec here shares: which characters XML 1.0 cannot carry,
 * escaping for the documents we build, and decoding of the five predefined entities and
 * character references (XML 1.0 sections 2.2, 4.6, 4.1). No parser: a page that only builds
 * XML (the receiver's IMDN reports) must not load one (parser.ts, its own chunk in the builds).
 */
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
