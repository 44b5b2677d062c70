/**
 * A watch on the IndexedDB transactions the code under test opens (fake-indexeddb, tests only):
 * the mode and durability each was opened with, and, on request, a hold on its `complete`
 * event. The hold sits after the transaction's writes (its requests have all succeeded and
 * fake-indexeddb has marked it finished) and before any `complete` listener runs, so
 * whatever waits for `oncomplete` (idb's `tx.done`) waits for the test's release(), while
 * code that settles on the writes alone goes on. That is the difference between "committed"
 * and "written" a test needs to see.
 */

export interface WatchedTransaction {
  storeNames: string[];
  mode: IDBTransactionMode;
  /** The durability option as the caller passed it; undefined when none was passed. */
  durability: IDBTransactionDurability | undefined;
  /** Its `complete` event reached the listeners. */
  completed: boolean;
  /** Its `complete` event is due and held until release(). */
  held: boolean;
}

export interface TransactionWatchOptions {
  /** Hold the `complete` event of the transactions this accepts until release(). */
  holdComplete?: (transaction: WatchedTransaction) => boolean;
}

export interface TransactionWatch {
  /** Every transaction opened since the watch began, in order. */
  readonly transactions: readonly WatchedTransaction[];
  /** Resolves once `count` transactions are held at `complete`. */
  held(count?: number): Promise<void>;
  /** Dispatch every held `complete` event, in order, and hold no more. */
  release(): void;
  /** release(), then stop watching (IDBDatabase.prototype.transaction as it was). */
  restore(): void;
}

/** Watch the transactions opened on any connection until restore(). */
export function watchTransactions(options: TransactionWatchOptions = {}): TransactionWatch {
  const original = IDBDatabase.prototype.transaction;
  const transactions: WatchedTransaction[] = [];
  let holding = options.holdComplete !== undefined;
  let heldEvents: Array<() => void> = [];
  let heldWaiters: Array<{ count: number; resolve: () => void }> = [];

  const heldCount = () => transactions.filter((t) => t.held).length;
  const wakeHeldWaiters = () => {
    const ready = heldWaiters.filter((w) => heldCount() >= w.count);
    heldWaiters = heldWaiters.filter((w) => heldCount() < w.count);
    for (const w of ready) w.resolve();
  };

  IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<typeof original>) {
    const tx = original.apply(this, args);
    const [storeNames, mode, transactionOptions] = args;
    const watched: WatchedTransaction = {
      storeNames: typeof storeNames === 'string' ? [storeNames] : [...storeNames],
      mode: mode ?? 'readonly',
      durability: transactionOptions?.durability,
      completed: false,
      held: false,
    };
    transactions.push(watched);
    const hold = holding && options.holdComplete!(watched);
    const dispatch = tx.dispatchEvent.bind(tx);
    // fake-indexeddb fires `complete` through this.dispatchEvent(): intercept it per transaction.
    tx.dispatchEvent = (event: Event) => {
      if (event.type !== 'complete') return dispatch(event);
      const deliver = () => {
        watched.held = false;
        watched.completed = true;
        dispatch(event);
      };
      if (!hold || !holding) {
        deliver();
      } else {
        watched.held = true;
        heldEvents.push(deliver);
        wakeHeldWaiters();
      }
      return true;
    };
    return tx;
  } as typeof original;

  const release = () => {
    holding = false;
    const events = heldEvents;
    heldEvents = [];
    for (const deliver of events) deliver();
  };

  return {
    transactions,
    held: (count = 1) => (heldCount() >= count ? Promise.resolve() : new Promise<void>((resolve) => heldWaiters.push({ count, resolve }))),
    release,
    restore: () => {
      release();
      IDBDatabase.prototype.transaction = original;
    },
  };
}

/** Let `count` macrotasks run (timers, fake-indexeddb's event tasks): time for a wrong answer to show. */
export async function letTasksRun(count = 5): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setTimeout(resolve, 0));
}
