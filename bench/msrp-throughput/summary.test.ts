import { describe, expect, it } from 'vitest';
import type { Kind } from './options.ts';
import { summarize, type RoundFigures } from './summary.ts';

const round = (kind: Kind, sizeMB: number, mbps: number, live = 0): RoundFigures => ({ kind, sizeMB, mbps, transferMbps: mbps * 2, growth: { heap: live, withBuffers: live * 4, live } });

describe('summarize', () => {
  it('takes the true median of the rounds: the mean of the middle two for an even count', () => {
    const [s] = summarize([round('ours', 4, 30), round('ours', 4, 50), round('raw', 4, 100), round('raw', 4, 60), round('raw', 4, 80)], [4], ['raw', 'ours']);
    expect(s!.kinds.ours!.mbps).toBe(40);
    expect(s!.kinds.raw!.mbps).toBe(80);
    expect(s!.kinds.ours!.ratioToRaw).toBe(0.5);
  });

  it('keeps the worst round of each growth figure', () => {
    const [s] = summarize([round('ours', 4, 30, 5), round('ours', 4, 50, 9), round('ours', 4, 40, 7)], [4], ['ours']);
    expect(s!.kinds.ours!.growth).toEqual({ heap: 9, withBuffers: 36, live: 9 });
  });

  it('summarizes each size apart and leaves out kinds not measured', () => {
    const summary = summarize([round('ours', 4, 30), round('ours', 64, 20)], [4, 64], ['raw', 'ours']);
    expect(summary.map((s) => [s.sizeMB, s.kinds.ours!.mbps, s.kinds.raw])).toEqual([
      [4, 30, undefined],
      [64, 20, undefined],
    ]);
    expect(summary[0]!.kinds.ours!.ratioToRaw).toBeUndefined();
  });
});
