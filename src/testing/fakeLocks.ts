/**
 * An in-memory Web Locks API (exclusive mode only) for unit tests of the tab group: one
 * shared lock table, one client per simulated tab. `crash()` frees everything a client
 * holds or waits for without running its code, as the browser does when a tab dies.
 */
import type { LockManagerLike } from '../agent/tabs/locks.ts';

interface Waiter {
  client: number;
  grant: () => void;
  cancel: () => void;
}

export interface FakeLockClient extends LockManagerLike {
  /** The tab died: its locks are released, its queued requests dropped. */
  crash(): void;
}

export function createFakeLocks(): { client(): FakeLockClient; held(): string[] } {
  const holders = new Map<string, { client: number; release: () => void }>();
  const queues = new Map<string, Waiter[]>();
  let clients = 0;

  const grantNext = (name: string) => {
    const queue = queues.get(name);
    const next = queue?.shift();
    if (next) next.grant();
  };

  return {
    held: () => [...holders.keys()],
    client() {
      const id = ++clients;
      const manager: FakeLockClient = {
        request(name, options, callback) {
          return new Promise((resolve, reject) => {
            const run = () => {
              let released = false;
              const release = () => {
                if (released) return;
                released = true;
                if (holders.get(name)?.client === id) holders.delete(name);
                grantNext(name);
              };
              holders.set(name, { client: id, release });
              Promise.resolve()
                .then(() => callback({ name }))
                .then(
                  (value) => {
                    release();
                    resolve(value);
                  },
                  (error: unknown) => {
                    release();
                    reject(error);
                  },
                );
            };
            if (!holders.has(name)) return run();
            if (options.ifAvailable) {
              Promise.resolve()
                .then(() => callback(null))
                .then(resolve, reject);
              return;
            }
            const waiter: Waiter = {
              client: id,
              grant: run,
              cancel: () => reject(new DOMException('The request was aborted', 'AbortError')),
            };
            const queue = queues.get(name) ?? [];
            queue.push(waiter);
            queues.set(name, queue);
            options.signal?.addEventListener('abort', () => {
              const list = queues.get(name) ?? [];
              const at = list.indexOf(waiter);
              if (at >= 0) {
                list.splice(at, 1);
                waiter.cancel();
              }
            });
          });
        },
        async query() {
          const pending = [...queues.entries()].flatMap(([name, list]) => list.map(() => ({ name })));
          return { held: [...holders.keys()].map((name) => ({ name })), pending };
        },
        crash() {
          for (const [name, list] of queues) queues.set(name, list.filter((w) => w.client !== id));
          for (const holder of [...holders.values()]) if (holder.client === id) holder.release();
        },
      };
      return manager;
    },
  };
}
