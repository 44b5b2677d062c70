/**
 * Rounds reduced to one figure per size and kind: the median throughput (a true median, see
 * ../check/median.ts) and the worst round of each memory growth figure, as --check reads them.
 */
import { median } from '../check/median.ts';
import type { HeapFigures } from './heapSampler.ts';
import type { Kind } from './options.ts';

/** Peak minus baseline, bytes; `live`: the peak of heap + array buffers right after forced GCs. */
export type Growth = HeapFigures & { live: number };

/** What the summary reads of one measurement. */
export interface RoundFigures {
  kind: Kind;
  sizeMB: number;
  /** File size over push start (INVITE) or connect (raw) to REPORT 200 or the page's `done`. */
  mbps: number;
  /** File size over first chunk on the wire to the same end. */
  transferMbps: number;
  growth: Growth;
}

export interface KindSummary {
  /** Median over rounds. */
  mbps: number;
  transferMbps: number;
  /** Worst round of each figure. */
  growth: Growth;
  /** mbps over raw's mbps at the same size, when raw was measured. */
  ratioToRaw?: number;
}

export interface SizeSummary {
  sizeMB: number;
  kinds: Partial<Record<Kind, KindSummary>>;
}

export function summarize(results: readonly RoundFigures[], sizesMB: readonly number[], kinds: readonly Kind[]): SizeSummary[] {
  return sizesMB.map((sizeMB) => {
    const summaries: Partial<Record<Kind, KindSummary>> = {};
    for (const kind of kinds) {
      const rounds = results.filter((r) => r.sizeMB === sizeMB && r.kind === kind);
      if (rounds.length === 0) continue;
      const worst = (figure: keyof Growth) => Math.max(...rounds.map((r) => r.growth[figure]));
      summaries[kind] = {
        mbps: median(rounds.map((r) => r.mbps)),
        transferMbps: median(rounds.map((r) => r.transferMbps)),
        growth: { heap: worst('heap'), withBuffers: worst('withBuffers'), live: worst('live') },
      };
    }
    const raw = summaries.raw;
    if (raw) for (const summary of Object.values(summaries)) summary.ratioToRaw = summary.mbps / raw.mbps;
    return { sizeMB, kinds: summaries };
  });
}
