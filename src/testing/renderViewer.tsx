/**
 * The push viewer rendered to static markup with a fake agent (server rendering runs no
 * effects: this is the first paint), for the viewer's tests.
 */
import { renderToStaticMarkup } from 'react-dom/server';
import type { StoredPush } from '../agent/types.ts';
import { createAgentStore } from '../ui/store/agentStore.ts';
import { AgentProvider } from '../ui/store/context.tsx';
import { PushViewer } from '../ui/features/viewer/PushViewer.tsx';
import { fakeAgent } from './fakeAgent.ts';
import { manualScheduler } from './manualScheduler.ts';

export function renderPushViewer(p: StoredPush): string {
  const store = createAgentStore(fakeAgent(), { schedule: manualScheduler().schedule });
  return renderToStaticMarkup(
    <AgentProvider store={store}>
      <PushViewer push={p} />
    </AgentProvider>,
  );
}
