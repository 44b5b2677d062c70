/**
 * Connection and registration state, with the reason whenever the state has one: why it failed,
 * could not connect or lost the connection, and a registration the core lost (also after it was
 * registered again: src/agent/sip/registrationState.ts).
 *
 * A connection problem says which it is: never connected in this session (the core is not
 * running, or the server setting is wrong) or connection lost after a registration; with the
 * server URL and what to do about it (issue 11 item 5).
 */
import type { AgentPhase } from '../../../agent/types.ts';
import { useAgentStore, useAgentView } from '../../store/context.tsx';

export const PHASE_LABEL: Record<AgentPhase, string> = {
  idle: 'Not started',
  connecting: 'Connecting to the SIP core…',
  registering: 'Registering…',
  registered: 'Registered',
  reconnecting: 'Connection lost, reconnecting…',
  failed: 'Registration failed',
  stopped: 'Stopped',
  following: 'Receiving in another tab',
};

export type Trouble = 'never-connected' | 'lost' | 'refused' | null;

/**
 * Pure: which kind of trouble the agent is in. `failed` is always an answer of the core (a
 * refused REGISTER); `connecting` with a reason is a first connection that cannot be made;
 * `reconnecting` is a connection lost only if this session was ever registered.
 */
export function troubleOf(phase: AgentPhase, everRegistered: boolean, reason: string | undefined): Trouble {
  if (phase === 'failed') return 'refused';
  if (phase === 'connecting') return reason !== undefined && !everRegistered ? 'never-connected' : null;
  if (phase === 'reconnecting') return everRegistered ? 'lost' : 'never-connected';
  return null;
}

/** The headline of the status: the phase, told apart for a connection never made. */
export function phaseLabel(phase: AgentPhase, trouble: Trouble): string {
  return trouble === 'never-connected' ? 'Not connected yet, retrying…' : PHASE_LABEL[phase];
}

function Hint({ trouble, server, onOpenSettings }: { trouble: Exclude<Trouble, null>; server: string; onOpenSettings?: (() => void) | undefined }) {
  const settings = onOpenSettings ? (
    <button type="button" className="link" onClick={onOpenSettings} data-testid="status-open-settings">
      Settings
    </button>
  ) : (
    'the settings'
  );
  return (
    <div className={`phase-hint phase-hint-${trouble}`} data-testid="agent-hint" data-trouble={trouble}>
      {trouble === 'never-connected' && (
        <p>
          Never registered with <code data-testid="agent-server">{server}</code> in this session. Is the SIP core running? Check the server URL in {settings}.
        </p>
      )}
      {trouble === 'lost' && (
        <p>
          The connection to <code data-testid="agent-server">{server}</code> was lost after it worked; reconnecting on its own. If it does not come back, check that the core is still running.
        </p>
      )}
      {trouble === 'refused' && (
        <p>
          <code data-testid="agent-server">{server}</code> refused the registration. Check the address of record, user name and password in {settings}.
        </p>
      )}
    </div>
  );
}

export function StatusPanel({ onOpenSettings }: { onOpenSettings?: () => void } = {}) {
  const agent = useAgentView((v) => v.agent);
  const everRegistered = useAgentView((v) => v.everRegistered);
  const { aor, server } = useAgentStore().agent.config;
  const trouble = troubleOf(agent.phase, everRegistered, agent.reason);
  return (
    <section className="panel status" aria-labelledby="status-heading">
      <h2 id="status-heading">Connection</h2>
      <div role="status" aria-live="polite" className={`phase phase-${agent.phase}`}>
        <span className="phase-dot" aria-hidden="true" />
        <span className="phase-label" data-testid="agent-phase-label">
          {phaseLabel(agent.phase, trouble)}
        </span>{' '}
        <code className="phase-code" data-testid="agent-phase">
          {agent.phase}
        </code>
      </div>
      {agent.reason !== undefined && (
        <p className={trouble !== null ? 'phase-reason phase-reason-bad' : 'phase-reason'} data-testid="agent-reason">
          {agent.reason}
        </p>
      )}
      {trouble !== null && <Hint trouble={trouble} server={server} onOpenSettings={onOpenSettings} />}
      <dl className="facts">
        <dt>Server</dt>
        <dd data-testid="agent-server-url">{server}</dd>
        <dt>Address of record</dt>
        <dd data-testid="agent-aor">{aor}</dd>
        <dt>GRUU</dt>
        <dd data-testid="agent-gruu">{agent.gruu ?? '—'}</dd>
        <dt>Instance ID</dt>
        <dd data-testid="agent-instance">{agent.instanceId ?? '—'}</dd>
        <dt>Registered apps</dt>
        <dd data-testid="agent-registered-apps">{agent.registeredApps.length > 0 ? agent.registeredApps.join(', ') : '—'}</dd>
      </dl>
    </section>
  );
}
