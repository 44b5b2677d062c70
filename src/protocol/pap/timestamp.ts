/**
 * PAP timestamps: `YYYY-MM-DDThh:mm:ssZ`, always UTC, whole seconds (the %Datetime entity of
 * the PAP DTD, WAP-247-PAP section 9.x; the form PAP clients write, e.g. .NET's
 * `ToUniversalTime().ToString("s") + "Z"`). Read strictly: no offset, no fraction, no lower
 * case, and the date must exist (2001-02-29 does not).
 */
import { PapError } from './errors.ts';

const PAP_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/** The instant a PAP timestamp names. Throws PapError PAP_ERR_TIMESTAMP (2000) naming the attribute. */
export function parsePapTimestamp(text: string, attribute = 'timestamp'): Date {
  const fail = (why: string): never => {
    throw new PapError('PAP_ERR_TIMESTAMP', 2000, `${attribute}="${text}" ${why}; write it as YYYY-MM-DDThh:mm:ssZ (UTC), e.g. 2001-04-29T12:00:00Z`);
  };
  const m = PAP_TIMESTAMP.exec(text.trim());
  if (!m) return fail('is not a PAP timestamp');
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(2000, 0, 1, hour, minute, second));
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC(year...): it reads years 0-99 as 1900-1999
  // Dates roll over (month 13, Feb 30, hour 24); a real instant reads back the same fields.
  if (
    month < 1 || month > 12 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day ||
    date.getUTCHours() !== hour || date.getUTCMinutes() !== minute || date.getUTCSeconds() !== second
  ) {
    return fail('names no real date and time');
  }
  return date;
}

/** A PAP timestamp for an instant; sub-second precision is dropped (PAP carries whole seconds). */
export function formatPapTimestamp(date: Date): string {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new PapError('PAP_ERR_TIMESTAMP', 2000, 'Cannot write an invalid Date as a PAP timestamp');
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new PapError('PAP_ERR_TIMESTAMP', 2000, `Year ${year} does not fit a PAP timestamp (0000-9999)`);
  return new Date(ms - (((ms % 1000) + 1000) % 1000)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
