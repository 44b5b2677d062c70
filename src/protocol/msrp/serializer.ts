/**
 * Pure MSRP serializer (RFC 4975 sections 7 and 9). It builds the parser's test input and
 * the sender's wire bytes: one allocation per message, the body copied once.
 *
 * Header order: To-Path, From-Path (first, RFC 4975 section 7.1), Message-ID,
 * Success-Report, Failure-Report, Byte-Range, Status, the extra headers, then Content-Type
 * last before the body (`content-stuff` in section 9).
 *
 * The end-line must not occur in the body (RFC 4975 section 7.1.1): a request without a
 * transaction ID gets a random one whose `-------tid` does not occur in its body, and every
 * ID, given or chosen, is verified against the body.
 */
import { MsrpError } from './errors.ts';
import {
  formatByteRange,
  formatStatusHeader,
  isIdent,
  isToken,
  KNOWN_HEADERS,
} from './message.ts';
import type { MsrpFlag, MsrpHeaderFields, MsrpRequest, MsrpResponse } from './model.ts';

/** A request to serialize: the transaction ID is chosen when absent, the flag defaults to `$`. */
export type MsrpRequestInit = Omit<MsrpRequest, 'kind' | 'transactionId' | 'flag' | 'extraHeaders'> & {
  kind?: 'request';
  transactionId?: string;
  flag?: MsrpFlag;
  extraHeaders?: MsrpRequest['extraHeaders'];
};

export type MsrpResponseInit = Omit<MsrpResponse, 'kind' | 'flag' | 'extraHeaders' | 'body'> & {
  kind?: 'response';
  flag?: MsrpFlag;
  extraHeaders?: MsrpResponse['extraHeaders'];
};

export interface MsrpSerializeOptions {
  /** Source of random identifiers; defaults to randomIdent(). Injected by tests. */
  randomId?: () => string;
}

const encoder = new TextEncoder();
const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

interface CryptoLike {
  getRandomValues(array: Uint8Array): Uint8Array;
}

/**
 * A random identifier of `length` alphanumerics (an RFC 4975 `ident` for 4..32). Uses
 * crypto.getRandomValues when the platform has it (browsers, Node 20): 16 characters carry
 * about 95 bits, above the 80 RFC 4975 section 14.1 asks of session IDs.
 */
export function randomIdent(length = 16): string {
  const bytes = new Uint8Array(length);
  const crypto = (globalThis as { crypto?: CryptoLike }).crypto;
  if (crypto) crypto.getRandomValues(bytes);
  else for (let i = 0; i < length; i++) bytes[i] = Math.floor(Math.random() * 256);
  let out = '';
  // 248 = 4 * 62: reject above it so every character is equally likely.
  for (let i = 0; i < length; i++) {
    let b = bytes[i]!;
    while (b >= 248) b = Math.floor(Math.random() * 248);
    out += ALPHANUM[b % 62];
  }
  return out;
}

/** Whether `-------<transactionId>` occurs anywhere in `body`. */
export function endLineOccursIn(body: Uint8Array, transactionId: string): boolean {
  const pattern = encoder.encode(`-------${transactionId}`);
  const last = body.length - pattern.length;
  for (let i = body.indexOf(45); i >= 0 && i <= last; i = body.indexOf(45, i + 1)) {
    let j = 1;
    while (j < pattern.length && body[i + j] === pattern[j]) j++;
    if (j === pattern.length) return true;
  }
  return false;
}

/** A transaction ID whose end-line does not occur in `body` (RFC 4975 section 7.1.1). */
export function chooseTransactionId(body: Uint8Array | undefined, options: MsrpSerializeOptions = {}): string {
  const random = options.randomId ?? (() => randomIdent(12));
  for (let attempt = 0; attempt < 16; attempt++) {
    const tid = random();
    if (!isIdent(tid)) throw new MsrpError('MSRP_ERR_TRANSACTION_ID', 400, `Invalid transaction ID: ${tid}`);
    if (!body || !endLineOccursIn(body, tid)) return tid;
  }
  throw new MsrpError('MSRP_ERR_END_LINE_IN_BODY', 400, 'No transaction ID found whose end-line is absent from the body');
}

function invalid(message: string): never {
  throw new MsrpError('MSRP_ERR_INVALID_MESSAGE', 400, message);
}

function checkValue(name: string, value: string): string {
  if (/[\r\n]/.test(value)) invalid(`${name} contains CR or LF`);
  if (value !== value.trim()) invalid(`${name} has leading or trailing whitespace`);
  return value;
}

function checkPath(name: string, path: readonly string[]): string {
  if (path.length === 0) invalid(`${name} is empty`);
  for (const uri of path) if (uri === '' || /[\s]/.test(uri)) invalid(`${name} has an invalid URI: ${uri}`);
  return path.join(' ');
}

