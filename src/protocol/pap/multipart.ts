/**
 * multipart/related bodies (RFC 2387 over RFC 2046 section 5.1.1), bytes in and bytes out, as
 * PAP carries a push over HTTP: the control entity, the content entity and an optional
 * capabilities entity, each a MIME part with its own headers. Whole bodies only (HTTP hands
 * the gateway the complete request; the size limit is checked first).
 *
 * Reading tolerates what clients send: bare LF as well as CRLF, transport padding after a
 * delimiter, a preamble and an epilogue (ignored), a quoted or bare boundary parameter, folded
 * header lines. Content bytes are never decoded as text, so binary content (WBXML SIC/SLC,
 * images) comes through unchanged; a `Content-Transfer-Encoding: base64` part is decoded.
 * A body without its closing delimiter is refused (a truncated upload must not be pushed).
 */
import { concatBytes } from '../bytes.ts';
import { PapError } from './errors.ts';

export interface MimeHeader {
  name: string;
  value: string;
}

export interface MimePart {
  headers: MimeHeader[];
  body: Uint8Array;
}

export interface ContentType {
  /** type/subtype, lower case. */
  mediaType: string;
  /** Parameters by lower-case name, unquoted. */
  params: Record<string, string>;
}

export interface MultipartBody {
  /** The subtype's media type, lower case (`multipart/related`). */
  mediaType: string;
  /** RFC 2387 `type` parameter, when given. */
  type?: string;
  /** RFC 2387 `start` parameter, when given. */
  start?: string;
  parts: MimePart[];
}

