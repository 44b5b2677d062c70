/**
 * The agent's IndexedDB schema, as an explicit list of migrations. `openPushDb` opens at the
 * version equal to the list's length; `upgrade(db, oldVersion)` applies every step past
 * oldVersion in order, so a profile at any earlier version reaches the current schema.
 *
 * v1:
 *   pushes  keyPath 'id' (sortable unique IDs, see ids.ts)
 *           byApp           [appId, receivedAt]   inbox per app, newest first
 *           byDedupKey      dedupKey (unique)     re-sent copies are stored once
 *           byAppDispatched [appId, dispatched]   undispatched pushes per app (0 | 1:
 *                                                 booleans are not valid IndexedDB keys)
 *   meta    out-of-line string keys: instanceId and similar per-profile values
 * v2:
 *   pushes  + read 0 | 1 on every record (existing ones: 0, unread)
 *           byAppRead       [appId, read]         unread count per app
 * v3 (push control information and delivery reports, issue 12):
 *   pushes  + optional pushId, deliverBefore, deliverAfter, priority, report, reported,
 *           discarded (older records have none: no report, no expiry)
 *           byDeliverBefore deliverBefore         pushes with an expiry (records without
 *                                                 the field are not in the index)
 *   reports keyPath 'id' (`<push id>:<kind>`)     outbox of IMDN reports due: written in the
 *                                                 transaction that makes them due (markRead,
 *                                                 discardExpired), deleted once sent or given up
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { PushReportRequest, StoredPush } from '../types.ts';

/** A push as IndexedDB holds it: `dispatched` as 0 | 1 so it can be part of an index key. */
export interface PushRecord extends Omit<StoredPush, 'dispatched' | 'read'> {
  dispatched: 0 | 1;
  read: 0 | 1;
}

export interface PushDbSchema extends DBSchema {
  pushes: {
    key: string;
    value: PushRecord;
    indexes: {
      byApp: [string, number];
      byDedupKey: string;
      byAppDispatched: [string, number];
      byAppRead: [string, number];
      byDeliverBefore: number;
    };
  };
  reports: {
    key: string;
    value: ReportOutboxRecord;
  };
  meta: {
    key: string;
    value: unknown;
  };
}

/** A report due for a push (the push record holds what it needs to be built). */
export interface ReportOutboxRecord {
  /** `<push id>:<kind>`: one per push and kind. */
  id: string;
  pushId: string;
  kind: 'displayed' | 'failed';
  /** Push-Report-Reason of a failed report. */
  reason?: string;
  /** The push's report request, copied: the report survives the push's deletion. */
  report: PushReportRequest;
  createdAt: number;
}

export type PushDb = IDBPDatabase<PushDbSchema>;

type Migration = (db: PushDb, tx: IDBPTransaction<PushDbSchema, StoreNames<PushDbSchema>[], 'versionchange'>) => void;

/** MIGRATIONS[i] takes the database from version i to version i + 1. Append only. */
export const MIGRATIONS: readonly Migration[] = [
  // v1: pushes and meta.
  (db) => {
    const pushes = db.createObjectStore('pushes', { keyPath: 'id' });
    pushes.createIndex('byApp', ['appId', 'receivedAt']);
    pushes.createIndex('byDedupKey', 'dedupKey', { unique: true });
    pushes.createIndex('byAppDispatched', ['appId', 'dispatched']);
    db.createObjectStore('meta');
  },
  // v2: read state, counted per app.
  (_db, tx) => {
    const pushes = tx.objectStore('pushes');
    pushes.createIndex('byAppRead', ['appId', 'read']);
    // Records of v1 have no `read`: unread. The versionchange transaction lasts until this walk ends.
    void (async () => {
      let cursor = await pushes.openCursor();
      while (cursor) {
        if ((cursor.value as Partial<PushRecord>).read === undefined) await cursor.update({ ...cursor.value, read: 0 });
        cursor = await cursor.continue();
      }
    })();
  },
  // v3: expiry index and the report outbox; the new push fields are optional (no walk).
  (db, tx) => {
    tx.objectStore('pushes').createIndex('byDeliverBefore', 'deliverBefore');
    db.createObjectStore('reports', { keyPath: 'id' });
  },
];

export const PUSH_DB_VERSION = MIGRATIONS.length;

/** Apply the migrations from oldVersion to `target` (exported for tests of partial upgrades). */
export function applyMigrations(db: PushDb, oldVersion: number, tx: Parameters<Migration>[1], target = PUSH_DB_VERSION): void {
  for (let version = oldVersion; version < target; version++) MIGRATIONS[version]!(db, tx);
}

export interface OpenPushDbOptions {
  /** Called when another tab opens a newer schema; the default closes this connection. */
  onBlocking?: () => void;
}

/** Open (creating or upgrading) the agent's database. One database per agent instance. */
export async function openPushDb(name: string, options: OpenPushDbOptions = {}): Promise<PushDb> {
  const db = await openDB<PushDbSchema>(name, PUSH_DB_VERSION, {
    upgrade(database, oldVersion, _newVersion, tx) {
      applyMigrations(database, oldVersion, tx);
    },
    blocking() {
      if (options.onBlocking) options.onBlocking();
      else db.close();
    },
  });
  return db;
}
