/**
 * One vanilla zustand store per agent instance (so an embedded widget never shares state with
 * the host page or another widget). Agent events are queued and applied once per animation
 * frame: a burst of 'stored' events renders once.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { PushAgent, StoredPush } from '../../agent/types.ts';
import { createBatcher, throttledFrameScheduler, type Scheduler } from './batcher.ts';
import { DEFAULT_VIEW_LIMITS, initialView, reduceAll, type AgentAction, type AgentView, type ViewLimits } from './reducers.ts';

export interface AgentStoreOptions {
  schedule?: Scheduler;
  limits?: Partial<ViewLimits>;
  /** Clock for the rejected log. */
  now?: () => number;
}

export interface AgentStore {
  readonly store: StoreApi<AgentView>;
  readonly agent: PushAgent;
  /** Shows an app's inbox. */
  select(appId: string): void;
  /** Marks a push as taken by its app without waiting for the agent's 'dispatched' event (for in-page handlers). */
  noteDispatched(push: StoredPush): void;
  /** Re-reads the agent's app list and loads the inbox of any app not loaded yet. */
  syncApps(): void;
  /**
   * Deletes a transfer and its stored content (agent.deleteTransfer), then removes it from the
   * view at once. Rejects, leaving the view as it was, when the agent cannot delete it.
   */
  dismissTransfer(id: string): Promise<void>;
  /** Applies pending events now (tests, and before tearing down). */
  flush(): void;
  /** Unsubscribes from the agent; the store keeps its last state. */
  dispose(): void;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Most view updates per second come from agent events: one per this many milliseconds. */
export const UI_UPDATE_INTERVAL_MS = 100;

export function createAgentStore(agent: PushAgent, options: AgentStoreOptions = {}): AgentStore {
  const limits: ViewLimits = { ...DEFAULT_VIEW_LIMITS, ...options.limits };
  const now = options.now ?? Date.now;
  const store = createStore<AgentView>()(() => initialView(agent.state));
  let disposed = false;

  const apply = (actions: AgentAction[]): void => {
    const current = store.getState();
    const next = reduceAll(current, actions, limits);
    if (next !== current) store.setState(next, true);
  };
  const batcher = createBatcher<AgentAction>(apply, options.schedule ?? throttledFrameScheduler(UI_UPDATE_INTERVAL_MS));
  const requested = new Set<string>();

  const loadInbox = (appId: string): void => {
    if (requested.has(appId)) return;
    requested.add(appId);
    agent.listPushes(appId, { limit: limits.inboxLimit }).then(
      (pushes) => {
        if (!disposed) batcher.add({ type: 'inboxLoaded', appId, pushes });
      },
      (error: unknown) => {
        requested.delete(appId);
        if (!disposed) batcher.add({ type: 'inboxFailed', appId, message: errorMessage(error) });
      },
    );
  };

  // Transfers the user dismissed: a list read that started before the delete must not bring one back.
  const removedTransfers = new Set<string>();
  let transfersRequested = false;
  const loadTransfers = (): void => {
    if (transfersRequested || disposed) return;
    transfersRequested = true;
    agent.listTransfers().then(
      (transfers) => {
        if (!disposed) batcher.add({ type: 'transfersLoaded', transfers: transfers.filter((t) => !removedTransfers.has(t.id)) });
      },
      (error: unknown) => {
        // Retried on the agent's next state change.
        transfersRequested = false;
        if (!disposed) batcher.add({ type: 'transfersFailed', message: errorMessage(error) });
      },
    );
  };

  const syncApps = (): void => {
    if (disposed) return;
    const apps = agent.apps();
    batcher.add({ type: 'apps', apps });
    for (const app of apps) loadInbox(app.id);
  };

  let lastPhase = agent.state.phase;
  const unsubscribe = [
    agent.on('state', (state) => {
      // This tab took over from another (or began to follow one): a push the old owner stored
      // without posting it (it closed in between) is only in storage, so read the lists again.
      if ((state.phase === 'following') !== (lastPhase === 'following')) {
        requested.clear();
        transfersRequested = false;
      }
      lastPhase = state.phase;
      batcher.add({ type: 'state', state });
      syncApps();
      loadTransfers();
    }),
    agent.on('stored', (pushes) => batcher.add({ type: 'stored', pushes })),
    agent.on('dispatched', (push) => batcher.add({ type: 'dispatched', push })),
    agent.on('rejected', (event) => batcher.add({ type: 'rejected', ...event, at: now() })),
    // Progress comes at most every 100 ms per transfer; the batcher applies all of a tick's
    // reports in one state update (one render), however many transfers are running.
    agent.on('transfer', (progress) => {
      if (!removedTransfers.has(progress.id)) batcher.add({ type: 'transfer', progress });
    }),
  ];
  loadTransfers();

  return {
    store,
    agent,
    select(appId) {
      // A click is applied at once (after whatever is pending), not on the next frame.
      batcher.flush();
      apply([{ type: 'select', appId }]);
    },
    noteDispatched: (push) => batcher.add({ type: 'dispatched', push: { id: push.id, appId: push.appId } }),
    syncApps,
    async dismissTransfer(id) {
      await agent.deleteTransfer(id);
      removedTransfers.add(id);
      if (disposed) return;
      // Like a click: applied now, after whatever is pending (which may still mention it).
      batcher.flush();
      apply([{ type: 'transferRemoved', id }]);
    },
    flush: () => batcher.flush(),
    dispose() {
      if (disposed) return;
      batcher.flush();
      disposed = true;
      for (const off of unsubscribe) off();
      batcher.dispose();
    },
  };
}
