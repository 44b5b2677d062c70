/**
 * One path's round reduced to its figures, and the rounds to one figure per path (a true
 * median over rounds, ../check/median.ts). Both paths are timed over the same span: from the
 * first push sent (sipp's first MESSAGE, the service's first POST) to the last one delivered
 * (sipp's last 200, the service's last SSE `delivered`), so the rate is what a provider sees
 * for the whole fan-out, its slowest receiver included.
 */
import { median } from '../check/median.ts';
import { percentile } from '../../server/sender/index.ts';
import type { FanoutPath } from './options.ts';

/** One push as timed by its path (epoch ms); deliveredAt absent when it never was. */
export interface TimedPush {
  sentAt: number;
  deliveredAt?: number;
}

export interface RoundFigures {
  path: FanoutPath;
  round: number;
  pushes: number;
  delivered: number;
  failed: number;
  /** Pushes delivered per second over first sent to last delivered. */
  rate: number;
  /** Time to delivered of the pushes delivered. */
  p50Ms: number;
  p99Ms: number;
  /** Pushes per second as the receivers saw them arrive: first arrival to last (informational). */
  arrivalRate: number;
}

export function roundFigures(path: FanoutPath, round: number, pushes: readonly TimedPush[], arrivals: readonly number[]): RoundFigures {
  const delivered = pushes.filter((p): p is Required<TimedPush> => p.deliveredAt !== undefined);
  const firstSent = Math.min(...pushes.map((p) => p.sentAt));
  const lastDelivered = Math.max(...delivered.map((p) => p.deliveredAt));
  const latencies = delivered.map((p) => p.deliveredAt - p.sentAt);
  const arrivalSpan = arrivals.length > 1 ? Math.max(...arrivals) - Math.min(...arrivals) : NaN;
  return {
    path,
    round,
    pushes: pushes.length,
    delivered: delivered.length,
    failed: pushes.length - delivered.length,
    rate: delivered.length === 0 ? 0 : (delivered.length / (lastDelivered - firstSent)) * 1000,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    arrivalRate: ((arrivals.length - 1) / arrivalSpan) * 1000,
  };
}

export interface PathSummary {
  rate: number;
  p50Ms: number;
  p99Ms: number;
  arrivalRate: number;
  failed: number;
}

export interface FanoutSummary {
  paths: Partial<Record<FanoutPath, PathSummary>>;
  /** service / sipp of the median rates; absent unless both were measured. */
  ratio?: number;
}

export function summarize(results: readonly RoundFigures[]): FanoutSummary {
  const paths: FanoutSummary['paths'] = {};
  for (const path of ['sipp', 'service'] as const) {
    const rounds = results.filter((r) => r.path === path);
    if (rounds.length === 0) continue;
    const of = (f: (r: RoundFigures) => number) => median(rounds.map(f));
    paths[path] = { rate: of((r) => r.rate), p50Ms: of((r) => r.p50Ms), p99Ms: of((r) => r.p99Ms), arrivalRate: of((r) => r.arrivalRate), failed: rounds.reduce((n, r) => n + r.failed, 0) };
  }
  const { sipp, service } = paths;
  return { paths, ...(sipp && service ? { ratio: service.rate / sipp.rate } : {}) };
}
