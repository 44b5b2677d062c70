/**
 * Identity isolation (issue 10 item 2): alice and bob on one origin in ONE browser profile
 * (two pages of one context, and bob's client in a frame of alice's page). Each receives,
 * stores, shows and dispatches only its own pushes and transfers; each keeps its own settings
 * across a reload; and a stored push that bob's in-page app would refuse (type, size) is never
 * handed to it. Runs on every core project; on Kamailio the identities are provisioned users.
 */
import type { Frame, Page } from '@playwright/test';
import type { AgentConfig, PushAppSpec } from '../src/agent/types.ts';
import type { DeliveredPush, StoredPushView, StoredTransferView } from '../src/agent/testHooks.ts';
import type { PushSender } from '../server/sender/index.ts';
import { settled } from '../server/testing/settled.ts';
import type { CoreUnderTest, SipIdentity } from './fixtures/cores.ts';
import { DEFAULT_APPS, ReceiverPage } from './fixtures/receiverPage.ts';
import { expect, test } from './fixtures/test.ts';
import { TestFiles, type TestFile } from './msrp/files.ts';

const TEXT = 'text/plain';
const FILE_TYPE = 'application/octet-stream';

let files: TestFiles;
test.beforeAll(() => {
  files = new TestFiles();
});
test.afterAll(() => files.remove());

/** The client's configuration for an identity on the core under test. */
function configFor(core: CoreUnderTest, identity: SipIdentity, apps: PushAppSpec[] = DEFAULT_APPS): AgentConfig {
  return {
    server: core.wsUrl,
    aor: identity.aor,
    ...(identity.authUser ? { authUser: identity.authUser } : {}),
    ...(identity.password ? { password: identity.password } : {}),
    uaprofUrl: '/uaprof.rdf',
    apps,
  };
}

/** A `#config=` link (what `npm start` prints): the page saves it as that identity's settings. */
function linkTo(config: AgentConfig): string {
  return `/#config=${encodeURIComponent(JSON.stringify(config))}`;
}

/**
 * The client in a page or a frame, through its test hooks and UI (ReceiverPage drives a
 * page; a frame of the client needs the same reads).
 */
class ClientView {
  constructor(
    readonly where: Page | Frame,
    readonly aor: string,
  ) {}

  static of(receiver: ReceiverPage): ClientView {
    return new ClientView(receiver.page, receiver.aor);
  }

  ready(): Promise<unknown> {
    return this.where.waitForFunction(() => window.__sipPushTest !== undefined);
  }

  async expectRegistered(): Promise<void> {
    await expect(this.where.getByTestId('agent-phase')).toHaveText('registered');
    await expect(this.where.getByTestId('agent-aor')).toHaveText(this.aor);
  }

  storedPushes(): Promise<StoredPushView[]> {
    return this.where.evaluate(() => window.__sipPushTest!.storedPushes());
  }

  storedTransfers(): Promise<StoredTransferView[]> {
    return this.where.evaluate(() => window.__sipPushTest!.storedTransfers());
  }

  deliveries(appId: string): Promise<DeliveredPush[]> {
    return this.where.evaluate((id) => window.__sipPushTest!.deliveries(id), appId);
  }

  registerRecordingApp(spec: PushAppSpec): Promise<void> {
    return this.where.evaluate((s) => window.__sipPushTest!.registerRecordingApp(s), spec);
  }

  /** The texts of the inbox of one app, as shown. */
  async inboxTexts(appId: string): Promise<string[]> {
    await this.where.getByTestId(`app-${appId}`).click();
    return this.where.locator(`[data-testid="push-item"][data-app-id="${appId}"] [data-testid="push-content"]`).allTextContents();
  }

  /** The file names in the transfers panel. */
  transferNames(): Promise<Array<string | null>> {
    return this.where.getByTestId('transfer-item').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-file-name')));
  }
}

async function push(sender: PushSender, to: ClientView, app: string, body: string, contentType = TEXT): Promise<void> {
  const result = await sender.sendPush({ to: to.aor, app, contentType, body });
  expect(result.status, `${body} to ${to.aor}`).toBe(200);
}

async function pushFile(sender: PushSender, to: ClientView, file: TestFile): Promise<void> {
  const result = await sender.sendLargePush({ to: to.aor, app: 'mms.ua', file: file.path, contentType: FILE_TYPE });
  expect(result, result.reason).toMatchObject({ ok: true, status: 200 });
}

const texts = (pushes: StoredPushView[]) => pushes.filter((p) => !p.dedupKey.startsWith('msrp:')).map((p) => p.text).sort();

