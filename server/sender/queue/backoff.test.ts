import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, backoffDelay, resolveBackoff, type BackoffOptions } from './backoff.ts';

const noJitter: BackoffOptions = { ...DEFAULT_BACKOFF, jitter: 0 };

describe('backoffDelay', () => {
  it('doubles from initialDelayMs and stops at maxDelayMs', () => {
    const delays = Array.from({ length: 12 }, (_, i) => backoffDelay(i + 1, noJitter, () => 0));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000, 300000, 300000]);
  });

  it('jitter takes up to its fraction off, never adds', () => {
    const options = { ...DEFAULT_BACKOFF, jitter: 0.5 };
    expect(backoffDelay(3, options, () => 0)).toBe(4000);
    expect(backoffDelay(3, options, () => 0.5)).toBe(3000);
    expect(backoffDelay(3, options, () => 0.999999)).toBe(2000);
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(20, options);
      expect(delay).toBeGreaterThan(150_000 - 1);
      expect(delay).toBeLessThanOrEqual(300_000);
    }
  });

  it('Retry-After is a lower bound, still capped at maxDelayMs', () => {
    expect(backoffDelay(1, noJitter, () => 0, 30_000)).toBe(30_000);
    expect(backoffDelay(1, noJitter, () => 0, 3_600_000)).toBe(300_000);
    expect(backoffDelay(10, noJitter, () => 0, 1000)).toBe(300_000);
  });

  it('overflows to maxDelayMs, not Infinity, after very many attempts', () => {
    expect(backoffDelay(5000, noJitter, () => 0)).toBe(300_000);
  });
});

describe('resolveBackoff', () => {
  it('applies overrides to the defaults', () => {
    expect(resolveBackoff({ maxAttempts: 3 })).toEqual({ ...DEFAULT_BACKOFF, maxAttempts: 3 });
  });

  it.each([
    [{ initialDelayMs: 0 }, 'backoff.initialDelayMs'],
    [{ multiplier: 0.5 }, 'backoff.multiplier'],
    [{ maxDelayMs: 10 }, 'backoff.maxDelayMs'],
    [{ jitter: 1.5 }, 'backoff.jitter'],
    [{ jitter: -0.1 }, 'backoff.jitter'],
    [{ maxAttempts: 0 }, 'backoff.maxAttempts'],
    [{ maxAttempts: 2.5 }, 'backoff.maxAttempts'],
    [{ parkDelayMs: Number.NaN }, 'backoff.parkDelayMs'],
  ] as [Partial<BackoffOptions>, string][])('refuses %o naming %s', (overrides, name) => {
    expect(() => resolveBackoff(overrides)).toThrow(name);
  });
});
