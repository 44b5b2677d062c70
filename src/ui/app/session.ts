/**
 * One running agent and its store: create, register the configured apps with the generic
 * viewer, start; and stop. Side effects live here, outside components.
 */
import type { AgentConfig, PushAgent } from '../../agent/types.ts';
import { createAgentStore, type AgentStore, type AgentStoreOptions } from '../store/agentStore.ts';

export type CreateAgent = (config: AgentConfig) => PushAgent;

export interface Session {
  /** Distinguishes sessions across restarts (React key). */
  readonly id: number;
  readonly agent: PushAgent;
  readonly store: AgentStore;
  stop(): Promise<void>;
}

let sessionIds = 0;

export function startSession(config: AgentConfig, createAgent: CreateAgent, storeOptions?: AgentStoreOptions): Session {
  const agent = createAgent(config);
  const store = createAgentStore(agent, storeOptions);
  for (const app of config.apps ?? []) {
    // The generic viewer: the inbox is fed by 'stored' events, so the handler only tells
    // the store that the push reached its app.
    agent.registerApp({ ...app, handler: (push) => store.noteDispatched(push) });
  }
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
    stop() {
      stopped ??= agent.stop().finally(() => store.dispose());
      return stopped;
    },
  };
}
