import { describe, expect, it } from 'vitest';
import { IllegalTransitionError, initialState, transition, type RegistrationEvent } from './registrationState.ts';
import type { AgentPhase, AgentState } from '../types.ts';

function run(events: RegistrationEvent[], from: AgentState = initialState('uuid-1')): AgentState {
  return events.reduce(transition, from);
}

const SERVER = 'ws://core.test:8066';

describe('registration state machine', () => {
  const registered: RegistrationEvent = { type: 'registered', registeredApps: ['news.ua'], gruu: 'sip:alice@localhost;gr=urn:uuid:1' };
  const start: RegistrationEvent = { type: 'start' };
  const connected: RegistrationEvent = { type: 'connected' };
  const dropped: RegistrationEvent = { type: 'disconnected', server: SERVER, detail: ' (WebSocket close 1006)' };
  const lost: RegistrationEvent = { type: 'bindingLost', cause: 'our keep-alive probe was answered 404 Not Found' };
  const NEVER = `Could not connect to ${SERVER} (WebSocket close 1006): is the core running and the server URL right? Retrying`;
  const DROPPED = `Connection to ${SERVER} lost (WebSocket close 1006); reconnecting`;
  const LOST = 'Registration lost: our keep-alive probe was answered 404 Not Found; registering again';
  const RECOVERED = 'Registration lost: our keep-alive probe was answered 404 Not Found; registered again';

  it.each<[string, RegistrationEvent[], AgentPhase, string | undefined]>([
    ['happy path', [start, { type: 'connecting' }, connected, registered], 'registered', undefined],
    ['auth failure is final', [start, connected, { type: 'registrationFailed', reason: 'Authentication failed (401 Unauthorized)', final: true }], 'failed', 'Authentication failed (401 Unauthorized)'],
    ['transient failure retries', [start, connected, { type: 'registrationFailed', reason: 'Registration failed (503)', final: false }], 'reconnecting', 'Registration failed (503)'],
    // Never connected vs connection lost (issue 10 item 3).
    ['first connection fails: never connected, still connecting', [start, { type: 'connecting' }, dropped], 'connecting', NEVER],
    ['never connected survives the next attempt', [start, dropped, { type: 'connecting' }], 'connecting', NEVER],
    ['never connected, then connected: the reason goes', [start, dropped, { type: 'connecting' }, connected], 'registering', undefined],
    ['socket drop while registering: connection lost', [start, connected, dropped], 'reconnecting', DROPPED],
    ['socket drop while registered: connection lost', [start, connected, registered, dropped], 'reconnecting', DROPPED],
    ['reconnect attempt fails: still connection lost', [start, connected, registered, dropped, { type: 'connecting' }, dropped], 'reconnecting', DROPPED],
    ['reconnect registers again', [start, connected, registered, dropped, { type: 'connecting' }, connected, registered], 'registered', undefined],
    ['stop and start again: never connected again', [start, connected, registered, { type: 'stop' }, start, dropped], 'connecting', NEVER],
    // Registration lost (binding gone at the core).
    ['binding lost while registered: registering again', [start, connected, registered, lost], 'registering', LOST],
    ['binding lost while registering (200 without our contact)', [start, connected, lost], 'registering', LOST],
    ['binding lost, registered again: the note stays', [start, connected, registered, lost, registered], 'registered', RECOVERED],
    ['the note survives a refresh', [start, connected, registered, lost, registered, registered], 'registered', RECOVERED],
    ['lost twice in a row', [start, connected, registered, lost, lost], 'registering', LOST],
    ['binding lost, then the socket drops: connection lost', [start, connected, registered, lost, dropped], 'reconnecting', DROPPED],
    ['binding lost, re-REGISTER fails transiently', [start, connected, registered, lost, { type: 'registrationFailed', reason: 'Registration failed (503)', final: false }], 'reconnecting', 'Registration failed (503)'],
    ['binding lost, re-REGISTER refused', [start, connected, registered, lost, { type: 'registrationFailed', reason: 'Authentication failed (403)', final: true }], 'failed', 'Authentication failed (403)'],
    ['after a connection loss the next registration carries no note', [start, connected, registered, lost, registered, dropped, { type: 'connecting' }, connected, registered], 'registered', undefined],
    ['failed stays failed while the transport cycles', [start, connected, { type: 'registrationFailed', reason: 'auth', final: true }, dropped, { type: 'connecting' }], 'failed', 'auth'],
    ['stop from anywhere', [start, connected, { type: 'stop' }], 'stopped', undefined],
    ['stopped ignores a late disconnect', [start, connected, registered, { type: 'stop' }, dropped], 'stopped', undefined],
    ['restart after failure', [start, connected, { type: 'registrationFailed', reason: 'auth', final: true }, start], 'connecting', undefined],
  ])('%s', (_name, events, phase, reason) => {
    const state = run(events);
    expect(state.phase).toBe(phase);
    expect(state.reason).toBe(reason);
    expect(state.instanceId).toBe('uuid-1');
  });

  it('keeps the GRUU and registered apps of the last registration', () => {
    const state = run([start, connected, registered]);
    expect(state.gruu).toBe('sip:alice@localhost;gr=urn:uuid:1');
    expect(state.registeredApps).toEqual(['news.ua']);
  });

  it('keeps the GRUU and apps while registering again after a loss (they are the last registration\'s)', () => {
    const state = run([start, connected, registered, lost]);
    expect(state.gruu).toBe('sip:alice@localhost;gr=urn:uuid:1');
    expect(state.registeredApps).toEqual(['news.ua']);
  });

  it.each<[string, RegistrationEvent[], RegistrationEvent, AgentPhase?]>([
    ['registered before connecting', [], registered],
    ['connected while idle', [], { type: 'connected' }],
    ['registered after a final failure', [start, connected, { type: 'registrationFailed', reason: 'auth', final: true }], registered],
    ['binding lost while idle', [], lost],
    ['binding lost while connecting', [start], lost],
    ['binding lost while reconnecting', [start, connected, registered, dropped], lost],
    ['binding lost after a final failure', [start, connected, { type: 'registrationFailed', reason: 'auth', final: true }], lost],
    ['binding lost when stopped', [start, { type: 'stop' }], lost],
    ['start while following (the facade owns that phase)', [], { type: 'start' }, 'following'],
    ['binding lost while following', [], lost, 'following'],
  ])('rejects %s', (_name, before, illegal, phase) => {
    const state = phase ? { ...run(before), phase } : run(before);
    expect(() => transition(state, illegal)).toThrow(IllegalTransitionError);
  });
});
