/**
 * The command line of bench/fanout (usage in run.ts), validated before anything starts: a bad
 * value is refused with one line and exit status 2.
 */
import { OptionError, parseFlags, parsePositive } from '../check/options.ts';

/** The paths measured, in the order of round 1 (rounds alternate it). */
export type FanoutPath = 'sipp' | 'service';
export const ALL_PATHS: readonly FanoutPath[] = ['sipp', 'service'];

export interface FanoutOptions {
  /** Light receivers registered on the core; each gets one push per path and round. */
  receivers: number;
  rounds: number;
  /** Pushes in flight at once: sipp's call limit (-l) and the HTTP submits outstanding. */
  inFlight: number;
  /** Body of every push, bytes (the same for sipp and the service). */
  bodyBytes: number;
  /** Give up on a path's round when a push is not delivered this long after its submit. */
  timeoutMs: number;
  /** Measure only sipp (no service): the baseline and the receivers alone. */
  sippOnly: boolean;
  /** The service's queue (server/sender/queue/open.ts): `memory:`, `postgres://...`; default a fresh PGlite data directory. */
  queue?: string;
  check: boolean;
}

/** The smallest body that still holds the token (body.ts) the receivers time pushes by. */
export const MIN_BODY_BYTES = 48;

export function parseFanoutOptions(argv: readonly string[]): FanoutOptions {
  const values = parseFlags(argv, {
    receivers: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    'in-flight': { type: 'string', default: '64' },
    'body-bytes': { type: 'string', default: '128' },
    'timeout-seconds': { type: 'string', default: '60' },
    'sipp-only': { type: 'boolean', default: false },
    queue: { type: 'string' },
    check: { type: 'boolean', default: false },
  });
  const whole = (option: 'receivers' | 'rounds' | 'in-flight' | 'body-bytes') => parsePositive(option, String(values[option]), { integer: true });
  const bodyBytes = whole('body-bytes');
  if (bodyBytes < MIN_BODY_BYTES) throw new OptionError(`--body-bytes ${bodyBytes} cannot hold the push's token: give --body-bytes ${MIN_BODY_BYTES} or more`);
  if (values.check && values['sipp-only']) throw new OptionError('--check compares the service with sipp, and --sipp-only measures no service: drop one of them');
  return {
    receivers: whole('receivers'),
    rounds: whole('rounds'),
    inFlight: whole('in-flight'),
    bodyBytes,
    timeoutMs: parsePositive('timeout-seconds', values['timeout-seconds'], { integer: false }) * 1000,
    sippOnly: values['sipp-only'],
    ...(values.queue !== undefined ? { queue: values.queue } : {}),
    check: values.check,
  };
}
