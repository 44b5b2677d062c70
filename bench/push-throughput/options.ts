/**
 * The command line of bench/push-throughput (usage in run.ts), validated before anything
 * starts: a bad value, or a `--check` that could not check what it states, is refused with
 * one line and exit status 2.
 */
import { parseFlags, parseList, parsePositive, requireBaselines } from '../check/options.ts';

/** `agent` is the same agent without the React UI: informational, it splits agent and rendering cost. */
export type Kind = 'ours' | 'agent' | 'jssip' | 'raw';
export const ALL_KINDS: readonly Kind[] = ['raw', 'jssip', 'agent', 'ours'];

export interface PushBenchOptions {
  pushes: number;
  inFlight: number;
  rounds: number;
  /** Pushes per second of the latency run. */
  rate: number;
  latencyPushes: number;
  kinds: Kind[];
  check: boolean;
}

export function parsePushBenchOptions(argv: readonly string[]): PushBenchOptions {
  const values = parseFlags(argv, {
    pushes: { type: 'string', default: '4000' },
    'in-flight': { type: 'string', default: '64' },
    rounds: { type: 'string', default: '3' },
    rate: { type: 'string', default: '100' },
    'latency-pushes': { type: 'string', default: '400' },
    kinds: { type: 'string', default: ALL_KINDS.join(',') },
    check: { type: 'boolean', default: false },
  });
  const whole = (option: keyof typeof values & string) => parsePositive(option, String(values[option]), { integer: true });
  const kinds = parseList('kinds', values.kinds, ALL_KINDS);
  if (values.check) {
    requireBaselines(kinds, [
      { kind: 'raw', neededFor: 'the baseline of the throughput and latency ratios' },
      { kind: 'jssip', neededFor: 'the bare JsSIP page ours must beat' },
      { kind: 'ours', neededFor: 'the client every target measures' },
    ]);
  }
  return {
    pushes: whole('pushes'),
    inFlight: whole('in-flight'),
    rounds: whole('rounds'),
    rate: parsePositive('rate', values.rate, { integer: false }),
    latencyPushes: whole('latency-pushes'),
    kinds,
    check: values.check,
  };
}
