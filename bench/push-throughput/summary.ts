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
