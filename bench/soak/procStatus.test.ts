import { describe, expect, it } from 'vitest';
import { readProcess, residentBytes } from './procStatus.ts';

describe('residentBytes', () => {
  it('reads VmRSS in bytes', () => {
    expect(residentBytes('Name:\tnode\nVmPeak:\t  999 kB\nVmRSS:\t   91136 kB\nRssAnon:\t 1 kB\n')).toBe(91136 * 1024);
  });

  it('refuses a status without VmRSS', () => {
    expect(() => residentBytes('Name:\tzombie\n')).toThrow(/no VmRSS/);
  });
});

describe.runIf(process.platform === 'linux')('readProcess', () => {
  it('reads this process: a resident set and the descriptors it holds', async () => {
    const figures = await readProcess(process.pid);
    expect(figures.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(figures.descriptors).toBeGreaterThanOrEqual(3);
  });
});
