/**
 * The tokenised forms, `application/vnd.wap.sic` and `application/vnd.wap.slc`: WBXML 1.0-1.3
 * (WAP-192-WBXML section 5) with the code page 0 tables of WAP-167 section 9.3 (SI) and WAP-168
 * section 10.3 (SL). The tables match Kannel's gw/wap_push_si_compiler.c and
 * wap_push_sl_compiler.c (si_elements, si_attributes, si_URL_values; sl_*) and gnokii's
 * include/gnokii/wappush.h. Dates come as OPAQUE (dates.ts). Only what SI and SL use is read:
 * STR_I, STR_T, ENTITY, OPAQUE, END, SWITCH_PAGE to page 0 and LITERAL names; PI and the
 * extension tokens are refused. Reading is iterative over an explicit stack, bounded by
 * maxDepth, so random octets cannot recurse.
 */
import { DEFAULT_SI_LIMITS, SiError, type ServiceContent, type SiParseOptions } from './model.ts';
import { shapeDocument, type AttrParts, type DocElement } from './shape.ts';

/** WAP-192 5.8.1: global tokens, the same on every code page. */
const SWITCH_PAGE = 0x00;
const END = 0x01;
const ENTITY = 0x02;
const STR_I = 0x03;
const LITERAL = 0x04;
const STR_T = 0x83;
const OPAQUE = 0xc3;
/** LITERAL with its content/attribute bits (WAP-192 5.8.2: LITERAL_C 0x44, LITERAL_A 0x84, LITERAL_AC 0xC4). */
const LITERALS = new Set([0x04, 0x44, 0x84, 0xc4]);

/** WAP-192 7.2 / OMNA WBXML public identifiers: 0x05 SI 1.0, 0x06 SL 1.0. */
export const SI_PUBLIC_ID = 0x05;
export const SL_PUBLIC_ID = 0x06;

interface TokenTable {
  publicId: number;
  publicIdText: string;
  tags: Record<number, string>;
  /** Attribute start tokens: name, and the start of the value they stand for. */
  attrStarts: Record<number, [name: string, prefix: string]>;
  /** Attribute value tokens (0x80 and above). */
  attrValues: Record<number, string>;
}

const URL_VALUES: Record<number, string> = { 0x85: '.com/', 0x86: '.edu/', 0x87: '.net/', 0x88: '.org/' };

/** WAP-167 9.3.1-9.3.3. */
const SI_TABLE: TokenTable = {
  publicId: SI_PUBLIC_ID,
  publicIdText: '-//WAPFORUM//DTD SI 1.0//EN',
  tags: { 0x05: 'si', 0x06: 'indication', 0x07: 'info', 0x08: 'item' },
  attrStarts: {
    0x05: ['action', 'signal-none'],
    0x06: ['action', 'signal-low'],
    0x07: ['action', 'signal-medium'],
    0x08: ['action', 'signal-high'],
    0x09: ['action', 'delete'],
    0x0a: ['created', ''],
    0x0b: ['href', ''],
    0x0c: ['href', 'http://'],
    0x0d: ['href', 'http://www.'],
    0x0e: ['href', 'https://'],
    0x0f: ['href', 'https://www.'],
    0x10: ['si-expires', ''],
    0x11: ['si-id', ''],
    0x12: ['class', ''],
  },
  attrValues: URL_VALUES,
};

/** WAP-168 10.3.1-10.3.3. */
const SL_TABLE: TokenTable = {
  publicId: SL_PUBLIC_ID,
  publicIdText: '-//WAPFORUM//DTD SL 1.0//EN',
  tags: { 0x05: 'sl' },
  attrStarts: {
    0x05: ['action', 'execute-low'],
    0x06: ['action', 'execute-high'],
    0x07: ['action', 'cache'],
    0x08: ['href', ''],
    0x09: ['href', 'http://'],
    0x0a: ['href', 'http://www.'],
    0x0b: ['href', 'https://'],
    0x0c: ['href', 'https://www.'],
  },
  attrValues: URL_VALUES,
};

/** IANA MIBenum (WAP-192 5.6) to a TextDecoder label; 0 (unknown) is read as UTF-8. */
const CHARSETS: Record<number, string> = { 0: 'utf-8', 3: 'us-ascii', 4: 'iso-8859-1', 106: 'utf-8' };

