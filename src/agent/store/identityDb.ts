/**
 * One IndexedDB database per identity (AoR): pushes, app state and the instance ID of
 * `sip:alice@example.com` never share a database with `sip:bob@example.com`, so a page
 * configured as one can never read, show or dispatch the other's data. The transfer database
 * follows the push database's name (transferSchema.ts).
 *
 * The AoR is normalised the way SIP compares it (RFC 3261 section 19.1.4): scheme and host
 * are case-insensitive, the user part is case-sensitive; URI parameters and a display name
 * are not part of the identity.
 */
import { addressOfRecord } from '../../protocol/sip/headers.ts';

export const DEFAULT_DB_PREFIX = 'sip-push';

/** `sip-push:sip:alice@example.com` for `sip:alice@Example.COM;transport=ws`. */
export function identityDbName(prefix: string, aor: string): string {
  return `${prefix}:${identityKey(aor)}`;
}

/** The AoR as the key of everything kept per identity (databases, locks, channels, settings). */
export function identityKey(aor: string): string {
  const bare = addressOfRecord(aor.trim());
  const match = /^(sips?):(?:([^@]*)@)?(.*)$/i.exec(bare);
  if (!match) return bare;
  const [, scheme, user, host] = match;
  return `${scheme!.toLowerCase()}:${user !== undefined ? `${user}@` : ''}${host!.toLowerCase()}`;
}
