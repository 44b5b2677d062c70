/**
 * The widget's rows, rendered to static markup: Service Indications and Loadings show their
 * text and href, a link only for http(s) and not expired, their markup as text; other pushes
 * keep their preview. (Which SIs are listed is useListedPushes' job: indications.test.ts.)
 */
import { renderToStaticMarkup } from 'react-dom/server';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StoredPush } from '../../agent/types.ts';
import { push } from '../../testing/fakeAgent.ts';
import { loadServiceCodec, type ServiceCodec } from '../../ui/features/viewer/serviceCodec.ts';
import { PushRowList } from './Widget.tsx';

const bytes = (text: string) => new TextEncoder().encode(text);
const si = (attributes: string, text: string) => bytes(`<?xml version="1.0"?><si><indication ${attributes}>${text}</indication></si>`);
let codec: ServiceCodec;
const rows = (pushes: StoredPush[], withCodec: ServiceCodec | null = codec) => renderToStaticMarkup(<PushRowList appId="wml.ua" pushes={pushes} codec={withCodec} />);

describe('Widget rows', () => {
  beforeAll(async () => {
    codec = await loadServiceCodec();
  });

  it('an SI shows its text and its https href as a link; its markup stays text', () => {
    const html = rows([push({ appId: 'wml.ua', contentType: 'text/vnd.wap.si', content: si('href="https://example.com/a" si-id="n1"', '&lt;b&gt;News&lt;/b&gt; ready') })]);
    expect(html).toContain('&lt;b&gt;News&lt;/b&gt; ready');
    expect(html).not.toContain('<b>');
    expect(html).toMatch(/<a href="https:\/\/example.com\/a" target="_blank" rel="noopener noreferrer" data-testid="widget-push-link">https:\/\/example.com\/a<\/a>/);
    expect(html).not.toContain('&lt;indication');
  });

  it('a javascript: or expired href is text, never a link', () => {
    const html = rows([
      push({ appId: 'wml.ua', contentType: 'text/vnd.wap.si', content: si('href="javascript:alert(1)"', 'one') }),
      push({ appId: 'wml.ua', contentType: 'text/vnd.wap.si', content: si('href="https://old.example/" si-expires="2001-01-01T00:00:00Z"', 'two') }),
    ]);
    expect(html).not.toContain('<a ');
    expect(html).toContain('javascript:alert(1)');
    expect(html).toContain('two (expired)');
  });

  it('an SL with no text shows its heading and href', () => {
    const html = rows([push({ appId: 'wml.ua', contentType: 'text/vnd.wap.sl', content: bytes('<?xml version="1.0"?><sl href="https://example.com/load" action="execute-high"/>') })]);
    expect(html).toContain('Service loading');
    expect(html).toContain('data-testid="widget-push-link">https://example.com/load</a>');
  });

  it('before the codec has loaded, and for other pushes, the text preview', () => {
    const indication = push({ appId: 'wml.ua', contentType: 'text/vnd.wap.si', content: si('href="https://example.com/"', 'soon') });
    expect(rows([indication], null)).toContain('&lt;indication');
    expect(rows([push({ appId: 'wml.ua', content: bytes('plain words') })])).toContain('plain words');
  });
});
