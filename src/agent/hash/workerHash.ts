/**
 * Incremental hashes computed in a worker: the page's side of hashWorkerProtocol.ts. Each
 * update posts a copy of the bytes (the caller's buffer is still being stored) whose buffer is
 * transferred, so the worker never shares memory with the page.
 *
 * The worker is given hashes only once it has said `ready`; until then, and for good when it
 * has not within `startTimeoutMs`, hashes run in this thread. That matters: a module worker
 * whose imports fail to load (a dev server re-optimizing its dependencies, a Content Security
 * Policy without `worker-src`) may never fire `error`, and a hash sent to it would never come
 * back. A worker that fails later (an `error` event) rejects the digests in progress; a
 * transfer whose worker digest failed is verified again from its stored chunks
 * (IncomingTransfer.digest), so nothing is lost, only time.
 */
import { createHash as createInThreadHash, SUPPORTED_HASHES, type IncrementalHash } from './fileHash.ts';
import type { FromHashWorker, HashPort, ToHashWorker } from './hashWorkerProtocol.ts';

export type HashFactory = (algorithm: string) => IncrementalHash;

/** How long a new worker has to say `ready` before hashing stays in this thread (default). */
export const DEFAULT_WORKER_START_TIMEOUT_MS = 5000;

type WorkerLike = HashPort & { onerror?: ((event: Event) => void) | null; terminate?: () => void };

interface Pending {
  resolve: (hex: string) => void;
  reject: (error: Error) => void;
}

/**
 *   starting --ready--> ready --error / close--> broken
 *      '--start timeout / error / close----------^
 * Only `ready` hands hashes to the worker.
 */
type WorkerState = 'starting' | 'ready' | 'broken';

export class HashWorkerClient {
  private readonly port: WorkerLike;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private state: WorkerState = 'starting';
  private brokenBy: Error | undefined;
  private readonly startTimer: ReturnType<typeof setTimeout>;
  private settleReady!: (ready: boolean) => void;
  /** Resolves true once the worker said `ready`, false if it never will. */
  readonly ready: Promise<boolean>;

  constructor(port: WorkerLike, options: { startTimeoutMs?: number } = {}) {
    this.port = port;
    this.ready = new Promise((resolve) => (this.settleReady = resolve));
    const timeoutMs = options.startTimeoutMs ?? DEFAULT_WORKER_START_TIMEOUT_MS;
    this.startTimer = setTimeout(() => this.breakDown(new Error(`The hash worker did not start within ${timeoutMs} ms`)), timeoutMs);
    port.onmessage = (event) => this.onMessage(event.data as FromHashWorker);
    if ('onerror' in port) port.onerror = () => this.breakDown(new Error('The hash worker failed'));
  }

  /** An incremental hash in the worker once it is ready, else in this thread. */
  create(algorithm: string): IncrementalHash {
    if (this.state !== 'ready') return createInThreadHash(algorithm);
    // The same RangeError as the in-thread factory, before anything is posted.
    if (!SUPPORTED_HASHES.includes(algorithm.toLowerCase())) throw new RangeError(`Unsupported hash algorithm: ${algorithm}`);
    const id = this.nextId++;
    const post = (message: ToHashWorker, transfer?: Transferable[]) => {
      if (this.state === 'ready') this.port.postMessage(message, transfer);
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
        if (this.brokenBy) return Promise.reject(this.brokenBy);
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
  }

  private onMessage(message: FromHashWorker): void {
    if (message.t === 'ready') {
      if (this.state !== 'starting') return;
      clearTimeout(this.startTimer);
      this.state = 'ready';
      this.settleReady(true);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.t === 'hex') pending.resolve(message.hex);
    else pending.reject(new Error(`Hash worker: ${message.message}`));
  }

  private breakDown(error: Error): void {
    if (this.state === 'broken') return;
    this.state = 'broken';
    this.brokenBy = error;
    clearTimeout(this.startTimer);
    this.settleReady(false);
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    this.port.terminate?.();
  }
}

/**
 * The agent's hash factory: a worker when the platform has module workers and may start one,
 * else (Node tests, a page whose policy forbids workers) hashes in this thread. Started with the
 * agent, so it is ready by the time a file arrives (a worker's start takes tens of ms; a file
 * hashed before that is hashed in this thread).
 */
export function startHashWorker(): { create: HashFactory; close: () => void } {
  if (typeof Worker === 'undefined') return { create: createInThreadHash, close: () => undefined };
  let client: HashWorkerClient;
  try {
    const worker = new Worker(new URL('./hashWorker.ts', import.meta.url), { type: 'module', name: 'sip-push-hash' });
    client = new HashWorkerClient(worker as unknown as WorkerLike);
  } catch {
    return { create: createInThreadHash, close: () => undefined };
  }
  return { create: (algorithm) => client.create(algorithm), close: () => client.close() };
}
