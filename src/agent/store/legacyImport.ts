/**
 * One-time import of data kept before identities had databases of their own (issue 10 item 2).
 *
 * Before, a profile kept everything in one database, `sip-push` (pushes, meta with the
 * instance ID) and `sip-push-transfers` (transfers, chunks), whoever the page was configured
 * as. Now each identity has `sip-push:<identityKey(aor)>` (identityDb.ts). When an identity's
 * database is first opened, importLegacyData copies into it what of the legacy data is that
 * identity's:
 *
 * - pushes whose `to` is this AoR, compared with identityKey (RFC 3261 section 19.1.4), kept
 *   with their IDs and dispatched flags; one already present (same ID or dedup key) is skipped;
 * - transfers whose `to` is this AoR, with all their chunks: an MSRP push's content lives in
 *   them, so a push copied without its transfer could not be opened, and a transfer that was
 *   interrupted stays resumable (the agent's recovery runs on the copy);
 * - the legacy instance ID, to ONE identity only: the first to import claims it in the legacy
 *   meta store (`instanceIdImportedBy`), so two identities never share a `+sip.instance`;
 *   the others keep or get their own. A database that already has an instance ID keeps it.
 *
 * What was copied is then removed from the legacy databases (the copy is committed first,
 * with strict durability); everything else stays there for the identity it belongs to, which
 * imports it when it first opens. The legacy databases are never deleted: pushes addressed
 * to a temporary GRUU or to an identity never opened again stay, and deleting a database
 * would lose them. Removing the copied records (rather than leaving them) frees the space
 * that large MSRP files would otherwise take twice.
 *
 * The import is marked done in the identity database's meta store (`legacyImport`), written
 * in the same transaction as the copied pushes, so it runs once; a crash before that mark
 * runs it again, and every step is idempotent (puts by key, skips of what is present). All
 * imports of one legacy database run one at a time under a Web Lock when the browser has
 * them, so two tabs opening at once neither copy twice nor remove what the other is copying.
 */
import { wrap, type IDBPDatabase } from 'idb';
import { identityKey } from './identityDb.ts';
import type { PushDb, PushRecord } from './schema.ts';
import { transferDbName, type ChunkRecord, type TransferDb, type TransferRecord } from './transferSchema.ts';

/** Meta key in the identity's database: the import's outcome, present once it ran. */
export const LEGACY_IMPORT_KEY = 'legacyImport';
/** Meta key in the legacy database: the identity that took the legacy instance ID. */
export const LEGACY_INSTANCE_CLAIM_KEY = 'instanceIdImportedBy';
const INSTANCE_ID_KEY = 'instanceId';
/** Chunks copied per pair of transactions (read legacy, write new). */
const CHUNK_BATCH = 64;

export interface LegacyImportTarget {
  /** The identity's push database (`identityDbName(prefix, aor)`), open. */
  pushes: PushDb;
  /** The identity's transfer database (`transferDbName(...)` of the above), open. */
  transfers: TransferDb;
}

export interface LegacyImportOptions {
  /** Name of the legacy push database: the agent's dbName prefix (default `sip-push`). */
  legacyDbName?: string;
  /**
   * Runs `fn` holding an exclusive lock named `name`. Default: navigator.locks when the
   * browser has it, else `fn` at once (tests, Node).
   */
  withLock?: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  /** Clock for the mark (tests). */
  now?: () => number;
}

export interface LegacyImportResult {
  /** 'imported': ran now (maybe copying nothing); 'done-before': the mark was there. */
  status: 'imported' | 'done-before';
  pushes: number;
  transfers: number;
  chunks: number;
  /** The legacy instance ID was taken by this identity. */
  instanceId: boolean;
}

/** What the mark in the identity's meta store holds. */
export interface LegacyImportMark {
  at: number;
  pushes: number;
  transfers: number;
  chunks: number;
  instanceId: boolean;
  /** The legacy push database did not exist. */
  legacyAbsent?: boolean;
}

/**
 * Import, once, the legacy data of `aor` into its own databases. Call it when the identity's
 * databases are first opened, before the instance ID is read or created (so a legacy one is
 * kept) and before anything is dispatched or recovered.
 */
