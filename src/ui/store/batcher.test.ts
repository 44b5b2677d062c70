import { describe, expect, it, vi } from 'vitest';
import { manualScheduler } from '../../testing/manualScheduler.ts';
import { createBatcher, frameScheduler, throttledFrameScheduler } from './batcher.ts';

describe('createBatcher', () => {
  it('delivers a burst once, on the next tick, in order', () => {
    const clock = manualScheduler();
    const delivered: number[][] = [];
    const b = createBatcher<number>((items) => delivered.push(items), clock.schedule);
    for (let i = 0; i < 500; i++) b.add(i);
    expect(delivered).toEqual([]);
    expect(clock.scheduled).toBe(1);
    expect(b.pending).toBe(500);
    clock.tick();
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('schedules again after a tick', () => {
    const clock = manualScheduler();
    const delivered: string[][] = [];
    const b = createBatcher<string>((items) => delivered.push(items), clock.schedule);
    b.add('a');
    clock.tick();
    b.add('b');
    b.add('c');
    clock.tick();
    expect(delivered).toEqual([['a'], ['b', 'c']]);
  });

  it('does not schedule or deliver with nothing pending', () => {
    const clock = manualScheduler();
    let calls = 0;
    const b = createBatcher<number>(() => calls++, clock.schedule);
    b.flush();
    clock.tick();
    expect(calls).toBe(0);
    expect(clock.scheduled).toBe(0);
  });

  it('flush delivers now and cancels the scheduled tick', () => {
    const clock = manualScheduler();
    const delivered: number[][] = [];
    const b = createBatcher<number>((items) => delivered.push(items), clock.schedule);
    b.add(1);
    b.flush();
    expect(delivered).toEqual([[1]]);
    expect(clock.scheduled).toBe(0);
    b.add(2);
    expect(clock.scheduled).toBe(1);
  });

  it('dispose drops pending items and ignores later ones', () => {
    const clock = manualScheduler();
    let calls = 0;
    const b = createBatcher<number>(() => calls++, clock.schedule);
    b.add(1);
    b.dispose();
    b.add(2);
    clock.tick();
    b.flush();
    expect(calls).toBe(0);
  });
});

describe('frameScheduler', () => {
  it('falls back to a timeout when no animation frame comes (hidden tab, or no DOM)', () => {
    vi.useFakeTimers();
    try {
      let runs = 0;
      frameScheduler(100)(() => runs++);
      vi.advanceTimersByTime(99);
      expect(runs).toBe(0);
      vi.advanceTimersByTime(1);
      expect(runs).toBe(1);
      vi.advanceTimersByTime(1000);
      expect(runs).toBe(1);
      const cancel = frameScheduler(100)(() => runs++);
      cancel();
      vi.advanceTimersByTime(1000);
      expect(runs).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('runs once on the first animation frame and not again at the timeout', () => {
    vi.useFakeTimers();
    const frames: Array<() => void> = [];
    vi.stubGlobal('requestAnimationFrame', (cb: () => void) => frames.push(cb));
    vi.stubGlobal('cancelAnimationFrame', () => {});
    try {
      let runs = 0;
      frameScheduler(100)(() => runs++);
      frames[0]!();
      expect(runs).toBe(1);
      vi.advanceTimersByTime(1000);
      expect(runs).toBe(1);
    } finally {
      vi.unstubAllGlobals();
      vi.useRealTimers();
    }
  });
});

describe('throttledFrameScheduler', () => {
  it('delivers at most once per interval, on a frame', () => {
    vi.useFakeTimers();
    const frames: Array<() => void> = [];
    vi.stubGlobal('requestAnimationFrame', (cb: () => void) => frames.push(cb));
    vi.stubGlobal('cancelAnimationFrame', () => {});
    let t = 1000;
    const schedule = throttledFrameScheduler(100, 250, () => t);
    const runs: number[] = [];
    schedule(() => runs.push(t));
    expect(frames).toHaveLength(1); // first delivery: straight to the next frame
    frames.shift()!();
    expect(runs).toEqual([1000]);
    t = 1010;
    schedule(() => runs.push(t));
    expect(frames).toHaveLength(0); // 90 ms left of the interval
    t = 1100;
    vi.advanceTimersByTime(90);
    expect(frames).toHaveLength(1);
    frames.shift()!();
    expect(runs).toEqual([1000, 1100]);
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });
});
