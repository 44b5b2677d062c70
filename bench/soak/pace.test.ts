import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pace } from './pace.ts';

describe('pace', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('starts one task per interval, never more than maxInFlight at once, skipping (not queueing) the rest', async () => {
    const finishers: Array<() => void> = [];
    const run = pace({ everyMs: 100, maxInFlight: 2 }, () => new Promise<void>((resolve) => finishers.push(resolve)), () => undefined);
    await vi.advanceTimersByTimeAsync(500);
    expect([run.started, run.skipped]).toEqual([2, 3]);
    finishers.shift()!();
    await vi.advanceTimersByTimeAsync(100);
    expect([run.started, run.skipped]).toEqual([3, 3]);
    const stopped = run.stop();
    finishers.splice(0).forEach((finish) => finish());
    await stopped;
    await vi.advanceTimersByTimeAsync(1000);
    expect(run.started).toBe(3);
  });

  it('hands a failed task to onError and goes on', async () => {
    const errors: unknown[] = [];
    const run = pace({ everyMs: 10, maxInFlight: 1 }, () => Promise.reject(new Error('refused')), (e) => errors.push(e));
    await vi.advanceTimersByTimeAsync(30);
    await run.stop();
    expect(errors).toHaveLength(3);
  });
});
