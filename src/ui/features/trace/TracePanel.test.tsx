import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { fakeAgent } from '../../../testing/fakeAgent.ts';
import { MAX_TRACE_ROWS, TracePanel } from './TracePanel.tsx';

const message = (n: number, body = `push ${n}`) => `MESSAGE sip:alice@localhost SIP/2.0\r\nCSeq: ${n} MESSAGE\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

describe('TracePanel (first render)', () => {
  it('shows recorded frames newest first, first lines as text', () => {
    const agent = fakeAgent();
    agent.trace.enable(true);
    agent.trace.sip('in', message(1, '<img src=x onerror=alert(1)>'));
    agent.trace.sip('out', 'SIP/2.0 200 OK\r\nCSeq: 1 MESSAGE\r\n\r\n');
    const html = renderToStaticMarkup(<TracePanel agent={agent} />);
    expect(html.indexOf('SIP/2.0 200 OK')).toBeLessThan(html.indexOf('MESSAGE sip:alice@localhost'));
    expect(html).toContain('data-direction="out" data-method="MESSAGE" data-status="200"');
    expect(html).toContain('2 frames kept (at most 1000)');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('data-testid="trace-elsewhere"');
  });

  it(`renders at most ${MAX_TRACE_ROWS} rows and says export takes all`, () => {
    const agent = fakeAgent();
    agent.trace.enable(true);
    for (let i = 1; i <= MAX_TRACE_ROWS + 5; i++) agent.trace.sip('in', message(i));
    const html = renderToStaticMarkup(<TracePanel agent={agent} />);
    expect(html.match(/data-testid="trace-entry"/g)).toHaveLength(MAX_TRACE_ROWS);
    expect(html).toContain(`Showing the newest ${MAX_TRACE_ROWS} of ${MAX_TRACE_ROWS + 5} matching frames`);
  });

  it('in a following tab, says the trace is in the owning tab', () => {
    const agent = fakeAgent();
    agent.emit('state', { phase: 'following', registeredApps: [] });
    expect(renderToStaticMarkup(<TracePanel agent={agent} />)).toContain('data-testid="trace-elsewhere"');
  });
});
