/**
 * Which SIP AoR a PAP address reaches (issue 13): a WAPPUSH address-value
 * (src/protocol/pap/address.ts) becomes the AoR the service pushes to, by one template per
 * address TYPE. The default rule:
 *
 *   WAPPUSH=alice/TYPE=USER@ppg.example      -> sip:alice@<domain>
 *   WAPPUSH=+44 77-00.900/TYPE=PLMN          -> sip:+447700900@<domain>   (separators - and . dropped)
 *   WAPPUSH=192.0.2.1/TYPE=IPv4, TYPE=IPv6   -> refused, 2002 Address Error (no template)
 *
 * `<domain>` is the service's own domain (the host of its AoR), not the address's `@ppg`
 * specifier: initiators write the PPG's name there, not the user's (WAP-249 section 6.1).
 * Templates are `{value}`, `{domain}` and `{ppg}` (the specifier, else the domain); a PLMN
 * rule such as `sip:{value}@{domain};user=phone` (RFC 3261 section 19.1.6) is one option
 * away, but it is not the default: AoRs are compared as strings by the cores, and a
 * registered user has no `;user=phone`. USER values are escaped for the SIP user part
 * (RFC 3261 section 25.1: unreserved and user-unreserved stay, the rest as %HH of UTF-8).
 * Pure: no I/O.
 */
import { PapError, parseWapPushAddress, type WapPushAddress, type WapPushAddressType } from '../../../src/protocol/pap/index.ts';

/** One template per TYPE; null refuses that TYPE with 2002. */
export type AddressTemplates = Record<WapPushAddressType, string | null>;

export const DEFAULT_ADDRESS_TEMPLATES: AddressTemplates = {
  USER: 'sip:{value}@{domain}',
  PLMN: 'sip:{value}@{domain}',
  IPv4: null,
  IPv6: null,
};

export interface AddressMappingOptions {
  /** The domain of the AoRs (the service's: `example.com` of `sip:psa@example.com`). */
  domain: string;
  /** Per-TYPE templates over DEFAULT_ADDRESS_TEMPLATES. */
  templates?: Partial<AddressTemplates>;
}

export interface MappedAddress {
  /** The address-value as the initiator wrote it. */
  addressValue: string;
  address: WapPushAddress;
  aor: string;
}

/** RFC 3261 user = 1*( unreserved / escaped / user-unreserved ); `;` `?` `/` escaped too, so no reader mistakes them for parameters. */
const USER_SAFE = /^[A-Za-z0-9\-_.!~*'()&=+$,]$/;

function escapeUser(value: string): string {
  let out = '';
  for (const ch of value) {
    if (USER_SAFE.test(ch)) out += ch;
    else for (const byte of new TextEncoder().encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The domain of an AoR (`sip:psa@example.com` -> `example.com`); throws when it has none. */
export function domainOfAor(aor: string): string {
  const m = /^sips?:(?:[^@]*@)?([^;?>:]+)/i.exec(aor.trim());
  if (!m) throw new Error(`No domain in AoR ${JSON.stringify(aor)}; give the PAP gateway a domain option, or an AoR such as sip:psa@example.com`);
  return m[1]!.toLowerCase();
}

/** Check the options once (at start), so a bad template fails there and not on the first push. */
export function checkAddressMapping(options: AddressMappingOptions): AddressTemplates {
  if (!/^[A-Za-z0-9.-]+$/.test(options.domain)) throw new Error(`PAP address mapping: domain ${JSON.stringify(options.domain)} is not a host name; give the service's SIP domain, e.g. example.com`);
  const templates = { ...DEFAULT_ADDRESS_TEMPLATES, ...options.templates };
  for (const [type, template] of Object.entries(templates)) {
    if (template === null) continue;
    if (!/^sips?:/i.test(template) || !template.includes('{value}')) {
      throw new Error(`PAP address mapping: the ${type} template ${JSON.stringify(template)} must start with sip: or sips: and hold {value}, e.g. sip:{value}@{domain}`);
    }
    const unknown = [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[0]).find((p) => !['{value}', '{domain}', '{ppg}'].includes(p));
    if (unknown !== undefined) throw new Error(`PAP address mapping: the ${type} template ${JSON.stringify(template)} has ${unknown}; the placeholders are {value}, {domain} and {ppg}`);
    // It becomes the AoR of a SIP request: nothing that would end the URI or the header line.
    if (/[\s<>"]/.test(template)) throw new Error(`PAP address mapping: the ${type} template ${JSON.stringify(template)} holds a space, a control character or one of < > "; write a SIP URI such as sip:{value}@{domain}`);
  }
  return templates;
}

/** The AoR an address-value maps to. Throws PapError PAP_ERR_ADDRESS (2002 Address Error) for an address outside the grammar or a TYPE without a template. */
export function mapPapAddress(addressValue: string, options: AddressMappingOptions): MappedAddress {
  const templates = checkAddressMapping(options);
  const address = parseWapPushAddress(addressValue);
  const template = templates[address.type];
  if (template === null) {
    throw new PapError('PAP_ERR_ADDRESS', 2002, `TYPE=${address.type} addresses do not map to a SIP AoR here; push to TYPE=USER or TYPE=PLMN, or configure the gateway's addressTemplates.${address.type}`, addressValue);
  }
  const value = address.type === 'PLMN' ? address.value.replace(/[-.]/g, '') : address.type === 'USER' ? escapeUser(address.value) : address.value;
  const aor = template.replaceAll('{value}', value).replaceAll('{domain}', options.domain).replaceAll('{ppg}', address.ppg ?? options.domain);
  return { addressValue, address, aor };
}