function wbxml(message: string): SiError {
  return new SiError('SI_ERR_WBXML', 400, message);
}

class Reader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}

  u8(what: string): number {
    const b = this.bytes[this.at];
    if (b === undefined) throw wbxml(`Truncated: ${what} missing at octet ${this.at}`);
    this.at++;
    return b;
  }

  /** WAP-192 5.1 mb_u_int32: 7 bits an octet, high bit set on all but the last, at most 5 octets. */
  mbUint32(what: string): number {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.u8(what);
      value = value * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) {
        if (value > 0xffffffff) break;
        return value;
      }
    }
    throw wbxml(`${what} is not a valid mb_u_int32 (over 32 bits) at octet ${this.at}`);
  }

  take(length: number, what: string): Uint8Array {
    if (length > this.bytes.length - this.at) throw wbxml(`Truncated: ${what} of ${length} octets runs past the end`);
    const out = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return out;
  }

  /** A NUL-terminated string (termstr); UTF-16 has no single-octet NUL and is not supported. */
  termstr(what: string): Uint8Array {
    const end = this.bytes.indexOf(0, this.at);
    if (end < 0) throw wbxml(`Truncated: ${what} has no terminating NUL`);
    const out = this.bytes.subarray(this.at, end);
    this.at = end + 1;
    return out;
  }
}

