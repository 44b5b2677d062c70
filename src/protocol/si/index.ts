/**
 * Service Indication and Service Loading push content (WAP-167, WAP-168), textual and
 * tokenised. parseServiceContent takes a push's content type and octets and returns the typed
 * document; everything throws SiError only.
 */
import { charsetOf, serviceContentForm } from './contentTypes.ts';
import { SiError, type ServiceContent, type SiParseOptions } from './model.ts';
import { parseServiceWbxml } from './wbxml.ts';
import { parseServiceXml } from './xml.ts';

export * from './contentTypes.ts';
export { isClickableHref } from './href.ts';
export * from './model.ts';
export { decodeOpaqueDate, parseSiDate, siDateMs } from './dates.ts';
export { parseServiceWbxml, SI_PUBLIC_ID, SL_PUBLIC_ID } from './wbxml.ts';
export { parseServiceXml } from './xml.ts';

/**
 * The SI or SL a push carries, by its content type (`text/vnd.wap.si`, `application/vnd.wap.sic`,
 * `text/vnd.wap.sl`, `application/vnd.wap.slc`). The textual forms are decoded with the type's
 * charset parameter (UTF-8 when absent). Throws SiError (SI_ERR_CONTENT_TYPE for any other type).
 */
export function parseServiceContent(contentType: string, content: Uint8Array, options: SiParseOptions = {}): ServiceContent {
  const form = serviceContentForm(contentType);
  if (form === undefined) {
    throw new SiError('SI_ERR_CONTENT_TYPE', 415, `${contentType.slice(0, 80)} is not text/vnd.wap.si, application/vnd.wap.sic, text/vnd.wap.sl or application/vnd.wap.slc`);
  }
  if (form.encoding === 'wbxml') return parseServiceWbxml(content, form.kind, options);
  const maxBytes = options.maxBytes;
  if (maxBytes !== undefined && content.length > maxBytes) {
    throw new SiError('SI_ERR_TOO_LARGE', 413, `The ${form.kind.toUpperCase()} document is ${content.length} bytes, over ${maxBytes} (maxBytes)`);
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charsetOf(contentType) ?? 'utf-8');
  } catch {
    throw new SiError('SI_ERR_CONTENT_TYPE', 415, `Unknown charset ${charsetOf(contentType)?.slice(0, 40)}; send UTF-8`);
  }
  return parseServiceXml(decoder.decode(content), form.kind, options);
}
