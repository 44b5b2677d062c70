/**
 * Rounds reduced to one figure per kind (a true median over rounds, see ../check/median.ts),
 * and latency taken over the pushes that succeeded: a failed push's time is how long it took
 * to fail, not how long a push takes to be stored.
 */
import { median } from '../check/median.ts';
import type { Kind } from './options.ts';

/** What the summary reads of one round. */
export interface RoundFigures {
  kind: Kind;
  /** Pushes answered 2xx per second, closed loop. */
  rate: number;
  /** Latency percentiles of the succeeded pushes at the fixed rate (NaN: none succeeded). */
  p50Ms: number;
  /** Pushes that did not get a 2xx (warm-up, throughput and latency runs together). */
  failed: number;
}

export interface KindSummary {
  rate: number;
  p50Ms: number;
}

export interface PushSummary {
  kinds: Partial<Record<Kind, KindSummary>>;
  /** Every failed push of the run. */
  failed: number;
}

export function summarize(results: readonly RoundFigures[], kinds: readonly Kind[]): PushSummary {
  const summaries: Partial<Record<Kind, KindSummary>> = {};
  for (const kind of kinds) {
    const rounds = results.filter((r) => r.kind === kind);
    if (rounds.length > 0) summaries[kind] = { rate: median(rounds.map((r) => r.rate)), p50Ms: median(rounds.map((r) => r.p50Ms)) };
  }
  return { kinds: summaries, failed: results.reduce((sum, r) => sum + r.failed, 0) };
}

/** The latencies of the pushes that succeeded; `succeeded[i]` is push i's outcome. */
export function succeededLatencies(latenciesMs: readonly number[], succeeded: readonly boolean[]): number[] {
  return latenciesMs.filter((_, i) => succeeded[i] === true);
}

/** One comparison of two kinds: ratios of their medians (rate: higher is faster; p50: higher is slower). */
export interface KindRatio {
  rate: number;
  p50: number;
}

/**
 * The trace's cost (issue 11 item 3): the client with the taps in and the panel closed (ours)
 * against the same client built without them (notap), and the panel open (trace) against
 * closed. Each present only when both kinds were measured.
 */
export interface TraceCost {
  closedVsNoTap?: KindRatio;
  openVsClosed?: KindRatio;
}

export function traceCost(summary: PushSummary): TraceCost {
  const { ours, notap, trace } = summary.kinds;
  const ratio = (a: KindSummary, b: KindSummary): KindRatio => ({ rate: a.rate / b.rate, p50: a.p50Ms / b.p50Ms });
  const cost: TraceCost = {};
  if (ours && notap) cost.closedVsNoTap = ratio(ours, notap);
  if (trace && ours) cost.openVsClosed = ratio(trace, ours);
  return cost;
}
