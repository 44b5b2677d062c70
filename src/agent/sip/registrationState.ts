/**
 * The agent's connection and registration phase as an explicit state machine.
 *
 *   idle --start--> connecting --connected--> registering --registered--> registered
 *                      |                         |    \                      |
 *                      | disconnected            |     failed(final)         | disconnected /
 *                      v                         v           \               | failed(transient)
 *                  reconnecting <--disconnected / failed(transient)   failed <'
 *                      |  --connected--> registering
 *   any --stop--> stopped --start--> connecting;  failed --start--> connecting
 *
 * `failed` is final (authentication failed, registration refused): no automatic retry, so a
 * wrong password never becomes a retry storm. `reconnecting` always retries by itself.
 */
import type { AgentPhase, AgentState } from '../types.ts';

export type RegistrationEvent =
  | { type: 'start' }
  | { type: 'connecting' }
  | { type: 'connected' }
  | { type: 'registered'; gruu?: string; registeredApps: string[] }
  | { type: 'registrationFailed'; reason: string; final: boolean }
  | { type: 'disconnected'; reason: string }
  | { type: 'stop' };

const ALLOWED: Record<AgentPhase, ReadonlyArray<RegistrationEvent['type']>> = {
  idle: ['start', 'stop'],
  connecting: ['connecting', 'connected', 'disconnected', 'stop'],
  registering: ['connecting', 'registered', 'registrationFailed', 'disconnected', 'stop'],
  registered: ['registered', 'registrationFailed', 'disconnected', 'stop', 'connecting'],
  reconnecting: ['connecting', 'connected', 'disconnected', 'registrationFailed', 'stop'],
  failed: ['start', 'stop', 'disconnected', 'connecting'],
  stopped: ['start', 'stop', 'disconnected'],
  // Set by the agent facade for a tab that does not own the registration (src/agent/tabs), never by the endpoint.
  following: [],
};

export class IllegalTransitionError extends Error {
  constructor(phase: AgentPhase, event: RegistrationEvent['type']) {
    super(`Illegal registration transition: ${event} in phase ${phase}`);
    this.name = 'IllegalTransitionError';
  }
}

export function initialState(instanceId?: string): AgentState {
  return instanceId ? { phase: 'idle', registeredApps: [], instanceId } : { phase: 'idle', registeredApps: [] };
}

/** The one place phases change. Throws IllegalTransitionError for a move the diagram lacks. */
export function transition(state: AgentState, event: RegistrationEvent): AgentState {
  if (!ALLOWED[state.phase].includes(event.type)) throw new IllegalTransitionError(state.phase, event.type);
  const base = { registeredApps: state.registeredApps, ...(state.instanceId ? { instanceId: state.instanceId } : {}), ...(state.gruu ? { gruu: state.gruu } : {}) };
  switch (event.type) {
    case 'start':
      return { ...base, phase: 'connecting' };
    case 'connecting':
      // A failed agent stays failed while JsSIP's transport cycles; a registered one is losing its socket.
      if (state.phase === 'failed') return state;
      return state.phase === 'connecting' ? state : { ...base, phase: 'reconnecting', reason: state.reason ?? 'Reconnecting to the core' };
    case 'connected':
      return { ...base, phase: 'registering' };
    case 'registered': {
      const next: AgentState = { ...base, phase: 'registered', registeredApps: event.registeredApps };
      if (event.gruu) next.gruu = event.gruu;
      return next;
    }
    case 'registrationFailed':
      return { ...base, phase: event.final ? 'failed' : 'reconnecting', reason: event.reason };
    case 'disconnected':
      if (state.phase === 'failed' || state.phase === 'stopped') return state;
      return { ...base, phase: 'reconnecting', reason: event.reason };
    case 'stop':
      return { ...base, phase: 'stopped' };
  }
}
