/**
 * Incremental file hashes for RFC 5547 a=file-selector `hash:<algorithm>:<hex>` (section 5).
 *
 * WebCrypto has no incremental digest, and the file is never held whole, so the hash is fed
 * chunk by chunk. hash-wasm (WebAssembly, no dependencies) does it at about 2.5 times the speed
 * of a JavaScript implementation: on a receiver that stores at tens of MB/s the hash is the
 * largest single cost on the page's main thread (bench/msrp-throughput --profile).
 *
 * A WebAssembly hasher is created asynchronously; `createHash` returns at once and queues the
 * chunks of the first few milliseconds (views, not copies) until its hasher is ready.
 * hash-wasm itself is loaded on the first hash (a dynamic import): most pages never receive a
 * file, and the embeddable widget should not carry its 20 kB (gzip) up front.
 */
import type { IHasher } from 'hash-wasm';
import type { FileHash } from '../../protocol/sdp/index.ts';

export interface IncrementalHash {
  update(bytes: Uint8Array): void;
  /** Lower-case hex digest; the hash cannot be updated afterwards. */
  hex(): Promise<string>;
  /** Give up on this hash (a failed transfer): frees what it holds. */
  abort(): void;
}

/** Supported algorithms (IANA "Hash Function Textual Names"), strongest first. */
const FACTORIES: ReadonlyArray<readonly [string, () => Promise<IHasher>]> = [
  ['sha-512', async () => (await import('hash-wasm')).createSHA512()],
  ['sha-384', async () => (await import('hash-wasm')).createSHA384()],
  ['sha-256', async () => (await import('hash-wasm')).createSHA256()],
  ['sha-1', async () => (await import('hash-wasm')).createSHA1()],
];

export const SUPPORTED_HASHES: readonly string[] = FACTORIES.map(([name]) => name);

/** The hash of a file-selector to verify: the strongest supported one, or undefined. */
export function pickHash(hashes: readonly FileHash[]): FileHash | undefined {
  for (const [name] of FACTORIES) {
    const found = hashes.find((h) => h.algorithm.toLowerCase() === name);
    if (found) return { algorithm: name, hex: found.hex.toLowerCase() };
  }
  return undefined;
}

/** An in-thread hash; `ready` settles once its WebAssembly hasher exists (updates before it are queued). */
export function createHash(algorithm: string): IncrementalHash & { ready: Promise<void> } {
  const factory = FACTORIES.find(([name]) => name === algorithm.toLowerCase())?.[1];
  if (!factory) throw new RangeError(`Unsupported hash algorithm: ${algorithm}`);
  let hasher: IHasher | undefined;
  let queued: Uint8Array[] = [];
  const ready = factory().then((h) => {
    h.init();
    for (const bytes of queued) h.update(bytes);
    queued = [];
    hasher = h;
    return h;
  });
  let finished = false;
  return {
    ready: ready.then(() => undefined),
    update(bytes) {
      if (finished) throw new Error('Hash already finished');
      if (hasher) hasher.update(bytes);
      else queued.push(bytes);
    },
    async hex() {
      finished = true;
      return (await ready).digest('hex');
    },
    abort() {
      finished = true;
      queued = [];
    },
  };
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
