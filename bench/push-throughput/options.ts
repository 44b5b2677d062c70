/**
 * The command line of bench/push-throughput (usage in run.ts), validated before anything
 * starts: a bad value, or a `--check` that could not check what it states, is refused with
 * one line and exit status 2.
 */
import { parseFlags, parseList, parsePositive, requireBaselines } from '../check/options.ts';

/**
 * `agent` is the same agent without the React UI: informational, it splits agent and rendering
 * cost. The trace's cost (issue 11 item 3), measured only when named in --kinds: `notap` is ours
 * built with the trace taps stripped from the sockets (stripTraceTaps.ts), the baseline of
 * "the trace costs nothing while its panel is closed"; `trace` is ours with the panel open.
 */
export type Kind = 'ours' | 'agent' | 'jssip' | 'raw' | 'notap' | 'trace';
/** The kinds measured by default. */
export const ALL_KINDS: readonly Kind[] = ['raw', 'jssip', 'agent', 'ours'];
export const TRACE_KINDS: readonly Kind[] = ['notap', 'trace'];
export const KNOWN_KINDS: readonly Kind[] = [...ALL_KINDS, ...TRACE_KINDS];
/** The full web client, however built or opened: stored pushes are checked against IndexedDB. */
export const FULL_CLIENT_KINDS: readonly Kind[] = ['ours', 'notap', 'trace'];

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
  const kinds = parseList('kinds', values.kinds, KNOWN_KINDS);
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
