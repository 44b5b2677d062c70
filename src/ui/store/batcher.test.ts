import { describe, expect, it } from 'vitest';
import { manualScheduler } from '../testing/manualScheduler.ts';
import { createBatcher } from './batcher.ts';

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
