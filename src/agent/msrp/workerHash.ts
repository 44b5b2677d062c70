/**
 * Incremental hashes computed in a worker: the page's side of hashWorkerProtocol.ts. Each
 * update posts a copy of the bytes (the caller's buffer is still being stored) whose buffer is
 * transferred, so the worker never shares memory with the page.
 *
 * A worker that fails (it cannot load, e.g. a Content Security Policy without `worker-src`, or
 * it crashes) rejects the digests in progress, and the client then hands out in-thread hashes:
 * a transfer whose worker digest failed is verified again from its stored chunks
 * (IncomingTransfer.digest), so nothing is lost, only time.
 */
import { createHash as createInThreadHash, SUPPORTED_HASHES, type IncrementalHash } from './fileHash.ts';
import type { FromHashWorker, HashPort, ToHashWorker } from './hashWorkerProtocol.ts';

export type HashFactory = (algorithm: string) => IncrementalHash;

interface Pending {
  resolve: (hex: string) => void;
  reject: (error: Error) => void;
}

export class HashWorkerClient {
  private readonly port: HashPort & { onerror?: ((event: Event) => void) | null; terminate?: () => void };
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private broken: Error | undefined;

  constructor(port: HashPort & { onerror?: ((event: Event) => void) | null; terminate?: () => void }) {
    this.port = port;
    port.onmessage = (event) => this.onMessage(event.data as FromHashWorker);
    if ('onerror' in port) port.onerror = () => this.breakDown(new Error('The hash worker failed'));
  }

  /** An incremental hash in the worker, or in this thread once the worker has failed. */
  create(algorithm: string): IncrementalHash {
    if (this.broken) return createInThreadHash(algorithm);
    // The same RangeError as the in-thread factory, before anything is posted.
    if (!SUPPORTED_HASHES.includes(algorithm.toLowerCase())) throw new RangeError(`Unsupported hash algorithm: ${algorithm}`);
    const id = this.nextId++;
    const post = (message: ToHashWorker, transfer?: Transferable[]) => {
      if (!this.broken) this.port.postMessage(message, transfer);
    };
    post({ t: 'new', id, algorithm });
    let finished = false;
    return {
      update: (bytes) => {
        if (finished) throw new Error('Hash already finished');
        const copy = bytes.slice();
        post({ t: 'update', id, bytes: copy.buffer }, [copy.buffer]);
      },
      hex: () => {
        finished = true;
        if (this.broken) return Promise.reject(this.broken);
        const result = new Promise<string>((resolve, reject) => this.pending.set(id, { resolve, reject }));
        post({ t: 'end', id });
        return result;
      },
      abort: () => {
        finished = true;
        post({ t: 'drop', id });
      },
    };
  }

  close(): void {
    this.breakDown(new Error('The hash worker was closed'));
    this.port.terminate?.();
  }

  private onMessage(message: FromHashWorker): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.t === 'hex') pending.resolve(message.hex);
    else pending.reject(new Error(`Hash worker: ${message.message}`));
  }

  private breakDown(error: Error): void {
    if (this.broken) return;
    this.broken = error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}

/**
 * The agent's hash factory: a worker when the platform has module workers and may start one,
 * else (Node tests, a page whose policy forbids workers) hashes in this thread. The worker is
 * started by the first hash, so an agent that never receives a file never starts one.
 */
export function startHashWorker(): { create: HashFactory; close: () => void } {
  let factory: HashFactory | undefined;
  let client: HashWorkerClient | undefined;
  const start = (): HashFactory => {
    if (typeof Worker === 'undefined') return createInThreadHash;
    try {
      const worker = new Worker(new URL('./hashWorker.ts', import.meta.url), { type: 'module', name: 'sip-push-hash' });
      const started = new HashWorkerClient(worker as unknown as HashPort);
      client = started;
      return (algorithm) => started.create(algorithm);
    } catch {
      return createInThreadHash;
    }
  };
  return {
    create: (algorithm) => (factory ??= start())(algorithm),
    close: () => client?.close(),
  };
}
