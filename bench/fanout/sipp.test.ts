import { describe, expect, it } from 'vitest';
import { parseRttFile, sippInjection, sippScenario } from './sipp.ts';

describe('sipp fan-out files', () => {
  it('reads each answered call from the rtt trace, header and blank lines skipped', () => {
    expect(parseRttFile('Date_ms;response_time_ms;rtd_no\n80.001;76;1\n108.001;104;1\n\n')).toEqual([
      { sentAt: 4.001000000000005, answeredAt: 80.001 },
      { sentAt: 4.001000000000005, answeredAt: 108.001 },
    ]);
  });

  it('writes one sequential injection line per push', () => {
    expect(sippInjection([{ user: 'bench0', body: 'fanout sipp 1 0 xx' }, { user: 'bench1', body: 'fanout sipp 1 1 xx' }])).toBe('SEQUENTIAL\nbench0;fanout sipp 1 0 xx\nbench1;fanout sipp 1 1 xx\n');
  });

  it.each(['a;b', 'a\nb'])('refuses a field sipp would split: %j', (body) => {
    expect(() => sippInjection([{ user: 'bench0', body }])).toThrow(/sipp injection field holds ; or a line break/);
  });

  it('asks for the bench app and times every call', () => {
    const scenario = sippScenario();
    expect(scenario).toContain('Accept-Contact: *;+g.oma.pusheventapp="bench.ua";require;explicit');
    expect(scenario).toContain('<send start_rtd="1">');
    expect(scenario).toContain('<recv response="200" rtd="1"/>');
  });
});
