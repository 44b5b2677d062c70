/**
 * Incremental file hashes for RFC 5547 a=file-selector `hash:<algorithm>:<hex>` (section 5).
 * WebCrypto has no incremental digest, so @noble/hashes is used (ARCHITECTURE.md section 5).
 */
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { FileHash } from '../../protocol/sdp/index.ts';

export interface IncrementalHash {
  update(bytes: Uint8Array): void;
  /** Lower-case hex digest; the hash cannot be updated afterwards. */
  hex(): string;
}

type Factory = () => { update(b: Uint8Array): unknown; digest(): Uint8Array };

/** Supported algorithms (IANA "Hash Function Textual Names"), strongest first. */
const FACTORIES: ReadonlyArray<readonly [string, Factory]> = [
  ['sha-512', () => sha512.create()],
  ['sha-384', () => sha384.create()],
  ['sha-256', () => sha256.create()],
  ['sha-1', () => sha1.create()],
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

export function createHash(algorithm: string): IncrementalHash {
  const factory = FACTORIES.find(([name]) => name === algorithm.toLowerCase())?.[1];
  if (!factory) throw new RangeError(`Unsupported hash algorithm: ${algorithm}`);
  const h = factory();
  return {
    update: (bytes) => void h.update(bytes),
    hex: () => toHex(h.digest()),
  };
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}
