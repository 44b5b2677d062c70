/**
 * PAP client addresses (address-value), the grammar of the PPG Service specification
 * (WAP-249-PPGService-20010713-a section 6.1; WAP-151 section 7.1 for PAP 1.0), e.g.
 * `WAPPUSH=+15551234567/TYPE=PLMN@ppg.carrier.com` or RIM's
 * `WAPPUSH=2100000A%3A100/TYPE=USER@rim.net`:
 *
 *   address          = "WAPPUSH" "=" client-address ["@" ppg-specifier]
 *   client-address   = value *("/" keyword "=" qualifier-value) "/TYPE=" type
 *   type             = "USER" | "PLMN" | "IPv4" | "IPv6"
 *   USER value       = 1*(alphanum | "+" | "-" | "." | "_" | "%" HEX HEX)
 *   PLMN value       = ["+"] DIGIT *(DIGIT | "-" | ".")
 *   ppg-specifier    = dom-fragment *("." dom-fragment), dom-fragment = alphanum *(alphanum | "-")
 *
 * Leniencies, as Kannel's gw/wap_push_pap_compiler.c (parse_address) has them: "WAPPUSH" and
 * "TYPE" in any case (the specification's own examples use lower case), the "@ppg" part
 * optional (WAP-209 says phone-number addresses carry none), and a PLMN number without "+".
 * The WINA bearer types (GSM_MSISDN...) are refused: no SIP mapping exists for them.
 * Which SIP AoR an address reaches is the gateway's configured rule, not this module's.
 */
import { PapError } from './errors.ts';

export type WapPushAddressType = 'USER' | 'PLMN' | 'IPv4' | 'IPv6';

export const WAP_PUSH_ADDRESS_TYPES: readonly WapPushAddressType[] = ['USER', 'PLMN', 'IPv4', 'IPv6'];

export interface WapPushAddress {
  type: WapPushAddressType;
  /** The client address: a USER value with its %HH escapes decoded, a PLMN number or an IP address as written. */
  value: string;
  /** ext-qualifiers (`/keyword=value` before /TYPE), in order. */
  qualifiers: { keyword: string; value: string }[];
  /** The ppg-specifier after "@", when given. */
  ppg?: string;
}

const SAFE = /^[A-Za-z0-9+\-._]$/;
const PLMN = /^\+?[0-9][0-9.-]*$/;
const DOM_FRAGMENT = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
const KEYWORD = /^[A-Za-z0-9-]+$/;
/** Qualifier values: printable ASCII but "/" and "=" (Kannel's parse_qualifier_value). */
const QUALIFIER_VALUE = /^[\x20-\x2e\x30-\x3c\x3e-\x7e]+$/;

function fail(address: string, why: string): never {
  throw new PapError('PAP_ERR_ADDRESS', 2002, `address-value "${address}" ${why}; write WAPPUSH=<value>/TYPE=USER|PLMN|IPv4|IPv6[@ppg]`, address);
}

/** Read an address-value. Throws PapError PAP_ERR_ADDRESS (2002 Address Error). */
export function parseWapPushAddress(text: string): WapPushAddress {
  const raw = text.trim();
  const m = /^WAPPUSH=(.*)$/i.exec(raw);
  if (!m) fail(text, 'does not start with WAPPUSH=');
  let rest = m[1]!;
  let ppg: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    ppg = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!ppg.split('.').every((f) => DOM_FRAGMENT.test(f))) fail(text, `has a ppg-specifier "${ppg}" that is not a domain name`);
  }
  const typeAt = rest.search(/\/TYPE=[^/]*$/i);
  if (typeAt < 0) fail(text, 'has no /TYPE=');
  const typeText = rest.slice(typeAt + 6);
  const type = WAP_PUSH_ADDRESS_TYPES.find((t) => t.toLowerCase() === typeText.toLowerCase());
  if (type === undefined) fail(text, `has TYPE=${typeText}, not one of ${WAP_PUSH_ADDRESS_TYPES.join(', ')}`);
  const [valueText, ...qualifierTexts] = rest.slice(0, typeAt).split('/');
  const qualifiers = qualifierTexts.map((q) => {
    const eq = q.indexOf('=');
    const keyword = q.slice(0, eq);
    const value = q.slice(eq + 1);
    if (eq < 0 || !KEYWORD.test(keyword) || !QUALIFIER_VALUE.test(value)) fail(text, `has a qualifier "/${q}" that is not /keyword=value`);
    return { keyword, value };
  });
  const address: WapPushAddress = { type, value: readValue(text, type, valueText ?? ''), qualifiers };
  if (ppg !== undefined) address.ppg = ppg;
  return address;
}

function readValue(text: string, type: WapPushAddressType, value: string): string {
  if (value === '') fail(text, 'has an empty client address');
  switch (type) {
    case 'USER': {
      const bytes: number[] = [];
      for (let i = 0; i < value.length; i++) {
        const c = value[i]!;
        if (c === '%') {
          const hex = value.slice(i + 1, i + 3);
          if (!/^[0-9A-Fa-f]{2}$/.test(hex)) fail(text, `has a bad escape "%${hex}"`);
          bytes.push(parseInt(hex, 16));
          i += 2;
        } else if (SAFE.test(c)) bytes.push(c.charCodeAt(0));
        else fail(text, `has "${c}" in a USER value (escape it as %${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')})`);
      }
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
      } catch {
        return fail(text, 'has escapes that are not UTF-8');
      }
    }
    case 'PLMN':
      if (!PLMN.test(value)) fail(text, 'has a PLMN value that is not a phone number (+, digits, - and .)');
      return value;
    case 'IPv4':
      if (!isIpv4(value)) fail(text, 'has an IPv4 value that is not a dotted quad');
      return value;
    case 'IPv6':
      if (!isIpv6(value)) fail(text, 'has an IPv6 value that is not an IPv6 address');
      return value;
  }
}

function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function isIpv6(value: string): boolean {
  const halves = value.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  if (!groups.every((g) => g.every((x) => /^[0-9A-Fa-f]{1,4}$/.test(x)))) return false;
  const count = groups.reduce((n, g) => n + g.length, 0);
  return halves.length === 2 ? count < 8 : count === 8;
}

/** The address-value for an address; USER values are escaped (%HH of their UTF-8 bytes). Throws PapError PAP_ERR_ADDRESS. */
export function formatWapPushAddress(address: WapPushAddress): string {
  let value: string;
  if (address.type === 'USER') {
    if (address.value === '') throw new PapError('PAP_ERR_ADDRESS', 2002, 'A USER address needs a non-empty value');
    value = '';
    for (const byte of new TextEncoder().encode(address.value)) {
      const c = String.fromCharCode(byte);
      value += byte < 0x80 && SAFE.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  } else value = address.value;
  let text = `WAPPUSH=${value}`;
  for (const q of address.qualifiers) text += `/${q.keyword}=${q.value}`;
  text += `/TYPE=${address.type}`;
  if (address.ppg !== undefined) text += `@${address.ppg}`;
  parseWapPushAddress(text); // the same checks as reading: nothing is written that we would refuse
  return text;
}
