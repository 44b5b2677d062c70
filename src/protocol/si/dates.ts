/**
 * SI dates (`created`, `si-expires`): WAP-167 section 5.2.1.1 writes them as UTC date-times
 * `YYYY-MM-DDThh:mm:ssZ`; the tokenised form (section 9.2.2, as Kannel's
 * wap_push_si_compiler.c tokenize_date does it) is an OPAQUE of the 14 digits packed two to an
 * octet (BCD, YYYY MM DD hh mm ss: 7 octets) with trailing zero octets dropped, so
 * `1999-06-30T00:00:00Z` is the 4 octets 19 99 06 30.
 */
import { SiError } from './model.ts';

/** Some generators (and Microsoft's SI samples) separate the time with dots: accepted, normalised. */
const TEXT_DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})[:.](\d{2})[:.](\d{2})Z$/;

/** A textual SI date, normalised to `YYYY-MM-DDThh:mm:ssZ`; throws SiError SI_ERR_DATE. */
export function parseSiDate(text: string, attribute: string): string {
  const m = TEXT_DATE.exec(text.trim());
  if (!m) throw new SiError('SI_ERR_DATE', 400, `${attribute}="${text.slice(0, 40)}" is not a UTC date-time YYYY-MM-DDThh:mm:ssZ (WAP-167 5.2.1.1)`);
  return checked(m.slice(1, 7).join(''), attribute);
}

/** An OPAQUE date's octets (1 to 7, trailing zero octets dropped), as `YYYY-MM-DDThh:mm:ssZ`. */
export function decodeOpaqueDate(octets: Uint8Array, attribute: string): string {
  if (octets.length === 0 || octets.length > 7) {
    throw new SiError('SI_ERR_DATE', 400, `${attribute} is an OPAQUE of ${octets.length} octets; a tokenised SI date has 1 to 7 (WAP-167 9.2.2)`);
  }
  let digits = '';
  for (let i = 0; i < 7; i++) {
    const octet = octets[i] ?? 0;
    const hi = octet >> 4;
    const lo = octet & 0x0f;
    if (hi > 9 || lo > 9) throw new SiError('SI_ERR_DATE', 400, `${attribute} holds the octet 0x${octet.toString(16).padStart(2, '0')}, not two BCD digits`);
    digits += `${hi}${lo}`;
  }
  return checked(digits, attribute);
}

/** Epoch milliseconds of a normalised SI date. */
export function siDateMs(date: string): number {
  return Date.parse(date);
}

function checked(digits: string, attribute: string): string {
  const [y, mo, d, h, mi, s] = [digits.slice(0, 4), digits.slice(4, 6), digits.slice(6, 8), digits.slice(8, 10), digits.slice(10, 12), digits.slice(12, 14)].map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  const real = mo >= 1 && mo <= 12 && back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
  const text = `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}T${digits.slice(8, 10)}:${digits.slice(10, 12)}:${digits.slice(12, 14)}Z`;
  if (!real) throw new SiError('SI_ERR_DATE', 400, `${attribute} ${text} is not a real date and time`);
  return text;
}
