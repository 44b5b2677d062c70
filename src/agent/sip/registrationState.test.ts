import { describe, expect, it } from 'vitest';
import { IllegalTransitionError, initialState, transition, type RegistrationEvent } from './registrationState.ts';
import type { AgentState } from '../types.ts';

function run(events: RegistrationEvent[], from: AgentState = initialState('uuid-1')): AgentState {
  return events.reduce(transition, from);
}

describe('registration state machine', () => {
  const registered: RegistrationEvent = { type: 'registered', registeredApps: ['news.ua'], gruu: 'sip:alice@localhost;gr=urn:uuid:1' };

  it.each<[string, RegistrationEvent[], string, string | undefined]>([
    ['happy path', [{ type: 'start' }, { type: 'connecting' }, { type: 'connected' }, registered], 'registered', undefined],
    ['auth failure is final', [{ type: 'start' }, { type: 'connected' }, { type: 'registrationFailed', reason: 'Authentication failed (401 Unauthorized)', final: true }], 'failed', 'Authentication failed (401 Unauthorized)'],
    ['transient failure retries', [{ type: 'start' }, { type: 'connected' }, { type: 'registrationFailed', reason: 'Registration failed (503)', final: false }], 'reconnecting', 'Registration failed (503)'],
    ['socket drop while registered', [{ type: 'start' }, { type: 'connected' }, registered, { type: 'disconnected', reason: 'lost' }], 'reconnecting', 'lost'],
    ['reconnect registers again', [{ type: 'start' }, { type: 'connected' }, registered, { type: 'disconnected', reason: 'lost' }, { type: 'connecting' }, { type: 'connected' }, registered], 'registered', undefined],
    ['failed stays failed while the transport cycles', [{ type: 'start' }, { type: 'connected' }, { type: 'registrationFailed', reason: 'auth', final: true }, { type: 'disconnected', reason: 'x' }, { type: 'connecting' }], 'failed', 'auth'],
    ['stop from anywhere', [{ type: 'start' }, { type: 'connected' }, { type: 'stop' }], 'stopped', undefined],
    ['restart after failure', [{ type: 'start' }, { type: 'connected' }, { type: 'registrationFailed', reason: 'auth', final: true }, { type: 'start' }], 'connecting', undefined],
  ])('%s', (_name, events, phase, reason) => {
    const state = run(events);
    expect(state.phase).toBe(phase);
    expect(state.reason).toBe(reason);
    expect(state.instanceId).toBe('uuid-1');
  });

  it('keeps the GRUU and registered apps of the last registration', () => {
    const state = run([{ type: 'start' }, { type: 'connected' }, registered]);
    expect(state.gruu).toBe('sip:alice@localhost;gr=urn:uuid:1');
    expect(state.registeredApps).toEqual(['news.ua']);
  });

  it.each<[string, RegistrationEvent[], RegistrationEvent]>([
    ['registered before connecting', [], registered],
    ['connected while idle', [], { type: 'connected' }],
    ['registered after a final failure', [{ type: 'start' }, { type: 'connected' }, { type: 'registrationFailed', reason: 'auth', final: true }], registered],
  ])('rejects %s', (_name, before, illegal) => {
    const state = run(before);
    expect(() => transition(state, illegal)).toThrow(IllegalTransitionError);
  });
});
