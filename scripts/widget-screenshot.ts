/**
 * `npm run screenshot:widget`: the demo host page (demo/index.html) with the three embedded
 * receivers, registered with an embedded core, after a push to each: docs/screenshots/widget-host.png.
 * Starts its own core and Vite dev server on free loopback ports.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { chromiumLaunch } from '../playwright.config.ts';
import { startEmbeddedCore } from '../e2e/fixtures/cores.ts';
import { connectSender } from '../e2e/fixtures/senders.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const OUT = 'docs/screenshots/widget-host.png';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function main(): Promise<void> {
  const core = await startEmbeddedCore();
  const port = await freePort();
  const vite = spawn(process.execPath, ['node_modules/vite/bin/vite.js', '--port', String(port), '--strictPort'], { cwd: root, stdio: 'ignore' });
  const browser = await chromium.launch(chromiumLaunch);
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/demo/`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i > 300) throw new Error('the Vite dev server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const identity = core.newReceiver();
    const page = await browser.newPage({ viewport: { width: 1200, height: 820 }, colorScheme: 'light' });
    await page.goto(`${base}/demo/?config=${encodeURIComponent(JSON.stringify({ server: core.wsUrl, ...identity }))}`);
    await page.locator('sip-push-receiver [data-phase=registered]').waitFor();
    await page.locator('[data-sip-push-receiver] [data-phase=registered]').waitFor();
    await page.frameLocator('iframe').locator('[data-phase=registered]').waitFor();
    const until = Date.now() + 15_000;
    while ((await core.bindings(identity.aor)).filter((b) => b.pushApps.includes('news.ua')).length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
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
    await browser.close();
    vite.kill();
    await core.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
