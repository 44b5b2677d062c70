/**
 * message/cpim codec (RFC 3862): parser and serializer, pure (no DOM, no Node types).
 *
 *   Content-Type: message/cpim            <- the SIP body's own type (not part of this codec)
 *
 *   From: Push Sender <sip:psa@example.com>      <- message headers (section 2.2): one per line,
 *   To: <sip:alice@example.com>                     never folded, order kept, may repeat (To, NS)
 *   DateTime: 2024-05-01T10:00:00Z
 *   NS: imdn <urn:ietf:params:imdn>               <- namespace prefix (section 3.4)
 *   imdn.Message-ID: 34jk324j                     <- a header of that namespace (RFC 5438 6.3)
 *   imdn.Disposition-Notification: positive-delivery, negative-delivery
 *                                                 <- blank line
 *   Content-Type: text/plain; charset=utf-8       <- encapsulated MIME headers (section 2.4),
 *   Content-Length: 5                                may be folded (RFC 2045/5322 rules)
 *                                                 <- blank line
 *   hello                                         <- content: bytes, never decoded here
 *
 * Header values are kept exactly as written (the escape mechanism of section 2.3 is not
 * decoded: none of the headers the agent reads uses it). Lines end in CRLF; a bare LF is
 * accepted on receipt. A parse error is a CpimError with a stable code and the SIP status a
 * receiver answers with (400).
 */
import { CodecError } from '../errors.ts';

export type CpimErrorCode =
  /** No blank line after the message headers, or after the MIME headers. */
  | 'CPIM_ERR_UNTERMINATED'
  /** A header line that is not `Name: value`, a folded message header, or CR/LF in a value. */
  | 'CPIM_ERR_HEADER'
  /** An NS header that is not `[prefix] <uri>`. */
  | 'CPIM_ERR_NAMESPACE'
  /** A Content-Length that is not a number or exceeds the bytes present. */
  | 'CPIM_ERR_CONTENT_LENGTH';

/** `status`: what a SIP receiver answers when the CPIM body of a request is malformed. */
export class CpimError extends CodecError<CpimErrorCode> {
  override name = 'CpimError';
}

export interface CpimHeader {
  /** Name as written, prefix included (`imdn.Message-ID`). */
  name: string;
  value: string;
}

export interface CpimMessage {
  /** Message headers (RFC 3862 section 2.2) in order. */
  headers: CpimHeader[];
  /** Headers of the encapsulated MIME object (section 2.4): Content-Type, Content-Length... */
  contentHeaders: CpimHeader[];
  content: Uint8Array;
}

/** Namespace of the headers without a prefix (RFC 3862 section 3.4). */
export const CPIM_DEFAULT_NS = 'urn:ietf:params:cpim-headers:';
/** Namespace of the IMDN headers (RFC 5438 section 6.1). */
export const IMDN_NS = 'urn:ietf:params:imdn';

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

const utf8 = new TextDecoder('utf-8');
const encoder = new TextEncoder();

interface Line {
  text: string;
  /** Offset just past the line's LF. */
  next: number;
}

/** The line starting at `offset` (without its CRLF or LF), or undefined when no LF follows. */
function readLine(bytes: Uint8Array, offset: number): Line | undefined {
  const lf = bytes.indexOf(10, offset);
  if (lf < 0) return undefined;
  const end = lf > offset && bytes[lf - 1] === 13 ? lf - 1 : lf;
  return { text: utf8.decode(bytes.subarray(offset, end)), next: lf + 1 };
}

function parseHeaderLine(text: string): CpimHeader {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new CpimError('CPIM_ERR_HEADER', 400, `Malformed CPIM header line: ${truncate(text)}`);
  const name = text.slice(0, colon);
  if (!HEADER_NAME.test(name)) throw new CpimError('CPIM_ERR_HEADER', 400, `Malformed CPIM header name: ${truncate(name)}`);
  return { name, value: text.slice(colon + 1).trim() };
}

