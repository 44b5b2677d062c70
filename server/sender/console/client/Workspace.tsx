/**
 * Everything after the token gate: the live event stream feeding the pushes table, the
 * directory (refreshed on open, every DIRECTORY_REFRESH_MS and after each push), and the
 * compose form, whose state lives here so the directory's "Push to" buttons can fill it.
 */
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import type { PushView } from '../../service/http/summary.ts';
import { createConsoleApi, ConsoleApiError } from './api.ts';
import { Compose } from './Compose.tsx';
import { Directory } from './Directory.tsx';
import type { DirectoryState } from './directoryView.ts';
import { EMPTY_FORM, type ComposeForm } from './form.ts';
import { EMPTY_PUSHES, pushesReducer, unsettledIds } from './pushes.ts';
import { Pushes } from './Pushes.tsx';
import { followEvents, type StreamState } from './sse.ts';

/** How often the directory is read again while the console is open, ms. */
export const DIRECTORY_REFRESH_MS = 15_000;

export function Workspace({ token, onUnauthorized }: { token: string | null; onUnauthorized: () => void }) {
  const api = useMemo(() => createConsoleApi(token), [token]);
  const [pushes, dispatch] = useReducer(pushesReducer, EMPTY_PUSHES);
  const pushesRef = useRef(pushes);
  pushesRef.current = pushes;
  const [stream, setStream] = useState<StreamState>({ phase: 'connecting', attempt: 1 });
  const [directory, setDirectory] = useState<DirectoryState>({ receivers: [], loading: true });
  const [form, setForm] = useState<ComposeForm>(EMPTY_FORM);

  const failed = useCallback(
    (err: unknown): string => {
      if (err instanceof ConsoleApiError && err.status === 401) onUnauthorized();
      return err instanceof Error ? err.message : String(err);
    },
    [onUnauthorized],
  );

  const refreshDirectory = useCallback(async () => {
    setDirectory((d) => ({ ...d, loading: true }));
    try {
      const receivers = await api.receivers();
      setDirectory({ receivers, loading: false, refreshedAt: Date.now() });
    } catch (err) {
      const error = failed(err);
      setDirectory((d) => ({ ...d, loading: false, error }));
    }
  }, [api, failed]);

  useEffect(() => {
    void refreshDirectory();
    const timer = setInterval(() => void refreshDirectory(), DIRECTORY_REFRESH_MS);
    return () => clearInterval(timer);
  }, [refreshDirectory]);

  // The event stream; each time it (re)opens, the pushes still in progress are read again, so a
  // change made before the service subscribed this stream is not missed.
  useEffect(() => {
    const abort = new AbortController();
    void followEvents({
      token,
      signal: abort.signal,
      onEvent: (data) => dispatch({ type: 'change', change: data as never }),
      onState: (state) => {
        setStream(state);
        if (state.phase === 'unauthorized') onUnauthorized();
        if (state.phase === 'open') {
          for (const id of unsettledIds(pushesRef.current)) {
            api.push(id).then((push) => dispatch({ type: 'snapshot', push, origin: 'stream' }), () => undefined);
          }
        }
      },
    });
    return () => abort.abort();
  }, [api, token, onUnauthorized]);

  // A push first seen on the stream: read it once for its target, app and type.
  const fetched = useRef(new Set<string>());
  useEffect(() => {
    for (const id of pushes.order) {
      const push = pushes.byId[id]!;
      if (push.details || fetched.current.has(id)) continue;
      fetched.current.add(id);
      api.push(id).then((view) => dispatch({ type: 'snapshot', push: view, origin: 'stream' }), () => undefined);
    }
  }, [api, pushes]);

  const onSubmitted = useCallback(
    (push: PushView) => {
      dispatch({ type: 'snapshot', push, origin: 'console' });
      void refreshDirectory();
    },
    [refreshDirectory],
  );

  const pushTo = useCallback((target: string, terminal: string) => {
    setForm((f) => ({ ...f, target, terminal }));
    document.getElementById('compose-target')?.focus();
  }, []);

  return (
    <main className="workspace">
      <div className="columns">
        <Compose api={api} form={form} setForm={setForm} receivers={directory.receivers} onSubmitted={onSubmitted} onFailed={failed} />
        <Directory state={directory} onRefresh={() => void refreshDirectory()} onPushTo={pushTo} />
      </div>
      <Pushes state={pushes} stream={stream} />
    </main>
  );
}
