/**
 * One file arriving over MSRP into IndexedDB: the chunks of one MSRP message (RFC 4975
 * section 7.1.1, Byte-Range and the continuation flags), verified at the end against the
 * RFC 5547 a=file-selector size and hash.
 *
 * ```
 *              chunk (+ or $)                  all bytes stored and `$` seen
 *   receiving ----------------> receiving  ---------------------------------> verifying
 *     |  |                                                                     |      |
 *     |  '-- `#` / hash mismatch / storage error: failed, chunks deleted       | ok   | size or
 *     '-- interrupt (socket drop, BYE): failed, chunks kept when resumable     v      | hash wrong
 *                                                                          complete  failed
 * ```
 *
 * Chunk bytes go straight to the TransferStore (one record per chunk, group-committed) and,
 * when they continue the hashed prefix, into the incremental hash; nothing is concatenated.
 * Chunks that arrive ahead of a gap are stored only; at completion the hash continues by
 * streaming the stored chunks from the end of the hashed prefix, one chunk at a time.
 * Byte-Range positions are file positions (a resumed session starts past 1, RFC 5547 section 8).
 */
import type { ByteRange, MsrpFlag } from '../../protocol/msrp/index.ts';
import { createHash, type IncrementalHash } from '../hash/fileHash.ts';
import type { HashFactory } from '../hash/workerHash.ts';
import { addRange, coveredBytes, uncoveredSpans, isComplete } from './ranges.ts';
import type { TransferRecord } from '../store/transferSchema.ts';
import type { TransferStore } from '../store/transferStore.ts';

export type IncomingState = 'receiving' | 'verifying' | 'complete' | 'failed';

const TRANSITIONS: Readonly<Record<IncomingState, readonly IncomingState[]>> = {
  receiving: ['verifying', 'failed'],
  verifying: ['complete', 'failed'],
  complete: [],
  failed: [],
};

/** The answer to a chunk: the MSRP status of its transaction response (RFC 4975 section 10). */
export interface ChunkOutcome {
  code: 200 | 400 | 413;
  comment?: string;
}

export interface IncomingTransferOptions {
  store: TransferStore;
  /** The record as stored; for a resumed transfer its ranges are the bytes kept. */
  record: TransferRecord;
  /** Largest file accepted (413 past it). */
  maxTransferBytes: number;
  now?: () => number;
  /** Told after each durable change (bytes stored, state). */
  onChange?: (record: TransferRecord) => void;
  /** Where the incremental hash runs (default: this thread; the agent uses a worker). */
  createHash?: HashFactory;
}

export class IncomingTransfer {
  private stateValue: IncomingState = 'receiving';
  private record: TransferRecord;
  private readonly store: TransferStore;
  private readonly max: number;
  private readonly now: () => number;
  private readonly onChange: ((record: TransferRecord) => void) | undefined;
  /** Hash of bytes 1..hashedUpTo, while chunks come in order from byte 1. */
  private hash: IncrementalHash | undefined;
  private hashedUpTo = 0;
  private endSeen = false;
  /** The last queued write: completion and failure wait for it. */
  private lastWrite: Promise<void> = Promise.resolve();
  private settle!: (record: TransferRecord) => void;
  /** Resolves with the final record once complete or failed. */
  readonly settled: Promise<TransferRecord>;

  constructor(options: IncomingTransferOptions) {
    this.store = options.store;
    this.record = { ...options.record, ranges: [...options.record.ranges] };
    this.max = options.maxTransferBytes;
    this.now = options.now ?? Date.now;
    this.onChange = options.onChange;
    this.settled = new Promise((resolve) => (this.settle = resolve));
    if (this.record.hashAlgorithm && this.record.receivedBytes === 0) this.hash = (options.createHash ?? createHash)(this.record.hashAlgorithm);
  }

  get state(): IncomingState {
    return this.stateValue;
  }

  get id(): string {
    return this.record.id;
  }

