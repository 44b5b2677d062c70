/**
 * The command line of bench/msrp-throughput (usage in run.ts), validated before anything
 * starts: a bad value, or a `--check` that could not check what it states, is refused with
 * one line and exit status 2.
 */
import { parseFlags, parseList, parsePositive, requireBaselines, OptionError } from '../check/options.ts';

export type Kind = 'ours' | 'agent' | 'raw' | 'raw-idb' | 'raw-idb-buffer' | 'raw-hash';
export const ALL_KINDS: readonly Kind[] = ['raw', 'ours', 'agent', 'raw-idb', 'raw-idb-buffer', 'raw-hash'];
export const DEFAULT_KINDS: readonly Kind[] = ['raw', 'ours', 'agent', 'raw-idb'];

export interface MsrpBenchOptions {
  sizesMB: number[];
  rounds: number;
  kinds: Kind[];
  /** The sender's maxUnacknowledgedChunks (0 = no window); undefined: the sender's default. */
  window: number | undefined;
  /** One profiled transfer of this kind instead of the rounds. */
  profile: Kind | undefined;
  check: boolean;
}

export function parseMsrpBenchOptions(argv: readonly string[]): MsrpBenchOptions {
  const values = parseFlags(argv, {
    sizes: { type: 'string', default: '64,256' },
    rounds: { type: 'string', default: '3' },
    kinds: { type: 'string', default: DEFAULT_KINDS.join(',') },
    window: { type: 'string' },
    profile: { type: 'string' },
    check: { type: 'boolean', default: false },
  });
  const sizesMB = values.sizes.split(',').map((s) => parsePositive('sizes', s, { integer: false }));
  const rounds = parsePositive('rounds', values.rounds, { integer: true });
  const kinds = parseList('kinds', values.kinds, ALL_KINDS);
  const window = values.window === undefined ? undefined : Number(values.window);
  if (window !== undefined && !(Number.isSafeInteger(window) && window >= 0)) throw new OptionError(`--window ${values.window} is not a whole number of chunks: give 0 (no window) or more`);
  const profile = values.profile === undefined ? undefined : parseList('profile', values.profile, ALL_KINDS);
  if (profile !== undefined && profile.length !== 1) throw new OptionError(`--profile takes one kind, not ${values.profile}`);
  if (values.check) {
    if (profile !== undefined) throw new OptionError('--check measures rounds and --profile runs one profiled transfer instead: give one of them');
    requireBaselines(kinds, [
      { kind: 'raw', neededFor: 'the baseline of the throughput ratio' },
      { kind: 'ours', neededFor: 'the client every target measures' },
    ]);
  }
  return { sizesMB, rounds, kinds, window, profile: profile?.[0], check: values.check };
}
