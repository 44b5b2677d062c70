import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { countReadwriteTransactions, uniqueDbName } from '../../testing/pushFixtures.ts';
import { addRange, contiguousPrefix, coveredBytes, isComplete, missingRanges } from '../msrp/ranges.ts';
import { TransferStore } from './transferStore.ts';
import { TRANSFER_DB_VERSION, transferDbName, type TransferRecord } from './transferSchema.ts';

const stores: TransferStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

async function open(options: ConstructorParameters<typeof TransferStore>[1] = {}): Promise<TransferStore> {
  const store = await TransferStore.open(transferDbName(uniqueDbName('xfer')), options);
  stores.push(store);
  return store;
}

let n = 0;
function record(overrides: Partial<TransferRecord> = {}): TransferRecord {
  n++;
  return {
    id: `t${n}`,
    appId: 'files.ua',
    from: 'sip:psa@example.com',
    to: 'sip:alice@example.com',
    contentType: 'application/octet-stream',
    size: 10,
    receivedBytes: 0,
    ranges: [],
    state: 'receiving',
    resumable: false,
    startedAt: 1,
    updatedAt: 1,
    messageId: 'msg1',
    callId: 'c1',
    pushed: false,
    ...overrides,
  };
}

const bytes = (...values: number[]) => new Uint8Array(values);

describe('ranges', () => {
  it('adds, merges adjacent and overlapping spans, and reports prefix, missing, covered', () => {
    let r = addRange([], 5, 6);
    r = addRange(r, 1, 2);
    expect(r).toEqual([[1, 2], [5, 6]]);
    expect(contiguousPrefix(r)).toBe(2);
    expect(missingRanges(r, 8)).toEqual([[3, 4], [7, 8]]);
    r = addRange(r, 3, 4);
    expect(r).toEqual([[1, 6]]);
    r = addRange(r, 4, 9);
    expect(r).toEqual([[1, 9]]);
    expect(coveredBytes(r)).toBe(9);
    expect(isComplete(r, 9)).toBe(true);
    expect(isComplete([], 0)).toBe(true);
    expect(contiguousPrefix([[2, 3]])).toBe(0);
    expect(addRange([[1, 2]], 5, 4)).toEqual([[1, 2]]);
  });
});

