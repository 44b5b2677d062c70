/**
 * Group commit: pushes enqueued in the same tick share ONE readwrite transaction, and each
 * enqueue() settles only when that transaction completes (ARCHITECTURE.md section 5).
 *
 *   enqueue ──> queue ──(queueMicrotask)──> pump: up to maxConcurrentCommits batches in flight
 *                                             batch = up to maxBatchSize queued items
 *                                             await beforeCommit()       (test gate)
 *                                             PushStore.commitBatch()    (one transaction)
 *                                             emit 'committed', settle every promise
 *
 * While batches are in flight, arrivals queue and form the next batch, so under load the
 * batches grow by themselves; an idle committer commits a lone push at once. Two batches
 * may be in flight: IndexedDB runs overlapping read-write transactions one after the other,
 * in creation order, but the second is already queued in the backend when the first
 * completes, so storage never idles between batches (bench/push-throughput).
 *
 * Dedup happens twice: in memory, an item whose dedupKey is queued or in flight waits for
 * the first one and resolves 'duplicate' once that one is committed (or is retried if the
 * first failed); in the transaction, the byDedupKey index catches copies stored earlier.
 *
 * Limits: maxStoredPushes (the count is read once at open and kept in memory; past it a
 * push is 'full'), maxBatchSize (items per transaction), maxInFlight (distinct dedup keys
 * queued or in flight; past it a push is 'full', i.e. 503 until the backlog drains).
 */
import { TypedEmitter } from '../events.ts';
import type { AgentLimits, StoredPush } from '../types.ts';
import type { NewPush, PushStore } from './pushStore.ts';

export type EnqueueOutcome = 'stored' | 'duplicate' | { failure: 'full' | 'error'; message: string };

export interface GroupCommitterEvents {
  /** Pushes newly stored by one committed transaction, in enqueue order. */
  committed: StoredPush[];
}

export interface GroupCommitterOptions {
  store: PushStore;
  limits?: Partial<Pick<AgentLimits, 'maxStoredPushes' | 'maxBatchSize' | 'maxInFlight'>> & { maxConcurrentCommits?: number };
  /**
   * Test-only gate, awaited before each batch's transaction starts (the e2e test holds
   * commits with it to prove that the 200 waits for the commit). A rejection fails the batch.
   */
  beforeCommit?: () => Promise<void>;
}

interface Pending {
  item: NewPush;
  resolve: (outcome: EnqueueOutcome) => void;
}

export class GroupCommitter extends TypedEmitter<GroupCommitterEvents> {
  private readonly store: PushStore;
  private readonly maxStoredPushes: number;
  private readonly maxBatchSize: number;
  private readonly maxInFlight: number;
  private readonly beforeCommit: (() => Promise<void>) | undefined;
  private storedCount: number;
  private queue: Pending[] = [];
  /** dedupKey -> outcome promise of the first push with that key, while queued or in flight. */
  private readonly inFlight = new Map<string, Promise<EnqueueOutcome>>();
  private scheduled = false;
  /** Batches whose transaction is in flight, and how many pushes they may store. */
  private active = 0;
  private reserved = 0;
  private readonly maxConcurrentCommits: number;
  private idleWaiters: Array<() => void> = [];

  private constructor(options: GroupCommitterOptions, storedCount: number) {
    super();
    this.store = options.store;
    this.maxStoredPushes = options.limits?.maxStoredPushes ?? Infinity;
    this.maxBatchSize = Math.max(1, options.limits?.maxBatchSize ?? 256);
    this.maxInFlight = options.limits?.maxInFlight ?? Infinity;
    this.beforeCommit = options.beforeCommit;
    this.maxConcurrentCommits = Math.max(1, options.limits?.maxConcurrentCommits ?? 2);
    this.storedCount = storedCount;
  }

  /** Create a committer; reads the store's count once. */
  static async create(options: GroupCommitterOptions): Promise<GroupCommitter> {
    return new GroupCommitter(options, await options.store.count());
  }

  /** Pushes stored, as the committer counts them (count at open plus its own commits). */
  get count(): number {
    return this.storedCount;
  }

  /** Pushes queued or in a transaction now. */
  get pending(): number {
    return this.inFlight.size;
  }

  enqueue(item: NewPush): Promise<EnqueueOutcome> {
    const first = this.inFlight.get(item.dedupKey);
    if (first) {
      // A copy of a push not yet committed: answer once the first one is settled.
      return first.then((outcome) => (outcome === 'stored' || outcome === 'duplicate' ? 'duplicate' : this.enqueue(item)));
    }
    if (this.inFlight.size >= this.maxInFlight) {
      return Promise.resolve({ failure: 'full', message: `Too many pushes in flight (${this.maxInFlight})` });
    }
    const outcome = new Promise<EnqueueOutcome>((resolve) => this.queue.push({ item, resolve }));
    this.inFlight.set(item.dedupKey, outcome);
    void outcome.then(() => this.inFlight.delete(item.dedupKey));
    if (!this.scheduled) {
      // After the current task's other enqueues, so one tick's pushes share a transaction.
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.pump();
      });
    }
    return outcome;
  }

  /** Resolves once everything enqueued so far has settled (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.scheduled || this.active > 0 || this.queue.length > 0 || this.inFlight.size > 0) {
      if (this.scheduled || this.active > 0 || this.queue.length > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      else await Promise.all(this.inFlight.values());
    }
  }

  private pump(): void {
    while (this.active < this.maxConcurrentCommits && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatchSize);
      this.active++;
      this.reserved += batch.length;
      void this.commit(batch).finally(() => {
        this.active--;
        this.reserved -= batch.length;
        this.pump();
        if (this.active === 0 && this.queue.length === 0 && !this.scheduled) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const resolve of waiters) resolve();
        }
      });
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    let settled: EnqueueOutcome[];
    try {
      if (this.beforeCommit) await this.beforeCommit();
      // Other batches in flight may still store theirs: count them as taken.
      const capacity = Math.max(0, this.maxStoredPushes - this.storedCount - (this.reserved - batch.length));
      const results = await this.store.commitBatch(
        batch.map((p) => p.item),
        { capacity },
      );
      const stored: StoredPush[] = [];
      settled = results.map((r) => {
        if (r.status === 'stored') {
          stored.push(r.push);
          return 'stored';
        }
        if (r.status === 'duplicate') return 'duplicate';
        return { failure: 'full', message: `Push storage full (${this.maxStoredPushes} pushes stored)` };
      });
      this.storedCount += stored.length;
      if (stored.length > 0) this.emit('committed', stored);
    } catch (error) {
      const failure = isQuotaError(error) ? 'full' : 'error';
      const message = failure === 'full' ? `Push storage quota exceeded: ${errorMessage(error)}` : `Push storage failed: ${errorMessage(error)}`;
      settled = batch.map(() => ({ failure, message }));
    }
    batch.forEach((p, i) => p.resolve(settled[i]!));
  }
}

function isQuotaError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'QuotaExceededError';
}

function errorMessage(error: unknown): string {
  if (error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error)) {
    const e = error as { name?: string; message?: string };
    return e.name && e.name !== 'Error' ? `${e.name}: ${e.message ?? ''}` : (e.message ?? String(error));
  }
  return String(error);
}
