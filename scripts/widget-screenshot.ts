/**
 * `npm run screenshot:widget`: the demo host page (demo/index.html) with the three embedded
 * receivers, registered with an embedded core, after a push to each: docs/screenshots/widget-host.png.
 * Starts its own core and Vite dev server on free loopback ports.
 */
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { freePort } from '../deploy/kamailio/launch.ts';
import { chromiumLaunch } from '../playwright.config.ts';
import { until } from '../server/testing/until.ts';
import { startEmbeddedCore } from '../e2e/fixtures/cores.ts';
import { connectSender } from '../e2e/fixtures/senders.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const OUT = 'docs/screenshots/widget-host.png';

async function main(): Promise<void> {
  const core = await startEmbeddedCore();
  const port = await freePort();
  // listen() resolves once the server accepts requests (as in scripts/screenshots.ts).
  const vite = await createServer({ root, server: { port, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
  await vite.listen();
  const browser = await chromium.launch(chromiumLaunch);
  try {
    const base = `http://127.0.0.1:${port}`;
    const identity = core.newReceiver();
    const page = await browser.newPage({ viewport: { width: 1200, height: 820 }, colorScheme: 'light' });
    await page.goto(`${base}/demo/?config=${encodeURIComponent(JSON.stringify({ server: core.wsUrl, ...identity }))}`);
    await page.locator('sip-push-receiver [data-phase=registered]').waitFor();
    await page.locator('[data-sip-push-receiver] [data-phase=registered]').waitFor();
    await page.frameLocator('iframe').locator('[data-phase=registered]').waitFor();
    // All three embeds announce news.ua before the pushes go out.
    await until(async () => (await core.bindings(identity.aor)).filter((b) => b.pushApps.includes('news.ua')).length >= 3, 15_000);
    const sender = await connectSender(core);
    for (const body of ['{"title":"Your order has shipped","order":1042}', 'Flash sale: 20% off until midnight']) {
      await sender.sendPush({ to: identity.aor, app: 'news.ua', contentType: body.startsWith('{') ? 'application/json' : 'text/plain', body });
    }
    await sender.close();
    await page.frameLocator('iframe').getByTestId('widget-push').nth(1).waitFor();
    await page.locator('[data-sip-push-receiver]').getByTestId('widget-push').nth(1).waitFor();
    await page.locator('sip-push-receiver').getByTestId('widget-push').nth(1).waitFor();
    await page.screenshot({ path: `${root}/${OUT}`, fullPage: true });
    console.log(`wrote ${OUT}`);
  } finally {
    await Promise.allSettled([browser.close(), vite.close(), core.close()]);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