  /** The record as this transfer knows it (including writes still in flight). */
  get snapshot(): TransferRecord {
    return { ...this.record, ranges: [...this.record.ranges] };
  }

  /** True once every byte of a known size has been received (possibly not yet stored). */
  get allBytesReceived(): boolean {
    return this.record.size !== null && isComplete(this.record.ranges, this.record.size);
  }

  private transition(to: IncomingState): void {
    if (!TRANSITIONS[this.stateValue].includes(to)) throw new Error(`IncomingTransfer: illegal transition ${this.stateValue} -> ${to}`);
    this.stateValue = to;
  }

  /**
   * Take one SEND chunk. Resolves once the chunk is stored (the 200 waits for that) with the
   * status to answer. A `#` chunk fails the transfer and deletes its chunks.
   */
  receiveChunk(range: ByteRange | undefined, body: Uint8Array, flag: MsrpFlag, messageId: string): Promise<ChunkOutcome> {
    if (this.stateValue !== 'receiving') {
      // A retransmission after the end, or a chunk of a failed message: nothing to store.
      return Promise.resolve(this.stateValue === 'failed' ? { code: 413, comment: this.record.reason ?? 'Transfer failed' } : { code: 200 });
    }
    if (this.record.messageId !== messageId) this.record.messageId = messageId;
    if (flag === '#') {
      void this.fail('Aborted by the sender (#)', false);
      return Promise.resolve({ code: 200 });
    }
    const start = range?.start ?? 1;
    const end = start + body.length - 1;
    const total = range && range.total !== '*' ? range.total : undefined;
    if (total !== undefined) {
      if (this.record.size === null) this.record.size = total;
      else if (total !== this.record.size) {
        return this.reject(400, `Byte-Range total ${total} differs from the file size ${this.record.size}`);
      }
    }
    const limit = Math.min(this.record.size ?? Infinity, this.max);
    if (end > limit) {
      if (end > this.max) return this.reject(413, `Content exceeds ${this.max} bytes`);
      return this.reject(400, `Chunk ends at byte ${end}, past the file size ${this.record.size}`);
    }
    if (flag === '$') {
      this.endSeen = true;
      if (this.record.size === null) this.record.size = end;
    }
    if (this.hash && start <= this.hashedUpTo + 1 && end > this.hashedUpTo) {
      this.hash.update(body.subarray(this.hashedUpTo + 1 - start));
      this.hashedUpTo = end;
    }
    let write: Promise<void> = Promise.resolve();
    let stored: TransferRecord | undefined;
    // Only bytes not stored yet are written (a retransmitted or overlapping chunk): a chunk
    // record therefore never starts at a stored byte, so no record replaces another one.
    const fresh = body.length > 0 ? uncoveredSpans(this.record.ranges, start, end) : [];
    if (fresh.length > 0) {
      this.record.ranges = addRange(this.record.ranges, start, end);
      this.record.receivedBytes = coveredBytes(this.record.ranges);
      this.record.updatedAt = this.now();
      const writes = fresh.map(([s, e]) => this.store.writeChunk(this.record, s, body.subarray(s - start, e - start + 1)));
      write = writes.length === 1 ? writes[0]! : Promise.all(writes).then(() => undefined);
      this.lastWrite = write;
      stored = this.snapshot;
    }
    const outcome = write.then(
      (): ChunkOutcome => {
        // Progress reports the bytes durably stored with this chunk, not those still queued.
        if (stored && this.stateValue !== 'failed') this.onChange?.(stored);
        return { code: 200 };
      },
      (error: unknown): ChunkOutcome => {
        const reason = `Storage failed: ${errorText(error)}`;
        void this.fail(reason, false);
        return { code: 413, comment: 'Storage failed' };
      },
    );
    if (this.endSeen && this.allBytesReceived) void this.finish();
    return outcome;
  }

  private reject(code: 400 | 413, reason: string): Promise<ChunkOutcome> {
    void this.fail(reason, false);
    return Promise.resolve({ code, comment: reason });
  }

