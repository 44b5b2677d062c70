/**
 * The targets of issue 4 that `--check` holds the summary to, exactly as run.ts's header
 * states them:
 *   - ours' median MB/s >= 80% of raw's median MB/s at the largest size measured;
 *   - ours' JS heap growth (V8 heap, peak minus baseline) < 64 MB at every size, worst round;
 *   - ours' live JS memory growth (V8 heap plus ArrayBuffer backing stores, sampled right after
 *     a forced GC, peak minus baseline) < 64 MB at every size, worst round.
 * A figure that was not measured is a missed target, never a skipped one.
 */
import type { Target } from '../check/target.ts';
import type { SizeSummary } from './summary.ts';
import { MB, mb } from './units.ts';

export const TARGET_RATIO = 0.8;
export const TARGET_GROWTH_BYTES = 64 * MB;

const notMeasured = (kind: string) => `not measured (no ${kind} among --kinds)`;

export function msrpTargets(summary: readonly SizeSummary[]): Target[] {
  if (summary.length === 0) return [{ name: 'any size measured', ok: false, value: 'none' }];
  const targets: Target[] = [];
  const largest = summary.reduce((a, b) => (b.sizeMB > a.sizeMB ? b : a));
  const { ours, raw } = largest.kinds;
  const ratioName = `ours >= ${TARGET_RATIO * 100}% of raw at ${largest.sizeMB} MB (median MB/s)`;
  if (!ours || !raw) targets.push({ name: ratioName, ok: false, value: notMeasured(ours ? 'raw' : 'ours') });
  else {
    const ratio = ours.mbps / raw.mbps;
    targets.push({ name: ratioName, ok: ratio >= TARGET_RATIO, value: `${(ratio * 100).toFixed(1)}% (${ours.mbps.toFixed(1)} vs ${raw.mbps.toFixed(1)} MB/s)` });
  }
  for (const s of summary) {
    const growth = s.kinds.ours?.growth;
    const heapName = `ours JS heap growth < ${mb(TARGET_GROWTH_BYTES)} at ${s.sizeMB} MB, worst round`;
    const liveName = `ours live JS memory growth (heap + array buffers after GC) < ${mb(TARGET_GROWTH_BYTES)} at ${s.sizeMB} MB, worst round`;
    if (!growth) {
      targets.push({ name: heapName, ok: false, value: notMeasured('ours') }, { name: liveName, ok: false, value: notMeasured('ours') });
      continue;
    }
    targets.push({ name: heapName, ok: growth.heap < TARGET_GROWTH_BYTES, value: mb(growth.heap) });
    targets.push({ name: liveName, ok: growth.live < TARGET_GROWTH_BYTES, value: mb(growth.live) });
  }
  return targets;
}