export async function importLegacyData(target: LegacyImportTarget, aor: string, options: LegacyImportOptions = {}): Promise<LegacyImportResult> {
  const legacyName = options.legacyDbName ?? 'sip-push';
  const withLock = options.withLock ?? browserLock;
  const previous = await target.pushes.get('meta', LEGACY_IMPORT_KEY);
  if (previous !== undefined) return doneBefore(previous);
  return withLock(`sip-push-legacy-import:${legacyName}`, async () => {
    // Another tab may have imported while this one waited for the lock.
    const again = await target.pushes.get('meta', LEGACY_IMPORT_KEY);
    if (again !== undefined) return doneBefore(again);
    return runImport(target, identityKey(aor), legacyName, options.now ?? Date.now);
  });
}

function doneBefore(mark: unknown): LegacyImportResult {
  const m = (typeof mark === 'object' && mark !== null ? mark : {}) as Partial<LegacyImportMark>;
  return { status: 'done-before', pushes: m.pushes ?? 0, transfers: m.transfers ?? 0, chunks: m.chunks ?? 0, instanceId: m.instanceId ?? false };
}

function browserLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
  if (!locks) return fn();
  return locks.request(name, { mode: 'exclusive' }, fn) as Promise<T>;
}

/** True when `to` (an AoR or GRUU as received) is this identity. */
function isFor(to: unknown, key: string): boolean {
  if (typeof to !== 'string') return false;
  try {
    return identityKey(to) === key;
  } catch {
    return false; // not a SIP URI: nobody's
  }
}

async function runImport(target: LegacyImportTarget, key: string, legacyName: string, now: () => number): Promise<LegacyImportResult> {
  const legacy = await openExisting(legacyName);
  if (!legacy) {
    const mark: LegacyImportMark = { at: now(), pushes: 0, transfers: 0, chunks: 0, instanceId: false, legacyAbsent: true };
    await target.pushes.put('meta', mark, LEGACY_IMPORT_KEY);
    return { status: 'imported', pushes: 0, transfers: 0, chunks: 0, instanceId: false };
  }
  try {
    // 1. Transfers and chunks first: a copied MSRP push must find its content.
    const copiedTransfers = await copyTransfers(target.transfers, transferDbName(legacyName), key);

    // 2. The instance ID: claimed in the legacy database by the first identity to import.
    let instanceId: string | undefined;
    if (legacy.objectStoreNames.contains('meta')) {
      const tx = legacy.transaction('meta', 'readwrite', { durability: 'strict' });
      const [legacyId, claimedBy] = await Promise.all([tx.store.get(INSTANCE_ID_KEY), tx.store.get(LEGACY_INSTANCE_CLAIM_KEY)]);
      if (typeof legacyId === 'string' && (claimedBy === undefined || claimedBy === key)) {
        if (claimedBy === undefined) await tx.store.put(key, LEGACY_INSTANCE_CLAIM_KEY);
        instanceId = legacyId;
      }
      await tx.done;
    }

    // 3. Pushes, the instance ID and the mark: one transaction in the identity's database.
    const candidates = legacy.objectStoreNames.contains('pushes')
      ? ((await legacy.getAll('pushes')) as PushRecord[]).filter((p) => isFor(p.to, key))
      : [];
    const tx = target.pushes.transaction(['pushes', 'meta'], 'readwrite', { durability: 'strict' });
    const pushes = tx.objectStore('pushes');
    const meta = tx.objectStore('meta');
    const [existingMark, existingId, present] = await Promise.all([
      meta.get(LEGACY_IMPORT_KEY),
      meta.get(INSTANCE_ID_KEY),
      Promise.all(candidates.map(async (p) => (await pushes.getKey(p.id)) !== undefined || (await pushes.index('byDedupKey').getKey(p.dedupKey)) !== undefined)),
    ]);
    if (existingMark !== undefined) {
      // Marked by another connection between the check and here: nothing more to do.
      await tx.done;
      return doneBefore(existingMark);
    }
    const copied = candidates.filter((_, i) => !present[i]);
    const keepsInstanceId = instanceId !== undefined && existingId === undefined;
    const mark: LegacyImportMark = { at: now(), pushes: copied.length, transfers: copiedTransfers.transfers.length, chunks: copiedTransfers.chunks, instanceId: keepsInstanceId };
    await Promise.all([
      // Legacy records (schema v1) have no read state: unread.
      ...copied.map((p) => pushes.put({ ...p, read: (p as Partial<PushRecord>).read ?? 0 })),
      ...(keepsInstanceId ? [meta.put(instanceId, INSTANCE_ID_KEY)] : []),
      meta.put(mark, LEGACY_IMPORT_KEY),
    ]);
    await tx.done;

    // 4. Only now, with the copy committed, remove what was copied from the legacy databases.
    // Pushes that were already present are removed too: they are this identity's and held here.
    if (candidates.length > 0) {
      const del = legacy.transaction('pushes', 'readwrite', { durability: 'strict' });
      await Promise.all(candidates.map((p) => del.store.delete(p.id)));
      await del.done;
    }
    await removeTransfers(transferDbName(legacyName), copiedTransfers.transfers);

    return { status: 'imported', pushes: copied.length, transfers: copiedTransfers.transfers.length, chunks: copiedTransfers.chunks, instanceId: keepsInstanceId };
  } finally {
    legacy.close();
  }
}

