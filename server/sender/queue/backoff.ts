/**
 * When to try a delivery again: exponential backoff with jitter, bounded.
 *
 * After attempt n (n >= 1) failed with a retriable outcome, the next attempt waits
 *   base = min(maxDelayMs, initialDelayMs * multiplier^(n - 1))
 *   delay = base * (1 - jitter * random()),      random() in [0, 1)
 * so the delay lies in (base * (1 - jitter), base]: never above maxDelayMs, and instances
 * that failed together (a core restart) do not retry in step. A Retry-After from the far
 * end raises the delay to at least that many seconds, still capped at maxDelayMs. After
 * maxAttempts sends the delivery is undeliverable (`retries exhausted`).
 *
 * With the defaults: about 1 s, 2 s, 4 s, ... 256 s, then 300 s each, for 50 attempts
 * (about 3.7 hours); a push's deliver-before ends it sooner.
 */
import { QueueError } from './errors.ts';

export interface BackoffOptions {
  /** Delay after the first failed attempt, ms (default 1000). */
  initialDelayMs: number;
  /** Growth per attempt, >= 1 (default 2). */
  multiplier: number;
  /** Upper bound of any delay, ms (default 300000: 5 minutes). */
  maxDelayMs: number;
  /** Fraction of the delay taken off at random, 0..1 (default 0.2). */
  jitter: number;
  /** Sends after which a delivery that keeps failing is undeliverable (default 50). */
  maxAttempts: number;
  /** How long a delivery with no contact waits before it is tried anyway, ms, unless wake() brings it forward (default 300000). */
  parkDelayMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = {
  initialDelayMs: 1000,
  multiplier: 2,
  maxDelayMs: 300_000,
  jitter: 0.2,
  maxAttempts: 50,
  parkDelayMs: 300_000,
};

/** The defaults with `overrides` applied; throws QUEUE_ERR_INPUT naming the first bad option. */
export function resolveBackoff(overrides: Partial<BackoffOptions> = {}): BackoffOptions {
  const options = { ...DEFAULT_BACKOFF, ...overrides };
  const bad = (name: keyof BackoffOptions, rule: string): never => {
    throw new QueueError('QUEUE_ERR_INPUT', `backoff.${name} must be ${rule}, got ${options[name]}`);
  };
  if (!(options.initialDelayMs > 0)) bad('initialDelayMs', 'a positive number of ms');
  if (!(options.multiplier >= 1)) bad('multiplier', '1 or more');
  if (!(options.maxDelayMs >= options.initialDelayMs)) bad('maxDelayMs', `at least initialDelayMs (${options.initialDelayMs})`);
  if (!(options.jitter >= 0 && options.jitter <= 1)) bad('jitter', 'between 0 and 1');
  if (!(Number.isInteger(options.maxAttempts) && options.maxAttempts >= 1)) bad('maxAttempts', 'a whole number, 1 or more');
  if (!(options.parkDelayMs > 0)) bad('parkDelayMs', 'a positive number of ms');
  return options;
}

/**
 * The wait after `attempts` sends (>= 1), ms. `retryAfterMs` (a Retry-After header) is a lower
 * bound; `random` is injectable for tests.
 */
export function backoffDelay(attempts: number, options: BackoffOptions, random: () => number = Math.random, retryAfterMs = 0): number {
  const exponent = Math.max(0, attempts - 1);
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.multiplier ** exponent);
  const jittered = base * (1 - options.jitter * random());
  return Math.round(Math.min(options.maxDelayMs, Math.max(jittered, retryAfterMs)));
}
