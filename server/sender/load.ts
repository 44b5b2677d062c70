/**
 * Load helpers for quick trials and the throughput bench: a closed loop ("N pushes, K in
 * flight") and an open loop ("R pushes per second"), both collecting per-push latency.
 */
import type { PushResult } from './pushSender.ts';

export type LoadSpec = { count: number; concurrency: number } | { count: number; ratePerSecond: number };

export interface LoadReport {
  sent: number;
  ok: number;
  /** Non-2xx results plus rejected pushes. */
  failed: number;
  /** Count per final status; a rejected push (thrown error) counts under status 0. */
  statuses: Record<number, number>;
  elapsedMs: number;
  /** Latency of push i, in milliseconds, measured around makePush(i). */
  latenciesMs: number[];
  /** The first error thrown by makePush, if any. */
  firstError?: unknown;
}

/** Run `count` pushes; `makePush(i)` starts push i and resolves with its result. */
export async function runLoad(spec: LoadSpec, makePush: (index: number) => Promise<PushResult>): Promise<LoadReport> {
  const { count } = spec;
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const report: LoadReport = { sent: 0, ok: 0, failed: 0, statuses: {}, elapsedMs: 0, latenciesMs: new Array<number>(count).fill(0) };
  const start = performance.now();

  const one = async (i: number): Promise<void> => {
    report.sent++;
    const t0 = performance.now();
    let status = 0;
    try {
      const result = await makePush(i);
      status = result.status;
      if (result.ok) report.ok++;
      else report.failed++;
    } catch (err) {
      report.failed++;
      if (report.firstError === undefined) report.firstError = err;
    }
    report.latenciesMs[i] = performance.now() - t0;
    report.statuses[status] = (report.statuses[status] ?? 0) + 1;
  };

  if ('concurrency' in spec) {
    const k = spec.concurrency;
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`concurrency must be a positive integer, got ${k}`);
    let next = 0;
    const worker = async () => {
      while (next < count) await one(next++);
    };
    await Promise.all(Array.from({ length: Math.min(k, count) }, worker));
  } else {
    const rate = spec.ratePerSecond;
    if (!(rate > 0)) throw new RangeError(`ratePerSecond must be positive, got ${rate}`);
    const pending: Promise<void>[] = [];
    let next = 0;
    // Open loop: push i is due at start + i / rate; each wake-up starts every push now due.
    while (next < count) {
      const now = performance.now();
      while (next < count && start + (next * 1000) / rate <= now) pending.push(one(next++));
      if (next < count) {
        const wait = start + (next * 1000) / rate - performance.now();
        await new Promise((r) => setTimeout(r, Math.max(0, wait)));
      }
    }
    await Promise.all(pending);
  }
  report.elapsedMs = performance.now() - start;
  return report;
}

/** The p-th percentile (0-100) by nearest rank; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}
