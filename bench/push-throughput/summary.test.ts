import { describe, expect, it } from 'vitest';
import { succeededLatencies, summarize, traceCost, type RoundFigures } from './summary.ts';

const round = (kind: RoundFigures['kind'], rate: number, p50Ms: number, failed = 0): RoundFigures => ({ kind, rate, p50Ms, failed });

describe('summarize', () => {
  it('takes the true median of the rounds per kind', () => {
    const summary = summarize([round('ours', 1000, 4), round('ours', 1400, 6), round('raw', 2000, 2), round('raw', 1000, 3), round('raw', 3000, 1)], ['raw', 'ours']);
    expect(summary.kinds).toEqual({ ours: { rate: 1200, p50Ms: 5 }, raw: { rate: 2000, p50Ms: 2 } });
  });

  it('adds up the failed pushes of every kind and round', () => {
    expect(summarize([round('ours', 1, 1, 2), round('raw', 1, 1, 0), round('ours', 1, 1, 3)], ['raw', 'ours']).failed).toBe(5);
  });

  it('leaves out kinds not measured', () => {
    expect(summarize([round('ours', 1, 1)], ['raw', 'ours']).kinds.raw).toBeUndefined();
  });
});

describe('succeededLatencies', () => {
  it.each([
    { latencies: [5, 32_000, 6], succeeded: [true, false, true], expected: [5, 6] },
    { latencies: [5, 6], succeeded: [false, false], expected: [] },
    // A push that threw leaves no outcome: it did not succeed.
    { latencies: [5, 6, 7], succeeded: [true, , true], expected: [5, 7] },
  ])('keeps $expected of $latencies', ({ latencies, succeeded, expected }) => {
    expect(succeededLatencies(latencies, succeeded as boolean[])).toEqual(expected);
  });
});

describe('traceCost', () => {
  it('compares closed with the tap-less build and open with closed', () => {
    const summary = summarize(
      [
        { kind: 'notap', rate: 400, p50Ms: 10, failed: 0 },
        { kind: 'ours', rate: 396, p50Ms: 10.5, failed: 0 },
        { kind: 'trace', rate: 300, p50Ms: 12.6, failed: 0 },
      ],
      ['notap', 'ours', 'trace'],
    );
    const cost = traceCost(summary);
    expect(cost.closedVsNoTap!.rate).toBeCloseTo(0.99);
    expect(cost.closedVsNoTap!.p50).toBeCloseTo(1.05);
    expect(cost.openVsClosed!.rate).toBeCloseTo(300 / 396);
    expect(cost.openVsClosed!.p50).toBeCloseTo(1.2);
  });

  it('leaves out a comparison whose kinds were not measured', () => {
    expect(traceCost(summarize([{ kind: 'ours', rate: 1, p50Ms: 1, failed: 0 }], ['ours']))).toEqual({});
  });
});
