/** Opens an MSRP push's content through the agent while the viewer is mounted. */
import { useEffect, useState } from 'react';
import type { PushAgent, StoredPush } from '../../../agent/types.ts';
import { openForViewer, type OpenedContent } from './open.ts';

export type OpenState = { status: 'loading' } | { status: 'ready'; content: OpenedContent } | { status: 'error'; message: string };

const LOADING: OpenState = { status: 'loading' };

export function useOpenedContent(source: Pick<PushAgent, 'openContent'>, push: StoredPush): OpenState {
  const [state, setState] = useState<{ id: string; value: OpenState } | null>(null);
  const id = push.id;
  useEffect(() => {
    let live = true;
    // Keyed by ID: a stored push's content never changes (a new object for the same push,
    // e.g. once dispatched, must not open it again).
    openForViewer(source, push).then(
      (content) => {
        if (live) setState({ id, value: { status: 'ready', content } });
      },
      (error: unknown) => {
        if (live) setState({ id, value: { status: 'error', message: error instanceof Error ? error.message : String(error) } });
      },
    );
    return () => {
      live = false;
    };
  }, [source, id]);
  return state !== null && state.id === id ? state.value : LOADING;
}