/** Read an `application/vnd.wap.sic` (kind 'si') or `application/vnd.wap.slc` (kind 'sl'). Throws SiError. */
export function parseServiceWbxml(bytes: Uint8Array, kind: 'si' | 'sl', options: SiParseOptions = {}): ServiceContent {
  const { maxBytes, maxDepth } = { ...DEFAULT_SI_LIMITS, ...options };
  if (bytes.length > maxBytes) throw new SiError('SI_ERR_TOO_LARGE', 413, `The ${kind.toUpperCase()} content is ${bytes.length} octets, over ${maxBytes} (maxBytes)`);
  const table = kind === 'si' ? SI_TABLE : SL_TABLE;
  const r = new Reader(bytes);

  // WAP-192 5.3-5.7: version, publicid, charset (from 1.1 on), strtbl.
  const version = r.u8('the WBXML version');
  if (version > 0x03) throw wbxml(`WBXML version ${(version >> 4) + 1}.${version & 0x0f} is not 1.0-1.3 (first octet 0x${version.toString(16).padStart(2, '0')})`);
  const publicId = r.mbUint32('the public identifier');
  const publicIdIndex = publicId === 0 ? r.mbUint32('the public identifier string index') : undefined;
  const charsetMib = version === 0x00 ? 106 : r.mbUint32('the charset');
  const label = CHARSETS[charsetMib];
  if (label === undefined) throw wbxml(`Charset MIBenum ${charsetMib} is not supported; use UTF-8 (106), ISO-8859-1 (4) or US-ASCII (3)`);
  const decoder = new TextDecoder(label);
  const strtbl = r.take(r.mbUint32('the string table length'), 'the string table');
  const tableString = (index: number, what: string): string => {
    if (index >= strtbl.length) throw wbxml(`${what} points at ${index}, past the ${strtbl.length}-octet string table`);
    const end = strtbl.indexOf(0, index);
    return decoder.decode(strtbl.subarray(index, end < 0 ? strtbl.length : end));
  };
  if (publicIdIndex !== undefined) {
    const text = tableString(publicIdIndex, 'The public identifier');
    if (text !== table.publicIdText) throw wbxml(`Public identifier "${text.slice(0, 60)}" is not ${table.publicIdText}`);
  } else if (publicId !== table.publicId && publicId !== 1) {
    // 1 is "unknown" (WAP-192 7.2): accepted, the content type already says which document it is.
    throw wbxml(`Public identifier 0x${publicId.toString(16).padStart(2, '0')} is not ${kind.toUpperCase()} 1.0 (0x0${table.publicId})`);
  }

  const switchPage = (): void => {
    const page = r.u8('the code page');
    if (page !== 0) throw wbxml(`Code page ${page} is not defined for ${kind.toUpperCase()} (only page 0)`);
  };
  const text = (token: number): string => {
    if (token === STR_I) return decoder.decode(r.termstr('an inline string'));
    if (token === STR_T) return tableString(r.mbUint32('a string table reference'), 'A string table reference');
    const code = r.mbUint32('a character entity');
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw wbxml(`ENTITY ${code} is not a Unicode scalar value`);
    return String.fromCodePoint(code);
  };

  const readAttributes = (el: DocElement): void => {
    let current: AttrParts | undefined;
    for (;;) {
      const token = r.u8('an attribute or END');
      if (token === END) return;
      if (token === SWITCH_PAGE) switchPage();
      else if (token === STR_I || token === STR_T || token === ENTITY) {
        if (!current) throw wbxml(`An attribute value before any attribute name in <${el.name}>`);
        current.push(text(token));
      } else if (token === OPAQUE) {
        if (!current) throw wbxml(`OPAQUE data before any attribute name in <${el.name}>`);
        current.push(r.take(r.mbUint32('an OPAQUE length'), 'OPAQUE data'));
      } else if (token === LITERAL) {
        const name = tableString(r.mbUint32('a LITERAL attribute name'), 'A LITERAL attribute name');
        el.attrs.set(name, (current = []));
      } else if (token >= 0x80) {
        const value = table.attrValues[token];
        if (value === undefined) throw wbxml(`Attribute value token 0x${token.toString(16)} is not in the ${kind.toUpperCase()} table`);
        if (!current) throw wbxml(`An attribute value before any attribute name in <${el.name}>`);
        current.push(value);
      } else {
        const start = table.attrStarts[token];
        if (start === undefined) throw wbxml(`Attribute token 0x${token.toString(16).padStart(2, '0')} is not in the ${kind.toUpperCase()} table`);
        if (el.attrs.has(start[0])) throw new SiError('SI_ERR_SCHEMA', 400, `<${el.name}> has ${start[0]} twice`);
        el.attrs.set(start[0], (current = start[1] === '' ? [] : [start[1]]));
      }
    }
  };

  // The body: one root element, then nothing but (ignored) trailing PIs; we accept none.
  const stack: DocElement[] = [];
  let root: DocElement | undefined;
  for (;;) {
    if (root !== undefined && stack.length === 0) break;
    const token = r.u8(stack.length === 0 ? 'the root element' : `the content or END of <${stack[stack.length - 1]!.name}>`);
    const parent = stack[stack.length - 1];
    if (token === SWITCH_PAGE) {
      switchPage();
      continue;
    }
    if (token === END) {
      if (!parent) throw wbxml('END before any element');
      stack.pop();
      continue;
    }
    if (token === STR_I || token === STR_T || token === ENTITY) {
      if (!parent) throw wbxml('Text before the root element');
      parent.children.push(text(token));
      continue;
    }
    if (token === OPAQUE) throw wbxml('OPAQUE data in element content; SI and SL carry it only in date attributes');
    const identity = token & 0x3f;
    let name: string | undefined;
    if (LITERALS.has(token)) name = tableString(r.mbUint32('a LITERAL tag name'), 'A LITERAL tag name');
    else if (identity >= 0x05) name = table.tags[identity];
    if (name === undefined) throw wbxml(`Token 0x${token.toString(16).padStart(2, '0')} is not a tag of ${kind.toUpperCase()} 1.0 (PI and extension tokens are not used by it)`);
    const el: DocElement = { name, attrs: new Map(), children: [] };
    if (parent) parent.children.push(el);
    else if (root === undefined) root = el;
    if ((token & 0x80) !== 0) readAttributes(el);
    if ((token & 0x40) !== 0) {
      if (stack.length + 1 > maxDepth) throw new SiError('SI_ERR_TOO_LARGE', 413, `Elements nest deeper than ${maxDepth} (maxDepth); SI nests 3 deep`);
      stack.push(el);
    }
    if (root === el && (token & 0x40) === 0) break;
  }
  if (root === undefined) throw wbxml('No root element');
  if (r.at !== bytes.length) throw wbxml(`${bytes.length - r.at} octets after the root element`);
  return shapeDocument(root, kind);
}
