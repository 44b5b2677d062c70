/** Helpers shared by the agent's storage, intake and dispatch tests (not part of the bundle). */
import type { NewPush } from '../agent/store/pushStore.ts';
import { watchTransactions, type WatchedTransaction } from './idbTransactions.ts';

let dbCounter = 0;

/** A database name no other test uses (fake-indexeddb keeps databases per process). */
export function uniqueDbName(label = 'test'): string {
  return `${label}-${Date.now()}-${++dbCounter}`;
}

let pushCounter = 0;

export function newPush(overrides: Partial<NewPush> = {}): NewPush {
  const n = ++pushCounter;
  const content = new TextEncoder().encode(`push ${n}`);
  return {
    appId: 'news.ua',
    from: 'sip:psa@example.com',
    to: 'sip:alice@example.com',
    contentType: 'text/plain',
    content,
    size: content.length,
    receivedAt: 1_700_000_000_000 + n,
    via: 'message',
    dedupKey: `sip:call-${n}:1`,
    ...overrides,
  };
}

/** A promise with its resolve function, to hold a gate open in tests. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Count readwrite transactions opened on any IndexedDB connection until restore() is called. */
export function countReadwriteTransactions(): { readonly count: number; restore: () => void } {
  const watch = watchTransactions();
  return {
    get count() {
      return watch.transactions.filter((t) => t.mode === 'readwrite').length;
    },
    restore: () => watch.restore(),
  };
}

/** A readwrite transaction on the pushes store: what commitBatch (and markDispatched) open. */
export function isPushWrite(transaction: WatchedTransaction): boolean {
  return transaction.mode === 'readwrite' && transaction.storeNames.includes('pushes');
}
