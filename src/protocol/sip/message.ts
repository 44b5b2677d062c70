/**
 * SIP message model, parser and serializer (RFC 3261 section 7).
 *
 * The model keeps headers as an ordered list of (name, value) pairs exactly as received, so a
 * proxy can forward a message without reordering it, and lookups expand compact forms
 * (RFC 3261 section 7.3.3). Bodies are bytes: a push may carry an image in a MESSAGE.
 */
import { SipError } from './errors.ts';

export interface SipHeader {
  name: string;
  value: string;
}

interface SipMessageBase {
  headers: SipHeader[];
  body: Uint8Array;
}

export interface SipRequest extends SipMessageBase {
  kind: 'request';
  method: string;
  uri: string;
}

export interface SipResponse extends SipMessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

export interface SipParseLimits {
  /** Largest header section (start line and headers) accepted, in bytes. */
  maxHeaderBytes: number;
  /** Largest whole message accepted, in bytes. */
  maxMessageBytes: number;
}

export const DEFAULT_SIP_LIMITS: SipParseLimits = {
  maxHeaderBytes: 16 * 1024,
  maxMessageBytes: 256 * 1024,
};

/** RFC 3261 section 7.3.3 compact forms, plus RFC 3841 (a, j, d) and RFC 3515/3892 (r, b). */
const COMPACT_FORMS: Record<string, string> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
  a: 'accept-contact',
  j: 'reject-contact',
  d: 'request-disposition',
  u: 'allow-events',
  o: 'event',
  r: 'refer-to',
  b: 'referred-by',
  x: 'session-expires',
  y: 'identity',
};

/** Lower-case long form of a header name, so `v`, `Via` and `VIA` compare equal. */
export function canonicalHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return COMPACT_FORMS[lower] ?? lower;
}

