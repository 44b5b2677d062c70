/**
 * PushStore: every IndexedDB access of the agent's pushes and per-profile values.
 *
 * One method, one transaction. `commitBatch` is the group commit's unit: many pushes, one
 * readwrite transaction, resolved when that transaction completes (oncomplete, i.e.
 * committed), never before. The transaction durability is 'strict' by default so that
 * "complete" means "on disk" (the 200 depends on it); see PushStoreOptions.durability.
 */
import type { StoredPush } from '../types.ts';
import { createIdGenerator, type IdGenerator } from './ids.ts';
import { openPushDb, type PushDb, type PushRecord, type ReportOutboxRecord } from './schema.ts';

/** A push before it is stored: the store assigns `id` and `dispatched: false`. */
export type NewPush = Omit<StoredPush, 'id' | 'dispatched' | 'read'>;

/** What happened to one push of a committed batch, in the batch's order. */
export type CommitResult =
  | { status: 'stored'; push: StoredPush }
  /** A push with the same dedupKey was already stored (or earlier in the same batch). */
  | { status: 'duplicate'; existingId: string }
  /** Not stored: the batch's capacity was used up. */
  | { status: 'full' };

export interface CommitBatchOptions {
  /** Most new pushes this batch may store; the rest are 'full' (duplicates are unaffected). */
  capacity?: number;
}

export interface PushStoreOptions {
  /** ID generator (tests inject a deterministic one). */
  ids?: IdGenerator;
  /**
   * Durability of readwrite transactions. 'strict' (default) waits for the data to reach
   * disk before oncomplete; 'relaxed' trades that for speed (Chrome's default since 121).
   */
  durability?: IDBTransactionDurability;
  /** Clock of the report bookkeeping (epoch ms). */
  now?: () => number;
}

export function toStoredPush(record: PushRecord): StoredPush {
  return { ...record, dispatched: record.dispatched === 1, read: record.read === 1 };
}

export class PushStore {
  readonly db: PushDb;
  private readonly nextId: IdGenerator;
  private readonly durability: IDBTransactionDurability;
  private readonly now: () => number;

  constructor(db: PushDb, options: PushStoreOptions = {}) {
    this.db = db;
    this.now = options.now ?? Date.now;
    this.nextId = options.ids ?? createIdGenerator();
    this.durability = options.durability ?? 'strict';
  }

  static async open(name: string, options: PushStoreOptions = {}): Promise<PushStore> {
    return new PushStore(await openPushDb(name), options);
  }

  /**
   * Store a batch in ONE readwrite transaction. Each item is deduplicated against the
   * byDedupKey index and against the items before it in the batch; new items beyond
   * `capacity` are refused as 'full'. Resolves when the transaction completes; rejects with
   * the transaction's error (QuotaExceededError, ConstraintError, DataCloneError...) when it
   * aborts, in which case nothing of the batch is stored.
   */
  async commitBatch(items: readonly NewPush[], options: CommitBatchOptions = {}): Promise<CommitResult[]> {
    let capacity = options.capacity ?? Infinity;
    const tx = this.db.transaction('pushes', 'readwrite', { durability: this.durability });
    const done = tx.done;
    done.catch(() => undefined); // observed below; never an unhandled rejection
    const adds: Promise<unknown>[] = [];
    // Dedup lookups are issued together (one round of requests), then the adds.
    try {
      const index = tx.store.index('byDedupKey');
      const existing = await Promise.all(items.map((item) => index.getKey(item.dedupKey)));
      const results: CommitResult[] = [];
      const inBatch = new Map<string, string>();
      items.forEach((item, i) => {
        const existingId = existing[i] ?? inBatch.get(item.dedupKey);
        if (existingId !== undefined) {
          results.push({ status: 'duplicate', existingId });
        } else if (capacity <= 0) {
          results.push({ status: 'full' });
        } else {
          capacity--;
          const record: PushRecord = { ...item, id: this.nextId(), dispatched: 0, read: 0 };
          inBatch.set(item.dedupKey, record.id);
          adds.push(tx.store.add(record));
          results.push({ status: 'stored', push: toStoredPush(record) });
        }
      });
      await Promise.all(adds);
      await done;
      return results;
    } catch (error) {
      // A failed request aborts the transaction; make sure of it, then report the real cause.
      try {
        tx.abort();
      } catch {
        // already finished or aborting
      }
      await Promise.allSettled([done, ...adds]);
      throw tx.error ?? error;
    }
  }

