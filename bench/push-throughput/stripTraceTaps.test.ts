import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stripTaps, TAPPED_MODULES } from './stripTraceTaps.ts';

describe('stripTaps (the notap baseline)', () => {
  it.each(Object.entries(TAPPED_MODULES))('removes every tap of %s and nothing else', (module, count) => {
    const source = readFileSync(module, 'utf8');
    const { code, removed } = stripTaps(source);
    expect(removed).toBe(count);
    expect(code).not.toMatch(/trace\.(sip|msrp)\(/);
    expect(code).not.toContain('trace.enabled');
    // Only the tap lines went: every other line is still there, in order.
    const kept = source.split('\n').filter((line) => !/^\s*(const trace = this\.trace;|if \(trace !== null && trace\.enabled\))/.test(line));
    expect(code.split('\n')).toEqual(kept);
  });
});
