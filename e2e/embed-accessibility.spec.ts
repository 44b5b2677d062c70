/**
 * Accessibility of the widget (issue 11 item 6): the custom element in a host page of another
 * origin, with pushes, scanned by axe-core inside its shadow root in the light and the dark
 * theme; a serious or critical violation fails.
 */
import { seriousViolations } from './fixtures/axe.ts';
import { expect } from './fixtures/test.ts';
import { CONFIGURE_ELEMENT, configOf, hostPageHtml, hostTest } from './embedHost.ts';

for (const theme of ['light', 'dark'] as const) {
  hostTest(`the widget in a host page, ${theme} theme: no serious or critical axe violations`, async ({ page, host, client, core, sender }) => {
    await page.emulateMedia({ colorScheme: theme });
    const identity = core.newReceiver();
    host.page(
      '/a11y.html',
      hostPageHtml({
        client,
        body: `<main><h1>Host page</h1><sip-push-receiver id="receiver" instance="a11y-${theme}"></sip-push-receiver></main>`,
        script: `
          import '${client}/src/embed/define.ts';
          const config = ${JSON.stringify(configOf(core, identity))};
          const el = document.getElementById('receiver');
          el.registerApp({ id: 'news.ua', accept: ['text/plain'], handler: () => {} });
          ${CONFIGURE_ELEMENT}
        `,
      }),
    );
    await page.goto(`${host.origin}/a11y.html`);
    const widget = page.locator('sip-push-receiver');
    await expect(widget.getByTestId('widget-phase')).toHaveAttribute('data-phase', 'registered');
    for (const body of ['Hello from SIP Push', 'A second push']) {
      expect((await sender.sendPush({ to: identity.aor, app: 'news.ua', contentType: 'text/plain', body })).status).toBe(200);
    }
    await expect(widget.getByTestId('widget-push')).toHaveCount(2);
    expect(await seriousViolations(page, 'sip-push-receiver')).toEqual([]);
  });
}
