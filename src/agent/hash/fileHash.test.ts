import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { createHash, pickHash, SUPPORTED_HASHES, toHex } from './fileHash.ts';

const abc = new TextEncoder().encode('abc');

describe('createHash (hash-wasm)', () => {
  // FIPS 180 test vectors for "abc".
  it.each([
    ['sha-1', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['sha-256', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['sha-384', 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7'],
    ['SHA-512', 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f'],
  ])('%s of "abc"', async (algorithm, hex) => {
    const h = createHash(algorithm);
    h.update(abc);
    expect(await h.hex()).toBe(hex);
  });

  it('fed in slices (queued before the WebAssembly hasher is ready, then directly) equals the one-shot digest', async () => {
    const data = new Uint8Array(300_000).map((_, i) => (i * 31) & 0xff);
    const refs = { 'sha-1': sha1, 'sha-256': sha256, 'sha-384': sha384, 'sha-512': sha512 } as const;
    for (const algorithm of SUPPORTED_HASHES) {
      const h = createHash(algorithm);
      h.update(data.subarray(0, 1000)); // queued: the hasher is not ready yet
      await h.ready; // from here on, updates go straight to the hasher
      for (let at = 1000; at < data.length; at += 61_440) h.update(data.subarray(at, at + 61_440));
      expect(await h.hex()).toBe(toHex(refs[algorithm as keyof typeof refs](data)));
    }
  });

  it('refuses unknown algorithms and updates after the digest', async () => {
    expect(() => createHash('md5')).toThrow(/Unsupported hash algorithm: md5/);
    const h = createHash('sha-256');
    await h.hex();
    expect(() => h.update(abc)).toThrow(/already finished/);
  });

  it('pickHash takes the strongest supported hash of a file-selector', () => {
    expect(pickHash([{ algorithm: 'sha-1', hex: 'AA' }, { algorithm: 'SHA-256', hex: 'BB' }, { algorithm: 'md5', hex: 'CC' }])).toEqual({ algorithm: 'sha-256', hex: 'bb' });
    expect(pickHash([{ algorithm: 'md5', hex: 'CC' }])).toBeUndefined();
  });
});
