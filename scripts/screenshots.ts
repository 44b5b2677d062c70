/**
 * Screenshots for the README (issue 11): the full-page client in light and dark, wide
 * (1280 px) and narrow (390 px), with a few pushes in its inbox. `npm run screenshots`.
 *
 * Starts what it needs and stops it again: the embedded core on free ports (digest users
 * generated for the run), the Vite dev server on a free port, Debian's Chromium with the
 * launch arguments of playwright.config.ts. Sends pushes with the Push Sender Agent, then
 * writes docs/screenshots/<shot>-<theme>-<width>.png. The PNGs are documentation: commit them.
 *
 * Other pages add themselves to SHOTS (the widget in a host page, for example): a name, the
 * path to open on the dev server, and how to bring the page into the state to show.
 */
import { freePort } from '../deploy/kamailio/launch.ts';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from '@playwright/test';
import { createServer } from 'vite';
import { startCore, type RunningCore } from '../server/core/index.ts';
import { createPushSender, type PushSender } from '../server/sender/index.ts';
import { chromiumLaunch } from '../playwright.config.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'docs', 'screenshots');

export const THEMES = ['light', 'dark'] as const;
export const WIDTHS = [
  { name: 'wide', width: 1280, height: 860 },
  { name: 'narrow', width: 390, height: 844 },
] as const;

/** What a shot gets to set its page up. */
export interface ShotContext {
  page: Page;
  core: RunningCore;
  sender: PushSender;
  /** The receiver's credentials on this run's core. */
  receiver: { aor: string; authUser: string; password: string };
  /** The `?config=` query of a full-page client registered as the receiver. */
  configQuery: string;
  theme: (typeof THEMES)[number];
  width: (typeof WIDTHS)[number];
}

export interface Shot {
  /** File name stem: docs/screenshots/<name>-<theme>-<width>.png. */
  name: string;
  /** Opens the page and brings it into the state to show. */
  prepare(context: ShotContext): Promise<void>;
  /** Whole scrollable page (default) or just the viewport. */
  fullPage?: boolean;
}

const APPS = [
  { id: 'news.ua', accept: ['text/plain', 'application/json', 'image/*'] },
  { id: 'mms.ua', accept: ['*/*'] },
];

/** Sent once per shot, after the page registered: a few kinds of content from two senders. */
async function sendSamples(sender: PushSender, to: string): Promise<void> {
  const samples: Array<{ app: string; contentType: string; body: string | Uint8Array }> = [
    { app: 'mms.ua', contentType: 'application/octet-stream', body: randomBytes(2048) },
    { app: 'news.ua', contentType: 'application/json', body: JSON.stringify({ title: 'Train 8:12 delayed', minutes: 12, platform: '4b' }) },
    { app: 'news.ua', contentType: 'text/plain', body: 'Weekly report is ready: 14 new tickets, 9 closed, two waiting for review. The build on main is green again.' },
    { app: 'news.ua', contentType: 'text/plain', body: 'Breaking: SIP Push works in the browser.' },
  ];
  for (const s of samples) {
    const result = await sender.sendPush({ to, app: s.app, contentType: s.contentType, body: s.body });
    if (result.status !== 200) throw new Error(`push to ${s.app} answered ${result.status} ${result.reason}`);
  }
}

async function fullPageWithPushes({ page, sender, receiver, configQuery }: ShotContext): Promise<void> {
  await page.goto(`/?${configQuery}`);
  await page.getByTestId('agent-phase').filter({ hasText: 'registered' }).waitFor({ state: 'attached' });
  await sendSamples(sender, receiver.aor);
  const items = page.getByTestId('push-item');
  await items.nth(2).waitFor();
  // The newest push opened (and so read), the others unread.
  await items.first().getByTestId('push-toggle').click();
  await page.getByTestId('app-news.ua').and(page.locator('[data-unread="2"]')).waitFor({ state: 'attached' });
  await page.mouse.move(0, 0);
}

async function fullPageNeverConnected({ page, receiver }: ShotContext): Promise<void> {
  const closed = await freePort();
  const config = { server: `ws://127.0.0.1:${closed}`, aor: receiver.aor, authUser: receiver.authUser, password: receiver.password, apps: APPS };
  await page.goto(`/?config=${encodeURIComponent(JSON.stringify(config))}`);
  await page.getByTestId('agent-hint').waitFor({ state: 'attached' });
}

/** Every page to shoot, in every theme and width. */
export const SHOTS: Shot[] = [
  { name: 'full-page', prepare: fullPageWithPushes, fullPage: false },
  { name: 'full-page-not-connected', prepare: fullPageNeverConnected, fullPage: false },
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const shots = only.length > 0 ? SHOTS.filter((s) => only.includes(s.name)) : SHOTS;
  await mkdir(OUT, { recursive: true });
  const passwords = { alice: randomBytes(9).toString('base64url'), psa: randomBytes(9).toString('base64url') };
  const core = await startCore({ wsPort: await freePort(), sipPort: null, users: passwords });
  const clientPort = await freePort();
  const vite = await createServer({ root: ROOT, server: { port: clientPort, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
  await vite.listen();
  const browser = await chromium.launch(chromiumLaunch);
  const closeAll = async (): Promise<void> => {
    await Promise.allSettled([browser.close(), vite.close(), core.close()]);
  };
  try {
    const receiver = { aor: 'sip:alice@localhost', authUser: 'alice', password: passwords.alice };
    const config = { server: core.wsUrl, aor: receiver.aor, authUser: receiver.authUser, password: receiver.password, displayName: 'Alice', trustAssertedIdentity: true, apps: APPS };
    const configQuery = `config=${encodeURIComponent(JSON.stringify(config))}`;
    for (const shot of shots) {
      for (const theme of THEMES) {
        for (const width of WIDTHS) {
          // A fresh profile per picture: an empty inbox, then exactly the samples.
          const context = await browser.newContext({ baseURL: `http://127.0.0.1:${clientPort}`, viewport: { width: width.width, height: width.height }, colorScheme: theme, deviceScaleFactor: 1 });
          const page = await context.newPage();
          const sender = createPushSender({ server: core.wsUrl, from: 'sip:psa@localhost', displayName: 'Push Sender', password: passwords.psa, timeoutMs: 10_000 });
          try {
            await sender.connect();
            await shot.prepare({ page, core, sender, receiver, configQuery, theme, width });
            const file = join(OUT, `${shot.name}-${theme}-${width.name}.png`);
            await page.screenshot({ path: file, fullPage: shot.fullPage ?? true, animations: 'disabled', caret: 'hide' });
            console.log(`wrote ${file.slice(ROOT.length + 1)}`);
          } finally {
            await sender.close();
            await context.close();
          }
        }
      }
    }
  } finally {
    await closeAll();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}