/**
 * Sends each identity two MESSAGE pushes and one MSRP file, then checks that each client
 * holds, shows and was handed exactly its own, and nothing of the other's.
 */
async function expectIsolated(sender: PushSender, alice: ClientView, bob: ClientView): Promise<void> {
  for (const client of [alice, bob]) {
    await client.registerRecordingApp({ id: 'news.ua', accept: [TEXT] });
    await client.registerRecordingApp({ id: 'mms.ua', accept: ['*/*'] });
  }
  const own = (client: ClientView) => (client === alice ? 'alice' : 'bob');
  const fileOf = new Map<ClientView, TestFile>();
  for (const client of [alice, bob]) {
    await push(sender, client, 'news.ua', `for ${own(client)} 1`);
    await push(sender, client, 'news.ua', `for ${own(client)} 2`);
    const file = files.make(`${own(client)}-${test.info().project.name}-${Date.now()}.bin`, 200 * 1024);
    fileOf.set(client, file);
    await pushFile(sender, client, file);
  }

  for (const client of [alice, bob]) {
    const name = own(client);
    const file = fileOf.get(client)!;
    // Stored: its own pushes and transfer, nothing else (the 200s came after the commits).
    const stored = await client.storedPushes();
    expect(texts(stored), `${name}'s stored pushes`).toEqual([`for ${name} 1`, `for ${name} 2`]);
    expect(stored.filter((p) => p.dedupKey.startsWith('msrp:')), `${name}'s stored MSRP pushes`).toHaveLength(1);
    expect((await client.storedTransfers()).map((t) => [t.fileName, t.state, t.chunkBytes]), `${name}'s transfers`).toEqual([[file.name, 'complete', file.size]]);
    // Handed to its apps: its own, once each.
    await expect.poll(() => client.deliveries('news.ua').then((d) => d.map((p) => p.text).sort()), { message: `${name}'s news.ua deliveries` }).toEqual([`for ${name} 1`, `for ${name} 2`]);
    await expect.poll(() => client.deliveries('mms.ua').then((d) => d.map((p) => p.blobSize)), { message: `${name}'s mms.ua deliveries` }).toEqual([file.size]);
    // Shown: its own inbox and transfers.
    await expect.poll(() => client.inboxTexts('news.ua').then((t) => t.sort()), { message: `${name}'s inbox` }).toEqual([`for ${name} 1`, `for ${name} 2`]);
    await expect.poll(() => client.transferNames(), { message: `${name}'s transfers panel` }).toEqual([file.name]);
  }

  // Nothing of the other arrives later either.
  await settled();
  for (const client of [alice, bob]) {
    const name = own(client);
    expect(texts(await client.storedPushes())).toEqual([`for ${name} 1`, `for ${name} 2`]);
    expect((await client.deliveries('news.ua')).map((p) => p.text).sort()).toEqual([`for ${name} 1`, `for ${name} 2`]);
    expect((await client.deliveries('mms.ua')).map((p) => p.blobSize)).toEqual([fileOf.get(client)!.size]);
    expect(await client.inboxTexts('news.ua')).toHaveLength(2);
    expect(await client.transferNames()).toEqual([fileOf.get(client)!.name]);
  }
}

