import { describe, expect, it } from 'vitest';
import { formatBytes } from './bytes.ts';

describe('formatBytes (SI: kB = 1000 B, MB = 10^6 B)', () => {
  it.each([
    [0, '0 B'],
    [1, '1 B'],
    [999, '999 B'],
    [999.4, '999 B'],
    // Rounds to 1000 bytes: shown in the next unit.
    [999.5, '1.0 kB'],
    [1000, '1.0 kB'],
    [1024, '1.0 kB'],
    [1500, '1.5 kB'],
    [61_440, '61.4 kB'],
    [999_949, '999.9 kB'],
    [999_950, '1.0 MB'],
    [1_000_000, '1.0 MB'],
    [1_048_576, '1.0 MB'],
    [50_000_000, '50.0 MB'],
    [999_949_999, '999.9 MB'],
    [999_950_000, '1.0 GB'],
    [1e9, '1.0 GB'],
    [1e12, '1.0 TB'],
    [999_950e9, '1000.0 TB'],
    [Number.MAX_SAFE_INTEGER, '9007.2 TB'],
    [-1, '—'],
    [Number.NaN, '—'],
    [Number.POSITIVE_INFINITY, '—'],
  ])('%d -> %s', (n, s) => expect(formatBytes(n)).toBe(s));
});
