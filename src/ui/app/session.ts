/**
 * One running agent and its store: create, start, and stop. Side effects live here, outside components.
 */
import type { AgentConfig, PushAgent } from '../../agent/types.ts';
import { createNotifications, localPrefsStorage, type NotificationApi, type Notifications } from '../features/notifications/notifications.ts';
import { createAgentStore, type AgentStore, type AgentStoreOptions } from '../store/agentStore.ts';

export type CreateAgent = (config: AgentConfig) => PushAgent;

export interface Session {
  /** Distinguishes sessions across restarts (React key). */
  readonly id: number;
  readonly agent: PushAgent;
  readonly store: AgentStore;
  /** Browser notifications for new pushes, per app (off until the user turns one on). */
  readonly notifications: Notifications;
  stop(): Promise<void>;
}

let sessionIds = 0;

export function startSession(config: AgentConfig, createAgent: CreateAgent, storeOptions?: AgentStoreOptions, notificationApi?: NotificationApi): Session {
  const agent = createAgent(config);
  const store = createAgentStore(agent, storeOptions);
  const notifications = createNotifications(agent, localPrefsStorage(config.aor), notificationApi);
  // Configured apps are declared to the agent through config.apps: announced, accepted,
  // stored and shown by the generic viewer (the inbox, fed by 'stored' events). They get no
  // handler here, so an in-page app registering one of these IDs later still receives every
  // stored push it has not seen (src/agent/agent.ts).
  store.syncApps();
  agent.start().catch((error: unknown) => {
    // The failure is also the agent's state ('failed', with its reason), which the UI shows.
    console.error('push agent failed to start', error);
  });
  let stopped: Promise<void> | null = null;
  return {
    id: ++sessionIds,
    agent,
    store,
    notifications,
    stop() {
      notifications.dispose();
      stopped ??= agent.stop().finally(() => store.dispose());
      return stopped;
    },
  };
}
