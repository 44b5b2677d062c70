import { describe, expect, it } from 'vitest';
import { createBatcher } from './batcher.ts';

describe('batcher (group commit)', () => {
  it('items of one tick share a batch; items added while it is written form the next; results go back in order', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = createBatcher<number, string>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await gate;
      return items.map((i) => (i === 3 ? new Error('three refused') : `ok ${i}`));
    }, 10);
    const first = [1, 2, 3].map((i) => batcher.add(i).catch((e: Error) => e.message));
    await new Promise((r) => setImmediate(r));
    const second = [4, 5].map((i) => batcher.add(i));
    expect(batcher.pending).toBe(5);
    release();
    expect(await Promise.all(first)).toEqual(['ok 1', 'ok 2', 'three refused']);
    expect(await Promise.all(second)).toEqual(['ok 4', 'ok 5']);
    expect(batches).toEqual([[1, 2, 3], [4, 5]]);
    expect(batcher.pending).toBe(0);
  });

  it('never puts more than maxBatch items in one batch; a run that throws fails its batch only', async () => {
    const sizes: number[] = [];
    const batcher = createBatcher<number, number>(async (items) => {
      sizes.push(items.length);
      if (items.includes(0)) throw new Error('database away');
      return items;
    }, 2);
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map((i) => batcher.add(i)));
    expect(sizes).toEqual([2, 2, 1]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
  });

  it('refuses a maxBatch below 1', () => {
    expect(() => createBatcher(async () => [], 0)).toThrow(/maxBatch must be a positive integer/);
  });
});
