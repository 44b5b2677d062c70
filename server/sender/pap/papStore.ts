/**
 * What the PAP gateway keeps of each push it accepted (or refused as expired on arrival): the
 * address-values and the AoRs they became, the PAP version to answer in, where the result
 * notification goes and for which AoRs it has been sent. Two stores, one interface:
 *
 *   sqlPapStore(sql)       the service's queue database (table pap_pushes, queue/schema.ts v3),
 *                          PGlite or PostgreSQL: a restart forgets nothing, and a notification
 *                          owed when the service stopped is sent after it starts again
 *   memoryPapStore(max)    in the process, at most `max` records (tests; a gateway without a
 *                          database)
 *
 * Sending a result notification: the sender first *claims* it (claimNotification: one AoR of
 * one push, until a time), so that of several gateways sharing the database (or a restarted
 * one and the notification it was sending) one sends. Once the send has ended (answered, or
 * given up after the notifier's retries) it is recorded (markNotified); a stop releases the
 * claims of sends it cut short. A crash between a send and its record leaves the claim to run
 * out, then the notification is sent again: an initiator gets each at least once (WAP-247
 * leaves duplicates to the initiator, which matches them by push-id and address).
 */
import { parseWapPushAddress } from '../../../src/protocol/pap/index.ts';
import type { PapVersion } from '../../../src/protocol/pap/index.ts';
import type { SqlClient } from '../queue/sql.ts';
import type { MappedAddress } from './addressMapping.ts';

/** What the gateway remembers of a push it accepted (or refused as expired). */
export interface TrackedPush {
  pushId: string;
  addresses: MappedAddress[];
  version: PapVersion;
  notifyTo?: string;
  /** X-Wap-Initiator-URI of the request. */
  initiatorUri?: string;
  /** The push-response's sender-address, repeated in the result notifications. */
  senderAddress: string;
  /** The Basic user name, when authenticated. */
  user?: string;
  receivedAt: number;
  /** Set when the gateway itself settled the push (deliver-before already past): never submitted. */
  localState?: 'expired';
  /** AoRs whose result notification is sent (or being sent). */
  notified: Set<string>;
}

export interface PapPushStore {
  /** Keep a new record; false (and nothing changed) when its push-id is already kept: 2007. */
  insert(record: TrackedPush): Promise<boolean>;
  /** Overwrite a kept record (a push-id whose push never reached the service: a crash between insert and submit). */
  replace(record: TrackedPush): Promise<void>;
  get(pushId: string): Promise<TrackedPush | undefined>;
  /** Forget a record (its push was refused after all: the push-id stays free). */
  remove(pushId: string): Promise<void>;
  /** Take the right to send `aor`'s notification until `untilMs`: false when it is sent, or claimed by someone else until later than `nowMs`. */
  claimNotification(pushId: string, aor: string, untilMs: number, nowMs: number): Promise<boolean>;
  /** Give a claim back unsent (the gateway is stopping). */
  releaseClaim(pushId: string, aor: string): Promise<void>;
  /** `aor`'s notification has been sent (or given up); the record is done once every AoR's is. */
  markNotified(pushId: string, aor: string): Promise<void>;
  /** Records with a notification still owed, oldest first, at most `limit`, after `after` (paging). */
  owed(limit: number, after?: { receivedAt: number; pushId: string }): Promise<TrackedPush[]>;
}

/** The AoRs of a record, once each, in address order. */
export function aorsOf(record: Pick<TrackedPush, 'addresses'>): string[] {
  return [...new Set(record.addresses.map((a) => a.aor))];
}

/** Whether every AoR's notification is sent (true when none was asked for). */
export function notificationsDone(record: TrackedPush): boolean {
  return record.notifyTo === undefined || aorsOf(record).every((aor) => record.notified.has(aor));
}

/** The record as stored: the parsed addresses are read again from their values; notified is a column. */
type StoredRecord = Omit<TrackedPush, 'addresses' | 'notified'> & { addresses: { addressValue: string; aor: string }[] };

function toStored(record: TrackedPush): StoredRecord {
  const { notified: _notified, addresses, ...rest } = record;
  return { ...rest, addresses: addresses.map(({ addressValue, aor }) => ({ addressValue, aor })) };
}

function fromStored(stored: StoredRecord, notified: readonly string[]): TrackedPush {
  // The AoR is kept as it was mapped then: a changed address rule applies to new pushes only.
  const addresses = stored.addresses.map(({ addressValue, aor }) => ({ addressValue, aor, address: parseWapPushAddress(addressValue) }));
  return { ...stored, addresses, notified: new Set(notified) };
}

