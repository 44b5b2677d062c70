/**
 * The four legacy push content types and which codec form each is. Kept apart from the codec
 * (no imports) so that a view can ask "is this SI/SL?" without pulling the parser in.
 */

/** WAP-167 section 8.1 / 9.1 and WAP-168 section 9.1 / 10.1; IANA media types. */
export const SI_XML_TYPE = 'text/vnd.wap.si';
export const SI_WBXML_TYPE = 'application/vnd.wap.sic';
export const SL_XML_TYPE = 'text/vnd.wap.sl';
export const SL_WBXML_TYPE = 'application/vnd.wap.slc';

export type ServiceContentForm = { kind: 'si' | 'sl'; encoding: 'xml' | 'wbxml' };

const FORMS: Record<string, ServiceContentForm> = {
  [SI_XML_TYPE]: { kind: 'si', encoding: 'xml' },
  [SI_WBXML_TYPE]: { kind: 'si', encoding: 'wbxml' },
  [SL_XML_TYPE]: { kind: 'sl', encoding: 'xml' },
  [SL_WBXML_TYPE]: { kind: 'sl', encoding: 'wbxml' },
};

/** The type's essence (`type/subtype`, lower case, parameters dropped). */
function essenceOf(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/** Which document and form a content type is, or undefined when it is none of the four. */
export function serviceContentForm(contentType: string): ServiceContentForm | undefined {
  return FORMS[essenceOf(contentType)];
}

export function isServiceContentType(contentType: string): boolean {
  return serviceContentForm(contentType) !== undefined;
}

/** The `charset` parameter of a content type, when given. */
export function charsetOf(contentType: string): string | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return m?.[1];
}
