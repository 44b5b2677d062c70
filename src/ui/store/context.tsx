/**
 * Provides one agent's store to a React tree. Each provider has its own store, so several
 * agents (the page and an embedded widget) never collide.
 */
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { AgentStore } from './agentStore.ts';
import type { AgentView } from './reducers.ts';

const AgentStoreContext = createContext<AgentStore | null>(null);

export function AgentProvider({ store, children }: { store: AgentStore; children: ReactNode }) {
  return <AgentStoreContext.Provider value={store}>{children}</AgentStoreContext.Provider>;
}

export function useAgentStore(): AgentStore {
  const store = useContext(AgentStoreContext);
  if (!store) throw new Error('useAgentStore must be used inside <AgentProvider>');
  return store;
}

/** Subscribes to a slice of the agent's view; re-renders only when that slice changes (Object.is). */
export function useAgentView<T>(selector: (view: AgentView) => T): T {
  return useStore(useAgentStore().store, selector);
}