/**
 * Read a header section starting at `offset` up to and including its blank line.
 * `folding`: whether a line starting with white space continues the previous header.
 */
function readHeaderSection(bytes: Uint8Array, offset: number, folding: boolean, what: string): { headers: CpimHeader[]; next: number } {
  const headers: CpimHeader[] = [];
  let at = offset;
  for (;;) {
    const line = readLine(bytes, at);
    if (!line) throw new CpimError('CPIM_ERR_UNTERMINATED', 400, `CPIM ${what} not terminated by an empty line`);
    at = line.next;
    if (line.text === '') return { headers, next: at };
    const first = line.text[0];
    if (first === ' ' || first === '\t') {
      const last = headers[headers.length - 1];
      if (!folding || !last) throw new CpimError('CPIM_ERR_HEADER', 400, `Folded line in CPIM ${what}: ${truncate(line.text)}`);
      last.value = `${last.value} ${line.text.trim()}`;
      continue;
    }
    headers.push(parseHeaderLine(line.text));
  }
}

/** Parse a message/cpim body (RFC 3862 section 2). */
export function parseCpim(input: Uint8Array | string): CpimMessage {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  const message = readHeaderSection(bytes, 0, false, 'message headers');
  // Validate every NS declaration now, so a malformed one is an error, not a silent miss.
  for (const h of message.headers) if (h.name.toUpperCase() === 'NS') parseNamespace(h.value);
  const mime = readHeaderSection(bytes, message.next, true, 'MIME headers');
  let content = bytes.slice(mime.next);
  const length = findHeader(mime.headers, 'content-length');
  if (length !== undefined) {
    if (!/^\d+$/.test(length)) throw new CpimError('CPIM_ERR_CONTENT_LENGTH', 400, `Invalid CPIM Content-Length: ${truncate(length)}`);
    const n = Number(length);
    if (n > content.length) {
      throw new CpimError('CPIM_ERR_CONTENT_LENGTH', 400, `CPIM Content-Length ${n} exceeds the ${content.length} content bytes present`);
    }
    content = content.slice(0, n);
  }
  return { headers: message.headers, contentHeaders: mime.headers, content };
}

/** `imdn <urn:ietf:params:imdn>` -> { prefix: 'imdn', uri }; `<uri>` alone sets the default namespace. */
export function parseNamespace(value: string): { prefix: string; uri: string } {
  const m = /^\s*([^\s<>.]*)\s*<([^<>]+)>\s*$/.exec(value);
  if (!m) throw new CpimError('CPIM_ERR_NAMESPACE', 400, `Malformed CPIM NS header: ${truncate(value)}`);
  return { prefix: m[1]!, uri: m[2]! };
}

/**
 * Every value of the header `name` in namespace `ns`, in order. Prefixes resolve through the
 * NS headers that precede the header (section 3.4); names compare case-insensitively
 * (lenient on receipt).
 */
export function getCpimHeaders(msg: Pick<CpimMessage, 'headers'>, name: string, ns: string = CPIM_DEFAULT_NS): string[] {
  const prefixes = new Map<string, string>([['', CPIM_DEFAULT_NS]]);
  const wantedName = name.toLowerCase();
  const out: string[] = [];
  for (const h of msg.headers) {
    if (h.name.toUpperCase() === 'NS') {
      const { prefix, uri } = parseNamespace(h.value);
      prefixes.set(prefix, uri);
    }
    const dot = h.name.lastIndexOf('.');
    const prefix = dot < 0 ? '' : h.name.slice(0, dot);
    const local = dot < 0 ? h.name : h.name.slice(dot + 1);
    const uri = prefixes.get(prefix);
    if (uri !== undefined && sameNamespace(uri, ns) && local.toLowerCase() === wantedName) out.push(h.value);
  }
  return out;
}

