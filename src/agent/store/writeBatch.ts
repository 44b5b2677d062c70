/**
 * One group commit of the transfer store (transferStore.ts): the queued operations of a tick
 * issued into one readwrite transaction. Contiguous chunk writes of a transfer become one chunk
 * record (up to maxRecordBytes) and one transfer record; any other operation on a transfer
 * first writes that transfer's open run, so requests keep their order per transfer.
 */
import type { ChunkRecord, TransferRecord, Tx } from './transferSchema.ts';

/** A chunk waiting for the next transaction, with the transfer record that accounts for it. */
export interface ChunkWrite {
  start: number;
  bytes: Uint8Array;
  record: TransferRecord;
}

/** A queued operation: a chunk to write, or any other request on one transfer. */
export interface BatchItem {
  /** The transfer the operation touches: its chunks queued before it are written first. */
  transferId: string;
  op?: (tx: Tx) => void;
  chunk?: ChunkWrite;
}

export interface BatchOptions {
  maxRecordBytes: number;
  chunkStorage: 'blob' | 'arraybuffer';
}

/** Contiguous chunks of one transfer in one transaction, stored as one record. */
interface Run {
  start: number;
  end: number;
  parts: Uint8Array[];
  record: TransferRecord;
}

export function issueBatch(tx: Tx, batch: readonly BatchItem[], options: BatchOptions): void {
  const runs = new Map<string, Run>();
  const flush = (transferId: string): void => {
    const run = runs.get(transferId);
    if (!run) return;
    runs.delete(transferId);
    const chunk: ChunkRecord = { transferId, start: run.start, bytes: packParts(run.parts, run.end - run.start + 1, options.chunkStorage) };
    void tx.objectStore('chunks').put(chunk).catch(() => undefined);
    void tx.objectStore('transfers').put(run.record).catch(() => undefined);
  };
  for (const p of batch) {
    const c = p.chunk;
    if (!c) {
      flush(p.transferId);
      p.op!(tx);
      continue;
    }
    let run = runs.get(p.transferId);
    if (run && (c.start !== run.end + 1 || run.end - run.start + 1 + c.bytes.length > options.maxRecordBytes)) {
      flush(p.transferId);
      run = undefined;
    }
    if (!run) runs.set(p.transferId, (run = { start: c.start, end: c.start - 1, parts: [], record: c.record }));
    run.parts.push(c.bytes);
    run.end += c.bytes.length;
    run.record = c.record;
  }
  for (const transferId of [...runs.keys()]) flush(transferId);
}

/** One stored value from the parts of a run: a Blob of them, or one ArrayBuffer (one copy either way). */
function packParts(parts: readonly Uint8Array[], length: number, storage: BatchOptions['chunkStorage']): Blob | ArrayBuffer {
  if (storage === 'blob') return new Blob(parts as Uint8Array<ArrayBuffer>[]);
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out.buffer;
}
