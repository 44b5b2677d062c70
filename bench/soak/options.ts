/**
 * The soak's command line (usage in run.ts), validated before the core starts: a bad value is
 * refused with one line and exit status 2.
 */
import { OptionError, parseFlags, parsePositive } from '../check/options.ts';
import { WINDOW_SAMPLES } from './verdict.ts';

export interface SoakOptions {
  /** How long the traffic runs, warm-up included. */
  durationMs: number;
  /** Heap and descriptors are sampled this often. */
  sampleEveryMs: number;
  /** Samples before this are warm-up (JIT, caches, pools filling): not judged. */
  warmupMs: number;
  /** Seed of the traffic's random choices, so two runs send the same mix. */
  seed: number;
}

export function parseSoakOptions(argv: readonly string[]): SoakOptions {
  const values = parseFlags(argv, {
    minutes: { type: 'string', default: '10' },
    'sample-seconds': { type: 'string', default: '5' },
    'warmup-seconds': { type: 'string', default: '60' },
    seed: { type: 'string', default: '1' },
  });
  const durationMs = parsePositive('minutes', values.minutes, { integer: false }) * 60_000;
  const sampleEveryMs = parsePositive('sample-seconds', values['sample-seconds'], { integer: false }) * 1000;
  const warmupMs = parsePositive('warmup-seconds', values['warmup-seconds'], { integer: false }) * 1000;
  const seed = parsePositive('seed', values.seed, { integer: true });
  // The start and end figures are medians of WINDOW_SAMPLES samples each, after the warm-up.
  const judged = Math.floor((durationMs - warmupMs) / sampleEveryMs);
  if (judged < 2 * WINDOW_SAMPLES) {
    const minutes = (warmupMs + 2 * WINDOW_SAMPLES * sampleEveryMs) / 60_000;
    throw new OptionError(`--minutes ${values.minutes} leaves ${Math.max(0, judged)} samples after the warm-up, fewer than the ${2 * WINDOW_SAMPLES} the verdict needs: give --minutes ${Math.ceil(minutes * 10) / 10} or more`);
  }
  return { durationMs, sampleEveryMs, warmupMs, seed };
}
