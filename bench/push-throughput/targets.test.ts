import { describe, expect, it } from 'vitest';
import type { KindSummary, PushSummary } from './summary.ts';
import { pushTargets } from './targets.ts';

/** A summary that meets every target, with one figure changed. */
function summary(change: { failed?: number; ours?: Partial<KindSummary>; raw?: Partial<KindSummary>; jssip?: Partial<KindSummary> } = {}): PushSummary {
  return {
    kinds: { raw: { rate: 2000, p50Ms: 2, ...change.raw }, jssip: { rate: 1500, p50Ms: 3, ...change.jssip }, ours: { rate: 1600, p50Ms: 3, ...change.ours }, agent: { rate: 1700, p50Ms: 3 } },
    failed: change.failed ?? 0,
  };
}
const missed = (s: PushSummary) => pushTargets(s, 100).filter((t) => !t.ok).map((t) => t.name);

describe('pushTargets', () => {
  it('names each target with its bound', () => {
    expect(pushTargets(summary(), 100).map((t) => t.name)).toEqual([
      'no failed pushes (warm-up, throughput and latency, every kind and round)',
      'ours >= 1000 durably stored pushes/s',
      'ours >= 70% of raw',
      'ours above bare JsSIP',
      'p50 at 100/s within 2x raw',
    ]);
    expect(missed(summary())).toEqual([]);
  });

  it.each([
    { target: 'no failed pushes (warm-up, throughput and latency, every kind and round)', atBound: summary({ failed: 0 }), pastIt: summary({ failed: 1 }) },
    { target: 'ours >= 1000 durably stored pushes/s', atBound: summary({ ours: { rate: 1000 }, raw: { rate: 1400 }, jssip: { rate: 900 } }), pastIt: summary({ ours: { rate: 999 }, raw: { rate: 1400 }, jssip: { rate: 900 } }) },
    { target: 'ours >= 70% of raw', atBound: summary({ ours: { rate: 1400 }, jssip: { rate: 1300 } }), pastIt: summary({ ours: { rate: 1399 }, jssip: { rate: 1300 } }) },
    { target: 'ours above bare JsSIP', atBound: summary({ jssip: { rate: 1599 } }), pastIt: summary({ jssip: { rate: 1600 } }) },
    { target: 'p50 at 100/s within 2x raw', atBound: summary({ ours: { p50Ms: 4 } }), pastIt: summary({ ours: { p50Ms: 4.01 } }) },
  ])('$target: holds at its bound, missed one past it', ({ target, atBound, pastIt }) => {
    expect(missed(atBound)).toEqual([]);
    expect(missed(pastIt)).toEqual([target]);
  });

  it('misses latency when no latency push succeeded (p50 NaN)', () => {
    expect(missed(summary({ ours: { p50Ms: NaN } }))).toEqual(['p50 at 100/s within 2x raw']);
  });

  it.each([
    { without: 'raw', missed: ['ours >= 70% of raw', 'p50 at 100/s within 2x raw'] },
    { without: 'jssip', missed: ['ours above bare JsSIP'] },
    { without: 'ours', missed: ['ours >= 1000 durably stored pushes/s', 'ours >= 70% of raw', 'ours above bare JsSIP', 'p50 at 100/s within 2x raw'] },
  ] as const)('misses, never skips, what needs $without', ({ without, missed: names }) => {
    const s = summary();
    delete s.kinds[without];
    const targets = pushTargets(s, 100);
    expect(targets.filter((t) => !t.ok).map((t) => t.name)).toEqual(names);
    expect(targets.find((t) => !t.ok)!.value).toBe(`not measured (no ${without} among --kinds)`);
  });
});