  /**
   * Pushes of one app, newest first; `before` (a push ID) pages: only pushes older than it.
   * Order is the byApp index's: receivedAt, then ID (unique, increasing), both descending.
   */
  async list(appId: string, options: { limit?: number; before?: string } = {}): Promise<StoredPush[]> {
    const out: StoredPush[] = [];
    const tx = this.db.transaction('pushes');
    let upper = Infinity;
    let beforeId: string | undefined;
    if (options.before !== undefined) {
      const anchor = await tx.store.get(options.before);
      if (!anchor) throw new RangeError(`No stored push ${options.before} to page from`);
      upper = anchor.receivedAt;
      beforeId = anchor.id;
    }
    const range = IDBKeyRange.bound([appId, -Infinity], [appId, upper]);
    let cursor = await tx.store.index('byApp').openCursor(range, 'prev');
    while (cursor && (options.limit === undefined || out.length < options.limit)) {
      const record = cursor.value;
      if (beforeId === undefined || record.receivedAt < upper || record.id < beforeId) out.push(toStoredPush(record));
      cursor = await cursor.continue();
    }
    return out;
  }

  /**
   * Pushes stored after `id` (all apps), oldest first: IDs sort in the order they were issued
   * (ids.ts), so this is what a tab missed since the last push it saw.
   */
  async after(id: string | undefined, limit = 10_000): Promise<StoredPush[]> {
    const range = id === undefined ? undefined : IDBKeyRange.lowerBound(id, true);
    return (await this.db.getAll('pushes', range, limit)).map(toStoredPush);
  }

  /** The newest push's ID, if any. */
  async lastId(): Promise<string | undefined> {
    const cursor = await this.db.transaction('pushes').store.openKeyCursor(null, 'prev');
    return cursor?.key;
  }

  /** Unread pushes of one app. */
  unreadCount(appId: string): Promise<number> {
    return this.db.countFromIndex('pushes', 'byAppRead', [appId, 0]);
  }

  /**
   * Mark pushes read; returns the IDs that were unread. In the same transaction, a push that
   * asked for a display report and has not had one queued gets one in the report outbox
   * (`reported.displayed`): once per push, whichever tab marks it first.
   */
  async markRead(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const tx = this.db.transaction(['pushes', 'reports'], 'readwrite', { durability: this.durability });
    const pushes = tx.objectStore('pushes');
    const outbox = tx.objectStore('reports');
    const records = await Promise.all(ids.map((id) => pushes.get(id)));
    const changed: string[] = [];
    const now = this.now();
    const writes: Promise<unknown>[] = [];
    for (const record of records) {
      if (!record) continue;
      const wantsDisplay = record.report?.dispositions.includes('display') === true && record.reported?.displayed === undefined;
      if (record.read === 1 && !wantsDisplay) continue;
      if (record.read === 0) changed.push(record.id);
      const next: PushRecord = { ...record, read: 1 };
      if (wantsDisplay) {
        next.reported = { ...record.reported, displayed: now };
        writes.push(outbox.put({ id: `${record.id}:displayed`, pushId: record.id, kind: 'displayed', report: record.report!, createdAt: now }));
      }
      writes.push(pushes.put(next));
    }
    await Promise.all(writes);
    await tx.done;
    return changed;
  }

  /**
   * Discard every undispatched push whose deliverBefore is at or before `now`: marked
   * dispatched (so no tab hands it: the dispatcher's claim fails) with `discarded: 'expired'`,
   * and, when it asked for negative-delivery reports, a `failed` report queued in the outbox,
   * all in one transaction. Returns the pushes discarded now (each exactly once).
   */
  async discardExpired(now: number = this.now()): Promise<StoredPush[]> {
    const tx = this.db.transaction(['pushes', 'reports'], 'readwrite', { durability: this.durability });
    const pushes = tx.objectStore('pushes');
    const outbox = tx.objectStore('reports');
    const discarded: StoredPush[] = [];
    let cursor = await pushes.index('byDeliverBefore').openCursor(IDBKeyRange.upperBound(now));
    while (cursor) {
      const record = cursor.value;
      if (record.dispatched === 0 && record.discarded === undefined) {
        const next: PushRecord = { ...record, dispatched: 1, discarded: 'expired' };
        if (record.report?.dispositions.includes('negative-delivery') && record.reported?.failed === undefined) {
          next.reported = { ...record.reported, failed: now };
          await outbox.put({ id: `${record.id}:failed`, pushId: record.id, kind: 'failed', reason: 'expired', report: record.report, createdAt: now });
        }
        await cursor.update(next);
        discarded.push(toStoredPush(next));
      }
      cursor = await cursor.continue();
    }
    await tx.done;
    return discarded;
  }

