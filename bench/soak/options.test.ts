import { describe, expect, it } from 'vitest';
import { OptionError } from '../check/options.ts';
import { parseSoakOptions } from './options.ts';

describe('parseSoakOptions', () => {
  it('has the documented defaults: 10 minutes, a sample every 5 s, a minute of warm-up', () => {
    expect(parseSoakOptions([])).toEqual({ durationMs: 600_000, sampleEveryMs: 5000, warmupMs: 60_000, seed: 1 });
  });

  it.each([
    // 60 s of warm-up and 6 samples of 5 s: 1.5 minutes is the shortest run with a verdict.
    { argv: ['--minutes', '1.5'], ok: true },
    { argv: ['--minutes', '1.49'], ok: false },
    { argv: ['--minutes', '2'], ok: true },
    { argv: ['--minutes', '0.5', '--warmup-seconds', '10', '--sample-seconds', '2'], ok: true },
  ])('$argv: runs $ok', ({ argv, ok }) => {
    if (ok) expect(parseSoakOptions(argv).durationMs).toBeGreaterThan(0);
    else expect(() => parseSoakOptions(argv)).toThrow(/fewer than the 6 the verdict needs: give --minutes 1.5 or more/);
  });

  it.each([
    { argv: ['--minutes', '0'], message: /--minutes 0 is not a positive number/ },
    { argv: ['--sample-seconds', 'often'], message: /--sample-seconds often/ },
    { argv: ['--seed', '1.5'], message: /--seed 1.5 is not a positive whole number/ },
    { argv: ['--hours', '1'], message: /Unknown option '--hours'/ },
  ])('refuses $argv', ({ argv, message }) => {
    expect(() => parseSoakOptions(argv)).toThrow(OptionError);
    expect(() => parseSoakOptions(argv)).toThrow(message);
  });
});
