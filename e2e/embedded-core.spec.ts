/**
 * Behaviour that needs an embedded core of its own per test (started here, with users, or
 * stopped and restarted on one port). Runs in the `embedded` project only (playwright.config.ts);
 * the Kamailio equivalents are in kamailio.spec.ts ("digest auth", "reconnects").
 */
import { startEmbeddedCore } from './fixtures/cores.ts';
import { ReceiverPage } from './fixtures/receiverPage.ts';
import { test, expect } from './fixtures/test.ts';
import { startCore } from '../server/core/index.ts';
import { settled } from '../server/testing/settled.ts';

test.describe('receiver agent on an embedded core of its own', () => {
  test('registers through a digest challenge, and a wrong password ends in "authentication failed" without retrying', async ({ page, browser }) => {
    const core = await startEmbeddedCore({ users: { alice: 'secret', bob: 'other' } });
    const registers: string[] = [];
    const off = core.core.onMessage((e) => {
      if (e.direction === 'in' && e.message.kind === 'request' && e.message.method === 'REGISTER') registers.push(e.flowId);
    });
    try {
      const good = new ReceiverPage(page, core.wsUrl, { aor: `sip:alice@${core.domain}`, authUser: 'alice', password: 'secret' });
      await good.open();
      await good.expectRegistered();

      const badContext = await browser.newContext();
      const bad = new ReceiverPage(await badContext.newPage(), core.wsUrl, { aor: `sip:bob@${core.domain}`, authUser: 'bob', password: 'wrong' });
      const before = registers.length;
      await bad.open();
      await bad.expectPhase('failed');
      await expect(bad.page.getByTestId('agent-reason')).toContainText('Authentication failed');
      // One REGISTER challenged, one with the wrong credentials, and no more.
      await settled();
      expect(registers.length - before).toBe(2);
      expect(await core.bindings(`sip:bob@${core.domain}`)).toEqual([]);
      await badContext.close();
    } finally {
      off();
      await core.close();
    }
  });

  test('reconnects and registers again after the core goes away and comes back', async ({ page }) => {
    const first = await startCore({ wsPort: 0, sipPort: null, noAuth: true });
    const port = Number(new URL(first.wsUrl).port);
    const receiver = new ReceiverPage(page, first.wsUrl, { aor: 'sip:carol@localhost' });
    await receiver.open();
    await receiver.expectRegistered();
    await first.close();
    await receiver.expectPhase('reconnecting');
    await expect(page.getByTestId('agent-reason')).toContainText('lost');
    const second = await startCore({ wsPort: port, sipPort: null, noAuth: true });
    try {
      await receiver.expectRegistered();
      await expect.poll(() => second.bindings('sip:carol@localhost').map((b) => b.pushApps)).toEqual([['news.ua', 'mms.ua']]);
    } finally {
      await second.close();
    }
  });
});
