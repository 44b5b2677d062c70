/** The markdown form of a fanout run (bench/results/fanout.md), for the closing note. */
import type { Target } from '../check/target.ts';
import type { FanoutOptions, FanoutPath } from './options.ts';
import type { FanoutSummary, RoundFigures } from './summary.ts';

export interface FanoutRecord {
  date: string;
  options: FanoutOptions;
  paths: FanoutPath[];
  results: readonly RoundFigures[];
  summary: FanoutSummary;
  targets: readonly Target[];
}

const row = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;

export function fanoutMarkdown(record: FanoutRecord): string {
  const { options: o, summary } = record;
  const lines = [
    `# bench/fanout, ${record.date}`,
    '',
    `${o.receivers} receivers, ${o.rounds} rounds, ${o.inFlight} in flight, ${o.bodyBytes}-byte bodies; medians over rounds.`,
    '',
    row(['path', 'pushes/s', 'p50 to delivered (ms)', 'p99 to delivered (ms)', 'arrivals/s', 'not delivered']),
    row(['---', '---:', '---:', '---:', '---:', '---:']),
    ...record.paths.map((p) => {
      const s = summary.paths[p]!;
      return row([p, s.rate.toFixed(0), s.p50Ms.toFixed(1), s.p99Ms.toFixed(1), s.arrivalRate.toFixed(0), s.failed]);
    }),
    '',
    ...(summary.ratio === undefined ? [] : [`service / sipp pushes/s: **${(summary.ratio * 100).toFixed(0)}%**`, '']),
    '## Rounds',
    '',
    row(['round', 'path', 'pushes/s', 'p50 (ms)', 'p99 (ms)', 'delivered']),
    row(['---:', '---', '---:', '---:', '---:', '---:']),
    ...record.results.map((r) => row([r.round, r.path, r.rate.toFixed(0), r.p50Ms.toFixed(1), r.p99Ms.toFixed(1), `${r.delivered}/${r.pushes}`])),
    '',
    '## Targets',
    '',
    ...record.targets.map((t) => `- ${t.ok ? 'ok' : 'MISS'} ${t.name}: ${t.value}`),
    '',
  ];
  return lines.join('\n');
}
