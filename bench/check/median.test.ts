import { describe, expect, it } from 'vitest';
import { median } from './median.ts';

describe('median', () => {
  it.each([
    { values: [7], expected: 7 },
    { values: [3, 1, 2], expected: 2 },
    { values: [10, 30], expected: 20 },
    { values: [4, 1, 3, 2], expected: 2.5 },
    { values: [5, 5, 1, 9], expected: 5 },
    { values: [-1, 100, 0], expected: 0 },
  ])('of $values is $expected', ({ values, expected }) => {
    expect(median(values)).toBe(expected);
  });

  it('is not the better of two rounds', () => {
    expect(median([40, 60])).toBe(50);
  });

  it('leaves its input unsorted', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('refuses no values', () => {
    expect(() => median([])).toThrow(RangeError);
  });
});