test.describe('identity isolation: alice and bob in one browser profile', () => {
  test('two pages of one context: each receives, stores, shows and dispatches only its own pushes and transfers', async ({ receiver, sender, context, core }) => {
    const bobPage = new ReceiverPage(await context.newPage(), core.wsUrl, core.newReceiver());
    await receiver.open();
    await bobPage.open();
    const alice = ClientView.of(receiver);
    const bob = ClientView.of(bobPage);
    await alice.expectRegistered();
    await bob.expectRegistered();
    await expectIsolated(sender, alice, bob);
  });

  test("bob's client in a frame of alice's page: each only its own; a reload keeps each the identity it was", async ({ page, sender, core }) => {
    const aliceId = core.newReceiver();
    const bobId = core.newReceiver();
    await page.goto(linkTo(configFor(core, aliceId)));
    const alice = new ClientView(page, aliceId.aor);
    await alice.ready();
    await page.evaluate((src) => {
      const frame = document.createElement('iframe');
      frame.name = 'bob-client';
      frame.src = src;
      frame.style.width = '1000px';
      frame.style.height = '800px';
      document.body.append(frame);
    }, linkTo(configFor(core, bobId)));
    const frame = await (await page.waitForSelector('iframe[name="bob-client"]')).contentFrame();
    if (!frame) throw new Error("bob's frame has no content frame");
    const bob = new ClientView(frame, bobId.aor);
    await bob.ready();
    await alice.expectRegistered();
    await bob.expectRegistered();
    await expectIsolated(sender, alice, bob);

    // bob's link was saved last in this profile; alice's page is still alice after a reload.
    await page.reload();
    await alice.ready();
    await alice.expectRegistered();
    expect(texts(await alice.storedPushes())).toEqual(['for alice 1', 'for alice 2']);
  });

  test('two tabs opened from links for alice and bob keep their own identity and settings across reloads', async ({ page, context, sender, core }) => {
    const aliceId = core.newReceiver();
    const bobId = core.newReceiver();
    const aliceApps = DEFAULT_APPS;
    const bobApps: PushAppSpec[] = [{ id: 'bob.ua', accept: [TEXT] }];
    const bobTab = await context.newPage();
    // alice first, then bob's link in another tab: the last saved, which used to replace alice's.
    await page.goto(linkTo(configFor(core, aliceId, aliceApps)));
    await bobTab.goto(linkTo(configFor(core, bobId, bobApps)));
    const alice = new ClientView(page, aliceId.aor);
    const bob = new ClientView(bobTab, bobId.aor);
    const expectOwnSettings = async () => {
      await alice.expectRegistered();
      await bob.expectRegistered();
      await expect(page.getByTestId('agent-registered-apps')).toHaveText(aliceApps.map((a) => a.id).join(', '));
      await expect(bobTab.getByTestId('agent-registered-apps')).toHaveText('bob.ua');
    };
    await expectOwnSettings();
    // The fragment is gone: a reload starts from the saved settings of the tab's identity.
    expect(new URL(page.url()).hash).toBe('');
    expect(new URL(bobTab.url()).hash).toBe('');

    await page.reload();
    await bobTab.reload();
    await expectOwnSettings();
    await bobTab.reload();
    await page.reload();
    await expectOwnSettings();

    // And each still receives its own.
    await alice.ready();
    await bob.ready();
    await alice.registerRecordingApp({ id: 'news.ua', accept: [TEXT] });
    await bob.registerRecordingApp({ id: 'bob.ua', accept: [TEXT] });
    await push(sender, alice, 'news.ua', 'alice after reloads');
    await push(sender, bob, 'bob.ua', 'bob after reloads');
    await expect.poll(() => alice.deliveries('news.ua').then((d) => d.map((p) => p.text))).toEqual(['alice after reloads']);
    await expect.poll(() => bob.deliveries('bob.ua').then((d) => d.map((p) => p.text))).toEqual(['bob after reloads']);
  });

  test("a push stored for bob that bob's in-page app refuses (type, size) is never handed to it, nor any of alice's", async ({ receiver, sender, context, core }) => {
    // bob's configuration declares mms.ua for anything: every push below is accepted and stored.
    const bobPage = new ReceiverPage(await context.newPage(), core.wsUrl, core.newReceiver());
    await receiver.open();
    await bobPage.open({ apps: [{ id: 'mms.ua', accept: ['*/*'] }] });
    const alice = ClientView.of(receiver);
    const bob = ClientView.of(bobPage);
    await alice.expectRegistered();
    await bob.expectRegistered();

    await push(sender, alice, 'mms.ua', "alice's, acceptable by type");
    await push(sender, bob, 'mms.ua', 'not text', 'image/png');
    await push(sender, bob, 'mms.ua', 'x'.repeat(64));
    await push(sender, bob, 'mms.ua', 'ok');
    await pushFile(sender, bob, files.make(`bob-octets-${test.info().project.name}.bin`, 100 * 1024));
    expect(await bob.storedPushes()).toHaveLength(4);

    // Then bob's page registers the app with a narrower policy: only short text.
    await bob.registerRecordingApp({ id: 'mms.ua', accept: [TEXT], maxBytes: 32 });
    await expect.poll(() => bob.deliveries('mms.ua').then((d) => d.map((p) => p.text))).toEqual(['ok']);
    await settled();
    expect((await bob.deliveries('mms.ua')).map((p) => [p.contentType, p.text])).toEqual([[TEXT, 'ok']]);
    // The refused ones stay stored and undispatched; alice's push stays hers.
    const undispatched = (await bob.storedPushes()).filter((p) => !p.dispatched).map((p) => p.contentType).sort();
    expect(undispatched).toEqual([FILE_TYPE, 'image/png', TEXT]);
    expect((await alice.storedPushes()).map((p) => p.text)).toEqual(["alice's, acceptable by type"]);
  });
});
