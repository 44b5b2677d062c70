/**
 * The messages between the agent and its hash worker (hashWorker.ts), and the worker's side of
 * them. Hashing a large file is the biggest cost on the page's main thread while storing (see
 * fileHash.ts); in a worker it runs beside the page instead. Pure message handling: the worker
 * entry and the Node tests wire it to a real Worker or a MessageChannel port.
 */
import { createHash, type IncrementalHash } from './fileHash.ts';

export type ToHashWorker =
  | { t: 'new'; id: number; algorithm: string }
  /** Bytes to add, a buffer of their own (transferred, not copied). */
  | { t: 'update'; id: number; bytes: ArrayBuffer }
  | { t: 'end'; id: number }
  | { t: 'drop'; id: number };

export type FromHashWorker =
  /** Sent once, when the worker's module graph has loaded: only then is it given hashes. */
  | { t: 'ready' }
  | { t: 'hex'; id: number; hex: string }
  | { t: 'error'; id: number; message: string };

/** What both a Worker (page side), the worker's global scope and a MessagePort have. */
export interface HashPort {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent) => void) | null;
}

/** The worker's side: says `ready`, then one incremental hash per ID; errors are answered, never thrown. */
export function serveHashes(port: HashPort): void {
  const hashes = new Map<number, IncrementalHash>();
  const fail = (id: number, error: unknown) => {
    hashes.delete(id);
    port.postMessage({ t: 'error', id, message: error instanceof Error ? error.message : String(error) } satisfies FromHashWorker);
  };
  port.onmessage = (event) => {
    const message = event.data as ToHashWorker;
    try {
      switch (message.t) {
        case 'new':
          hashes.set(message.id, createHash(message.algorithm));
          return;
        case 'update': {
          const hash = hashes.get(message.id);
          if (!hash) throw new Error(`No hash ${message.id}`);
          hash.update(new Uint8Array(message.bytes));
          return;
        }
        case 'end': {
          const hash = hashes.get(message.id);
          if (!hash) throw new Error(`No hash ${message.id}`);
          hashes.delete(message.id);
          hash.hex().then(
            (hex) => port.postMessage({ t: 'hex', id: message.id, hex } satisfies FromHashWorker),
            (error: unknown) => fail(message.id, error),
          );
          return;
        }
        case 'drop':
          hashes.delete(message.id);
          return;
      }
    } catch (error) {
      fail(message.id, error);
    }
  };
  port.postMessage({ t: 'ready' } satisfies FromHashWorker);
}