const encoder = new TextEncoder();
const utf8 = new TextDecoder('utf-8');
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function decodeUtf8(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/** True when the bytes are valid UTF-8, i.e. may travel in a WebSocket text frame (RFC 7118 section 5.2). */
export function isUtf8(bytes: Uint8Array): boolean {
  try {
    utf8Strict.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

const CRLFCRLF = [13, 10, 13, 10];

/** Index of the blank line ending the header section, or -1. */
export function findHeaderEnd(bytes: Uint8Array, from = 0): number {
  for (let i = Math.max(0, from); i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) return i;
  }
  return -1;
}

export const SIP_VERSION = 'SIP/2.0';

/** Parse the start line and headers of a message (the part before the blank line). */
export function parseHead(head: string): { start: Omit<SipRequest, 'headers' | 'body'> | Omit<SipResponse, 'headers' | 'body'>; headers: SipHeader[] } {
  const lines = head.split('\r\n');
  const startLine = lines[0] ?? '';
  let start: Omit<SipRequest, 'headers' | 'body'> | Omit<SipResponse, 'headers' | 'body'>;
  if (startLine.startsWith(SIP_VERSION + ' ')) {
    // Status-Code is 3DIGIT and a response is 1xx to 6xx (RFC 3261 sections 7.2, 21): `000`
    // would be read as 0 and written back as `SIP/2.0 0`, a status line nobody parses.
    const m = /^SIP\/2\.0 ([1-6]\d{2}) ?([^\r\n]*)$/.exec(startLine);
    if (!m) throw new SipError('SIP_ERR_START_LINE', 400, `Malformed status line: ${truncate(startLine)}`);
    start = { kind: 'response', status: Number(m[1]), reason: m[2] ?? '' };
  } else {
    // Request-Line = Method SP Request-URI SP SIP-Version CRLF: single spaces, nothing else
    // (RFC 3261 section 7.1). Another version is a 505 (section 21.5.16), not a 400.
    const m = /^([A-Za-z0-9.!%*_+`'~-]+) (\S+) (SIP\/\d+\.\d+)$/.exec(startLine);
    if (!m) throw new SipError('SIP_ERR_START_LINE', 400, `Malformed request line: ${truncate(startLine)}`);
    if (m[3] !== SIP_VERSION) throw new SipError('SIP_ERR_VERSION', 505, `${truncate(m[3]!)} not supported (only ${SIP_VERSION})`);
    start = { kind: 'request', method: m[1]!, uri: m[2]! };
  }
  const headers: SipHeader[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    // Header folding (RFC 3261 section 7.3.1): a line starting with white space continues the previous one.
    if ((line[0] === ' ' || line[0] === '\t') && headers.length > 0) {
      const last = headers[headers.length - 1]!;
      last.value = `${last.value} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SipError('SIP_ERR_HEADER', 400, `Malformed header line: ${truncate(line)}`);
    const name = line.slice(0, colon).trim();
    if (!/^[A-Za-z0-9.!%*_+`'~-]+$/.test(name)) {
      throw new SipError('SIP_ERR_HEADER', 400, `Malformed header name: ${truncate(name)}`);
    }
    headers.push({ name, value: line.slice(colon + 1).trim() });
  }
  checkSingletons(headers);
  return { start, headers };
}

/**
 * Headers a message carries once (RFC 3261 section 7.3.1: only comma-list headers may repeat):
 * a second one is a 400, since which one a proxy or a UA would believe is a guess. From and
 * To hold one address each (section 20.20, 20.39). A repeated Content-Length with the same
 * value is tolerated; with another value the message has no known length.
 */
const SINGLETONS = new Set(['from', 'to', 'call-id', 'cseq', 'max-forwards', 'content-type', 'content-length', 'expires']);

function checkSingletons(headers: SipHeader[]): void {
  const seen = new Map<string, string>();
  for (const h of headers) {
    const name = canonicalHeaderName(h.name);
    if (!SINGLETONS.has(name)) continue;
    const earlier = seen.get(name);
    if (earlier !== undefined && !(name === 'content-length' && earlier === h.value)) {
      throw new SipError('SIP_ERR_HEADER', 400, name === 'content-length' ? 'Two different Content-Length headers' : `More than one ${h.name} header`);
    }
    seen.set(name, h.value);
    if ((name === 'from' || name === 'to') && splitHeaderValues(h.value).length > 1) {
      throw new SipError('SIP_ERR_HEADER', 400, `${h.name} header holds more than one address`);
    }
  }
}

/**
 * Parse one complete SIP message, as carried by one WebSocket message (RFC 7118 section 5.2)
 * or one UDP datagram. Content-Length, when present, must not exceed the bytes that follow
 * the header section; extra bytes after it are ignored (RFC 3261 section 18.3).
 */
export function parseSipMessage(input: Uint8Array | string, limits: SipParseLimits = DEFAULT_SIP_LIMITS): SipMessage {
  const bytes = typeof input === 'string' ? encodeUtf8(input) : input;
  if (bytes.length > limits.maxMessageBytes) {
    throw new SipError('SIP_ERR_MESSAGE_TOO_LARGE', 513, `Message of ${bytes.length} bytes exceeds ${limits.maxMessageBytes}`);
  }
  // Tolerate leading CRLFs (keep-alives, RFC 5626 section 3.5.1).
  let offset = 0;
  while (offset + 1 < bytes.length && bytes[offset] === 13 && bytes[offset + 1] === 10) offset += 2;
  let headEnd = findHeaderEnd(bytes, offset);
  let bodyStart: number;
  if (headEnd < 0) {
    // A message with no body may arrive without the final blank line on a datagram; accept "\r\n" ending.
    if (bytes.length >= 2 && bytes[bytes.length - 2] === 13 && bytes[bytes.length - 1] === 10) {
      headEnd = bytes.length - 2;
      bodyStart = bytes.length;
    } else {
      throw new SipError('SIP_ERR_HEADER', 400, 'Header section not terminated by an empty line');
    }
  } else {
    bodyStart = headEnd + CRLFCRLF.length;
  }
  if (headEnd - offset > limits.maxHeaderBytes) {
    throw new SipError('SIP_ERR_HEADERS_TOO_LARGE', 513, `Header section exceeds ${limits.maxHeaderBytes} bytes`);
  }
  const { start, headers } = parseHead(decodeUtf8(bytes.subarray(offset, headEnd)));
  const lengthHeader = headers.find((h) => canonicalHeaderName(h.name) === 'content-length');
  let body: Uint8Array;
  if (lengthHeader) {
    if (!/^\d+$/.test(lengthHeader.value)) {
      throw new SipError('SIP_ERR_CONTENT_LENGTH', 400, `Invalid Content-Length: ${truncate(lengthHeader.value)}`);
    }
    const length = Number(lengthHeader.value);
    if (bodyStart + length > bytes.length) {
      throw new SipError('SIP_ERR_CONTENT_LENGTH', 400, `Content-Length ${length} exceeds the ${bytes.length - bodyStart} body bytes received`);
    }
    body = bytes.slice(bodyStart, bodyStart + length);
  } else {
    body = bytes.slice(bodyStart);
  }
  return { ...start, headers, body } as SipMessage;
}

/** First value of a header (compact forms and case ignored). */
export function getHeader(msg: { headers: SipHeader[] }, name: string): string | undefined {
  const wanted = canonicalHeaderName(name);
  for (const h of msg.headers) if (canonicalHeaderName(h.name) === wanted) return h.value;
  return undefined;
}

/** Every header line of that name, in order (not split on commas: see splitHeaderValues). */
export function getHeaders(msg: { headers: SipHeader[] }, name: string): string[] {
  const wanted = canonicalHeaderName(name);
  const out: string[] = [];
  for (const h of msg.headers) if (canonicalHeaderName(h.name) === wanted) out.push(h.value);
  return out;
}

/** Every value of a comma-separated header (Via, Contact, Route, Accept-Contact...), in order. */
export function getHeaderValues(msg: { headers: SipHeader[] }, name: string): string[] {
  return getHeaders(msg, name).flatMap(splitHeaderValues);
}

export function hasHeader(msg: { headers: SipHeader[] }, name: string): boolean {
  return getHeader(msg, name) !== undefined;
}

/** Replace every header of that name with one line (appended where the first one was, else at the end). */
export function setHeader(msg: { headers: SipHeader[] }, name: string, value: string): void {
  const wanted = canonicalHeaderName(name);
  const index = msg.headers.findIndex((h) => canonicalHeaderName(h.name) === wanted);
  msg.headers = msg.headers.filter((h) => canonicalHeaderName(h.name) !== wanted);
  if (index < 0) msg.headers.push({ name, value });
  else msg.headers.splice(Math.min(index, msg.headers.length), 0, { name, value });
}

export function removeHeader(msg: { headers: SipHeader[] }, name: string): void {
  const wanted = canonicalHeaderName(name);
  msg.headers = msg.headers.filter((h) => canonicalHeaderName(h.name) !== wanted);
}

/** Insert a header line before the first one of the same name (a proxy's Via, Record-Route). */
export function prependHeader(msg: { headers: SipHeader[] }, name: string, value: string): void {
  const wanted = canonicalHeaderName(name);
  const index = msg.headers.findIndex((h) => canonicalHeaderName(h.name) === wanted);
  msg.headers.splice(index < 0 ? 0 : index, 0, { name, value });
}

/** Remove the first value of a comma-separable header (the top Via when a response goes back). */
export function removeFirstValue(msg: { headers: SipHeader[] }, name: string): string | undefined {
  const wanted = canonicalHeaderName(name);
  const index = msg.headers.findIndex((h) => canonicalHeaderName(h.name) === wanted);
  if (index < 0) return undefined;
  const header = msg.headers[index]!;
  const values = splitHeaderValues(header.value);
  const first = values.shift();
  if (values.length === 0) msg.headers.splice(index, 1);
  else header.value = values.join(', ');
  return first;
}

/**
 * Split a header value on the commas that separate values, not those inside quoted strings
 * or angle brackets (RFC 3261 section 7.3.1).
 */
export function splitHeaderValues(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '<') depth++;
    else if (ch === '>') depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) {
      const part = value.slice(start, i).trim();
      if (part) out.push(part);
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last) out.push(last);
  return out;
}

/** Serialize with a correct Content-Length (always written, as RFC 3261 section 18.3 requires on streams). */
export function serializeSipMessage(msg: SipMessage): Uint8Array {
  const head = serializeHead(msg);
  const headBytes = encodeUtf8(head);
  const out = new Uint8Array(headBytes.length + msg.body.length);
  out.set(headBytes, 0);
  out.set(msg.body, headBytes.length);
  return out;
}

/** The start line, headers (Content-Length rewritten) and blank line, as text. */
export function serializeHead(msg: SipMessage): string {
  const startLine = msg.kind === 'request' ? `${msg.method} ${msg.uri} ${SIP_VERSION}` : `${SIP_VERSION} ${msg.status} ${msg.reason}`;
  let text = startLine + '\r\n';
  for (const h of msg.headers) {
    if (canonicalHeaderName(h.name) === 'content-length') continue;
    text += `${h.name}: ${h.value}\r\n`;
  }
  text += `Content-Length: ${msg.body.length}\r\n\r\n`;
  return text;
}

/** Body decoded as UTF-8 text. */
export function bodyText(msg: { body: Uint8Array }): string {
  return decodeUtf8(msg.body);
}

function truncate(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