describe('TransferStore', () => {
  it('opens its own database, schema v1: transfers (byState) and chunks keyed [transferId, start]', async () => {
    const store = await open();
    expect(store.db.name).toMatch(/-transfers$/);
    expect(store.db.version).toBe(TRANSFER_DB_VERSION);
    expect([...store.db.objectStoreNames].sort()).toEqual(['chunks', 'transfers']);
    const tx = store.db.transaction(['transfers', 'chunks']);
    expect(tx.objectStore('transfers').keyPath).toBe('id');
    expect([...tx.objectStore('transfers').indexNames]).toEqual(['byState']);
    expect(tx.objectStore('chunks').keyPath).toEqual(['transferId', 'start']);
  });

  it('group-commits: chunks written in the same tick share one transaction, contiguous ones one record', async () => {
    const store = await open();
    const t = record();
    await store.putTransfer(t);
    const counter = countReadwriteTransactions();
    try {
      await Promise.all([store.writeChunk(t, 1, bytes(1, 2)), store.writeChunk(t, 3, bytes(3, 4)), store.writeChunk(t, 5, bytes(5))]);
    } finally {
      counter.restore();
    }
    expect(counter.count).toBe(1);
    expect(await store.chunkCount(t.id)).toBe(1);
    const seen: number[] = [];
    expect(await store.readInOrder(t.id, 1, (b) => void seen.push(...b))).toBe(6);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('a record holds at most maxRecordBytes: at the limit one record, one byte past it two; gaps and other transfers split runs', async () => {
    for (const [maxRecordBytes, expected] of [
      [4, 1],
      [3, 2],
    ] as const) {
      for (const chunkStorage of ['blob', 'arraybuffer'] as const) {
        const store = await open({ maxRecordBytes, chunkStorage });
        const t = record({ size: 4 });
        await Promise.all([store.writeChunk(t, 1, bytes(1, 2)), store.writeChunk(t, 3, bytes(3, 4))]);
        expect(await store.chunkCount(t.id)).toBe(expected);
        expect([...new Uint8Array(await (await store.openContent(t.id)).arrayBuffer())]).toEqual([1, 2, 3, 4]);
      }
    }
    const store = await open();
    const a = record({ size: 6 });
    const b = record({ size: 2 });
    // Not contiguous (3-4 missing), and another transfer in between: three records for a, one for b.
    await Promise.all([store.writeChunk(a, 1, bytes(1, 2)), store.writeChunk(b, 1, bytes(9, 9)), store.writeChunk(a, 5, bytes(5)), store.writeChunk(a, 6, bytes(6))]);
    expect(await store.chunkCount(a.id)).toBe(2);
    expect(await store.chunkCount(b.id)).toBe(1);
    expect(() => new TransferStore(store.db, { maxRecordBytes: 0 })).toThrow(/maxRecordBytes must be a positive integer/);
  });

  it('keeps per-transfer order within a transaction: chunks queued before a drop are dropped, the record written last wins', async () => {
    const store = await open();
    const t = record({ size: 4 });
    const failed = { ...t, state: 'failed' as const, reason: 'Aborted', ranges: [], receivedBytes: 0 };
    await Promise.all([
      store.writeChunk({ ...t, ranges: [[1, 2]], receivedBytes: 2 }, 1, bytes(1, 2)),
      store.putTransferDroppingChunks(failed),
      store.writeChunk({ ...failed, ranges: [[3, 4]], receivedBytes: 2 }, 3, bytes(3, 4)),
    ]);
    // The drop came after the first chunk and before the second: only 3-4 remain, and the
    // record is the one written with the last chunk.
    expect(await store.chunkCount(t.id)).toBe(1);
    expect(await store.readInOrder(t.id, 3, () => undefined)).toBe(5);
    expect(await store.get(t.id)).toMatchObject({ state: 'failed', ranges: [[3, 4]] });
  });

  it('stores chunks as Blobs (default) or ArrayBuffers and assembles a Blob of parts, trimming overlaps', async () => {
    for (const chunkStorage of ['blob', 'arraybuffer'] as const) {
      const store = await open({ chunkStorage });
      const t = record({ size: 6 });
      await store.writeChunk(t, 4, bytes(4, 5, 6));
      await store.writeChunk(t, 1, bytes(1, 2, 3));
      await store.writeChunk(t, 2, bytes(2, 3, 4)); // overlaps both
      const parts = await store.contentParts(t.id, 6);
      expect(parts).toHaveLength(3); // [1-3], [4] of [2-4], [5-6] of [4-6]
      expect(parts.every((p) => (chunkStorage === 'blob' ? p instanceof Blob : p instanceof ArrayBuffer))).toBe(true);
      const blob = await store.openContent(t.id);
      expect(blob.type).toBe('application/octet-stream');
      expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual([1, 2, 3, 4, 5, 6]);
      const seen: number[][] = [];
      expect(await store.readInOrder(t.id, 3, (b) => void seen.push([...b]))).toBe(7);
      expect(seen).toEqual([[3], [4], [5, 6]]);
    }
  });

  it('openContent and readInOrder stop at a gap', async () => {
    const store = await open();
    const t = record({ size: 6 });
    await store.putTransfer(t);
    await store.writeChunk(t, 1, bytes(1, 2));
    await store.writeChunk(t, 5, bytes(5, 6));
    await expect(store.openContent(t.id)).rejects.toThrow(/misses bytes 3-4/);
    expect(await store.readInOrder(t.id, 1, () => undefined)).toBe(3);
  });

  it('putTransferDroppingChunks deletes only that transfer\'s chunks; deleteTransfer removes it all', async () => {
    const store = await open();
    const a = record();
    const b = record();
    await Promise.all([store.writeChunk(a, 1, bytes(1)), store.writeChunk(b, 1, bytes(2))]);
    await store.putTransferDroppingChunks({ ...a, state: 'failed', reason: 'x' });
    expect(await store.chunkCount(a.id)).toBe(0);
    expect(await store.chunkCount(b.id)).toBe(1);
    expect((await store.get(a.id))!.state).toBe('failed');
    await store.deleteTransfer(b.id);
    expect(await store.get(b.id)).toBeUndefined();
    expect(await store.chunkCount(b.id)).toBe(0);
  });

  it('findResumable: same sender and app; hash first, then file-transfer-id, then name + size', async () => {
    const store = await open();
    const base = { state: 'failed' as const, resumable: true, size: 100 };
    const byHash = record({ ...base, fileName: 'a.bin', hashAlgorithm: 'sha-256', expectedHash: 'aa', updatedAt: 5 });
    const byId = record({ ...base, fileName: 'b.bin', fileTransferId: 'ft-1', updatedAt: 6 });
    const byName = record({ ...base, fileName: 'c.bin', updatedAt: 7 });
    const notResumable = record({ ...base, resumable: false, fileName: 'd.bin' });
    const otherSender = record({ ...base, from: 'sip:mallory@example.com', fileName: 'e.bin' });
    for (const r of [byHash, byId, byName, notResumable, otherSender]) await store.putTransfer(r);
    const q = { appId: 'files.ua', from: 'sip:psa@example.com', size: 100 };
    expect((await store.findResumable({ ...q, hashAlgorithm: 'sha-256', expectedHash: 'aa', fileName: 'zzz' }))?.id).toBe(byHash.id);
    expect(await store.findResumable({ ...q, hashAlgorithm: 'sha-256', expectedHash: 'bb', fileName: 'a.bin' })).toBeUndefined();
    expect((await store.findResumable({ ...q, fileTransferId: 'ft-1' }))?.id).toBe(byId.id);
    expect((await store.findResumable({ ...q, fileName: 'c.bin' }))?.id).toBe(byName.id);
    expect(await store.findResumable({ ...q, fileName: 'c.bin', size: 99 })).toBeUndefined();
    expect(await store.findResumable({ ...q, fileName: 'd.bin' })).toBeUndefined();
    expect(await store.findResumable({ ...q, fileName: 'e.bin' })).toBeUndefined();
    expect(await store.findResumable({ ...q, appId: 'other.ua', fileName: 'c.bin' })).toBeUndefined();
  });
});
