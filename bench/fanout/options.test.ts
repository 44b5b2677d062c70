import { describe, expect, it } from 'vitest';
import { OptionError } from '../check/options.ts';
import { MIN_BODY_BYTES, parseFanoutOptions } from './options.ts';

describe('parseFanoutOptions', () => {
  it('has the documented defaults', () => {
    expect(parseFanoutOptions([])).toEqual({ receivers: 1000, rounds: 3, inFlight: 64, bodyBytes: 128, timeoutMs: 60_000, sippOnly: false, check: false });
  });

  it('takes every option', () => {
    expect(parseFanoutOptions(['--receivers', '200', '--rounds', '1', '--in-flight', '8', '--body-bytes', '512', '--timeout-seconds', '2.5', '--sipp-only', '--queue', 'memory:'])).toEqual({
      receivers: 200,
      rounds: 1,
      inFlight: 8,
      bodyBytes: 512,
      timeoutMs: 2500,
      sippOnly: true,
      queue: 'memory:',
      check: false,
    });
  });

  it('takes the smallest body that holds the token, and refuses one byte less', () => {
    expect(parseFanoutOptions(['--body-bytes', String(MIN_BODY_BYTES)]).bodyBytes).toBe(MIN_BODY_BYTES);
    expect(() => parseFanoutOptions(['--body-bytes', String(MIN_BODY_BYTES - 1)])).toThrow(new OptionError(`--body-bytes ${MIN_BODY_BYTES - 1} cannot hold the push's token: give --body-bytes ${MIN_BODY_BYTES} or more`));
  });

  it.each([
    { argv: ['--receivers', '0'], message: /^--receivers 0 is not a positive whole number/ },
    { argv: ['--rounds', '1.5'], message: /^--rounds 1\.5 is not a positive whole number/ },
    { argv: ['--in-flight', 'many'], message: /^--in-flight many is not/ },
    { argv: ['--timeout-seconds', '0'], message: /^--timeout-seconds 0 is not a positive number/ },
    { argv: ['--check', '--sipp-only'], message: /^--check compares the service with sipp, and --sipp-only measures no service: drop one of them$/ },
    { argv: ['--kinds', 'raw'], message: /kinds/ },
  ])('refuses $argv', ({ argv, message }) => {
    expect(() => parseFanoutOptions(argv)).toThrow(OptionError);
    expect(() => parseFanoutOptions(argv)).toThrow(message);
  });
});