export interface MultipartLimits {
  /** Largest body accepted, in bytes (default DEFAULT_MAX_BODY_BYTES). */
  maxBodyBytes?: number;
  /** Most parts accepted (default DEFAULT_MAX_PARTS). */
  maxParts?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_PARTS = 8;

function fail(message: string): never {
  throw new PapError('PAP_ERR_MULTIPART', 2000, message);
}

/** The value of the first header with this name (case-insensitive). */
export function mimeHeader(part: { headers: readonly MimeHeader[] }, name: string): string | undefined {
  const lower = name.toLowerCase();
  return part.headers.find((h) => h.name.toLowerCase() === lower)?.value;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parse a Content-Type value (RFC 2045 section 5.1). Throws PapError PAP_ERR_MULTIPART. */
export function parseContentType(value: string): ContentType {
  const m = /^\s*([^\s;/]+)\s*\/\s*([^\s;]+)\s*(.*)$/s.exec(value);
  if (!m || !TOKEN.test(m[1]!) || !TOKEN.test(m[2]!)) fail(`Content-Type "${value}" is not type/subtype`);
  const params: Record<string, string> = {};
  let rest = m[3]!;
  while (rest.trim() !== '') {
    const p = /^\s*;\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)\s*(.*)$/s.exec(rest);
    if (!p) {
      if (/^\s*;\s*$/.test(rest)) break; // a trailing ";" some clients write
      fail(`Content-Type "${value}" has a malformed parameter near "${rest.trim()}"`);
    }
    const raw = p[2]!;
    params[p[1]!.toLowerCase()] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    rest = p[3]!;
  }
  return { mediaType: `${m[1]}/${m[2]}`.toLowerCase(), params };
}

const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  const last = haystack.length - needle.length;
  outer: for (let i = haystack.indexOf(first, from); i !== -1 && i <= last; i = haystack.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const latin1 = (bytes: Uint8Array) => new TextDecoder('latin1').decode(bytes);

/**
 * Split a multipart body (any multipart/* subtype; PAP sends multipart/related) into its
 * parts. Throws PapError: PAP_ERR_TOO_LARGE over a limit, PAP_ERR_MULTIPART when the
 * boundary, a delimiter or the closing delimiter is missing or a part's headers are malformed.
 */
export function parseMultipart(body: Uint8Array, contentType: string, limits: MultipartLimits = {}): MultipartBody {
  const maxBodyBytes = limits.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxParts = limits.maxParts ?? DEFAULT_MAX_PARTS;
  if (body.length > maxBodyBytes) throw new PapError('PAP_ERR_TOO_LARGE', 2000, `The PAP body is ${body.length} bytes, over the limit of ${maxBodyBytes} (option maxBodyBytes)`);
  const ct = parseContentType(contentType);
  if (!ct.mediaType.startsWith('multipart/')) fail(`Content-Type ${ct.mediaType} is not multipart; send multipart/related with the control entity first`);
  const boundary = ct.params.boundary;
  if (boundary === undefined || boundary === '') fail(`Content-Type ${ct.mediaType} has no boundary parameter`);
  if (boundary.length > 70) fail(`The boundary is ${boundary.length} characters, over RFC 2046's 70`);
  const delimiter = new TextEncoder().encode(`--${boundary}`);

  /** Delimiter lines: at the body's start or after a line break; their content start; whether closing. */
  const parts: MimePart[] = [];
  let partStart = -1;
  let closed = false;
  for (let at = indexOfBytes(body, delimiter, 0); at !== -1; at = indexOfBytes(body, delimiter, at + 1)) {
    if (at !== 0 && body[at - 1] !== LF) continue;
    let end = at + delimiter.length;
    const closing = body[end] === DASH && body[end + 1] === DASH;
    if (closing) end += 2;
    while (body[end] === 0x20 || body[end] === 0x09) end++; // transport padding
    if (end < body.length && body[end] !== CR && body[end] !== LF) continue; // a line that only starts like a delimiter
    if (body[end] === CR) end++;
    if (body[end] === LF) end++;
    if (partStart >= 0) {
      // The line break before the delimiter belongs to it (RFC 2046: CRLF "--" boundary).
      const contentEnd = at - (at >= 2 && body[at - 2] === CR ? 2 : 1);
      if (parts.length >= maxParts) throw new PapError('PAP_ERR_TOO_LARGE', 2000, `The multipart body has more than ${maxParts} parts (option maxParts)`);
      parts.push(readPart(body.subarray(partStart, Math.max(partStart, contentEnd))));
    }
    if (closing) {
      closed = true;
      break;
    }
    partStart = end;
  }
  if (partStart < 0) fail(`No --${boundary} delimiter in the body: the boundary parameter does not match the body`);
  if (!closed) fail(`The body ends without its closing --${boundary}-- delimiter (truncated?)`);
  if (parts.length === 0) fail('The multipart body has no parts');
  const result: MultipartBody = { mediaType: ct.mediaType, parts };
  if (ct.params.type !== undefined) result.type = ct.params.type;
  if (ct.params.start !== undefined) result.start = ct.params.start;
  return result;
}

function readPart(bytes: Uint8Array): MimePart {
  // Headers end at the first empty line; a part that starts with a line break has none.
  let headerEnd = -1;
  let bodyStart = bytes.length;
  if (bytes[0] === LF || (bytes[0] === CR && bytes[1] === LF)) {
    headerEnd = 0;
    bodyStart = bytes[0] === LF ? 1 : 2;
  } else {
    for (let i = bytes.indexOf(LF); i !== -1; i = bytes.indexOf(LF, i + 1)) {
      const next = bytes[i + 1] === CR ? i + 2 : i + 1;
      if (bytes[next] === LF) {
        headerEnd = i;
        bodyStart = next + 1;
        break;
      }
    }
    if (headerEnd < 0) headerEnd = bytes.length; // headers only, empty body (RFC 2046 body-part)
  }
  const headers: MimeHeader[] = [];
  const lines = latin1(bytes.subarray(0, headerEnd)).split(/\r?\n/);
  for (const line of lines) {
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && headers.length > 0) {
      headers[headers.length - 1]!.value += ' ' + line.trim(); // folded (RFC 5322 section 2.2.3)
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || !TOKEN.test(line.slice(0, colon).trim())) fail(`Malformed part header line "${line.slice(0, 80)}"`);
    headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  let body = bytes.subarray(bodyStart);
  const encoding = mimeHeader({ headers }, 'content-transfer-encoding')?.toLowerCase();
  if (encoding === 'base64') body = decodeBase64(latin1(body));
  else if (encoding !== undefined && !['7bit', '8bit', 'binary'].includes(encoding)) {
    fail(`Content-Transfer-Encoding ${encoding} is not supported; send the part as binary or base64`);
  }
  return { headers, body };
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function decodeBase64(text: string): Uint8Array {
  const clean = text.replace(/[\s]/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.replace(/=+$/, '').length % 4 === 1) fail('A base64 part is not valid base64');
  const digits = clean.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((digits.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let n = 0;
  for (const c of digits) {
    acc = (acc << 6) | BASE64.indexOf(c);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

export interface BuildMultipartOptions {
  /** The subtype (default multipart/related). */
  mediaType?: string;
  /** RFC 2387 type parameter (PAP: application/xml). */
  type?: string;
  /** A boundary to use; by default one that occurs in no part is chosen. */
  boundary?: string;
}

/** A multipart body (CRLF line breaks) and its Content-Type. Throws PapError when the given boundary occurs in a part. */
export function buildMultipart(parts: readonly MimePart[], options: BuildMultipartOptions = {}): { contentType: string; body: Uint8Array } {
  const encoder = new TextEncoder();
  const occursIn = (boundary: string) => {
    const needle = encoder.encode(`--${boundary}`);
    return parts.some((p) => indexOfBytes(p.body, needle, 0) !== -1 || p.headers.some((h) => h.value.includes(`--${boundary}`)));
  };
  let boundary = options.boundary;
  if (boundary !== undefined) {
    if (!/^[0-9A-Za-z'()+_,./:=?-]{1,70}$/.test(boundary)) fail(`Boundary "${boundary}" is not 1-70 RFC 2046 boundary characters without spaces`);
    if (occursIn(boundary)) fail(`Boundary "${boundary}" occurs in a part; choose another`);
  } else {
    for (let n = 0; boundary === undefined || occursIn(boundary); n++) boundary = `pap-boundary-${n.toString(36)}`;
  }
  const chunks: Uint8Array[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\n`;
    for (const h of part.headers) {
      if (!TOKEN.test(h.name) || /[\r\n]/.test(h.value)) fail(`Header ${JSON.stringify(h.name)} cannot be written in a MIME part`);
      head += `${h.name}: ${h.value}\r\n`;
    }
    chunks.push(encoder.encode(head + '\r\n'), part.body, encoder.encode('\r\n'));
  }
  chunks.push(encoder.encode(`--${boundary}--\r\n`));
  let contentType = `${options.mediaType ?? 'multipart/related'}; boundary="${boundary}"`;
  if (options.type !== undefined) contentType += `; type="${options.type}"`;
  return { contentType, body: concatBytes(chunks) };
}
