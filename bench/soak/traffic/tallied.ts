/**
 * Traffic whose outcomes are counted, not judged: paced runs (pace.ts) sharing one tally, with
 * every failure counted under its message.
 */
import type { Paced } from '../pace.ts';
import type { Tally } from '../tally.ts';
import type { Traffic } from './types.ts';

/** An error as a tally key: its message, addresses of record elided so that like counts with like. */
export function errorKey(error: unknown): string {
  return `error ${(error instanceof Error ? error.message : String(error)).replace(/sip:\S+/g, 'sip:…')}`;
}

export const countErrorsIn = (tally: Tally) => (error: unknown) => tally.add(errorKey(error));

export function talliedTraffic(name: string, tally: Tally, runs: readonly Paced[]): Traffic {
  return {
    name,
    report: () => tally.toString(),
    stop: async () => {
      await Promise.all(runs.map((r) => r.stop()));
    },
    problems: () => [],
  };
}