/** First value of a namespaced header (see getCpimHeaders). */
export function getCpimHeader(msg: Pick<CpimMessage, 'headers'>, name: string, ns: string = CPIM_DEFAULT_NS): string | undefined {
  return getCpimHeaders(msg, name, ns)[0];
}

/** URNs compare case-insensitively (RFC 8141 section 3 for the `urn:` and NID parts; leniently for all). */
function sameNamespace(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** A header of the encapsulated MIME object, e.g. `Content-Type` (case-insensitive). */
export function getContentHeader(msg: Pick<CpimMessage, 'contentHeaders'>, name: string): string | undefined {
  return findHeader(msg.contentHeaders, name.toLowerCase());
}

function findHeader(headers: readonly CpimHeader[], lowerName: string): string | undefined {
  for (const h of headers) if (h.name.toLowerCase() === lowerName) return h.value;
  return undefined;
}

export interface SerializeCpimOptions {
  /** Write (or rewrite) a Content-Length MIME header with the content's size. Default false. */
  contentLength?: boolean;
}

/** Serialize a CPIM message: message headers, blank line, MIME headers, blank line, content. */
export function serializeCpim(msg: CpimMessage, options: SerializeCpimOptions = {}): Uint8Array {
  let text = '';
  for (const h of msg.headers) text += headerLine(h);
  text += '\r\n';
  for (const h of msg.contentHeaders) {
    if (options.contentLength && h.name.toLowerCase() === 'content-length') continue;
    text += headerLine(h);
  }
  if (options.contentLength) text += `Content-Length: ${msg.content.length}\r\n`;
  text += '\r\n';
  const head = encoder.encode(text);
  const out = new Uint8Array(head.length + msg.content.length);
  out.set(head, 0);
  out.set(msg.content, head.length);
  return out;
}

function headerLine(h: CpimHeader): string {
  if (!HEADER_NAME.test(h.name)) throw new CpimError('CPIM_ERR_HEADER', 400, `Invalid CPIM header name: ${truncate(h.name)}`);
  if (/[\r\n]/.test(h.value)) throw new CpimError('CPIM_ERR_HEADER', 400, `CR or LF in the value of CPIM header ${h.name}`);
  return `${h.name}: ${h.value}\r\n`;
}

export interface CpimInit {
  /** `Name <uri>` or `<uri>`. */
  from?: string;
  to?: string | string[];
  /** RFC 3339 timestamp (section 4.4); a Date is written in UTC. */
  dateTime?: string | Date;
  /** Prefix to namespace URI, written as NS headers before `headers`. */
  namespaces?: Record<string, string>;
  /** Further message headers, e.g. `{ name: 'imdn.Message-ID', value: 'x' }`. */
  headers?: CpimHeader[];
  contentType: string;
  /** Further MIME headers (Content-ID, Content-Disposition...). */
  contentHeaders?: CpimHeader[];
  content: Uint8Array | string;
}

/** Build a CpimMessage with the usual header order: From, To, DateTime, NS, the rest. */
export function createCpim(init: CpimInit): CpimMessage {
  const headers: CpimHeader[] = [];
  if (init.from !== undefined) headers.push({ name: 'From', value: init.from });
  for (const to of init.to === undefined ? [] : Array.isArray(init.to) ? init.to : [init.to]) headers.push({ name: 'To', value: to });
  if (init.dateTime !== undefined) {
    headers.push({ name: 'DateTime', value: typeof init.dateTime === 'string' ? init.dateTime : init.dateTime.toISOString() });
  }
  for (const [prefix, uri] of Object.entries(init.namespaces ?? {})) headers.push({ name: 'NS', value: `${prefix} <${uri}>` });
  headers.push(...(init.headers ?? []));
  return {
    headers,
    contentHeaders: [{ name: 'Content-Type', value: init.contentType }, ...(init.contentHeaders ?? [])],
    content: typeof init.content === 'string' ? encoder.encode(init.content) : init.content,
  };
}

function truncate(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
