import { describe, expect, it } from 'vitest';
import type { KindSummary, SizeSummary } from './summary.ts';
import { msrpTargets, TARGET_GROWTH_BYTES } from './targets.ts';

const MB = 1024 * 1024;
const kind = (mbps: number, growth: { heap?: number; live?: number } = {}): KindSummary => ({ mbps, transferMbps: mbps, growth: { heap: growth.heap ?? MB, withBuffers: 200 * MB, live: growth.live ?? MB } });
const size = (sizeMB: number, kinds: SizeSummary['kinds']): SizeSummary => ({ sizeMB, kinds });
const verdicts = (summary: SizeSummary[]) => msrpTargets(summary).map((t) => [t.name, t.ok]);

describe('msrpTargets', () => {
  it.each([
    { what: 'ratio at 80%', ours: 80, ok: true },
    { what: 'ratio just under 80%', ours: 79.9, ok: false },
    { what: 'ratio above', ours: 120, ok: true },
  ])('$what of raw at the largest size: ok $ok', ({ ours, ok }) => {
    const [ratio] = msrpTargets([size(256, { raw: kind(100), ours: kind(ours) })]);
    expect(ratio).toMatchObject({ name: 'ours >= 80% of raw at 256 MB (median MB/s)', ok });
  });

  it.each([
    { figure: 'heap', bytes: TARGET_GROWTH_BYTES - 1, ok: true },
    { figure: 'heap', bytes: TARGET_GROWTH_BYTES, ok: false },
    { figure: 'live', bytes: TARGET_GROWTH_BYTES - 1, ok: true },
    { figure: 'live', bytes: TARGET_GROWTH_BYTES, ok: false },
  ] as const)('$figure growth of $bytes bytes: ok $ok', ({ figure, bytes, ok }) => {
    const targets = msrpTargets([size(64, { raw: kind(100), ours: kind(90, { [figure]: bytes }) })]);
    const name = figure === 'heap' ? 'ours JS heap growth < 64.0 MB at 64 MB, worst round' : 'ours live JS memory growth (heap + array buffers after GC) < 64.0 MB at 64 MB, worst round';
    expect(targets.find((t) => t.name === name)).toMatchObject({ ok });
    expect(targets.filter((t) => !t.ok)).toHaveLength(ok ? 0 : 1);
  });

  it('does not hold the growth with garbage buffers to a target', () => {
    expect(msrpTargets([size(64, { raw: kind(100), ours: kind(90) })]).every((t) => t.ok)).toBe(true);
  });

  it('takes the ratio at the largest size, whatever the order of --sizes', () => {
    expect(verdicts([size(256, { raw: kind(100), ours: kind(50) }), size(64, { raw: kind(100), ours: kind(90) })])[0]).toEqual(['ours >= 80% of raw at 256 MB (median MB/s)', false]);
  });

  it('checks memory at every size', () => {
    const targets = msrpTargets([size(64, { raw: kind(100), ours: kind(90) }), size(256, { raw: kind(100), ours: kind(90, { live: TARGET_GROWTH_BYTES }) })]);
    expect(targets).toHaveLength(5);
    expect(targets.filter((t) => !t.ok).map((t) => t.name)).toEqual(['ours live JS memory growth (heap + array buffers after GC) < 64.0 MB at 256 MB, worst round']);
  });

  it.each([
    { without: 'raw', kinds: { ours: kind(90) }, missed: 1 },
    { without: 'ours', kinds: { raw: kind(100) }, missed: 3 },
  ])('misses, never skips, what needs $without', ({ kinds, missed }) => {
    const targets = msrpTargets([size(64, kinds)]);
    expect(targets).toHaveLength(3);
    expect(targets.filter((t) => !t.ok)).toHaveLength(missed);
    expect(targets.find((t) => !t.ok)!.value).toMatch(/^not measured/);
  });

  it('misses when nothing was measured', () => {
    expect(msrpTargets([])).toEqual([{ name: 'any size measured', ok: false, value: 'none' }]);
  });
});
