import { describe, expect, it } from 'vitest';
import { OptionError } from '../check/options.ts';
import { DEFAULT_KINDS, parseMsrpBenchOptions } from './options.ts';

describe('parseMsrpBenchOptions', () => {
  it('has the documented defaults', () => {
    expect(parseMsrpBenchOptions([])).toEqual({ sizesMB: [64, 256], rounds: 3, kinds: [...DEFAULT_KINDS], window: undefined, profile: undefined, check: false });
  });

  it.each([
    { argv: ['--check', '--kinds', 'raw,ours'], kinds: ['raw', 'ours'] },
    { argv: ['--check', '--kinds', 'ours,agent,raw'], kinds: ['ours', 'agent', 'raw'] },
    { argv: ['--check'], kinds: [...DEFAULT_KINDS] },
  ])('runs --check with its baselines: $argv', ({ argv, kinds }) => {
    expect(parseMsrpBenchOptions(argv)).toMatchObject({ check: true, kinds });
  });

  it.each([
    { argv: ['--check', '--kinds', 'ours,agent'], message: /--check needs raw \(the baseline of the throughput ratio\) among --kinds: add raw to --kinds, or run without --check/ },
    { argv: ['--check', '--kinds', 'raw,raw-idb'], message: /--check needs ours .* add ours to --kinds/ },
    { argv: ['--check', '--kinds', 'agent'], message: /needs raw .* and ours .* add raw,ours to --kinds/ },
    { argv: ['--check', '--profile', 'ours'], message: /give one of them/ },
    { argv: ['--kinds', 'raw,fast'], message: /--kinds: unknown fast; choose from/ },
    { argv: ['--kinds', 'raw,raw'], message: /names a value twice/ },
    { argv: ['--kinds', ''], message: /--kinds is empty/ },
    { argv: ['--rounds', '0'], message: /--rounds 0 is not a positive whole number/ },
    { argv: ['--rounds', '1.5'], message: /--rounds 1.5 is not a positive whole number/ },
    { argv: ['--sizes', '64,x'], message: /--sizes x is not a positive number/ },
    { argv: ['--window=-1'], message: /--window -1 is not a whole number of chunks/ },
    { argv: ['--window', '-1'], message: /^Option '--window' argument is ambiguous\. Did you forget/ },
    { argv: ['--profile', 'raw,ours'], message: /--profile takes one kind/ },
    { argv: ['--fast'], message: /Unknown option '--fast'/ },
  ])('refuses $argv', ({ argv, message }) => {
    expect(() => parseMsrpBenchOptions(argv)).toThrow(OptionError);
    expect(() => parseMsrpBenchOptions(argv)).toThrow(message);
    expect(() => parseMsrpBenchOptions(argv)).not.toThrow(/\n/);
  });

  it('takes fractional sizes, a window of 0 and one round', () => {
    expect(parseMsrpBenchOptions(['--sizes', '0.5,4', '--window', '0', '--rounds', '1'])).toMatchObject({ sizesMB: [0.5, 4], window: 0, rounds: 1 });
  });
});
