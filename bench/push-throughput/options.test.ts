import { describe, expect, it } from 'vitest';
import { OptionError } from '../check/options.ts';
import { ALL_KINDS, parsePushBenchOptions } from './options.ts';

describe('parsePushBenchOptions', () => {
  it('has the documented defaults', () => {
    expect(parsePushBenchOptions([])).toEqual({ pushes: 4000, inFlight: 64, rounds: 3, rate: 100, latencyPushes: 400, kinds: [...ALL_KINDS], check: false });
  });

  it.each([
    { argv: ['--check'], kinds: [...ALL_KINDS] },
    { argv: ['--check', '--kinds', 'ours,raw,jssip'], kinds: ['ours', 'raw', 'jssip'] },
  ])('runs --check with its baselines: $argv', ({ argv, kinds }) => {
    expect(parsePushBenchOptions(argv)).toMatchObject({ check: true, kinds });
  });

  it('measures the trace kinds only when named', () => {
    expect(parsePushBenchOptions([]).kinds).not.toContain('notap');
    expect(parsePushBenchOptions(['--kinds', 'notap,ours,trace']).kinds).toEqual(['notap', 'ours', 'trace']);
  });

  it('runs without --check on any kinds', () => {
    expect(parsePushBenchOptions(['--kinds', 'ours', '--pushes', '300', '--rounds', '1'])).toMatchObject({ kinds: ['ours'], pushes: 300, rounds: 1 });
  });

  it.each([
    { argv: ['--check', '--kinds', 'jssip,ours'], message: /^--check needs raw \(the baseline of the throughput and latency ratios\) among --kinds: add raw to --kinds, or run without --check$/ },
    { argv: ['--check', '--kinds', 'raw,ours'], message: /^--check needs jssip .* add jssip to --kinds/ },
    { argv: ['--check', '--kinds', 'raw,jssip,agent'], message: /^--check needs ours .* add ours to --kinds/ },
    { argv: ['--check', '--kinds', 'agent'], message: /needs raw .* and jssip .* and ours .* add raw,jssip,ours/ },
    { argv: ['--kinds', 'raw,sipjs'], message: /--kinds: unknown sipjs/ },
    { argv: ['--pushes', '0'], message: /--pushes 0 is not a positive whole number/ },
    { argv: ['--in-flight', 'many'], message: /--in-flight many/ },
    { argv: ['--rate', '0'], message: /--rate 0 is not a positive number/ },
    { argv: ['--latency-pushes', '2.5'], message: /--latency-pushes 2.5/ },
    { argv: ['--round', '1'], message: /Unknown option '--round'/ },
  ])('refuses $argv', ({ argv, message }) => {
    expect(() => parsePushBenchOptions(argv)).toThrow(OptionError);
    expect(() => parsePushBenchOptions(argv)).toThrow(message);
  });
});
