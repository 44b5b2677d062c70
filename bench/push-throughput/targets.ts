/**
 * The targets of issue 2 that `--check` holds the summary to, exactly as run.ts's header
 * states them. A figure that was not measured is a missed target, never a skipped one.
 */
import type { Target } from '../check/target.ts';
import type { Kind } from './options.ts';
import type { KindSummary, PushSummary } from './summary.ts';

export const TARGET_RATE = 1000;
export const TARGET_RATIO_TO_RAW = 0.7;
export const TARGET_LATENCY_RATIO = 2;

/** `rate`: the pushes per second of the latency run, named in its target. */
export function pushTargets(summary: PushSummary, rate: number): Target[] {
  const { ours } = summary.kinds;
  /** A target on ours' figures, against another kind's when `baseline` is given. */
  const target = (name: string, baseline: Kind | undefined, measure: (ours: KindSummary, other: KindSummary) => Omit<Target, 'name'>): Target => {
    const other = baseline === undefined ? ours : summary.kinds[baseline];
    if (!ours || !other) return { name, ok: false, value: `not measured (no ${ours ? baseline : 'ours'} among --kinds)` };
    return { name, ...measure(ours, other) };
  };
  return [
    { name: 'no failed pushes (warm-up, throughput and latency, every kind and round)', ok: summary.failed === 0, value: `${summary.failed} failed` },
    target(`ours >= ${TARGET_RATE} durably stored pushes/s`, undefined, (o) => ({ ok: o.rate >= TARGET_RATE, value: `${o.rate.toFixed(0)}/s` })),
    target(`ours >= ${TARGET_RATIO_TO_RAW * 100}% of raw`, 'raw', (o, raw) => ({ ok: o.rate / raw.rate >= TARGET_RATIO_TO_RAW, value: `${((o.rate / raw.rate) * 100).toFixed(0)}%` })),
    target('ours above bare JsSIP', 'jssip', (o, jssip) => ({ ok: o.rate / jssip.rate > 1, value: `${(o.rate / jssip.rate).toFixed(2)}x` })),
    target(`p50 at ${rate}/s within ${TARGET_LATENCY_RATIO}x raw`, 'raw', (o, raw) => ({
      ok: o.p50Ms / raw.p50Ms <= TARGET_LATENCY_RATIO,
      value: `${(o.p50Ms / raw.p50Ms).toFixed(2)}x (${o.p50Ms.toFixed(2)} vs ${raw.p50Ms.toFixed(2)} ms)`,
    })),
  ];
}