  /**
   * Stop receiving (socket drop, BYE): failed, the chunks kept when `resumable` and some bytes
   * were stored. No effect once all bytes are received (verification goes on) or settled.
   */
  async interrupt(reason: string, resumable: boolean): Promise<void> {
    if (this.stateValue !== 'receiving' || (this.endSeen && this.allBytesReceived)) return;
    await this.fail(reason, resumable);
  }

  /** Fail now (first reason wins). Chunks are deleted unless kept for a resume. */
  async fail(reason: string, resumable: boolean): Promise<void> {
    if (this.stateValue === 'complete' || this.stateValue === 'failed') return;
    this.transition('failed');
    await this.lastWrite.catch(() => undefined);
    const keep = resumable && this.record.receivedBytes > 0;
    this.record = { ...this.record, state: 'failed', reason, resumable: keep, updatedAt: this.now() };
    if (!keep) this.record = { ...this.record, ranges: [], receivedBytes: 0 };
    this.hash?.abort();
    this.hash = undefined;
    try {
      if (keep) await this.store.putTransfer(this.record);
      else await this.store.putTransferDroppingChunks(this.record);
    } catch {
      // The record stays as last stored; it is never complete.
    }
    this.onChange?.(this.snapshot);
    this.settle(this.snapshot);
  }

  /** Verify size and hash once every byte is stored, then mark complete (or failed). */
  private async finish(): Promise<void> {
    this.transition('verifying');
    this.onChange?.(this.snapshot);
    try {
      await this.lastWrite;
    } catch {
      return; // the failing write already failed the transfer
    }
    // A failure that raced the last write wins.
    if ((this.stateValue as IncomingState) === 'failed') return;
    const size = this.record.size ?? 0;
    if (this.record.receivedBytes !== size) {
      await this.fail(`Size mismatch: ${this.record.receivedBytes} bytes received, ${size} expected`, false);
      return;
    }
    if (this.record.hashAlgorithm && this.record.expectedHash) {
      let actual: string;
      try {
        actual = await this.digest(size);
      } catch (error) {
          await this.fail(`Verification failed: ${errorText(error)}`, false);
        return;
      }
      if (actual !== this.record.expectedHash) {
          await this.fail(`Hash mismatch (${this.record.hashAlgorithm})`, false);
        return;
      }
    }
    const complete: TransferRecord = { ...this.record, state: 'complete', updatedAt: this.now() };
    delete complete.reason;
    try {
      await this.store.putTransfer(complete);
    } catch (error) {
      await this.fail(`Storage failed: ${errorText(error)}`, false);
      return;
    }
    this.record = complete;
    this.transition('complete');
    this.onChange?.(this.snapshot);
    this.settle(this.snapshot);
  }

  /**
   * The file's digest: the in-order prefix already hashed, the rest streamed from the store.
   * When the incremental hash fails (its worker died), the whole file is hashed again here
   * from the stored chunks, one at a time.
   */
  private async digest(size: number): Promise<string> {
    const incremental = this.hash;
    this.hash = undefined;
    if (incremental) {
      try {
        return await this.hashStored(incremental, this.hashedUpTo + 1, size);
      } catch {
        // Fall through: start over in this thread.
      }
    }
    return this.hashStored(createHash(this.record.hashAlgorithm!), 1, size);
  }

  private async hashStored(hash: IncrementalHash, from: number, size: number): Promise<string> {
    if (from <= size) {
      const next = await this.store.readInOrder(this.record.id, from, (bytes) => hash.update(bytes));
      if (next <= size) throw new Error(`bytes ${next}-${size} missing from the store`);
    }
    return hash.hex();
  }
}

function errorText(error: unknown): string {
  if (error && typeof error === 'object' && 'message' in error) {
    const e = error as { name?: string; message?: string };
    return e.name && e.name !== 'Error' ? `${e.name}: ${e.message ?? ''}` : String(e.message);
  }
  return String(error);
}
