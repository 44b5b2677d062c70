/**
 * TransferStore: the IndexedDB side of MSRP file transfers (flow 5.4.2), in a database of its
 * own (`${dbName}-transfers`, schema and migrations in transferSchema.ts).
 *
 * Content is never held whole in memory: each chunk is its own record, written as it arrives;
 * `openContent` assembles a Blob of parts (the stored Blobs) only when asked.
 *
 * Writes are group-committed like pushes (ARCHITECTURE.md section 5): every operation queued in
 * the same tick (chunk puts, record updates, chunk deletions, in order) shares ONE readwrite
 * transaction, and each operation's promise settles when that transaction completes. How a
 * batch becomes requests (contiguous chunks coalesced into one record) is writeBatch.ts.
 */
import { openDB } from 'idb';
import { createIdGenerator, type IdGenerator } from './ids.ts';
import type { ByteSpan } from '../msrp/ranges.ts';
import { TRANSFER_DB_VERSION, TRANSFER_MIGRATIONS, type ChunkRecord, type TransferDb, type TransferDbSchema, type TransferRecord, type Tx } from './transferSchema.ts';
import type { TransferState } from '../types.ts';
import { issueBatch, type BatchItem } from './writeBatch.ts';

export interface TransferStoreOptions {
  /**
   * How chunk bytes are stored. 'blob' (default): a Blob per chunk, which browsers keep out of
   * the JS heap (Chromium writes IndexedDB blobs to files) and which openContent reassembles
   * without copying. 'arraybuffer': a copy of the bytes.
   */
  chunkStorage?: 'blob' | 'arraybuffer';
  /**
   * Largest chunk record, in bytes (default DEFAULT_MAX_RECORD_BYTES). Contiguous chunks of a
   * transfer written in the same transaction are stored as one record up to this size: one
   * IndexedDB value (and, for Chromium, one blob file) per group commit instead of one per
   * 60 KB MSRP chunk.
   */
  maxRecordBytes?: number;
  durability?: IDBTransactionDurability;
  ids?: IdGenerator;
}

/** 4 MiB: a few group commits' worth of chunks under the sender's window (32 x 60 KB). */
export const DEFAULT_MAX_RECORD_BYTES = 4 * 1024 * 1024;

/** What identifies the file of a new offer when looking for a partial transfer to continue. */
export interface ResumeQuery {
  appId: string;
  from: string;
  size: number | null;
  fileName?: string;
  hashAlgorithm?: string;
  expectedHash?: string;
  fileTransferId?: string;
}

interface Pending extends BatchItem {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class TransferStore {
  readonly db: TransferDb;
  readonly newId: IdGenerator;
  private readonly chunkStorage: 'blob' | 'arraybuffer';
  private readonly maxRecordBytes: number;
  private readonly durability: IDBTransactionDurability;
  private queue: Pending[] = [];
  private draining: Promise<void> | undefined;

  constructor(db: TransferDb, options: TransferStoreOptions = {}) {
    this.db = db;
    this.chunkStorage = options.chunkStorage ?? 'blob';
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    if (!Number.isSafeInteger(this.maxRecordBytes) || this.maxRecordBytes < 1) throw new RangeError(`maxRecordBytes must be a positive integer, got ${this.maxRecordBytes}`);
    this.durability = options.durability ?? 'relaxed';
    this.newId = options.ids ?? createIdGenerator();
  }

  static async open(name: string, options: TransferStoreOptions = {}): Promise<TransferStore> {
    const db = await openDB<TransferDbSchema>(name, TRANSFER_DB_VERSION, {
      upgrade(database, oldVersion) {
        for (let v = oldVersion; v < TRANSFER_DB_VERSION; v++) TRANSFER_MIGRATIONS[v]!(database);
      },
      blocking() {
        db.close();
      },
    });
    return new TransferStore(db, options);
  }

  close(): void {
    this.db.close();
  }

  // ---- group-committed writes --------------------------------------------------------------

  private enqueue(item: Omit<Pending, 'resolve' | 'reject'>): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.queue.push({ ...item, resolve, reject }));
    if (!this.draining) {
      this.draining = new Promise<void>((resolve) => queueMicrotask(resolve)).then(() => this.drain());
    }
    return done;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          const tx = this.db.transaction(['transfers', 'chunks'], 'readwrite', { durability: this.durability }) as unknown as Tx;
          const done = tx.done;
          done.catch(() => undefined);
          issueBatch(tx, batch, { maxRecordBytes: this.maxRecordBytes, chunkStorage: this.chunkStorage });
          await done;
          for (const p of batch) p.resolve();
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  /** Resolves once every write queued so far has settled. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Insert or replace a transfer record. */
  putTransfer(record: TransferRecord): Promise<void> {
    const copy = structuredCloneRecord(record);
    return this.enqueue({ transferId: record.id, op: (tx) => void tx.objectStore('transfers').put(copy).catch(() => undefined) });
  }

  /**
   * Store one chunk and, in the same transaction, the transfer record that accounts for it
   * (so stored ranges never claim a chunk that is not stored). The bytes are kept by reference
   * until the transaction is built: the caller must not modify them until this settles. A chunk
   * must not start at a byte already stored (the caller writes only new bytes): records are
   * keyed by their first byte.
   */
  writeChunk(record: TransferRecord, start: number, bytes: Uint8Array): Promise<void> {
    return this.enqueue({ transferId: record.id, chunk: { start, bytes, record: structuredCloneRecord(record) } });
  }

