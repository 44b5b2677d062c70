/**
 * Renders the widget into a shadow root: its styles in a <style> of that root, the React
 * tree under a wrapper that resets what the host would otherwise pass in by inheritance.
 */
import { createRoot } from 'react-dom/client';
import type { PushAgent } from '../../agent/types.ts';
import { createAgentStore, type AgentStore } from '../../ui/store/agentStore.ts';
import { AgentProvider } from '../../ui/store/context.tsx';
import css from './widget.css?inline';
import { Widget } from './Widget.tsx';

export interface RenderedWidget {
  readonly store: AgentStore;
  /** Unmounts React, unsubscribes the view from the agent and empties the shadow root. */
  dispose(): void;
}

export function renderWidget(shadow: ShadowRoot, agent: PushAgent, title = 'SIP Push receiver'): RenderedWidget {
  const style = document.createElement('style');
  style.textContent = css;
  const container = document.createElement('div');
  container.className = 'spr-root';
  shadow.replaceChildren(style, container);
  const store = createAgentStore(agent);
  store.syncApps();
  const root = createRoot(container);
  root.render(
    <AgentProvider store={store}>
      <Widget title={title} />
    </AgentProvider>,
  );
  return {
    store,
    dispose() {
      root.unmount();
      store.dispose();
      shadow.replaceChildren();
    },
  };
}
