/**
 * The full-page client: load the configuration, start the agent with every configured app
 * on the generic viewer, and render.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createPushAgent } from './agent/agent.ts';
import { DEFAULT_DB_PREFIX } from './agent/store/identityDb.ts';
import type { AgentConfig, PushAgent } from './agent/types.ts';
import { App } from './ui/app/App.tsx';
import { createShell } from './ui/app/shell.ts';
import { browserConfigSources, saveSettings } from './ui/config/browserSources.ts';
import './ui/styles.css';

async function createAgentFactory(): Promise<(config: AgentConfig) => PushAgent> {
  if (!__TEST_HOOKS__) return (config) => createPushAgent(config);
  // e2e builds only: tests hold group commits and watch dispatch through window.__sipPushTest.
  const { createCommitGate, installTestHooks } = await import('./agent/testHooks.ts');
  const gate = createCommitGate();
  return (config) => {
    const agent = createPushAgent(config, { beforeCommit: () => gate.wait() });
    installTestHooks(agent, gate, DEFAULT_DB_PREFIX);
    return agent;
  };
}

const shell = createShell({
  sources: browserConfigSources(),
  origin: window.location.origin,
  createAgent: await createAgentFactory(),
  saveSettings,
});

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App shell={shell} />
  </StrictMode>,
);

void shell.boot();