export function memoryPapStore(maxRecords: number): PapPushStore {
  const records = new Map<string, TrackedPush>();
  const claims = new Map<string, number>();
  const copy = (r: TrackedPush): TrackedPush => ({ ...r, addresses: [...r.addresses], notified: new Set(r.notified) });
  const claimKey = (pushId: string, aor: string) => `${pushId}\n${aor}`;
  const keep = (record: TrackedPush) => {
    records.set(record.pushId, copy(record));
    // The oldest is forgotten first; the service's own push-id check still refuses a reuse.
    while (records.size > maxRecords) records.delete(records.keys().next().value!);
  };
  return {
    async insert(record) {
      if (records.has(record.pushId)) return false;
      keep(record);
      return true;
    },
    async replace(record) {
      records.delete(record.pushId);
      keep(record);
    },
    async get(pushId) {
      const record = records.get(pushId);
      return record && copy(record);
    },
    async remove(pushId) {
      records.delete(pushId);
    },
    async claimNotification(pushId, aor, untilMs, nowMs) {
      const record = records.get(pushId);
      if (!record || record.notified.has(aor) || (claims.get(claimKey(pushId, aor)) ?? 0) > nowMs) return false;
      claims.set(claimKey(pushId, aor), untilMs);
      return true;
    },
    async releaseClaim(pushId, aor) {
      claims.delete(claimKey(pushId, aor));
    },
    async markNotified(pushId, aor) {
      records.get(pushId)?.notified.add(aor);
      claims.delete(claimKey(pushId, aor));
    },
    async owed(limit, after) {
      const owed = [...records.values()].filter((r) => !notificationsDone(r)).sort((a, b) => a.receivedAt - b.receivedAt || (a.pushId < b.pushId ? -1 : 1));
      const from = after ? owed.filter((r) => r.receivedAt > after.receivedAt || (r.receivedAt === after.receivedAt && r.pushId > after.pushId)) : owed;
      return from.slice(0, limit).map(copy);
    },
  };
}

interface Row {
  record: StoredRecord;
  notified: string[];
}

export function sqlPapStore(sql: SqlClient): PapPushStore {
  const values = (record: TrackedPush) => [record.pushId, JSON.stringify(toStored(record)), new Date(record.receivedAt), aorsOf(record), record.notifyTo ?? null, [...record.notified], notificationsDone(record)];
  return {
    async insert(record) {
      const { rowCount } = await sql.query(
        `insert into pap_pushes (push_id, record, received_at, aors, notify_to, notified, notify_done)
         values ($1, $2::jsonb, $3, $4::text[], $5, $6::text[], $7) on conflict (push_id) do nothing`,
        values(record),
      );
      return rowCount === 1;
    },
    async replace(record) {
      await sql.query(
        `update pap_pushes set record = $2::jsonb, received_at = $3, aors = $4::text[], notify_to = $5, notified = $6::text[], notify_done = $7, claims = '{}'
         where push_id = $1`,
        values(record),
      );
    },
    async get(pushId) {
      const { rows } = await sql.query<Row>('select record, notified from pap_pushes where push_id = $1', [pushId]);
      return rows[0] && fromStored(rows[0].record, rows[0].notified);
    },
    async remove(pushId) {
      await sql.query('delete from pap_pushes where push_id = $1', [pushId]);
    },
    async claimNotification(pushId, aor, untilMs, nowMs) {
      // One statement: of two gateways claiming at once, the row lock lets one through and the
      // other sees the claim it wrote.
      const { rowCount } = await sql.query(
        `update pap_pushes set claims = claims || jsonb_build_object($2::text, $3::bigint)
         where push_id = $1 and not ($2::text = any(notified)) and coalesce((claims ->> $2::text)::bigint, 0) <= $4::bigint`,
        [pushId, aor, untilMs, nowMs],
      );
      return rowCount === 1;
    },
    async releaseClaim(pushId, aor) {
      await sql.query(`update pap_pushes set claims = claims - $2::text where push_id = $1`, [pushId, aor]);
    },
    async markNotified(pushId, aor) {
      // Done is read from what is recorded, never from what one gateway believes it has sent.
      await sql.query(
        `update pap_pushes set notified = n.notified, notify_done = aors <@ n.notified, claims = claims - $2::text
         from (select case when $2::text = any(notified) then notified else array_append(notified, $2::text) end as notified
               from pap_pushes where push_id = $1) as n
         where push_id = $1`,
        [pushId, aor],
      );
    },
    async owed(limit, after) {
      const { rows } = after
        ? await sql.query<Row>(
            `select record, notified from pap_pushes where not notify_done and (received_at, push_id) > ($2, $3)
             order by received_at, push_id limit $1`,
            [limit, new Date(after.receivedAt), after.pushId],
          )
        : await sql.query<Row>('select record, notified from pap_pushes where not notify_done order by received_at, push_id limit $1', [limit]);
      return rows.map((row) => fromStored(row.record, row.notified));
    },
  };
}
