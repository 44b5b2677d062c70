/**
 * Discovery on both cores: the service's SIP client watches a receiver's AoR; the test UA
 * registers with the push app feature tag and a UAProf URL; the directory fills. The embedded
 * core puts the feature tags in the reginfo; Kamailio 5.6 does not, so there the directory asks
 * the terminal by OPTIONS, which the test UA answers as the browser does (optionsResponder);
 * each contact of an AoR is asked alone (its contact URI, kamailio.cfg route[CONTACT_QUERY]),
 * so two browsers at one AoR each get their own apps.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KamailioNotInstalledError, kamailioMissing, startKamailio, type KamailioHandle } from '../../../../deploy/kamailio/launch.ts';
import { startTestCore, type TestCore } from '../../../testing/coreHarness.ts';
import { reply, SipUa } from '../../../testing/sipUa.ts';
import { startUaprofServer, type UaprofServer } from '../../../testing/uaprofServer.ts';
import { until } from '../../../testing/until.ts';
import { createSipClient, type SipClient } from '../../sipClient.ts';
import { createReceiverDirectory, type DiscoveryDirectory } from './directory.ts';

const INSTANCE = 'urn:uuid:00000000-0000-4000-8000-00000000d15c';
const INSTANCE_2 = 'urn:uuid:00000000-0000-4000-8000-00000000d15d';
const USERS = { psa: 'psa-secret', alice: 'alice-secret', bob: 'bob-secret' };

let uaprof: UaprofServer;
beforeAll(async () => {
  uaprof = await startUaprofServer({ etag: '"p1"', cacheControl: 'max-age=60' });
});
afterAll(async () => {
  await uaprof?.close();
});

const contactParams = (app = 'news.ua', instance = INSTANCE) => `;+g.oma.pusheventapp="${app}";+sip.instance="<${instance}>";reg-id=1;+g.oma.uaprof="<${uaprof.url}>"`;

let client: SipClient | undefined;
let directory: DiscoveryDirectory | undefined;
afterEach(async () => {
  await directory?.close();
  await client?.close();
  directory = undefined;
  client = undefined;
});

async function psaDirectory(wsUrl: string, domain: string): Promise<DiscoveryDirectory> {
  client = createSipClient({ server: wsUrl, from: `sip:psa@${domain}`, password: USERS.psa, timeoutMs: 5000 });
  await client.connect();
  directory = createReceiverDirectory({ client, subscriptions: { retryInitialMs: 200, retryMaxMs: 1000 }, capabilityQuery: { timeoutMs: 5000 } });
  directory.start();
  return directory;
}

describe('discovery on the embedded core (feature tags in the reginfo)', () => {
  let core: TestCore;
  afterEach(async () => {
    await core?.close();
  });

  it('a receiver that registers later fills the directory: instance key, apps from reginfo, pub GRUU, UAProf capabilities', async () => {
    core = await startTestCore({ users: USERS });
    const aor = 'sip:alice@localhost';
    const d = await psaDirectory(core.wsUrl, 'localhost');
    const appeared: string[][] = [];
    d.onContactAppeared((_aor, keys) => appeared.push(keys));
    d.watch(aor);
    await until(() => d.get(aor)?.subscription === 'active', 10_000);
    expect(d.get(aor)!.terminals).toEqual([]);

    const alice = await core.ua({ aor, password: USERS.alice, autoAnswer: { OPTIONS: 200, MESSAGE: 200 } });
    expect((await alice.register({ contactParams: contactParams(), headers: [{ name: 'Supported', value: 'gruu' }], expires: 600 })).status).toBe(200);
    await until(() => d.get(aor)?.terminals[0]?.capabilities != null, 10_000);
    expect(d.get(aor)!.terminals[0]).toMatchObject({
      key: `instance:${INSTANCE}`,
      contact: alice.contactUri(),
      instanceId: INSTANCE,
      pubGruu: `${aor};gr=${INSTANCE}`,
      pushApps: ['news.ua'],
      appsSource: 'reginfo',
      uaprofUrl: uaprof.url,
      capabilities: { acceptTypes: ['text/plain', 'image/*'], maxMessageBytes: 1300, pushApps: ['news.ua'] },
    });
    expect(appeared).toEqual([[`instance:${INSTANCE}`, `aor:${aor}`]]);

    // Unregistering empties the entry (partial state, next version).
    expect((await alice.register({ contactParams: contactParams(), expires: 0 })).status).toBe(200);
    await until(() => d.get(aor)!.terminals.length === 0, 10_000);
  });
});

const missing = kamailioMissing();
const skipKamailio = missing !== null && process.env.KAMAILIO_REQUIRED === '0';

describe.skipIf(skipKamailio)('discovery on Kamailio (no feature tags in the reginfo: OPTIONS)', { timeout: 30_000 }, () => {
  let core: KamailioHandle;
  const uas: SipUa[] = [];
  beforeAll(async () => {
    if (missing) throw new KamailioNotInstalledError(missing);
    core = await startKamailio({ users: USERS, pushSenders: ['psa'], usrlocTimerInterval: 1 });
  });
  afterAll(async () => {
    await Promise.all(uas.map((u) => u.close()));
    await core?.stop();
  });

  it('the directory asks the new contact by OPTIONS and fills apps, instance and UAProf from the answer\'s Contact', async () => {
    const aor = `sip:alice@${core.domain}`;
    const d = await psaDirectory(core.wsUrl, core.domain);
    const appeared: string[][] = [];
    d.onContactAppeared((_aor, keys) => appeared.push(keys));
    d.watch(aor);
    await until(() => d.get(aor)?.subscription === 'active', 10_000);

    const alice = await SipUa.connect(core.wsUrl, { aor, password: USERS.alice, timeoutMs: 10_000, autoAnswer: { NOTIFY: 200 } });
    uas.push(alice);
    // As the browser answers OPTIONS (src/agent/sip/optionsResponder.ts): the registered Contact with its feature tags.
    const contact = `<${alice.contactUri()}>${contactParams()}`;
    alice.answer((req) => (req.method === 'OPTIONS' ? reply(req, 200, [{ name: 'Contact', value: contact }, { name: 'Accept', value: 'text/plain' }]) : null));
    expect((await alice.register({ contactParams: contactParams(), expires: 600, headers: [{ name: 'Supported', value: 'path, gruu, outbound' }] })).status).toBe(200);

    await until(() => d.get(aor)?.terminals[0]?.capabilities != null, 15_000);
    const [terminal] = d.get(aor)!.terminals;
    expect(terminal).toMatchObject({
      key: `instance:${INSTANCE}`,
      instanceId: INSTANCE,
      pushApps: ['news.ua'],
      appsSource: 'options',
      uaprofUrl: uaprof.url,
      capabilities: { maxMessageBytes: 1300, pushApps: ['news.ua'] },
    });
    expect(terminal!.contact).toContain(alice.contactUser);
    expect(alice.requests.filter((r) => r.method === 'OPTIONS')).toHaveLength(1);
    expect(appeared.map((k) => k[0]!.split(':')[0])).toEqual(['contact', 'instance']);
    expect(appeared.every((k) => k[1] === `aor:${aor}`)).toBe(true);

    // Closing the WebSocket unregisters the contact (Kamailio's websocket:closed route): the entry empties.
    await alice.close();
    await until(() => d.get(aor)!.terminals.length === 0, 15_000);
  });

  it('two browsers at one AoR, one with news.ua and one with mms.ua: each contact is asked alone and each terminal has its own apps and instance', async () => {
    const aor = `sip:bob@${core.domain}`;
    const d = await psaDirectory(core.wsUrl, core.domain);
    d.watch(aor);
    await until(() => d.get(aor)?.subscription === 'active', 10_000);

    const browser = async (app: string, instance: string) => {
      const ua = await SipUa.connect(core.wsUrl, { aor, password: USERS.bob, timeoutMs: 10_000, autoAnswer: { NOTIFY: 200 } });
      uas.push(ua);
      const contact = `<${ua.contactUri()}>${contactParams(app, instance)}`;
      ua.answer((req) => (req.method === 'OPTIONS' ? reply(req, 200, [{ name: 'Contact', value: contact }, { name: 'Accept', value: 'text/plain' }]) : null));
      expect((await ua.register({ contactParams: contactParams(app, instance), expires: 600, headers: [{ name: 'Supported', value: 'path, gruu, outbound' }] })).status).toBe(200);
      return ua;
    };
    const news = await browser('news.ua', INSTANCE);
    const mms = await browser('mms.ua', INSTANCE_2);

    await until(() => d.get(aor)?.terminals.length === 2 && d.get(aor)!.terminals.every((t) => t.appsSource === 'options'), 15_000);
    const terminals = d.get(aor)!.terminals;
    const of = (ua: SipUa) => terminals.find((t) => t.contact.includes(ua.contactUser));
    expect(of(news)).toMatchObject({ key: `instance:${INSTANCE}`, instanceId: INSTANCE, pushApps: ['news.ua'], appsSource: 'options', uaprofUrl: uaprof.url });
    expect(of(mms)).toMatchObject({ key: `instance:${INSTANCE_2}`, instanceId: INSTANCE_2, pushApps: ['mms.ua'], appsSource: 'options', uaprofUrl: uaprof.url });
    expect(terminals.every((t) => t.capabilitiesError === undefined)).toBe(true);
    // Each browser was asked once, by its own contact URI (no fork: the other never saw it).
    for (const ua of [news, mms]) {
      const asked = ua.requests.filter((r) => r.method === 'OPTIONS');
      expect(asked).toHaveLength(1);
      expect(asked[0]!.uri).toContain(ua.contactUser);
    }

    // One browser leaves: only its terminal goes.
    await mms.close();
    await until(() => d.get(aor)!.terminals.length === 1, 15_000);
    expect(d.get(aor)!.terminals[0]).toMatchObject({ key: `instance:${INSTANCE}`, pushApps: ['news.ua'] });
  });
});
