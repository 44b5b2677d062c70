import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it, vi } from 'vitest';
import { toHex } from './fileHash.ts';
import { serveHashes, type HashPort } from './hashWorkerProtocol.ts';
import { HashWorkerClient, startHashWorker } from './workerHash.ts';

/** The client and the worker's side over a real MessageChannel (structured clone, transfers). */
async function channel(): Promise<{ client: HashWorkerClient; close: () => void }> {
  const { port1, port2 } = new MessageChannel();
  const client = new HashWorkerClient(port1 as unknown as HashPort);
  serveHashes(port2 as unknown as HashPort);
  expect(await client.ready).toBe(true);
  return {
    client,
    close: () => {
      port1.close();
      port2.close();
    },
  };
}

const data = new Uint8Array(200_000).map((_, i) => (i * 7 + 3) & 0xff);

describe('HashWorkerClient over hashWorkerProtocol', () => {
  it('hashes in the worker: interleaved hashes, each equal to the one-shot digest; the caller keeps its bytes', async () => {
    const { client, close } = await channel();
    try {
      const a = client.create('sha-256');
      const b = client.create('SHA-512');
      for (let at = 0; at < data.length; at += 61_440) {
        const slice = data.subarray(at, at + 61_440);
        a.update(slice);
        b.update(slice);
        expect(slice.byteLength).toBeGreaterThan(0); // copied, not detached
      }
      expect(await Promise.all([a.hex(), b.hex()])).toEqual([toHex(sha256(data)), toHex(sha512(data))]);
      expect(data[199_999]).toBe((199_999 * 7 + 3) & 0xff);
    } finally {
      close();
    }
  });

  it('refuses an unknown algorithm at once, updates after the digest, and forgets aborted hashes', async () => {
    const { client, close } = await channel();
    try {
      expect(() => client.create('md5')).toThrow(/Unsupported hash algorithm: md5/);
      const dropped = client.create('sha-256');
      dropped.update(data.subarray(0, 10));
      dropped.abort();
      expect(() => dropped.update(data)).toThrow(/already finished/);
      const h = client.create('sha-256');
      await h.hex();
      expect(() => h.update(data)).toThrow(/already finished/);
    } finally {
      close();
    }
  });

  it('a failed worker rejects the digests in progress, then hands out in-thread hashes', async () => {
    const posted: unknown[] = [];
    const port = { postMessage: (m: unknown) => void posted.push(m), onmessage: null as ((e: MessageEvent) => void) | null, onerror: null as ((e: Event) => void) | null, terminate: vi.fn() };
    const client = new HashWorkerClient(port);
    port.onmessage!(new MessageEvent('message', { data: { t: 'ready' } }));
    expect(await client.ready).toBe(true);
    const inProgress = client.create('sha-256');
    inProgress.update(data);
    const digest = inProgress.hex();
    expect(posted.map((m) => (m as { t: string }).t)).toEqual(['new', 'update', 'end']);
    port.onerror!(new Event('error'));
    await expect(digest).rejects.toThrow('The hash worker failed');
    expect(port.terminate).toHaveBeenCalledTimes(1);
    const next = client.create('sha-256');
    next.update(data);
    expect(await next.hex()).toBe(toHex(sha256(data)));
    expect(posted).toHaveLength(3); // nothing more went to the failed worker
  });

  it('a worker that never says ready is never given a hash: in-thread until, and after, startTimeoutMs', async () => {
    const posted: unknown[] = [];
    const port = { postMessage: (m: unknown) => void posted.push(m), onmessage: null, terminate: vi.fn() };
    const client = new HashWorkerClient(port, { startTimeoutMs: 30 });
    const early = client.create('sha-256');
    early.update(data);
    expect(await early.hex()).toBe(toHex(sha256(data)));
    expect(await client.ready).toBe(false); // settles when the start timeout fires
    expect(port.terminate).toHaveBeenCalledTimes(1);
    const late = client.create('sha-256');
    late.update(data);
    expect(await late.hex()).toBe(toHex(sha256(data)));
    expect(posted).toEqual([]);
  });

  it('without Worker (Node) the factory hashes in this thread', async () => {
    const factory = startHashWorker();
    const h = factory.create('sha-256');
    h.update(data);
    expect(await h.hex()).toBe(toHex(sha256(data)));
    factory.close();
  });
});