function headerLines(m: Partial<MsrpHeaderFields> & Pick<MsrpHeaderFields, 'toPath' | 'fromPath'>): string {
  let s = `To-Path: ${checkPath('To-Path', m.toPath)}\r\nFrom-Path: ${checkPath('From-Path', m.fromPath)}\r\n`;
  if (m.messageId !== undefined) {
    if (!isIdent(m.messageId)) throw new MsrpError('MSRP_ERR_MESSAGE_ID', 400, `Invalid Message-ID: ${m.messageId}`);
    s += `Message-ID: ${m.messageId}\r\n`;
  }
  if (m.successReport !== undefined) s += `Success-Report: ${m.successReport}\r\n`;
  if (m.failureReport !== undefined) s += `Failure-Report: ${m.failureReport}\r\n`;
  if (m.byteRange !== undefined) s += `Byte-Range: ${formatByteRange(m.byteRange)}\r\n`;
  if (m.status !== undefined) {
    if (!/^\d{3}$/.test(m.status.namespace) || !Number.isInteger(m.status.code) || m.status.code < 0 || m.status.code > 999) {
      invalid('Invalid Status');
    }
    s += `Status: ${checkValue('Status', formatStatusHeader(m.status))}\r\n`;
  }
  for (const h of m.extraHeaders ?? []) {
    if (!isToken(h.name)) invalid(`Invalid header name: ${h.name}`);
    if (h.name.toLowerCase() in KNOWN_HEADERS) invalid(`${h.name} must be given as its typed field`);
    s += `${h.name}: ${checkValue(h.name, h.value)}\r\n`;
  }
  if (m.contentType !== undefined) s += `Content-Type: ${checkValue('Content-Type', m.contentType)}\r\n`;
  return s;
}

function assemble(head: string, body: Uint8Array | undefined, transactionId: string, flag: MsrpFlag): Uint8Array {
  const headBytes = encoder.encode(head);
  const endLine = encoder.encode(`-------${transactionId}${flag}\r\n`);
  if (body === undefined) {
    const out = new Uint8Array(headBytes.length + endLine.length);
    out.set(headBytes, 0);
    out.set(endLine, headBytes.length);
    return out;
  }
  // headers CRLF body CRLF end-line
  const out = new Uint8Array(headBytes.length + 2 + body.length + 2 + endLine.length);
  out.set(headBytes, 0);
  let at = headBytes.length;
  out[at++] = 13;
  out[at++] = 10;
  out.set(body, at);
  at += body.length;
  out[at++] = 13;
  out[at++] = 10;
  out.set(endLine, at);
  return out;
}

function checkFlag(flag: MsrpFlag): MsrpFlag {
  if (flag !== '$' && flag !== '+' && flag !== '#') invalid(`Invalid continuation flag: ${String(flag)}`);
  return flag;
}

/** Serialize a request and report the transaction ID it carries (chosen when absent). */
export function encodeRequest(
  request: MsrpRequestInit,
  options: MsrpSerializeOptions = {},
): { bytes: Uint8Array; transactionId: string } {
  if (!/^[A-Z]+$/.test(request.method)) invalid(`Invalid method: ${request.method}`);
  if (request.body !== undefined && request.contentType === undefined) invalid('A body needs a Content-Type');
  let transactionId = request.transactionId;
  if (transactionId === undefined) {
    transactionId = chooseTransactionId(request.body, options);
  } else {
    if (!isIdent(transactionId)) throw new MsrpError('MSRP_ERR_TRANSACTION_ID', 400, `Invalid transaction ID: ${transactionId}`);
    if (request.body && endLineOccursIn(request.body, transactionId)) {
      throw new MsrpError('MSRP_ERR_END_LINE_IN_BODY', 400, `End-line of ${transactionId} occurs in the body`);
    }
  }
  const head = `MSRP ${transactionId} ${request.method}\r\n${headerLines(request)}`;
  return { bytes: assemble(head, request.body, transactionId, checkFlag(request.flag ?? '$')), transactionId };
}

/** Serialize a request (RFC 4975 section 7.1). */
export function serializeRequest(request: MsrpRequestInit, options: MsrpSerializeOptions = {}): Uint8Array {
  return encodeRequest(request, options).bytes;
}

/** Serialize a response (RFC 4975 section 7.2): no body, the request's transaction ID. */
export function serializeResponse(response: MsrpResponseInit): Uint8Array {
  if (!isIdent(response.transactionId)) {
    throw new MsrpError('MSRP_ERR_TRANSACTION_ID', 400, `Invalid transaction ID: ${response.transactionId}`);
  }
  if ((response as { body?: unknown }).body !== undefined) invalid('MSRP responses carry no body');
  if (!Number.isInteger(response.code) || response.code < 100 || response.code > 999) invalid(`Invalid status code: ${response.code}`);
  const comment = response.comment === undefined ? '' : ` ${checkValue('comment', response.comment)}`;
  if (response.comment === '') invalid('Empty comment: omit it instead');
  const head = `MSRP ${response.transactionId} ${response.code}${comment}\r\n${headerLines(response)}`;
  return assemble(head, undefined, response.transactionId, checkFlag(response.flag ?? '$'));
}
