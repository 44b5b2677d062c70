import { describe, expect, it } from 'vitest';
import { judge, TOLERANCE, WINDOW_SAMPLES, type Sample } from './verdict.ts';

const MiB = 1024 * 1024;
const sample = (atMs: number, heapUsedBytes: number, descriptors: number): Sample => ({ atMs, heapUsedBytes, descriptors, rssBytes: 100 * MiB, connections: 0, udpFlows: 0, flows: 0 });
/** Warm-up samples (ignored), then a start window at `start`, then an end window at `end`. */
function run(start: { heap: number; fds: number }, end: { heap: number; fds: number }): Sample[] {
  const warmup = [sample(0, 1, 1), sample(30_000, 500 * MiB, 900)];
  const window = (from: number, f: { heap: number; fds: number }) => Array.from({ length: WINDOW_SAMPLES }, (_, i) => sample(from + i * 5000, f.heap, f.fds));
  return [...warmup, ...window(60_000, start), ...window(120_000, end)];
}

describe('judge', () => {
  const small = { heap: 10 * MiB, fds: 80 }; // 10% of 10 MiB is under 2 MiB: 2 MiB applies
  const large = { heap: 40 * MiB, fds: 80 }; // 10% of 40 MiB is 4 MiB
  it.each([
    { what: 'heap at start + 2 MiB (small heap)', start: small, end: { heap: small.heap + TOLERANCE.heapBytes, fds: 80 }, heapFlat: true },
    { what: 'heap one byte past start + 2 MiB', start: small, end: { heap: small.heap + TOLERANCE.heapBytes + 1, fds: 80 }, heapFlat: false },
    { what: 'heap at start + 10% (large heap)', start: large, end: { heap: large.heap * 1.1, fds: 80 }, heapFlat: true },
    { what: 'heap one byte past start + 10%', start: large, end: { heap: large.heap * 1.1 + 1, fds: 80 }, heapFlat: false },
    { what: 'heap lower at the end', start: small, end: { heap: small.heap / 2, fds: 80 }, heapFlat: true },
  ])('$what: heap flat $heapFlat', ({ start, end, heapFlat }) => {
    const v = judge(run(start, end), 60_000);
    expect(v.heapFlat).toBe(heapFlat);
    expect(v.descriptorsFlat).toBe(true);
    expect(v.flat).toBe(heapFlat);
  });

  it.each([
    { fds: 80 + TOLERANCE.descriptors, flat: true },
    { fds: 80 + TOLERANCE.descriptors + 1, flat: false },
  ])('descriptors at $fds against 80 at the start: flat $flat', ({ fds, flat }) => {
    const v = judge(run(small, { heap: small.heap, fds }), 60_000);
    expect(v.descriptorsFlat).toBe(flat);
    expect(v.flat).toBe(flat);
  });

  it('takes medians, so one busy sample in a window does not decide', () => {
    const samples = run(small, small);
    samples[samples.length - 1]!.heapUsedBytes = 100 * MiB;
    samples[samples.length - 1]!.descriptors = 500;
    expect(judge(samples, 60_000)).toMatchObject({ flat: true, end: { heapUsedBytes: small.heap, descriptors: 80 } });
  });

  it('ignores the warm-up', () => {
    expect(judge(run(small, small), 60_000).start).toEqual({ heapUsedBytes: small.heap, descriptors: 80, rssBytes: 100 * MiB });
  });

  it('refuses too few samples after the warm-up', () => {
    expect(() => judge(run(small, small).slice(0, -1), 60_000)).toThrow(RangeError);
  });
});
