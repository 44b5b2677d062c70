/** The directory of receivers the service watches: terminals, their apps and UAProf capabilities. */
import { useEffect, useState } from 'react';
import type { ReceiverEntry } from '../../service/types.ts';
import { expiresIn, formatBytes, terminalApps, terminalLabel, type DirectoryState } from './directoryView.ts';

interface Props {
  state: DirectoryState;
  onRefresh: () => void;
  /** Fill the compose form's target ('' terminal: those with the app). */
  onPushTo: (aor: string, terminal: string) => void;
}

export function Directory({ state, onRefresh, onPushTo }: Props) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(timer);
  }, []);
  return (
    <section className="panel directory" aria-labelledby="directory-title" aria-busy={state.loading}>
      <div className="panel-head">
        <h2 id="directory-title">Receivers</h2>
        <button type="button" className="secondary" onClick={onRefresh} disabled={state.loading}>
          {state.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {state.error !== undefined && (
        <p className="error" role="alert">
          The directory could not be read: {state.error}
        </p>
      )}
      {state.receivers.length === 0 && !state.loading && state.error === undefined && <p className="empty">No receivers yet. The service watches a receiver once a push names it.</p>}
      <ul className="receivers">
        {state.receivers.map((r) => (
          <Receiver key={r.aor} receiver={r} now={now} onPushTo={onPushTo} />
        ))}
      </ul>
      {state.refreshedAt !== undefined && <p className="hint">Read at {new Date(state.refreshedAt).toLocaleTimeString()}.</p>}
    </section>
  );
}

function Receiver({ receiver, now, onPushTo }: { receiver: ReceiverEntry; now: number; onPushTo: Props['onPushTo'] }) {
  return (
    <li className="receiver" data-aor={receiver.aor}>
      <div className="receiver-head">
        <h3>{receiver.aor}</h3>
        <span className={`subscription subscription-${receiver.subscription}`}>reg event: {receiver.subscription}</span>
        <button type="button" className="link" onClick={() => onPushTo(receiver.aor, '')}>
          Push to {receiver.aor}
        </button>
      </div>
      {receiver.subscriptionError !== undefined && <p className="error">{receiver.subscriptionError}</p>}
      {receiver.terminals.length === 0 ? (
        <p className="empty">No terminal registered.</p>
      ) : (
        <ul className="terminals">
          {receiver.terminals.map((t) => {
            const apps = terminalApps(t);
            const pick = t.instanceId ? `instance:${t.instanceId}` : t.pubGruu ? `gruu:${t.pubGruu}` : undefined;
            return (
              <li key={t.key} className="terminal" data-terminal={t.key}>
                <dl>
                  <dt>Terminal</dt>
                  <dd className="mono">{terminalLabel(t)}</dd>
                  {t.pubGruu && t.instanceId && (
                    <>
                      <dt>GRUU</dt>
                      <dd className="mono">{t.pubGruu}</dd>
                    </>
                  )}
                  <dt>Registration</dt>
                  <dd>expires {expiresIn(t.expiresAt, now)}</dd>
                  <dt>Apps</dt>
                  <dd className="apps">{t.pushApps === null && apps.length === 0 ? 'not known yet' : apps.length === 0 ? 'none' : apps.join(', ')}</dd>
                  <dt>Accepts</dt>
                  <dd>{t.capabilities ? t.capabilities.acceptTypes.join(', ') || 'nothing listed' : t.capabilitiesError ? `unknown (${t.capabilitiesError})` : 'unknown (no UAProf)'}</dd>
                  <dt>Max MESSAGE</dt>
                  <dd>{t.capabilities ? formatBytes(t.capabilities.maxMessageBytes) : 'unknown'}</dd>
                </dl>
                {pick !== undefined && (
                  <button type="button" className="link" onClick={() => onPushTo(receiver.aor, pick)}>
                    Push to this terminal only
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </li>
  );
}
