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
 * A result notification is recorded as sent once its send has ended (delivered to the
 * initiator, or given up after the notifier's retries): one interrupted by a crash is sent
 * again after the restart, so an initiator gets each at least once (WAP-247 leaves duplicates
 * to the initiator, which matches them by push-id and address).
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
  get(pushId: string): Promise<TrackedPush | undefined>;
  /** Forget a record (its push was refused after all: the push-id stays free). */
  remove(pushId: string): Promise<void>;
  /** The result notification for `aor` has been sent or given up; `done` when no AoR's is owed any more. */
  markNotified(pushId: string, aor: string, done: boolean): Promise<void>;
  /** Records with a notification still owed, oldest first, at most `limit` (read at start). */
  owed(limit: number): Promise<TrackedPush[]>;
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
  const copy = (r: TrackedPush): TrackedPush => ({ ...r, addresses: [...r.addresses], notified: new Set(r.notified) });
  return {
    async insert(record) {
      if (records.has(record.pushId)) return false;
      records.set(record.pushId, copy(record));
      // The oldest is forgotten first; the service's own push-id check still refuses a reuse.
      while (records.size > maxRecords) records.delete(records.keys().next().value!);
      return true;
    },
    async get(pushId) {
      const record = records.get(pushId);
      return record && copy(record);
    },
    async remove(pushId) {
      records.delete(pushId);
    },
    async markNotified(pushId, aor) {
      records.get(pushId)?.notified.add(aor);
    },
    async owed(limit) {
      return [...records.values()].filter((r) => !notificationsDone(r)).slice(0, limit).map(copy);
    },
  };
}

interface Row {
  record: StoredRecord;
  notified: string[];
}

export function sqlPapStore(sql: SqlClient): PapPushStore {
  return {
    async insert(record) {
      const { rowCount } = await sql.query(
        `insert into pap_pushes (push_id, record, received_at, notify_to, notified, notify_done)
         values ($1, $2::jsonb, $3, $4, $5::text[], $6) on conflict (push_id) do nothing`,
        [record.pushId, JSON.stringify(toStored(record)), new Date(record.receivedAt), record.notifyTo ?? null, [...record.notified], notificationsDone(record)],
      );
      return rowCount === 1;
    },
    async get(pushId) {
      const { rows } = await sql.query<Row>('select record, notified from pap_pushes where push_id = $1', [pushId]);
      return rows[0] && fromStored(rows[0].record, rows[0].notified);
    },
    async remove(pushId) {
      await sql.query('delete from pap_pushes where push_id = $1', [pushId]);
    },
    async markNotified(pushId, aor, done) {
      await sql.query(
        `update pap_pushes set notified = case when $2::text = any(notified) then notified else array_append(notified, $2::text) end,
           notify_done = notify_done or $3::boolean where push_id = $1`,
        [pushId, aor, done],
      );
    },
    async owed(limit) {
      const { rows } = await sql.query<Row>('select record, notified from pap_pushes where not notify_done order by received_at limit $1', [limit]);
      return rows.map((row) => fromStored(row.record, row.notified));
    },
  };
}
