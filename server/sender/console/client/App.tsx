/**
 * The console: the token gate, then the workspace (compose, directory, pushes). A 401 anywhere
 * (a wrong token, or the service restarted with a new one) brings the gate back with why.
 */
import { useCallback, useEffect, useState } from 'react';
import { createConsoleApi, ConsoleApiError } from './api.ts';
import { forgetToken, loadToken, saveToken } from './auth.ts';
import { TokenForm } from './TokenForm.tsx';
import { Workspace } from './Workspace.tsx';

type Session = { phase: 'checking' } | { phase: 'ask'; message?: string } | { phase: 'ready'; token: string | null };

const REFUSED = 'The service refused this token (a wrong one, or the service restarted with a new one). Enter the token npm run psa or npm start printed at start, or the value of SIP_PUSH_PSA_TOKEN.';

function place() {
  return { storage: window.sessionStorage, location: window.location, history: window.history };
}

export function App({ authRequired }: { authRequired: boolean }) {
  const [session, setSession] = useState<Session>({ phase: 'checking' });

  const tryToken = useCallback(async (token: string | null) => {
    setSession({ phase: 'checking' });
    try {
      await createConsoleApi(token).receivers();
    } catch (err) {
      if (err instanceof ConsoleApiError && err.status === 401) {
        if (token !== null) forgetToken(place());
        setSession(token === null ? { phase: 'ask' } : { phase: 'ask', message: REFUSED });
        return;
      }
      // Anything else (the service busy, unreachable): the workspace shows it where it happens.
    }
    if (token !== null) saveToken(place(), token);
    setSession({ phase: 'ready', token });
  }, []);

  useEffect(() => {
    if (!authRequired) {
      void tryToken(null);
      return;
    }
    const token = loadToken(place());
    if (token === null) setSession({ phase: 'ask' });
    else void tryToken(token);
    // A #token= link opened in this tab while the console is open (no reload): take it too.
    const onHash = () => {
      if (!/(^#|&)token=/.test(window.location.hash)) return;
      const next = loadToken(place());
      if (next !== null) void tryToken(next);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [authRequired, tryToken]);

  const onUnauthorized = useCallback(() => {
    forgetToken(place());
    setSession({ phase: 'ask', message: REFUSED });
  }, []);
  const signOut = useCallback(() => {
    forgetToken(place());
    setSession({ phase: 'ask' });
  }, []);

  return (
    <div className="app">
      <header className="top">
        <h1>Push Sender Agent console</h1>
        {session.phase === 'ready' && authRequired && (
          <button type="button" className="secondary" onClick={signOut}>
            Forget token
          </button>
        )}
      </header>
      {session.phase === 'checking' && <p role="status">Connecting to the service…</p>}
      {session.phase === 'ask' && <TokenForm {...(session.message !== undefined ? { message: session.message } : {})} onToken={(token) => void tryToken(token)} />}
      {session.phase === 'ready' && <Workspace token={session.token} onUnauthorized={onUnauthorized} />}
    </div>
  );
}
