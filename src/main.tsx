/**
 * The full-page client: load the configuration, start the agent with every configured app
 * on the generic viewer, and render.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createPushAgent } from './agent/agent.ts';
import { App } from './ui/app/App.tsx';
import { createShell } from './ui/app/shell.ts';
import { browserConfigSources, saveSettings } from './ui/config/browserSources.ts';
import './ui/styles.css';

const shell = createShell({
  sources: browserConfigSources(),
  origin: window.location.origin,
  createAgent: (config) => createPushAgent(config),
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