/**
 * Open a database only if it exists: an open that would create it is aborted in its upgrade,
 * so no empty legacy database is ever left behind.
 */
function openExisting(name: string): Promise<IDBPDatabase | undefined> {
  return new Promise((resolve, reject) => {
    let created = false;
    const request = indexedDB.open(name);
    request.onupgradeneeded = () => {
      created = true;
      request.transaction?.abort();
    };
    request.onsuccess = () => {
      const db = request.result;
      db.onversionchange = () => db.close();
      resolve(wrap(db));
    };
    request.onerror = (event) => {
      if (!created) {
        reject(request.error);
        return;
      }
      event.preventDefault();
      resolve(undefined);
    };
  });
}

async function copyTransfers(target: TransferDb, legacyName: string, key: string): Promise<{ transfers: string[]; chunks: number }> {
  const legacy = await openExisting(legacyName);
  if (!legacy) return { transfers: [], chunks: 0 };
  try {
    if (!legacy.objectStoreNames.contains('transfers') || !legacy.objectStoreNames.contains('chunks')) return { transfers: [], chunks: 0 };
    const records = ((await legacy.getAll('transfers')) as TransferRecord[]).filter((t) => isFor(t.to, key));
    let chunks = 0;
    for (const record of records) {
      // Chunks first, the record last: a record is never there without its bytes.
      let after: IDBValidKey = [record.id, -Infinity];
      for (;;) {
        const range = IDBKeyRange.bound(after, [record.id, Infinity], true, false);
        const batch = (await legacy.getAll('chunks', range, CHUNK_BATCH)) as ChunkRecord[];
        if (batch.length === 0) break;
        const tx = target.transaction('chunks', 'readwrite', { durability: 'strict' });
        await Promise.all(batch.map((c) => tx.store.put(c)));
        await tx.done;
        chunks += batch.length;
        const last = batch[batch.length - 1]!;
        after = [last.transferId, last.start];
      }
      const existing = await target.get('transfers', record.id);
      if (existing === undefined) await target.put('transfers', record);
    }
    return { transfers: records.map((r) => r.id), chunks };
  } finally {
    legacy.close();
  }
}

async function removeTransfers(legacyName: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const legacy = await openExisting(legacyName);
  if (!legacy) return;
  try {
    const tx = legacy.transaction(['transfers', 'chunks'], 'readwrite', { durability: 'strict' });
    await Promise.all(
      ids.flatMap((id) => [tx.objectStore('transfers').delete(id), tx.objectStore('chunks').delete(IDBKeyRange.bound([id, -Infinity], [id, Infinity]))]),
    );
    await tx.done;
  } finally {
    legacy.close();
  }
}