  /** The earliest deliverBefore after `after` among pushes not yet dispatched, if any. */
  async nextExpiry(after: number): Promise<number | undefined> {
    let cursor = await this.db.transaction('pushes').store.index('byDeliverBefore').openCursor(IDBKeyRange.lowerBound(after, true));
    while (cursor) {
      if (cursor.value.dispatched === 0) return cursor.value.deliverBefore;
      cursor = await cursor.continue();
    }
    return undefined;
  }

  /** Reports due (the outbox), oldest first. */
  async dueReports(): Promise<ReportOutboxRecord[]> {
    return (await this.db.getAll('reports')).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  /** A report sent (or given up): out of the outbox. */
  async finishReport(id: string): Promise<void> {
    await this.db.delete('reports', id);
  }

  /** Delete pushes (one transaction); returns the records deleted (an MSRP push's content is the caller's). */
  async delete(ids: readonly string[]): Promise<StoredPush[]> {
    if (ids.length === 0) return [];
    const tx = this.db.transaction('pushes', 'readwrite', { durability: this.durability });
    const records = await Promise.all(ids.map((id) => tx.store.get(id)));
    const found = records.filter((r): r is PushRecord => r !== undefined);
    await Promise.all(found.map((r) => tx.store.delete(r.id)));
    await tx.done;
    return found.map(toStoredPush);
  }

  /** Delete every push of one app; returns the records deleted. */
  async clearApp(appId: string): Promise<StoredPush[]> {
    const tx = this.db.transaction('pushes', 'readwrite', { durability: this.durability });
    const range = IDBKeyRange.bound([appId, -Infinity], [appId, Infinity]);
    const deleted: StoredPush[] = [];
    let cursor = await tx.store.index('byApp').openCursor(range);
    while (cursor) {
      deleted.push(toStoredPush(cursor.value));
      await cursor.delete();
      cursor = await cursor.continue();
    }
    await tx.done;
    return deleted;
  }

  /** Pushes of one app not yet taken by its handler, oldest first (by ID). */
  async undispatched(appId: string): Promise<StoredPush[]> {
    const records = await this.db.getAllFromIndex('pushes', 'byAppDispatched', [appId, 0]);
    return records.map(toStoredPush);
  }

  async get(id: string): Promise<StoredPush | undefined> {
    const record = await this.db.get('pushes', id);
    return record && toStoredPush(record);
  }

  /** Mark pushes dispatched, all in one transaction. Unknown IDs are skipped. Returns how many changed. */
  async markDispatched(ids: readonly string[]): Promise<number> {
    return (await this.setDispatched(ids, 0, 1)).length;
  }

  /**
   * Mark these pushes dispatched and return the IDs that were not yet: one readwrite
   * transaction, so of two tabs claiming the same push exactly one gets it (IndexedDB runs
   * overlapping readwrite transactions one after the other). The dispatcher claims a push
   * before handing it to a handler: at most once across tabs, reloads and crashes.
   */
  async claim(ids: readonly string[]): Promise<string[]> {
    return this.setDispatched(ids, 0, 1, 'relaxed');
  }

  /** Give back claims whose hand-off could not happen (content unreadable, app gone). */
  async unclaim(ids: readonly string[]): Promise<string[]> {
    return this.setDispatched(ids, 1, 0);
  }

  private async setDispatched(ids: readonly string[], from: 0 | 1, to: 0 | 1, durability = this.durability): Promise<string[]> {
    if (ids.length === 0) return [];
    const tx = this.db.transaction('pushes', 'readwrite', { durability });
    const records = await Promise.all(ids.map((id) => tx.store.get(id)));
    const changed: string[] = [];
    const puts: Promise<unknown>[] = [];
    for (const record of records) {
      if (record && record.dispatched === from) {
        changed.push(record.id);
        puts.push(tx.store.put({ ...record, dispatched: to }));
      }
    }
    await Promise.all(puts);
    await tx.done;
    return changed;
  }

  /** Number of stored pushes (all apps). */
  count(): Promise<number> {
    return this.db.count('pushes');
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    return (await this.db.get('meta', key)) as T | undefined;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.db.put('meta', value, key);
  }

  /**
   * The value under `key`, created by `create()` and stored when absent, in one readwrite
   * transaction (two tabs opening the same profile agree on one value, e.g. the instance ID).
   */
  async ensureMeta<T>(key: string, create: () => T): Promise<T> {
    const tx = this.db.transaction('meta', 'readwrite');
    const existing = (await tx.store.get(key)) as T | undefined;
    let value: T;
    if (existing !== undefined) {
      value = existing;
    } else {
      value = create();
      await tx.store.put(value, key);
    }
    await tx.done;
    return value;
  }

  close(): void {
    this.db.close();
  }
}