  /** Update the record and delete every chunk of the transfer, in one transaction. */
  putTransferDroppingChunks(record: TransferRecord): Promise<void> {
    const copy = structuredCloneRecord(record);
    const range = IDBKeyRange.bound([record.id, -Infinity], [record.id, Infinity]);
    return this.enqueue({
      transferId: record.id,
      op: (tx) => {
        void tx.objectStore('chunks').delete(range).catch(() => undefined);
        void tx.objectStore('transfers').put(copy).catch(() => undefined);
      },
    });
  }

  /** Delete a transfer and its chunks. */
  deleteTransfer(id: string): Promise<void> {
    const range = IDBKeyRange.bound([id, -Infinity], [id, Infinity]);
    return this.enqueue({
      transferId: id,
      op: (tx) => {
        void tx.objectStore('chunks').delete(range).catch(() => undefined);
        void tx.objectStore('transfers').delete(id).catch(() => undefined);
      },
    });
  }

  // ---- reads ---------------------------------------------------------------------------------

  get(id: string): Promise<TransferRecord | undefined> {
    return this.db.get('transfers', id);
  }

  /** Every transfer, oldest first (IDs sort by creation). */
  list(): Promise<TransferRecord[]> {
    return this.db.getAll('transfers');
  }

  listByState(state: TransferState): Promise<TransferRecord[]> {
    return this.db.getAllFromIndex('transfers', 'byState', state);
  }

  /** Number of chunk records of a transfer. */
  async chunkCount(id: string): Promise<number> {
    return this.db.count('chunks', IDBKeyRange.bound([id, -Infinity], [id, Infinity]));
  }

  /**
   * A failed, resumable transfer of the same app and sender for the same file. The resume key,
   * in order of preference: the same hash (algorithm and digest), else the same
   * file-transfer-id, else the same name and size. The sender must always be the same AoR.
   */
  async findResumable(query: ResumeQuery): Promise<TransferRecord | undefined> {
    const candidates = (await this.listByState('failed')).filter(
      (t) => t.resumable && t.appId === query.appId && t.from === query.from && (query.size === null || t.size === null || t.size === query.size),
    );
    const newest = (list: TransferRecord[]): TransferRecord | undefined => list.sort((a, b) => b.updatedAt - a.updatedAt)[0];
    if (query.expectedHash !== undefined) {
      const byHash = candidates.filter((t) => t.expectedHash === query.expectedHash && t.hashAlgorithm === query.hashAlgorithm);
      if (byHash.length > 0) return newest(byHash);
      // A transfer whose hash differs is another file even if the names match.
    }
    const compatible = candidates.filter((t) => query.expectedHash === undefined || t.expectedHash === undefined || t.hashAlgorithm !== query.hashAlgorithm);
    if (query.fileTransferId !== undefined) {
      const byId = compatible.filter((t) => t.fileTransferId === query.fileTransferId);
      if (byId.length > 0) return newest(byId);
    }
    if (query.fileName !== undefined && query.size !== null) {
      return newest(compatible.filter((t) => t.fileName === query.fileName && t.size === query.size));
    }
    return undefined;
  }

  /**
   * Visit the stored bytes of a transfer in file order from byte `from` (1-based), one chunk
   * at a time (one short read transaction per chunk, so at most one chunk is in memory).
   * Overlapping chunks are trimmed. Stops at the first gap. Returns the next byte not visited.
   */
  async readInOrder(id: string, from: number, visit: (bytes: Uint8Array) => void | Promise<void>): Promise<number> {
    const keys = await this.db.getAllKeys('chunks', IDBKeyRange.bound([id, -Infinity], [id, Infinity]));
    let next = from;
    for (const key of keys) {
      const chunk = await this.db.get('chunks', key);
      if (!chunk) continue;
      const bytes = await chunkBytes(chunk.bytes);
      const end = chunk.start + bytes.length - 1;
      if (end < next) continue;
      if (chunk.start > next) break;
      const part = bytes.subarray(next - chunk.start);
      await visit(part);
      next += part.length;
    }
    return next;
  }

  /**
   * The content of a complete transfer as a Blob of parts (each stored chunk, trimmed where
   * chunks overlap): nothing is concatenated in memory. Throws when a byte is missing.
   */
  async openContent(id: string): Promise<Blob> {
    const record = await this.get(id);
    if (!record) throw new Error(`No transfer ${id}`);
    return new Blob(await this.contentParts(id, record.size), { type: record.contentType });
  }

  /** The parts openContent assembles: each stored chunk (a Blob or ArrayBuffer), trimmed where chunks overlap. */
  async contentParts(id: string, size: number | null): Promise<(Blob | ArrayBuffer)[]> {
    const chunks = await this.db.getAll('chunks', IDBKeyRange.bound([id, -Infinity], [id, Infinity]));
    const parts: (Blob | ArrayBuffer)[] = [];
    let next = 1;
    for (const chunk of chunks) {
      const length = chunk.bytes instanceof Blob ? chunk.bytes.size : chunk.bytes.byteLength;
      const end = chunk.start + length - 1;
      if (end < next) continue;
      if (chunk.start > next) throw new Error(`Transfer ${id} misses bytes ${next}-${chunk.start - 1}`);
      const skip = next - chunk.start;
      parts.push(skip === 0 ? chunk.bytes : chunk.bytes.slice(skip));
      next = end + 1;
    }
    if (size !== null && next - 1 < size) throw new Error(`Transfer ${id} misses bytes ${next}-${size}`);
    return parts;
  }
}

async function chunkBytes(bytes: Blob | ArrayBuffer): Promise<Uint8Array> {
  return new Uint8Array(bytes instanceof Blob ? await bytes.arrayBuffer() : bytes);
}

/** Records are plain data; ranges are copied so later in-memory updates do not leak in. */
function structuredCloneRecord(record: TransferRecord): TransferRecord {
  return { ...record, ranges: record.ranges.map((r) => [r[0], r[1]] as const) };
}
