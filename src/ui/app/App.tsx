/**
 * The full-page client: header, configuration problems, the agent's panels and settings. On
 * narrow screens (<= 600 px) the inbox comes first and the connection details are folded away
 * (a <details> whose summary still shows the phase): the DOM order is the visual order, so
 * the focus order follows what is seen.
 */
import { useState, useSyncExternalStore } from 'react';
import { useStore } from 'zustand';
import type { ConfigLoad } from '../config/load.ts';
import { AppList } from '../features/apps/AppList.tsx';
import { Inbox } from '../features/inbox/Inbox.tsx';
import { NotificationsProvider } from '../features/notifications/NotifyToggle.tsx';
import { RejectedLog } from '../features/rejected/RejectedLog.tsx';
import { SettingsForm } from '../features/settings/SettingsForm.tsx';
import { phaseLabel, StatusPanel, troubleOf } from '../features/status/StatusPanel.tsx';
import { TracePanel } from '../features/trace/TracePanel.tsx';
import { TransfersPanel } from '../features/transfers/TransfersPanel.tsx';
import { AgentProvider, useAgentView } from '../store/context.tsx';
import type { Shell } from './shell.ts';

export const NARROW_QUERY = '(max-width: 600px)';

function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      if (typeof window === 'undefined' || !window.matchMedia) return () => {};
      const list = window.matchMedia(query);
      list.addEventListener('change', onChange);
      return () => list.removeEventListener('change', onChange);
    },
    () => (typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(query).matches : false),
    () => false,
  );
}

function ConnectionSummary() {
  const agent = useAgentView((v) => v.agent);
  const everRegistered = useAgentView((v) => v.everRegistered);
  return (
    <span className={`phase phase-${agent.phase} phase-inline`}>
      <span className="phase-dot" aria-hidden="true" />
      Connection: {phaseLabel(agent.phase, troubleOf(agent.phase, everRegistered, agent.reason))}
    </span>
  );
}

function Panels({ onOpenSettings }: { onOpenSettings: () => void }) {
  const narrow = useMediaQuery(NARROW_QUERY);
  if (narrow) {
    return (
      <div className="layout layout-narrow">
        <AppList />
        <Inbox />
        <TransfersPanel />
        <details className="panel connection-details" data-testid="connection-details">
          <summary>
            <ConnectionSummary />
          </summary>
          <StatusPanel onOpenSettings={onOpenSettings} />
          <RejectedLog />
        </details>
      </div>
    );
  }
  return (
    <div className="layout">
      <div className="sidebar">
        <StatusPanel onOpenSettings={onOpenSettings} />
        <AppList />
        <RejectedLog />
      </div>
      <div className="main-column">
        <TransfersPanel />
        <Inbox />
      </div>
    </div>
  );
}

const SOURCE_NAME = { link: 'the link you opened', query: 'the config query parameter', saved: 'the saved settings', default: '/config.json' } as const;

function ConfigProblem({ load }: { load: Exclude<ConfigLoad, { status: 'ok' }> }) {
  return (
    <div className="banner banner-error" role="alert" data-testid="config-problem">
      {load.status === 'missing'
        ? 'No configuration found. Fill in the settings to connect to a SIP core.'
        : `The configuration from ${SOURCE_NAME[load.source]} is invalid; nothing was started. Fix it below.`}
    </div>
  );
}

function Settings({ shell }: { shell: Shell }) {
  const load = useStore(shell.store, (s) => s.load);
  const session = useStore(shell.store, (s) => s.session);
  const saveError = useStore(shell.store, (s) => s.saveError);
  if (!load) return null;
  const initial = session ? session.agent.config : load.status === 'ok' ? load.config : load.status === 'invalid' ? load.raw : undefined;
  return (
    <SettingsForm
      initial={initial}
      showErrorsAtOnce={load.status === 'invalid'}
      loadError={load.status !== 'ok' ? load.errors.config : undefined}
      origin={shell.origin}
      saveError={saveError}
      onSave={(config) => void shell.applySettings(config)}
      onCancel={session ? () => shell.openSettings(false) : undefined}
    />
  );
}

export function App({ shell }: { shell: Shell }) {
  const load = useStore(shell.store, (s) => s.load);
  const session = useStore(shell.store, (s) => s.session);
  const settingsOpen = useStore(shell.store, (s) => s.settingsOpen);
  // Closed by default: the trace records only while its panel is open.
  const [traceOpen, setTraceOpen] = useState(false);
  return (
    <div className="page">
      <header className="topbar">
        <h1>SIP Push</h1>
        <span className="topbar-sub">{session ? session.agent.config.aor : 'Push Receiver Agent'}</span>
        <button type="button" className="secondary" aria-expanded={settingsOpen} onClick={() => shell.openSettings(!settingsOpen)} data-testid="settings-toggle">
          {settingsOpen ? 'Close settings' : 'Settings'}
        </button>
        {session && (
          <button type="button" className="secondary" aria-expanded={traceOpen} aria-controls={traceOpen ? 'trace-panel' : undefined} onClick={() => setTraceOpen(!traceOpen)} data-testid="trace-toggle">
            {traceOpen ? 'Close trace' : 'Trace'}
          </button>
        )}
      </header>
      <main>
        {load === null && (
          <p className="banner" role="status">
            Loading configuration…
          </p>
        )}
        {load !== null && load.status !== 'ok' && <ConfigProblem load={load} />}
        {settingsOpen && <Settings shell={shell} />}
        {session && traceOpen && <TracePanel key={`trace-${session.id}`} agent={session.agent} />}
        {session && (
          <AgentProvider key={session.id} store={session.store}>
            <NotificationsProvider value={session.notifications}>
              <Panels onOpenSettings={() => shell.openSettings(true)} />
            </NotificationsProvider>
          </AgentProvider>
        )}
      </main>
    </div>
  );
}
