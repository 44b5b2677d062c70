import { describe, expect, it } from 'vitest';
import { roundFigures, summarize, type RoundFigures } from './summary.ts';

describe('roundFigures', () => {
  it('times the rate from the first push sent to the last delivered, latency per push', () => {
    const pushes = [
      { sentAt: 1000, deliveredAt: 1010 },
      { sentAt: 1005, deliveredAt: 1030 },
      { sentAt: 1010, deliveredAt: 1500 },
    ];
    expect(roundFigures('service', 1, pushes, [1010, 1260, 1510])).toEqual({
      path: 'service',
      round: 1,
      pushes: 3,
      delivered: 3,
      failed: 0,
      rate: 6, // 3 over 500 ms
      p50Ms: 25,
      p99Ms: 490,
      arrivalRate: 4, // 2 intervals between 3 arrivals over 500 ms
    });
  });

  it('counts a push never delivered as failed, outside the rate and the latencies', () => {
    const r = roundFigures('sipp', 2, [{ sentAt: 0, deliveredAt: 100 }, { sentAt: 0 }], [90]);
    expect(r).toMatchObject({ delivered: 1, failed: 1, rate: 10, p50Ms: 100, p99Ms: 100 });
    expect(r.arrivalRate).toBeNaN();
  });

  it('has a rate of 0 when nothing was delivered', () => {
    expect(roundFigures('service', 1, [{ sentAt: 0 }], [])).toMatchObject({ delivered: 0, failed: 1, rate: 0 });
  });
});

describe('summarize', () => {
  const round = (path: 'sipp' | 'service', rate: number, failed = 0): RoundFigures => ({ path, round: 1, pushes: 10, delivered: 10 - failed, failed, rate, p50Ms: rate / 100, p99Ms: rate / 10, arrivalRate: rate });

  it('takes the median of each path and the ratio of the medians', () => {
    const s = summarize([round('sipp', 1000), round('sipp', 1200), round('sipp', 900), round('service', 850, 1), round('service', 800)]);
    expect(s.paths.sipp).toEqual({ rate: 1000, p50Ms: 10, p99Ms: 100, arrivalRate: 1000, failed: 0 });
    expect(s.paths.service).toMatchObject({ rate: 825, failed: 1 });
    expect(s.ratio).toBeCloseTo(0.825);
  });

  it('has no ratio with one path', () => {
    expect(summarize([round('sipp', 1000)]).ratio).toBeUndefined();
  });
});
