import { describe, expect, it } from 'vitest';
import { phaseLabel, troubleOf } from './StatusPanel.tsx';

describe('never connected vs connection lost', () => {
  it.each([
    ['connecting', false, undefined, null],
    ['connecting', false, 'Could not connect to ws://127.0.0.1:1', 'never-connected'],
    ['reconnecting', false, 'x', 'never-connected'],
    ['reconnecting', true, 'Connection to ws://x lost', 'lost'],
    ['failed', false, 'Authentication failed (401 Unauthorized)', 'refused'],
    ['failed', true, 'Authentication failed (403)', 'refused'],
    ['registered', true, 'Registration lost, registered again', null],
    ['following', false, 'Receiving in another tab', null],
  ] as const)('%s, ever registered %s, reason %s -> %s', (phase, ever, reason, trouble) => {
    expect(troubleOf(phase, ever, reason)).toBe(trouble);
  });

  it('labels a connection never made apart from a lost one', () => {
    expect(phaseLabel('reconnecting', 'never-connected')).toBe('Not connected yet, retrying…');
    expect(phaseLabel('reconnecting', 'lost')).toBe('Connection lost, reconnecting…');
  });
});
