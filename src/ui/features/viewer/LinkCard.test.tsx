import { renderToStaticMarkup } from 'react-dom/server';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServiceContent } from '../../../protocol/si/model.ts';
import { push } from '../../../testing/fakeAgent.ts';
import { renderPushViewer } from '../../../testing/renderViewer.tsx';
import { linkCardOf } from './linkCard.ts';
import { LinkCardView } from './LinkCard.tsx';
import { loadServiceCodec } from './serviceCodec.ts';

const NOW = Date.parse('2024-06-01T12:00:00Z');

const si = (over: Partial<Extract<ServiceContent, { kind: 'si' }>> = {}): ServiceContent => ({ kind: 'si', action: 'signal-medium', text: 'You have 4 new emails', info: [], ...over });

describe('linkCardOf', () => {
  const cases: { name: string; content: ServiceContent; want: Record<string, unknown>; absent?: string[] }[] = [
    {
      name: 'an https SI with dates: a link, not expired',
      content: si({ href: 'https://www.xyz.com/a', siId: 'https://www.xyz.com/a', created: '2024-05-01T00:00:00Z', expires: '2024-07-01T00:00:00Z' }),
      want: { kind: 'si', heading: 'Service indication', linkHref: 'https://www.xyz.com/a', expired: false, created: { iso: '2024-05-01T00:00:00Z', ms: Date.parse('2024-05-01T00:00:00Z') } },
      absent: ['hrefNote'],
    },
    { name: 'an expired SI: no link, marked', content: si({ href: 'http://a.example/', expires: '2024-06-01T12:00:00Z' }), want: { expired: true, href: 'http://a.example/', hrefNote: 'Expired: the link is no longer offered' }, absent: ['linkHref'] },
    { name: 'a javascript: href: text only', content: si({ href: 'javascript:alert(1)' }), want: { href: 'javascript:alert(1)', hrefNote: 'Not an http or https link: shown as text only' }, absent: ['linkHref'] },
    { name: 'a data: href: text only', content: si({ href: 'data:text/html,<script>alert(1)</script>' }), want: { hrefNote: 'Not an http or https link: shown as text only' }, absent: ['linkHref'] },
    { name: 'a delete: no link', content: si({ href: 'http://a.example/', siId: 'x', action: 'delete' }), want: { action: 'delete', actionLabel: 'Deletes the earlier indication with this ID', siId: 'x' }, absent: ['linkHref'] },
    { name: 'an SL execute-high: shown, never opened', content: { kind: 'sl', href: 'https://a.example/', action: 'execute-high' }, want: { kind: 'sl', heading: 'Service loading', linkHref: 'https://a.example/', actionLabel: 'Load (high priority); not opened automatically here' } },
    { name: 'an SL to wtai: text only', content: { kind: 'sl', href: 'wtai://wp/mc;123', action: 'cache' }, want: { href: 'wtai://wp/mc;123', hrefNote: 'Not an http or https link: shown as text only' }, absent: ['linkHref'] },
  ];
  it.each(cases)('$name', ({ content, want, absent = [] }) => {
    const card = linkCardOf(content, NOW);
    expect(card).toMatchObject(want);
    for (const key of absent) expect(card).not.toHaveProperty(key);
  });
});

describe('LinkCardView', () => {
  it('shows text, href as a safe link, action, dates and info as text nodes', () => {
    const html = renderToStaticMarkup(
      <LinkCardView
        pushId="p1"
        card={linkCardOf(si({ href: 'https://www.xyz.com/<b>', siId: 'n1', created: '2024-05-01T00:00:00Z', expires: '2024-07-01T00:00:00Z', text: '<img src=x onerror=alert(1)>', info: [{ class: 'price', text: '<i>10</i>' }] }), NOW)}
      />,
    );
    expect(html).toContain('aria-labelledby="link-card-p1"');
    expect(html).toContain('<h3 id="link-card-p1" class="link-card-heading">Service indication</h3>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<i>');
    expect(html).toMatch(/<a href="https:\/\/www.xyz.com\/&lt;b&gt;" target="_blank" rel="noopener noreferrer" data-testid="link-card-link">/);
    expect(html).toContain('data-action="signal-medium"');
    expect(html).toContain('<time dateTime="2024-05-01T00:00:00Z" data-testid="link-card-created">');
    expect(html).toContain('<dt>Expires</dt>');
    expect(html).toContain('data-expired="false"');
    expect(html).not.toContain('link-card-expired');
  });

  it('shows an expired or non-http(s) href as code, never as a link', () => {
    for (const content of [si({ href: 'http://a.example/', expires: '2020-01-01T00:00:00Z' }), si({ href: 'javascript:alert(1)' }), si({ href: 'data:text/html,x' })]) {
      const html = renderToStaticMarkup(<LinkCardView pushId="p" card={linkCardOf(content, NOW)} />);
      expect(html).not.toContain('<a ');
      expect(html).toContain('data-testid="link-card-href"');
    }
    const expired = renderToStaticMarkup(<LinkCardView pushId="p" card={linkCardOf(si({ href: 'http://a.example/', expires: '2020-01-01T00:00:00Z' }), NOW)} />);
    expect(expired).toContain('data-testid="link-card-expired"');
    expect(expired).toContain('<dt>Expired</dt>');
    expect(expired).toContain('data-expired="true"');
  });
});

// The first paint of each path (the opened content itself is covered by open.test.ts).
const render = renderPushViewer;

describe('PushViewer with SI/SL content', () => {
  beforeAll(async () => {
    await loadServiceCodec();
  });

  it('shows a text/vnd.wap.si push as a link card', () => {
    const xml = '<si><indication href="http://www.xyz.com/email/123/abc.wml" si-expires="2999-01-01T00:00:00Z">You have 4 new emails</indication></si>';
    const html = render(push({ contentType: 'text/vnd.wap.si', content: new TextEncoder().encode(xml) }));
    expect(html).toContain('data-kind="link-card" data-card="si" data-state="ready"');
    expect(html).toContain('You have 4 new emails');
    expect(html).toContain('href="http://www.xyz.com/email/123/abc.wml" target="_blank" rel="noopener noreferrer"');
  });

  it('shows an application/vnd.wap.slc push as a link card', () => {
    const wbxml = Uint8Array.from([0x02, 0x06, 0x6a, 0x00, 0x85, 0x0b, 0x03, 0x61, 0x00, 0x87, 0x07, 0x01]);
    const html = render(push({ contentType: 'application/vnd.wap.slc', content: wbxml }));
    expect(html).toContain('data-card="sl"');
    expect(html).toContain('href="https://a.net/"');
    expect(html).toContain('data-action="cache"');
  });

  it('says why a malformed SI cannot be shown, as text', () => {
    const html = render(push({ contentType: 'text/vnd.wap.si', content: new TextEncoder().encode('<si><indication>&x;</indication></si>') }));
    expect(html).toContain('data-state="error"');
    expect(html).toContain('role="alert"');
    expect(html).toContain('Could not read this text/vnd.wap.si: Entity reference &amp;x;');
  });
});
