/**
 * The agent's connection and registration phase as an explicit state machine.
 *
 *   idle --start--> connecting --connected--> registering --registered--> registered
 *                   |   ^  |                   |  ^   \                      |  |
 *     disconnected  '---'  |                   |  |    failed(final)         |  | bindingLost
 *   (never connected:      | disconnected      |  '-----------------------------'
 *    stays connecting)     v                   v  (bindingLost: registering again)
 *                  reconnecting <--disconnected / failed(transient)   failed <'
 *                      |  --connected--> registering
 *   any --stop--> stopped --start--> connecting;  failed --start--> connecting
 *
 * The reason words are written here, so every state says honestly what happened:
 * - never connected (a `disconnected` while still `connecting` since start): "Could not connect
 *   to <url>: is the core running and the server URL right?" and the phase stays `connecting`;
 * - connection lost (was connected): `reconnecting`, "Connection to <url> lost ...";
 * - registration lost (the core no longer holds our binding, seen by the binding check or a
 *   REGISTER 200 without our contact, src/agent/sip/bindingCheck.ts): `registering`,
 *   "Registration lost: <cause>; registering again", then `registered` keeping
 *   "Registration lost: <cause>; registered again" until the next problem replaces it.
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
  /** The WebSocket closed or could not open; `detail` says how (e.g. " (WebSocket close 1006)"). */
  | { type: 'disconnected'; server: string; detail?: string }
  /** The core no longer holds our binding; the endpoint registers again at once. */
  | { type: 'bindingLost'; cause: string }
  | { type: 'stop' };

const ALLOWED: Record<AgentPhase, ReadonlyArray<RegistrationEvent['type']>> = {
  idle: ['start', 'stop'],
  connecting: ['connecting', 'connected', 'disconnected', 'stop'],
  registering: ['connecting', 'registered', 'registrationFailed', 'disconnected', 'bindingLost', 'stop'],
  registered: ['registered', 'registrationFailed', 'disconnected', 'bindingLost', 'stop', 'connecting'],
  reconnecting: ['connecting', 'connected', 'disconnected', 'registrationFailed', 'stop'],
  failed: ['start', 'stop', 'disconnected', 'connecting'],
  stopped: ['start', 'stop', 'disconnected'],
  // Set by the agent facade for a tab that does not own the registration (src/agent/tabs), never by the endpoint.
  following: [],
};

const LOST_PREFIX = 'Registration lost: ';
const REGISTERING_AGAIN = '; registering again';
const REGISTERED_AGAIN = '; registered again';

export class IllegalTransitionError extends Error {
  constructor(phase: AgentPhase, event: RegistrationEvent['type']) {
    super(`Illegal registration transition: ${event} in phase ${phase}`);
    this.name = 'IllegalTransitionError';
  }
}

export function initialState(instanceId?: string): AgentState {
  return instanceId ? { phase: 'idle', registeredApps: [], instanceId } : { phase: 'idle', registeredApps: [] };
}

/** The reason shown while the first connection since start() cannot be made. */
export function neverConnectedReason(server: string, detail = ''): string {
  return `Could not connect to ${server}${detail}: is the core running and the server URL right? Retrying`;
}

/** The reason shown after a connection that was up went down. */
export function connectionLostReason(server: string, detail = ''): string {
  return `Connection to ${server} lost${detail}; reconnecting`;
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
      const note = recoveryNote(state);
      if (note) next.reason = note;
      return next;
    }
    case 'registrationFailed':
      return { ...base, phase: event.final ? 'failed' : 'reconnecting', reason: event.reason };
    case 'disconnected':
      if (state.phase === 'failed' || state.phase === 'stopped') return state;
      // Still `connecting` means no connection was ever made since start().
      if (state.phase === 'connecting') return { ...base, phase: 'connecting', reason: neverConnectedReason(event.server, event.detail) };
      return { ...base, phase: 'reconnecting', reason: connectionLostReason(event.server, event.detail) };
    case 'bindingLost':
      return { ...base, phase: 'registering', reason: `${LOST_PREFIX}${event.cause}${REGISTERING_AGAIN}` };
    case 'stop':
      return { ...base, phase: 'stopped' };
  }
}

/**
 * What a `registered` state says about the loss it recovered from: re-registering after a
 * binding loss turns "...; registering again" into "...; registered again", and later
 * refreshes keep that note until another event replaces it.
 */
function recoveryNote(state: AgentState): string | undefined {
  const reason = state.reason;
  if (reason === undefined || !reason.startsWith(LOST_PREFIX)) return undefined;
  if (state.phase === 'registering' && reason.endsWith(REGISTERING_AGAIN)) return reason.slice(0, -REGISTERING_AGAIN.length) + REGISTERED_AGAIN;
  if (state.phase === 'registered') return reason;
  return undefined;
}
