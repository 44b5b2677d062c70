/**
 * The PAP HTTP body (WAP-247-PAP section 8, the HTTP binding): a push-message arrives as
 * multipart/related, its first part the control entity (application/xml), its second the
 * content entity with its own Content-Type and headers (X-Wap-Application-Id,
 * Content-Location...), an optional third the capabilities entity; every other message
 * (cancel, statusquery, ccq, a resultnotification-response) is a bare application/xml control
 * entity. Responses from the gateway are bare application/xml too (buildPap).
 */
import { PapError } from './errors.ts';
import { buildMultipart, mimeHeader, parseContentType, parseMultipart, type MimeHeader, type MimePart, type MultipartLimits } from './multipart.ts';
import type { PapDocument } from './model.ts';
import { parsePapBytes } from './parse.ts';

export interface PapContentEntity {
  /** Its Content-Type as sent (MIME's default text/plain when the part had none). */
  contentType: string;
  /** All of its headers, as sent. */
  headers: MimeHeader[];
  body: Uint8Array;
  /** The X-Wap-Application-Id header, raw (map it with pushApplicationName). */
  applicationId?: string;
  /** The Content-Location header. */
  contentLocation?: string;
}

export interface PapRequest {
  document: PapDocument;
  /** The control entity's bytes as received (for logs and a bad-message fragment). */
  controlBytes: Uint8Array;
  /** The content entity of a push-message. */
  content?: PapContentEntity;
  /** Parts after the content entity (PAP's capabilities entity), unread. */
  extraParts: MimePart[];
}

export interface PapRequestLimits extends MultipartLimits {
  /** Largest control entity accepted, in bytes (default DEFAULT_MAX_CONTROL_BYTES). */
  maxControlBytes?: number;
}

export const DEFAULT_MAX_CONTROL_BYTES = 64 * 1024;

const XML_TYPES = new Set(['application/xml', 'text/xml']);

/**
 * Read a PAP request body given its HTTP Content-Type. Throws PapError: PAP_ERR_TOO_LARGE over
 * a limit (the gateway answers HTTP 413), PAP_ERR_MULTIPART for a body of the wrong shape, and
 * the control entity's own errors (parsePap).
 */
export function parsePapRequest(body: Uint8Array, contentType: string, limits: PapRequestLimits = {}): PapRequest {
  const maxControlBytes = limits.maxControlBytes ?? DEFAULT_MAX_CONTROL_BYTES;
  const ct = parseContentType(contentType);
  let control: MimePart;
  let rest: MimePart[] = [];
  if (XML_TYPES.has(ct.mediaType)) {
    control = { headers: [{ name: 'Content-Type', value: contentType }], body };
    if (limits.maxBodyBytes !== undefined && body.length > limits.maxBodyBytes) {
      throw new PapError('PAP_ERR_TOO_LARGE', 2000, `The PAP body is ${body.length} bytes, over the limit of ${limits.maxBodyBytes} (option maxBodyBytes)`);
    }
  } else if (ct.mediaType.startsWith('multipart/')) {
    [control, ...rest] = parseMultipart(body, contentType, limits).parts as [MimePart, ...MimePart[]];
  } else {
    throw new PapError('PAP_ERR_MULTIPART', 2000, `Content-Type ${ct.mediaType} is not a PAP body; send multipart/related (control entity first) or application/xml`);
  }
  if (control.body.length > maxControlBytes) {
    throw new PapError('PAP_ERR_TOO_LARGE', 2000, `The PAP control entity is ${control.body.length} bytes, over the limit of ${maxControlBytes} (option maxControlBytes)`);
  }
  const controlType = mimeHeader(control, 'content-type');
  const controlCt = controlType === undefined ? undefined : parseContentType(controlType);
  if (controlCt !== undefined && !XML_TYPES.has(controlCt.mediaType)) {
    throw new PapError('PAP_ERR_MULTIPART', 2000, `The first part is ${controlCt.mediaType}; the PAP control entity (application/xml) must come first`);
  }
  const document = parsePapBytes(control.body, controlCt?.params.charset);
  const request: PapRequest = { document, controlBytes: control.body, extraParts: [] };
  if (document.message.kind === 'push-message') {
    const [content, ...extra] = rest;
    if (content === undefined) {
      throw new PapError('PAP_ERR_MULTIPART', 2000, 'A push-message needs its content entity: send multipart/related with the control entity first and the content second');
    }
    request.content = contentEntity(content);
    request.extraParts = extra;
  } else request.extraParts = rest;
  return request;
}

function contentEntity(part: MimePart): PapContentEntity {
  const entity: PapContentEntity = { contentType: mimeHeader(part, 'content-type') ?? 'text/plain', headers: part.headers, body: part.body };
  parseContentType(entity.contentType); // a malformed one is refused here, not later at delivery
  const applicationId = mimeHeader(part, 'x-wap-application-id');
  if (applicationId !== undefined) entity.applicationId = applicationId;
  const contentLocation = mimeHeader(part, 'content-location');
  if (contentLocation !== undefined) entity.contentLocation = contentLocation;
  return entity;
}

export interface PapBodyContent {
  contentType: string;
  body: Uint8Array;
  /** Further headers of the content entity (X-Wap-Application-Id, Content-Location...). */
  headers?: MimeHeader[];
}

/**
 * The HTTP body for a control entity (buildPap's text) and, for a push-message, its content:
 * multipart/related with type="application/xml" when there is content, bare application/xml
 * otherwise.
 */
export function buildPapRequest(controlXml: string, content?: PapBodyContent, options: { boundary?: string } = {}): { contentType: string; body: Uint8Array } {
  const control = new TextEncoder().encode(controlXml);
  if (content === undefined) return { contentType: 'application/xml; charset=utf-8', body: control };
  return buildMultipart(
    [
      { headers: [{ name: 'Content-Type', value: 'application/xml; charset=utf-8' }], body: control },
      { headers: [{ name: 'Content-Type', value: content.contentType }, ...(content.headers ?? [])], body: content.body },
    ],
    { type: 'application/xml', ...(options.boundary !== undefined ? { boundary: options.boundary } : {}) },
  );
}
