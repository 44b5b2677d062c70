/**
 * The receiver embedded in a host page of another origin (issue 11, item 1): the custom
 * element, mount() and the iframe embed each register, take a push for an app the host page
 * registered and hand it over as a typed push object; the host's aggressive styles change
 * nothing inside the widget and the widget's nothing outside; the frame ignores messages from
 * a wrong origin or window; a second instance on the page has its own store.
 */
import type { Page } from '@playwright/test';
import { settled } from '../server/testing/settled.ts';
import { expect } from './fixtures/test.ts';
import {
  AGGRESSIVE_HOST_STYLES,
  CONFIGURE_ELEMENT,
  configOf,
  hostPageHtml,
  hostTest,
  OUTSIDE_PROBE,
  OUTSIDE_PROPERTIES,
  RECORD_PUSHES,
  STYLE_PROPERTIES,
  WIDGET_STYLE_PROBES,
} from './embedHost.ts';

const APP = 'news.ua';

type Styles = Record<string, Record<string, string>>;

/** Computed styles of each probe inside the widget (Playwright's CSS reaches into open shadow roots). */
async function widgetStyles(page: Page, scope: string): Promise<Styles> {
  const result: Styles = {};
  for (const probe of WIDGET_STYLE_PROBES) {
    result[probe] = await page
      .locator(`${scope} ${probe}`)
      .first()
      .evaluate((el, props) => Object.fromEntries(props.map((p) => [p, getComputedStyle(el).getPropertyValue(p)])), [...STYLE_PROPERTIES]);
  }
  return result;
}

async function outsideStyles(page: Page): Promise<Record<string, string>> {
  return page.locator('#outside').evaluate((el, props) => Object.fromEntries(props.map((p) => [p, getComputedStyle(el).getPropertyValue(p)])), [...OUTSIDE_PROPERTIES]);
}

interface Received {
  how: string;
  appId: string;
  from: string;
  contentType: string;
  size: number;
  via: string;
  text?: string;
  json?: unknown;
  blob: { size: number; text: string };
}

const received = (page: Page) => page.evaluate(() => (window as unknown as { received: Received[] }).received);

/** The push a host handler got, as plain data, for a JSON push of `body`. */
function expectedPush(how: string, from: string, body: object) {
  const text = JSON.stringify(body);
  return { how, id: expect.any(String), appId: APP, from, contentType: 'application/json', size: text.length, via: 'message', text, json: body, blob: { size: text.length, text } };
}

/** Styles inside unchanged by the host's, then (the host's styles gone) the widget's none outside. */
async function expectStyleIsolation(page: Page, scope: string, removeWidget: () => Promise<void>) {
  const underHostStyles = await widgetStyles(page, scope);
  await page.evaluate(() => document.getElementById('host-styles')!.remove());
  expect(await widgetStyles(page, scope)).toEqual(underHostStyles);
  // Sanity: the widget's own styles are what applied.
  expect(underHostStyles['[data-testid=widget-push]']).toMatchObject({ display: 'grid', 'font-size': '14px', 'text-transform': 'none', 'letter-spacing': 'normal' });
  expect(underHostStyles['[data-testid=widget-phase]']!.color).not.toBe('rgb(255, 0, 0)');

  const withWidget = await outsideStyles(page);
  expect(withWidget).toMatchObject({ position: 'static', 'border-top-left-radius': '0px', 'white-space': 'normal' });
  await removeWidget();
  expect(await outsideStyles(page)).toEqual(withWidget);
}

const styled = (css: string) => `<style id="host-styles">${css}</style>`;

