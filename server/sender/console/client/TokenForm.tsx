import { useId, useState, type FormEvent } from 'react';

/** Asks for the API token (kept in sessionStorage by App). */
export function TokenForm({ message, onToken }: { message?: string; onToken: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [empty, setEmpty] = useState(false);
  const id = useId();
  const errorId = `${id}-error`;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (token.trim() === '') {
      setEmpty(true);
      return;
    }
    onToken(token.trim());
  };
  const error = empty ? 'Enter the token first: npm run psa or npm start printed it at start (or it is the value of SIP_PUSH_PSA_TOKEN).' : message;
  return (
    <main className="panel token-panel">
      <h2>Sign in with the API token</h2>
      <p>The console uses the service's HTTP API, which asks for its bearer token. It is kept in this tab only (sessionStorage) and sent only to this service.</p>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={id}>API token</label>
          <input id={id} name="token" type="password" autoComplete="off" spellCheck={false} value={token} onChange={(e) => setToken(e.target.value)} aria-invalid={error !== undefined} {...(error !== undefined ? { 'aria-describedby': errorId } : {})} autoFocus />
          {error !== undefined && (
            <p id={errorId} className="error" role="alert">
              {error}
            </p>
          )}
        </div>
        <button type="submit">Open the console</button>
      </form>
    </main>
  );
}
