/**
 * What only the Kamailio SIP/IP Core does, with the real web client in Chromium on the other
 * end: digest auth and core-side sender authorization, the reg event package, msilo's offline
 * store, one user in two tabs, a core restart, and a push from sipp.
 * The other specs run on both cores; this one in the `kamailio` project only.
 */
import { fileURLToPath } from 'node:url';
import { liveContactCount, readBindings } from '../deploy/kamailio/bindings.ts';
import { startKamailio } from '../deploy/kamailio/launch.ts';
import { asKamailio } from './fixtures/kamailioCore.ts';
import { connectHandWriter, messageText } from './fixtures/handWrittenSip.ts';
import { ReceiverPage } from './fixtures/receiverPage.ts';
import { connectSender } from './fixtures/senders.ts';
import { runSippOnce } from './fixtures/sipp.ts';
import { test, expect } from './fixtures/test.ts';
import { RegEventWatcher, reginfoContacts } from '../server/testing/regEventWatcher.ts';
import { settled } from '../server/testing/settled.ts';

const PUSH_SCENARIO = fileURLToPath(new URL('../deploy/kamailio/sipp/push-message.xml', import.meta.url));

test.describe('Kamailio as the SIP/IP Core', () => {
  test('digest auth: the right password registers; a wrong one ends in "Authentication failed" after two REGISTERs, without retrying', async ({ receiver, core, browser }) => {
    const kamailio = asKamailio(core);
    await receiver.open();
    await receiver.expectRegistered();
    expect(liveContactCount(kamailio.kamailio.runtimeDir, receiver.aor)).toBe(1);

    const victim = kamailio.newReceiver();
    const context = await browser.newContext();
    try {
      const bad = new ReceiverPage(await context.newPage(), core.wsUrl, { ...victim, password: 'wrong-password' });
      await bad.open();
      await bad.expectPhase('failed');
      await expect(bad.page.getByTestId('agent-reason')).toContainText('Authentication failed');
      // kamailio.cfg logs every REGISTER it challenges: the one without credentials and the
      // one with the wrong ones. JsSIP answers a challenge once, so there is no third.
      const challenged = () => kamailio.kamailio.readLog().split('\n').filter((line) => line.includes(`REGISTER auth failed for ${victim.aor} `)).length;
      await expect.poll(challenged).toBe(2);
      expect(liveContactCount(kamailio.kamailio.runtimeDir, victim.aor)).toBe(0);
      await bad.expectPhase('failed');
      await settled(); // a third REGISTER would have come by now
      expect(challenged()).toBe(2);
    } finally {
      await context.close();
    }
  });

  test('a push from an identity that is not an allowed push sender is refused at the core (403) and never reaches the browser', async ({ receiver, core, sender }) => {
    const kamailio = asKamailio(core);
    await receiver.open();
    await receiver.expectRegistered();

    // An authenticated user of the domain who is not in the push senders list.
    const mallory = kamailio.identity('mallory');
    const malloryPsa = await connectSender(core, mallory);
    try {
      const refused = await malloryPsa.sendPush({ to: receiver.aor, app: 'news.ua', contentType: 'text/plain', body: 'from mallory' });
      expect([refused.status, refused.reason]).toEqual([403, 'Forbidden - not an allowed push sender']);
    } finally {
      await malloryPsa.close();
    }
    // A foreign identity, unauthenticated.
    const raw = await connectHandWriter(core);
    try {
      const spoofed = await raw.request(messageText({ to: receiver.aor, from: 'sip:evil@elsewhere.test', callId: 'evil-1', cseq: 1, app: 'news.ua', contentType: 'text/plain', body: 'spoofed' }));
      expect(spoofed.status).toBe(403);
    } finally {
      await raw.close();
    }
    // The allowed sender gets through the same path, so what is missing was refused by the core.
    expect((await sender.sendPush({ to: receiver.aor, app: 'news.ua', contentType: 'text/plain', body: 'from psa' })).status).toBe(200);
    await settled();
    expect((await receiver.storedPushes()).map((p) => p.text)).toEqual(['from psa']);
    await expect(receiver.page.getByTestId('rejected-item')).toHaveCount(0);
  });

  test('reg event (RFC 3680): a push sender watching the user gets application/reginfo+xml with the browser binding', async ({ receiver, core }) => {
    const kamailio = asKamailio(core);
    await receiver.open();
    await receiver.expectRegistered();
    await expect.poll(async () => (await core.bindings(receiver.aor)).length).toBe(1);
    const [binding] = await core.bindings(receiver.aor);
    const contactUri = /^<([^>]*)>/.exec(binding!.contact)![1]!;

    const psa = kamailio.identity('psa');
    const watcher = await RegEventWatcher.connect({ wsUrl: core.wsUrl, aor: psa.aor, password: psa.password, target: receiver.aor });
    try {
      const notify = await watcher.waitFor((xml) => reginfoContacts(xml).some((c) => c.uri === contactUri && c.state === 'active'), `a reginfo NOTIFY with ${contactUri} active`);
      expect(notify.event).toBe('reg');
      expect(notify.contentType).toBe('application/reginfo+xml');
      expect(notify.subscriptionState).toMatch(/^active;expires=\d+/);
      expect(notify.xml).toMatch(/<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="\d+" state="full">/);
      expect(notify.xml).toMatch(new RegExp(`<registration aor="${receiver.aor}" id="[^"]+" state="active">`));
      const contacts = reginfoContacts(notify.xml);
      expect(contacts.map((c) => [c.uri, c.state])).toEqual([[contactUri, 'active']]);
      expect(contacts[0]!.event).toMatch(/^(registered|created|refreshed)$/);
      expect(contacts[0]!.attributes).toMatch(/expires="\d+"/);
      expect(contacts[0]!.attributes).toMatch(/received="sip:127\.0\.0\.1:\d+;transport=ws"/);
      // Pinned (docs/protocol.md, Kamailio section): pua_reginfo 5.6 sends no <unknown-param>,
      // so the feature tags and the UAProf URL reach a watcher only through OPTIONS.
      expect(notify.xml).not.toContain('unknown-param');
      expect(notify.xml).not.toContain('pusheventapp');
      // The subscription ends with the NOTIFY that says so (RFC 6665 section 4.1.2.3).
      expect((await watcher.unsubscribe()).subscriptionState).toMatch(/^terminated/);
    } finally {
      await watcher.close();
    }
  });

  test('a push to a user with no binding is stored by msilo (202) and delivered once, body and Content-Type unchanged, when the browser registers', async ({ page, core, sender }) => {
    const kamailio = asKamailio(core);
    const identity = kamailio.newReceiver();
    const body = '{"headline":"Offline ✓ ünïcode","lines":["a","b"]}';
    const contentType = 'application/json;charset=utf-8';
    expect((await sender.sendPush({ to: identity.aor, app: 'news.ua', contentType, body })).status).toBe(202);
    expect(kamailio.offlineStored(identity.aor)).toBe(1);

    const receiver = new ReceiverPage(page, core.wsUrl, identity);
    await receiver.open();
    await receiver.expectRegistered();
    await expect.poll(async () => (await receiver.storedPushes()).map((p) => [p.appId, p.contentType, p.text])).toEqual([['news.ua', contentType, body]]);
    await expect(receiver.inboxItems('news.ua')).toHaveCount(1);
    // msilo deletes a message once its 200 came back (timer, every 5 s)...
    await expect.poll(() => kamailio.offlineStored(identity.aor), { timeout: 20_000 }).toBe(0);
    // ...so the next REGISTER (a reload) has nothing to deliver again.
    await receiver.page.reload();
    await receiver.expectRegistered();
    await settled();
    await expect(receiver.inboxItems('news.ua')).toHaveCount(1);
    expect(await receiver.storedPushes()).toHaveLength(1);
  });

  test('two tabs of one user are two instances, both registered; a push for an app only one of them registered reaches only that tab', async ({ browser, core, sender }) => {
    const kamailio = asKamailio(core);
    const identity = kamailio.newReceiver();
    const contexts = [await browser.newContext(), await browser.newContext()];
    try {
      const [tabA, tabB] = await Promise.all(contexts.map(async (context) => new ReceiverPage(await context.newPage(), core.wsUrl, identity)));
      await tabA!.open();
      await tabB!.open();
      await tabA!.expectRegistered();
      await tabB!.expectRegistered();
      await expect.poll(async () => (await core.bindings(identity.aor)).length).toBe(2);
      const bindings = await core.bindings(identity.aor);
      expect(new Set(bindings.map((b) => b.instanceId)).size).toBe(2);

      const watcher = await RegEventWatcher.connect({ wsUrl: core.wsUrl, aor: identity.aor, password: identity.password, target: identity.aor });
      try {
        await watcher.waitFor((xml) => reginfoContacts(xml).filter((c) => c.state === 'active').length === 2, 'a reginfo NOTIFY with both tabs active');
        expect((await watcher.unsubscribe()).subscriptionState).toMatch(/^terminated/);
      } finally {
        await watcher.close();
      }

      await tabA!.registerRecordingApp({ id: 'only-a.ua', accept: ['text/plain'] });
      await expect.poll(async () => (await core.bindings(identity.aor)).map((b) => b.pushApps.includes('only-a.ua')).sort()).toEqual([false, true]);
      const result = await sender.sendPush({ to: identity.aor, app: 'only-a.ua', contentType: 'text/plain', body: 'for tab A' });
      expect(result.status).toBe(200);
      await expect.poll(async () => (await tabA!.deliveries('only-a.ua')).map((d) => d.text)).toEqual(['for tab A']);
      // Kamailio's Accept-Contact filter never sent it to tab B: nothing stored, nothing refused.
      await settled();
      expect(await tabB!.storedPushes()).toEqual([]);
      await expect(tabB!.page.getByTestId('rejected-item')).toHaveCount(0);
    } finally {
      await Promise.all(contexts.map((context) => context.close()));
    }
  });

  test('reconnects and registers again after Kamailio goes away and comes back on the same ports', async ({ page }) => {
    const users = { carol: 'carol-secret' };
    const first = await startKamailio({ users, usrlocTimerInterval: 1 });
    let second: Awaited<ReturnType<typeof startKamailio>> | undefined;
    try {
      const receiver = new ReceiverPage(page, first.wsUrl, { aor: `sip:carol@${first.domain}`, authUser: 'carol', password: users.carol });
      await receiver.open();
      await receiver.expectRegistered();
      await first.stop();
      await receiver.expectPhase('reconnecting');
      second = await startKamailio({ users, usrlocTimerInterval: 1, wsPort: first.wsPort, sipPort: first.sipPort });
      await receiver.expectRegistered();
      const restarted = second;
      await expect.poll(() => readBindings(restarted.locationDbPath, receiver.aor, restarted.domain).map((b) => b.pushApps)).toEqual([['news.ua', 'mms.ua']]);
    } finally {
      await first.stop();
      await second?.stop();
    }
  });

  test('sipp (deploy/kamailio/sipp/push-message.xml) pushes a MESSAGE through Kamailio into the browser: 200, stored and shown', async ({ receiver, core }) => {
    const kamailio = asKamailio(core);
    await receiver.open();
    await receiver.expectRegistered();
    const psa = kamailio.identity('psa');
    const run = await runSippOnce({
      scenario: PUSH_SCENARIO,
      host: kamailio.kamailio.host,
      port: kamailio.kamailio.sipPort,
      service: receiver.identity.authUser!,
      authUser: psa.authUser,
      password: psa.password,
      keys: { domain: core.domain, sender: psa.authUser },
      workDir: kamailio.kamailio.runtimeDir,
    });
    expect(run.code, `sipp exited ${run.code} (0 = the scenario got its 200):\n${run.output}`).toBe(0);
    await expect(receiver.inboxItems('news.ua').getByTestId('push-content')).toHaveText(/^sipp push 1\s*$/);
    expect((await receiver.storedPushes()).map((p) => [p.appId, p.contentType, p.from, p.text.trim()])).toEqual([['news.ua', 'text/plain', psa.aor, 'sipp push 1']]);
  });
});
