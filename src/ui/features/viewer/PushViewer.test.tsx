import { describe, expect, it } from 'vitest';
import { push } from '../../../testing/fakeAgent.ts';
import { renderPushViewer } from '../../../testing/renderViewer.tsx';

// The first paint of each path (the opened content itself is covered by open.test.ts).
const render = renderPushViewer;

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
