/** Connection and registration state, with the reason when failed or reconnecting. */
import type { AgentPhase } from '../../../agent/types.ts';
import { useAgentStore, useAgentView } from '../../store/context.tsx';

const PHASE_LABEL: Record<AgentPhase, string> = {
  idle: 'Not started',
  connecting: 'Connecting to the SIP core…',
  registering: 'Registering…',
  registered: 'Registered',
  reconnecting: 'Connection lost, reconnecting…',
  failed: 'Registration failed',
  stopped: 'Stopped',
  following: 'Receiving in another tab',
};

export function StatusPanel() {
  const agent = useAgentView((v) => v.agent);
  const aor = useAgentStore().agent.config.aor;
  return (
    <section className="panel status" aria-labelledby="status-heading">
      <h2 id="status-heading">Connection</h2>
      <div role="status" aria-live="polite" className={`phase phase-${agent.phase}`}>
        <span className="phase-dot" aria-hidden="true" />
        <span className="phase-label">{PHASE_LABEL[agent.phase]}</span>{' '}
        <code className="phase-code" data-testid="agent-phase">
          {agent.phase}
        </code>
      </div>
      {agent.reason !== undefined && (agent.phase === 'failed' || agent.phase === 'reconnecting' || agent.phase === 'following') && (
        <p className="phase-reason" data-testid="agent-reason">
          {agent.reason}
        </p>
      )}
      <dl className="facts">
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
