/**
 * A lost registration is noticed (issue 10 item 3), on both cores: the core drops the browser's
 * binding while the WebSocket stays up (as an expiry, an operator or a core that lost its
 * location table would), and the page notices within its keep-alive interval, says so, and
 * registers again; a push sent afterwards is stored and answered 200. A page pointed at a port
 * where nothing listens says it never connected, not that a connection was lost.
 * Rules: docs/protocol.md "Keep-alive and re-registration".
 */
import net from 'node:net';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures/test.ts';
import type { CoreUnderTest } from './fixtures/cores.ts';

const KEEP_ALIVE_SECONDS = 2;
/**
 * Beyond the keep-alive interval: the probe's round trips and the REGISTER after it, or on
 * Kamailio the other way the loss can show (below): usrloc's timer (1 s here) closes the
 * removed contact's connection, and JsSIP reconnects after 1 to 2 s.
 */
const SLACK_MS = 3000;

declare global {
  interface Window {
    __stateTrail?: string[];
  }
}

async function withKeepAlive(page: Page, seconds: number): Promise<void> {
  await page.addInitScript((s) => {
    window.__sipPushTestLimits = { ...window.__sipPushTestLimits, keepAliveSeconds: s };
  }, seconds);
}

function dropper(core: CoreUnderTest): (aor: string) => Promise<void> {
  if (!core.dropBindings) throw new Error(`the ${core.kind} core under test cannot drop bindings (CoreUnderTest.dropBindings)`);
  return core.dropBindings.bind(core);
}

/**
 * Record every phase and reason the page shows from now on (`phase|reason`), so a state that
 * lasts a few milliseconds is seen too; returns the reader.
 */
async function recordStates(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const trail: string[] = [];
    window.__stateTrail = trail;
    const read = () => {
      const phase = document.querySelector('[data-testid="agent-phase"]')?.textContent ?? '';
      const reason = document.querySelector('[data-testid="agent-reason"]')?.textContent ?? '';
      const entry = `${phase}|${reason}`;
      if (trail[trail.length - 1] !== entry) trail.push(entry);
    };
    read();
    new MutationObserver(read).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  return () => page.evaluate(() => window.__stateTrail ?? []);
}

/** A loopback port where nothing listens: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test.describe('a lost registration is noticed and registered again', () => {
  test('a binding removed at the core: the page shows the loss and is registered again within the keep-alive interval; a push then gets 200', async ({ page, receiver, core, sender }) => {
    const dropBindings = dropper(core);
    await withKeepAlive(page, KEEP_ALIVE_SECONDS);
    await receiver.open();
    await receiver.expectRegistered();
    expect(await page.evaluate(() => window.__sipPushTest!.limits().keepAliveSeconds)).toBe(KEEP_ALIVE_SECONDS);
    await expect.poll(async () => (await core.bindings(receiver.aor)).length).toBe(1);
    const [before] = await core.bindings(receiver.aor);
    await expect(page.getByTestId('agent-reason')).toHaveCount(0);
    const trail = await recordStates(page);

    const droppedAt = Date.now();
    await dropBindings(receiver.aor);
    // The embedded core keeps the WebSocket: only the binding probe can notice (404 for an AoR
    // without bindings). Kamailio (close_expired_tcp) also closes the removed contact's
    // connection at its next usrloc timer: whichever comes first, the probe's 480 or the
    // close, is what the page must say. Never a silent "registered".
    const loss =
      core.kind === 'embedded'
        ? /^(registering|registered)\|Registration lost: the core answered our keep-alive probe 404 Not Found; (registering|registered) again$/
        : /^(?:(registering|registered)\|Registration lost: the core answered our keep-alive probe 480 Temporarily Unavailable; (registering|registered) again|reconnecting\|Connection to ws:\/\/[^ ]+ lost \(WebSocket close 1006\); reconnecting)$/;
    const within = KEEP_ALIVE_SECONDS * 1000 + SLACK_MS;
    await expect.poll(trail, { timeout: within }).toContainEqual(expect.stringMatching(loss));
    await expect(receiver.phase()).toHaveText('registered', { timeout: within });
    expect(Date.now() - droppedAt).toBeLessThanOrEqual(within + 1000);
    // The first thing the page showed after the drop is the loss: never a "registered" without
    // a binding in between (the trail starts with the registered state before the drop).
    const seen = await trail();
    expect(seen[0]).toBe('registered|');
    expect(seen[1]).toMatch(loss);
    if (core.kind === 'embedded') await expect(page.getByTestId('agent-reason')).toHaveText('Registration lost: the core answered our keep-alive probe 404 Not Found; registered again');

    // The core holds the binding again (Kamailio's location file lags by up to 1 s: poll).
    await expect.poll(async () => (await core.bindings(receiver.aor)).map((b) => [b.instanceId, b.pushApps])).toEqual([[before!.instanceId, before!.pushApps]]);
    // And the proof that matters: a push reaches the page and is answered 200 (not 404, not Kamailio's offline 202).
    await receiver.registerRecordingApp({ id: 'news.ua', accept: ['text/plain'] });
    const result = await sender.sendPush({ to: receiver.aor, app: 'news.ua', contentType: 'text/plain', body: 'after the loss' });
    expect(result.status).toBe(200);
    await expect.poll(async () => (await receiver.deliveries('news.ua')).map((d) => d.text)).toEqual(['after the loss']);
  });

  test('a page pointed at a port where nothing listens says it never connected, naming the URL', async ({ receiver }) => {
    const server = `ws://127.0.0.1:${await closedPort()}`;
    await receiver.open({ server });
    await expect(receiver.page.getByTestId('agent-reason')).toContainText(`Could not connect to ${server}`);
    await expect(receiver.page.getByTestId('agent-reason')).toContainText('is the core running and the server URL right?');
    await receiver.expectPhase('connecting');
    // Never "lost": there was no connection to lose.
    await expect(receiver.page.getByTestId('agent-reason')).not.toContainText('lost');
  });
});
