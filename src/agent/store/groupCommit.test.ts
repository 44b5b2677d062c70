import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GroupCommitter, type EnqueueOutcome, type GroupCommitterOptions } from './groupCommit.ts';
import { PushStore, type NewPush } from './pushStore.ts';
import { letTasksRun, watchTransactions } from '../../testing/idbTransactions.ts';
import { countReadwriteTransactions, deferred, isPushWrite, newPush, uniqueDbName } from '../../testing/pushFixtures.ts';
import type { StoredPush } from '../types.ts';

const stores: PushStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  vi.restoreAllMocks();
});

async function setup(options: Partial<GroupCommitterOptions> = {}) {
  const store = options.store ?? (await PushStore.open(uniqueDbName()));
  stores.push(store);
  const committer = await GroupCommitter.create({ ...options, store });
  const batches: StoredPush[][] = [];
  committer.on('committed', (pushes) => batches.push(pushes));
  return { store, committer, batches };
}

describe('GroupCommitter', () => {
  it('commits N pushes enqueued in one tick in ONE readwrite transaction', async () => {
    const { store, committer, batches } = await setup();
    const transactions = countReadwriteTransactions();
    let outcomes: EnqueueOutcome[];
    try {
      outcomes = await Promise.all(Array.from({ length: 50 }, () => committer.enqueue(newPush())));
    } finally {
      transactions.restore();
    }
    expect(outcomes).toEqual(Array(50).fill('stored'));
    expect(transactions.count).toBe(1);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(50);
    expect(await store.count()).toBe(50);
  });

  it('caps a transaction at maxBatchSize', async () => {
    const { committer, batches } = await setup({ limits: { maxBatchSize: 4 } });
    const transactions = countReadwriteTransactions();
    try {
      await Promise.all(Array.from({ length: 10 }, () => committer.enqueue(newPush())));
    } finally {
      transactions.restore();
    }
    expect(transactions.count).toBe(3);
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
  });

  it('pushes arriving while a batch is in flight form the next batch', async () => {
    const gate = deferred();
    const { committer, batches } = await setup({ beforeCommit: () => gate.promise });
    const first = committer.enqueue(newPush());
    await new Promise<void>((resolve) => setTimeout(resolve, 0)); // the first batch is taken and held at the gate
    const later = [committer.enqueue(newPush()), committer.enqueue(newPush()), committer.enqueue(newPush())];
    gate.resolve();
    await Promise.all([first, ...later]);
    expect(batches.map((b) => b.length)).toEqual([1, 3]);
  });

  it('settles only when the transaction has completed, with the push readable from another connection', async () => {
    const gate = deferred();
    const name = uniqueDbName();
    const store = await PushStore.open(name);
    const { committer } = await setup({ store, beforeCommit: () => gate.promise });
    let settled = false;
    const outcome = committer.enqueue(newPush({ dedupKey: 'gated' })).then((o) => {
      settled = true;
      return o;
    });
    // Let several ticks pass: nothing commits while the gate is closed.
    for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setTimeout(resolve, 0));
    expect(settled).toBe(false);
    expect(await store.count()).toBe(0);
    gate.resolve();
    expect(await outcome).toBe('stored');
    const other = await PushStore.open(name);
    stores.push(other);
    expect(await other.count()).toBe(1);
  });

  // Issue 9 item 9: the gate above holds a batch before its transaction starts; this holds
  // the transaction itself, after its writes, at the `complete` event.
  it('settles only after its strict transaction fires complete, not when the writes are done', async () => {
    const { store, committer, batches } = await setup();
    const watch = watchTransactions({ holdComplete: isPushWrite });
    try {
      let settled = false;
      const outcome = committer.enqueue(newPush({ dedupKey: 'held-at-complete' })).then((o) => {
        settled = true;
        return o;
      });
      await watch.held(1);
      const [commit] = watch.transactions.filter(isPushWrite);
      expect(commit!.durability).toBe('strict');
      expect(await store.count()).toBe(1); // written...
      await letTasksRun();
      expect(settled).toBe(false); // ...but not complete: no outcome, no 'committed' event
      expect(batches).toEqual([]);
      watch.release();
      expect(await outcome).toBe('stored');
      expect(commit!.completed).toBe(true);
      expect(batches.flat().map((p) => p.dedupKey)).toEqual(['held-at-complete']);
    } finally {
      watch.restore();
    }
  });

  it('stores a duplicate once within one batch; the later copy resolves duplicate', async () => {
    const { store, committer, batches } = await setup();
    const outcomes = await Promise.all([committer.enqueue(newPush({ dedupKey: 'same' })), committer.enqueue(newPush({ dedupKey: 'same' })), committer.enqueue(newPush())]);
    expect(outcomes).toEqual(['stored', 'duplicate', 'stored']);
    expect(await store.count()).toBe(2);
    expect(batches.flat()).toHaveLength(2);
  });

  it('a copy arriving while the first is in flight resolves duplicate after the first commits', async () => {
    const gate = deferred();
    const { store, committer } = await setup({ beforeCommit: () => gate.promise });
    const order: string[] = [];
    const first = committer.enqueue(newPush({ dedupKey: 'k' })).then((o) => (order.push(`first:${String(o)}`), o));
    await new Promise<void>((resolve) => setTimeout(resolve, 0)); // first is in flight, held
    const copy = committer.enqueue(newPush({ dedupKey: 'k' })).then((o) => (order.push(`copy:${String(o)}`), o));
    gate.resolve();
    await Promise.all([first, copy]);
    expect(order).toEqual(['first:stored', 'copy:duplicate']);
    expect(await store.count()).toBe(1);
  });

  it('stores a duplicate once across batches', async () => {
    const { store, committer } = await setup();
    expect(await committer.enqueue(newPush({ dedupKey: 'again' }))).toBe('stored');
    expect(await committer.enqueue(newPush({ dedupKey: 'again' }))).toBe('duplicate');
    expect(await store.count()).toBe(1);
  });

  it('stores up to exactly maxStoredPushes, and refuses one past as full', async () => {
    const name = uniqueDbName();
    const seed = await PushStore.open(name);
    await seed.commitBatch([newPush(), newPush()]);
    seed.close();
    const { store, committer } = await setup({ store: await PushStore.open(name), limits: { maxStoredPushes: 5 } });
    expect(committer.count).toBe(2); // read once at open
    const outcomes = await Promise.all([committer.enqueue(newPush()), committer.enqueue(newPush()), committer.enqueue(newPush())]);
    expect(outcomes).toEqual(['stored', 'stored', 'stored']); // 5 = exactly the limit
    expect(await store.count()).toBe(5);
    const past = await committer.enqueue(newPush());
    expect(past).toEqual({ failure: 'full', message: expect.stringContaining('full') });
    expect(await store.count()).toBe(5);
  });

  it('at the limit, a duplicate of a stored push is still a duplicate, not full', async () => {
    const { committer } = await setup({ limits: { maxStoredPushes: 1 } });
    expect(await committer.enqueue(newPush({ dedupKey: 'only' }))).toBe('stored');
    expect(await committer.enqueue(newPush({ dedupKey: 'only' }))).toBe('duplicate');
  });

  it('one past the limit inside a single batch: the last one is full', async () => {
    const { committer } = await setup({ limits: { maxStoredPushes: 3 } });
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => committer.enqueue(newPush())));
    expect(outcomes.slice(0, 3)).toEqual(['stored', 'stored', 'stored']);
    expect(outcomes[3]).toMatchObject({ failure: 'full' });
  });

  it('refuses as full past maxInFlight pushes queued or in flight', async () => {
    const gate = deferred();
    const { committer } = await setup({ limits: { maxInFlight: 2 }, beforeCommit: () => gate.promise });
    const a = committer.enqueue(newPush());
    const b = committer.enqueue(newPush());
    const c = await committer.enqueue(newPush());
    expect(c).toMatchObject({ failure: 'full', message: expect.stringContaining('in flight') });
    gate.resolve();
    expect(await Promise.all([a, b])).toEqual(['stored', 'stored']);
    expect(await committer.enqueue(newPush())).toBe('stored');
  });

  it('an injected storage failure answers error for the whole batch and leaves earlier data intact', async () => {
    const { store, committer } = await setup();
    const earlier = newPush({ dedupKey: 'earlier' });
    expect(await committer.enqueue(earlier)).toBe('stored');
    // A function cannot be cloned into IndexedDB: add() throws DataCloneError and the transaction aborts.
    const poisoned: NewPush = newPush({ content: (() => 0) as unknown as Uint8Array });
    const outcomes = await Promise.all([committer.enqueue(newPush({ dedupKey: 'ok-in-bad-batch' })), committer.enqueue(poisoned)]);
    for (const o of outcomes) expect(o).toMatchObject({ failure: 'error', message: expect.stringContaining('DataCloneError') });
    expect(await store.count()).toBe(1);
    const [kept] = await store.list('news.ua');
    expect(kept!.dedupKey).toBe('earlier');
    expect(kept!.content).toEqual(earlier.content);
    expect(committer.count).toBe(1);
    // The committer keeps working, and the failed push's key is free again.
    expect(await committer.enqueue(newPush({ dedupKey: 'ok-in-bad-batch' }))).toBe('stored');
  });

  it('QuotaExceededError answers full', async () => {
    const { store, committer } = await setup();
    vi.spyOn(store, 'commitBatch').mockRejectedValueOnce(new DOMException('disk full', 'QuotaExceededError'));
    expect(await committer.enqueue(newPush())).toEqual({ failure: 'full', message: expect.stringContaining('QuotaExceededError') });
    expect(await committer.enqueue(newPush())).toBe('stored');
  });

  it('a copy waiting on a first that failed is retried, not reported duplicate', async () => {
    const { store, committer } = await setup();
    vi.spyOn(store, 'commitBatch').mockRejectedValueOnce(new Error('boom'));
    const gate = deferred();
    const first = committer.enqueue(newPush({ dedupKey: 'retry' }));
    const copy = gate.promise.then(() => committer.enqueue(newPush({ dedupKey: 'retry' })));
    queueMicrotask(() => gate.resolve());
    expect(await first).toMatchObject({ failure: 'error' });
    expect(await copy).toBe('stored');
    expect(await store.count()).toBe(1);
  });

  it('a failing beforeCommit gate fails the batch with error', async () => {
    const { store, committer } = await setup({ beforeCommit: () => Promise.reject(new Error('gate closed')) });
    expect(await committer.enqueue(newPush())).toMatchObject({ failure: 'error', message: expect.stringContaining('gate closed') });
    expect(await store.count()).toBe(0);
  });

  it('idle() waits for everything enqueued', async () => {
    const { store, committer } = await setup();
    void committer.enqueue(newPush());
    void committer.enqueue(newPush());
    await committer.idle();
    expect(committer.pending).toBe(0);
    expect(await store.count()).toBe(2);
  });
});
