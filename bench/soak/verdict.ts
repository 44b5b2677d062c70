/**
 * Whether the core's heap and descriptors stayed flat. The start figure is the median of the
 * first WINDOW_SAMPLES samples after the warm-up, the end figure the median of the last
 * WINDOW_SAMPLES: medians, because a sample catches whatever traffic is in flight at that
 * instant (open connections, transactions), and one busy instant is not a leak.
 *
 * Flat means, stated once here and printed with the verdict:
 *   heap (used, after a forced GC)  end <= start + max(10% of start, 2 MiB)
 *   descriptors                     end <= start + 16
 * The allowance covers what legitimately varies with the instant under a steady load: up to
 * a few dozen connections and probes open at once, transactions waiting out their timers,
 * and the UDP flow table, which grows until its entries start to expire (udpFlowIdleMs, two
 * minutes, after the one-minute warm-up: run.ts keeps new sources slow enough for that growth
 * to stay well inside). Measured under the soak's load, the heap varies by about 1.5 MiB
 * between samples at steady state and the descriptors by about 12. A leak of a few hundred
 * bytes per request, or of one descriptor per connection, exceeds it within minutes.
 */
import { median } from '../check/median.ts';

export const WINDOW_SAMPLES = 3;
export const TOLERANCE = { heapFraction: 0.1, heapBytes: 2 * 1024 * 1024, descriptors: 16 };

/** One reading of the core process. */
export interface Sample {
  /** Since the traffic started. */
  atMs: number;
  /** V8 heap used after a forced GC. */
  heapUsedBytes: number;
  /** Open file descriptors (/proc/<pid>/fd). */
  descriptors: number;
  /** Resident set (VmRSS): printed, not judged (the allocator keeps freed pages). */
  rssBytes: number;
  /** RunningCore.stats(). */
  connections: number;
  udpFlows: number;
  flows: number;
}

export interface Figures {
  heapUsedBytes: number;
  descriptors: number;
  rssBytes: number;
}

export interface Verdict {
  start: Figures;
  end: Figures;
  /** The most each may reach at the end and still be flat. */
  allowed: { heapUsedBytes: number; descriptors: number };
  heapFlat: boolean;
  descriptorsFlat: boolean;
  flat: boolean;
}

function figuresOf(samples: readonly Sample[]): Figures {
  return {
    heapUsedBytes: median(samples.map((s) => s.heapUsedBytes)),
    descriptors: median(samples.map((s) => s.descriptors)),
    rssBytes: median(samples.map((s) => s.rssBytes)),
  };
}

export function judge(samples: readonly Sample[], warmupMs: number): Verdict {
  const judged = samples.filter((s) => s.atMs >= warmupMs);
  if (judged.length < 2 * WINDOW_SAMPLES) throw new RangeError(`${judged.length} samples after the warm-up; the verdict needs ${2 * WINDOW_SAMPLES}`);
  const start = figuresOf(judged.slice(0, WINDOW_SAMPLES));
  const end = figuresOf(judged.slice(-WINDOW_SAMPLES));
  const allowed = {
    heapUsedBytes: start.heapUsedBytes + Math.max(TOLERANCE.heapFraction * start.heapUsedBytes, TOLERANCE.heapBytes),
    descriptors: start.descriptors + TOLERANCE.descriptors,
  };
  const heapFlat = end.heapUsedBytes <= allowed.heapUsedBytes;
  const descriptorsFlat = end.descriptors <= allowed.descriptors;
  return { start, end, allowed, heapFlat, descriptorsFlat, flat: heapFlat && descriptorsFlat };
}
