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
  /** Marks pushes read (agent.markRead; every tab of the identity hears of it). Unread ones only. */
  markRead(ids: readonly string[]): Promise<void>;
  /** Deletes pushes with their content (agent.deletePushes); gone from the view at once. */
  deletePushes(ids: readonly string[]): Promise<void>;
  /** Deletes every push of one app (agent.clearApp). */
  clearApp(appId: string): Promise<void>;
  /** Removes failed and complete transfers from the list (agent.clearFinishedTransfers). */
  clearFinishedTransfers(): Promise<void>;
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
    if (next === current) return;
    store.setState(next, true);
    // An inbox just became partial: its unread count must come from storage.
    if (next.partial !== current.partial) recountPartial();
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

  // Unread counts of apps whose inbox here is partial come from storage: counted again (once
  // for a burst of events) whenever pushes are stored, read or deleted.
  let recountTimer: ReturnType<typeof setTimeout> | undefined;
  const recountPartial = (): void => {
    if (disposed || recountTimer !== undefined) return;
    if (Object.keys(store.getState().partial).length === 0) return;
    recountTimer = setTimeout(() => {
      recountTimer = undefined;
      if (disposed) return;
      for (const appId of Object.keys(store.getState().partial)) {
        agent.unreadCount(appId).then(
          (count) => {
            if (!disposed) batcher.add({ type: 'unreadCounted', appId, count });
          },
          (error: unknown) => console.error(`counting unread pushes of ${appId} failed`, error),
        );
      }
    }, UI_UPDATE_INTERVAL_MS);
  };
  /** A user's action: applied now, after whatever is pending. */
  const applyNow = (action: AgentAction): void => {
    if (disposed) return;
    batcher.flush();
    apply([action]);
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
    agent.on('stored', (pushes) => {
      batcher.add({ type: 'stored', pushes });
      recountPartial();
    }),
    // Also from other tabs of this identity.
    agent.on('read', ({ ids }) => {
      batcher.add({ type: 'read', ids });
      recountPartial();
    }),
    agent.on('deleted', ({ ids }) => {
      batcher.add({ type: 'deleted', ids });
      recountPartial();
    }),
    agent.on('transfersRemoved', ({ ids }) => {
      for (const id of ids) removedTransfers.add(id);
      batcher.add({ type: 'transfersRemoved', ids });
    }),
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
    async markRead(ids) {
      const view = store.getState();
      const wanted = new Set(ids);
      const unread = Object.values(view.inboxes).flatMap((inbox) => inbox.filter((p) => wanted.has(p.id) && !p.read).map((p) => p.id));
      if (unread.length === 0) return;
      applyNow({ type: 'read', ids: unread });
      await agent.markRead(unread);
    },
    async deletePushes(ids) {
      await agent.deletePushes(ids);
      applyNow({ type: 'deleted', ids });
    },
    async clearApp(appId) {
      await agent.clearApp(appId);
      applyNow({ type: 'appCleared', appId });
    },
    async clearFinishedTransfers() {
      // The agent names what it removed ('transfersRemoved', in this tab too); shown at once.
      await agent.clearFinishedTransfers();
      if (!disposed) batcher.flush();
    },
    flush: () => batcher.flush(),
    dispose() {
      if (disposed) return;
      batcher.flush();
      disposed = true;
      if (recountTimer !== undefined) clearTimeout(recountTimer);
      for (const off of unsubscribe) off();
      batcher.dispose();
    },
  };
}
