import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { StoredPush } from '../../../agent/types.ts';
import { createAgentStore } from '../../store/agentStore.ts';
import { AgentProvider } from '../../store/context.tsx';
import { fakeAgent, push } from '../../../testing/fakeAgent.ts';
import { manualScheduler } from '../../../testing/manualScheduler.ts';
import { PushViewer } from './PushViewer.tsx';

// Server rendering runs no effects: this shows the first paint of each path (the opened
// content itself is covered by open.test.ts).
function render(p: StoredPush): string {
  const store = createAgentStore(fakeAgent(), { schedule: manualScheduler().schedule });
  return renderToStaticMarkup(
    <AgentProvider store={store}>
      <PushViewer push={p} />
    </AgentProvider>,
  );
}

describe('PushViewer', () => {
  it('shows a MESSAGE push from its content, at once', () => {
    const html = render(push({ content: new TextEncoder().encode('<b>hi</b>') }));
    expect(html).toContain('data-testid="push-content" data-kind="text" data-state="ready">&lt;b&gt;hi&lt;/b&gt;</pre>');
  });

  it('opens an MSRP push through the agent instead of its (empty) content', () => {
    const p = push({ via: 'msrp', content: new Uint8Array(0), size: 50_000_000, contentType: 'text/plain' });
    const html = render({ ...p, dedupKey: 'msrp:t1' });
    expect(html).toContain('data-testid="push-content" data-kind="text" data-state="loading"');
    expect(html).toContain('Opening 50.0 MB…');
    expect(html).not.toContain('<pre');
  });

  it('bounds a long MESSAGE text and says so', () => {
    const html = render(push({ content: new TextEncoder().encode('y'.repeat(70 * 1024)) }));
    expect(html).toContain('data-testid="viewer-truncated"');
    expect(html).toContain('Showing the first 65.5 kB of 71.7 kB');
  });
});