hostTest.describe('embedding in a host page of another origin', () => {
  hostTest('<sip-push-receiver>: registers, hands a push to the host\'s app and as an event, styles isolated both ways', async ({ page, host, client, core, sender }) => {
    const identity = core.newReceiver();
    host.page(
      '/element.html',
      hostPageHtml({
        client,
        body: `${styled(AGGRESSIVE_HOST_STYLES)}${OUTSIDE_PROBE}<sip-push-receiver id="receiver" instance="element"></sip-push-receiver>`,
        script: `
          import '${client}/src/embed/define.ts';
          ${RECORD_PUSHES}
          const config = ${JSON.stringify(configOf(core, identity))};
          const el = document.getElementById('receiver');
          window.states = [];
          el.addEventListener('sip-push:state', (e) => window.states.push(e.detail));
          el.addEventListener('sip-push:push', (e) => window.record(e.detail, 'event'));
          el.registerApp({ id: '${APP}', accept: ['application/json'], handler: (push) => window.record(push, 'handler') });
          ${CONFIGURE_ELEMENT}
        `,
      }),
    );
    await page.goto(`${host.origin}/element.html`);
    const widget = page.locator('sip-push-receiver');
    await expect(widget.getByTestId('widget-phase')).toHaveAttribute('data-phase', 'registered');
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { states: Array<{ phase: string; registeredApps: string[] }> }).states.some((s) => s.phase === 'registered' && s.registeredApps.includes('news.ua'))))
      .toBe(true);

    const body = { title: 'Hello, host page' };
    expect((await sender.sendPush({ to: identity.aor, app: APP, contentType: 'application/json', body: JSON.stringify(body) })).status).toBe(200);
    await expect.poll(() => received(page)).toEqual(expect.arrayContaining([expectedPush('handler', core.sender.aor, body), expectedPush('event', core.sender.aor, body)]));
    await expect(widget.getByTestId('widget-push')).toHaveCount(1);
    await expect(widget.getByTestId('widget-push-text')).toHaveText(JSON.stringify(body));
    // The UAProf URL it published is absolute (a relative one means nothing at the core).
    await expect.poll(async () => (await core.bindings(identity.aor)).map((b) => b.contact).join(' ')).toMatch(/https?:\/\/[^"<>]+uaprof\.rdf/);

    await expectStyleIsolation(page, 'sip-push-receiver', () => page.evaluate(() => document.getElementById('receiver')!.remove()));
  });

  hostTest('mount(): registers, hands a push to the host\'s app, styles isolated both ways; unmount removes it', async ({ page, host, client, core, sender }) => {
    const identity = core.newReceiver();
    host.page(
      '/mount.html',
      hostPageHtml({
        client,
        body: `${styled(AGGRESSIVE_HOST_STYLES)}${OUTSIDE_PROBE}<div id="slot"></div>`,
        script: `
          import { mount } from '${client}/src/embed/index.ts';
          ${RECORD_PUSHES}
          window.states = [];
          const handle = mount(document.getElementById('slot'), { ...${JSON.stringify(configOf(core, identity))}, instance: 'mounted' });
          handle.on('state', (s) => window.states.push(s));
          handle.on('push', (push) => window.record(push, 'event'));
          handle.registerApp({ id: '${APP}', accept: ['application/json'], handler: (push) => window.record(push, 'handler') });
          window.handle = handle;
        `,
      }),
    );
    await page.goto(`${host.origin}/mount.html`);
    const widget = page.locator('[data-sip-push-receiver]');
    await expect(widget.getByTestId('widget-phase')).toHaveAttribute('data-phase', 'registered');
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { states: Array<{ phase: string; registeredApps: string[] }> }).states.some((s) => s.phase === 'registered' && s.registeredApps.includes('news.ua'))))
      .toBe(true);

    const body = { title: 'Mounted', n: 1 };
    expect((await sender.sendPush({ to: identity.aor, app: APP, contentType: 'application/json', body: JSON.stringify(body) })).status).toBe(200);
    await expect.poll(() => received(page)).toEqual(expect.arrayContaining([expectedPush('handler', core.sender.aor, body), expectedPush('event', core.sender.aor, body)]));
    await expect(widget.getByTestId('widget-push-text')).toHaveText(JSON.stringify(body));
    // History from IndexedDB as push objects; read state.
    const history = await page.evaluate(async () => {
      const handle = (window as unknown as { handle: { listPushes: (a: string) => Promise<Array<{ id: string; json: unknown; read: boolean }>>; markRead: (ids: string[]) => Promise<void>; unreadCount: (a: string) => Promise<number> } }).handle;
      const pushes = await handle.listPushes('news.ua');
      const before = await handle.unreadCount('news.ua');
      await handle.markRead(pushes.map((p) => p.id));
      return { json: pushes.map((p) => p.json), before, after: await handle.unreadCount('news.ua') };
    });
    expect(history).toEqual({ json: [body], before: 1, after: 0 });

    await expectStyleIsolation(page, '[data-sip-push-receiver]', async () => {
      await page.evaluate(() => (window as unknown as { handle: { unmount: () => Promise<void> } }).handle.unmount());
      await expect(page.locator('[data-sip-push-receiver]')).toHaveCount(0);
    });
  });

  hostTest('a second instance on the page has its own store and registration', async ({ page, host, client, core, sender }) => {
    const identity = core.newReceiver();
    host.page(
      '/two.html',
      hostPageHtml({
        client,
        body: '<div id="one"></div><div id="two"></div>',
        script: `
          import { mount } from '${client}/src/embed/index.ts';
          ${RECORD_PUSHES}
          const config = ${JSON.stringify(configOf(core, identity))};
          window.one = mount(document.getElementById('one'), { ...config, instance: 'one' });
          window.two = mount(document.getElementById('two'), { ...config, instance: 'two' });
          window.one.registerApp({ id: '${APP}', accept: ['application/json'], handler: (push) => window.record(push, 'one') });
        `,
      }),
    );
    await page.goto(`${host.origin}/two.html`);
    // Both own a registration: neither follows the other, as two tabs of one store would.
    await expect(page.locator('[data-sip-push-receiver=one]').getByTestId('widget-phase')).toHaveAttribute('data-phase', 'registered');
    await expect(page.locator('[data-sip-push-receiver=two]').getByTestId('widget-phase')).toHaveAttribute('data-phase', 'registered');
    await expect.poll(async () => (await core.bindings(identity.aor)).length).toBe(2);
    await expect.poll(async () => (await core.bindings(identity.aor)).some((b) => b.pushApps.includes(APP))).toBe(true);

    const body = { only: 'one' };
    expect((await sender.sendPush({ to: identity.aor, app: APP, contentType: 'application/json', body: JSON.stringify(body) })).status).toBe(200);
    await expect.poll(() => received(page)).toEqual([expectedPush('one', core.sender.aor, body)]);
    await settled();
    const stores = await page.evaluate(async () => {
      type H = { listPushes: (a: string) => Promise<unknown[]>; agent: { state: { instanceId?: string } } };
      const w = window as unknown as { one: H; two: H };
      return {
        one: (await w.one.listPushes('news.ua')).length,
        two: (await w.two.listPushes('news.ua')).length,
        distinctInstances: w.one.agent.state.instanceId !== w.two.agent.state.instanceId,
        databases: (await indexedDB.databases()).map((d) => d.name).filter((n) => n?.startsWith('sip-push-embed:')),
      };
    });
    expect(stores.one).toBe(1);
    expect(stores.two).toBe(0);
    expect(stores.distinctInstances).toBe(true);
    expect(stores.databases).toEqual(expect.arrayContaining([expect.stringMatching(/^sip-push-embed:one:sip:/), expect.stringMatching(/^sip-push-embed:two:sip:/)]));
  });

  hostTest('iframe embed: registers an app for its parent and posts its pushes; messages from another origin or window are ignored', async ({ page, host, client, core, sender }) => {
    const identity = core.newReceiver();
    // A frame of another origin inside the host page, posting to the receiver frame as if it were the host.
    host.page(
      '/intruder.html',
      `<!doctype html><title>Intruder</title><script>
        const receiver = parent.frames[0];
        for (const origin of ['*']) receiver.postMessage({ source: 'sip-push', type: 'request', id: 1, call: 'registerApp', args: [{ id: 'evil.ua', accept: ['*/*'] }] }, origin);
        parent.postMessage({ intruder: 'sent' }, '*');
      </script>`,
    );
    host.page(
      '/frame.html',
      hostPageHtml({
        client,
        styles: AGGRESSIVE_HOST_STYLES,
        body: '<div id="slot"></div>',
        script: `
          import { embedFrame } from '${client}/src/embed/iframe.ts';
          ${RECORD_PUSHES}
          window.states = [];
          window.intruderSent = new Promise((resolve) => addEventListener('message', (e) => { if (e.data && e.data.intruder === 'sent') resolve(true); }));
          const frame = embedFrame(document.getElementById('slot'), {
            frameUrl: '${client}/src/embed/frame/index.html',
            config: ${JSON.stringify(configOf(core, identity))},
            instance: 'framed',
          });
          window.frame = frame;
          frame.on('state', (s) => window.states.push(s));
          frame.on('push', (push) => window.record(push, 'event'));
          await frame.ready;
          const intruder = document.createElement('iframe');
          intruder.src = '${host.otherOrigin}/intruder.html';
          document.body.append(intruder);
          await window.intruderSent;
          await frame.registerApp({ id: '${APP}', accept: ['application/json'], handler: (push) => window.record(push, 'handler') });
          window.registered = true;
        `,
      }),
    );
    await page.goto(`${host.origin}/frame.html`);
    await expect.poll(() => page.evaluate(() => (window as unknown as { registered?: boolean }).registered === true)).toBe(true);
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { states: Array<{ phase: string; registeredApps: string[] }> }).states.some((s) => s.phase === 'registered' && s.registeredApps.includes('news.ua'))))
      .toBe(true);

    const body = { via: 'postMessage' };
    expect((await sender.sendPush({ to: identity.aor, app: APP, contentType: 'application/json', body: JSON.stringify(body) })).status).toBe(200);
    await expect.poll(() => received(page)).toEqual(expect.arrayContaining([expectedPush('handler', core.sender.aor, body), expectedPush('event', core.sender.aor, body)]));
    const frame = page.frameLocator('iframe[title="SIP Push receiver"]');
    await expect(frame.getByTestId('widget-push-text')).toHaveText(JSON.stringify(body));
    // The intruder's app never reached the frame.
    expect(await page.evaluate(() => (window as unknown as { frame: { apps: () => Promise<Array<{ id: string }>> } }).frame.apps().then((apps) => apps.map((a) => a.id)))).toEqual([APP]);
    await expect(frame.getByTestId('widget-app')).toHaveCount(1);
    expect((await core.bindings(identity.aor)).flatMap((b) => b.pushApps)).not.toContain('evil.ua');
  });

  hostTest('iframe embed: a parent of another origin than the configured one is ignored and told nothing', async ({ page, host, client, core }) => {
    const identity = core.newReceiver();
    // The frame is configured for host.origin, but this page is on host.otherOrigin.
    const src = `${client}/src/embed/frame/index.html?parent=${encodeURIComponent(host.origin)}&instance=wrong#config=${encodeURIComponent(JSON.stringify(configOf(core, identity)))}`;
    host.page(
      '/wrong-parent.html',
      `<!doctype html><title>Wrong parent</title><iframe title="SIP Push receiver" src="${src}"></iframe><script>
        window.heard = [];
        addEventListener('message', (e) => window.heard.push(e.data));
        const frame = document.querySelector('iframe');
        const ask = () => {
          frame.contentWindow.postMessage({ source: 'sip-push', type: 'hello' }, '*');
          frame.contentWindow.postMessage({ source: 'sip-push', type: 'request', id: 1, call: 'registerApp', args: [{ id: 'evil.ua', accept: ['*/*'] }] }, '*');
          window.asked = (window.asked || 0) + 1;
        };
        frame.addEventListener('load', ask);
      </script>`,
    );
    await page.goto(`${host.otherOrigin}/wrong-parent.html`);
    const frame = page.frameLocator('iframe');
    // The frame runs (registers) but takes nothing from this parent.
    await expect(frame.getByTestId('widget-phase')).toHaveAttribute('data-phase', 'registered');
    await expect.poll(() => page.evaluate(() => (window as unknown as { asked?: number }).asked ?? 0)).toBeGreaterThan(0);
    await settled();
    await expect(frame.getByTestId('widget-app')).toHaveCount(0);
    expect(await page.evaluate(() => (window as unknown as { heard: unknown[] }).heard)).toEqual([]);
    expect((await core.bindings(identity.aor)).flatMap((b) => b.pushApps)).not.toContain('evil.ua');
  });
});
