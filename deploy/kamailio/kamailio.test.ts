/**
 * The Kamailio SIP/IP Core, exercised over real SIP over WebSocket (RFC 7118) with our own
 * codec, and once with sipp (a SIP implementation other than ours).
 *
 * Kamailio missing: this suite FAILS (Kamailio is required by default). Only an explicit
 * KAMAILIO_REQUIRED=0 skips it, and says why.
 */
import { execFileSync, spawn } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { bodyText, encodeUtf8, getHeader, getHeaders, getHeaderValues, parseNameAddr, type SipRequest } from '../../src/protocol/sip/index.ts';
import { liveContactCount, readBindings, removeBindings } from './bindings.ts';
import { countRows } from './database.ts';
import { KamailioNotInstalledError, freePort, kamailioMissing, startKamailio, type KamailioHandle } from './launch.ts';
import { reply, SipUa, type WsUaOptions } from '../../server/testing/sipUa.ts';
import { RegEventWatcher, reginfoContacts } from '../../server/testing/regEventWatcher.ts';
import { settled } from '../../server/testing/settled.ts';

const missing = kamailioMissing();
/** Required unless KAMAILIO_REQUIRED=0 says otherwise: a missing Kamailio fails the suite. */
const required = process.env.KAMAILIO_REQUIRED !== '0';
const skipKamailio = missing !== null && !required;
const sippMissing = spawnSync('sipp', ['-v']).error !== undefined;

const USERS = {
  psa: 'psa-secret',
  alice: 'alice-secret',
  bob: 'bob-secret',
  carol: 'carol-secret',
  dave: 'dave-secret',
  erin: 'erin-secret',
  mallory: 'mallory-secret',
  frank: 'frank-secret',
  grace: 'grace-secret',
  // Only the binding-probe test (issue 10 item 3) registers heidi: it counts her contacts.
  heidi: 'heidi-secret',
  // Only the per-contact capability query test (issue 12 item 2) registers ivan.
  ivan: 'ivan-secret',
};
const UAPROF = 'https://push.example/uaprof.rdf';
const APPS_PARAMS = `;+g.oma.pusheventapp="news.ua,mms.ua";+sip.instance="<urn:uuid:5e0b9f3a-1c1e-4f59-9d7d-3a3c1c1e0001>";reg-id=1;+g.oma.uaprof="<${UAPROF}>"`;

const PUSH_ACCEPT_CONTACT = '*;+g.oma.pusheventapp="news.ua";require;explicit';
/** The test UAs behave as JsSIP in a browser: REGISTER with expires 600 and its option tags, NOTIFY and OPTIONS answered. */
const BROWSER_LIKE: WsUaOptions = {
  timeoutMs: 10_000,
  autoAnswer: { NOTIFY: 200, OPTIONS: 200 },
  registration: {
    contactExpires: 600,
    expires: 600,
    headers: [
      { name: 'Supported', value: 'path, gruu, outbound' },
      { name: 'Allow', value: 'INVITE, ACK, CANCEL, BYE, MESSAGE, OPTIONS, NOTIFY' },
    ],
  },
};

if (missing) {
  const message = `Kamailio tests ${required ? 'FAIL' : 'skipped'}: ${missing}`;
  console.warn(message);
}

describe('Kamailio availability', () => {
  // Always runs: fails when Kamailio is missing, unless KAMAILIO_REQUIRED=0 was set explicitly.
  it('is installed, or not required here', () => {
    if (required && missing) throw new KamailioNotInstalledError(missing);
    expect(required ? missing : null).toBeNull();
  });
});

// The tests read msilo's store with countRows(); a read that fails must not pass for "empty".
describe.skipIf(skipKamailio)('countRows on a locked database', () => {
  it('throws sqlite3\'s "database is locked" instead of reading 0, so a poll for 0 retries and times out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kamailio-sqlite-lock-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const dbPath = join(dir, 'locked.sqlite');
    // A second sqlite3 holds an exclusive lock on a (rollback-journal) database with one row.
    const holder = spawn('sqlite3', [dbPath], { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (data: Buffer) => data.toString().includes('lock held') && resolve());
        holder.once('exit', (code) => reject(new Error(`sqlite3 holding the lock exited ${code}`)));
        holder.stdin.write("CREATE TABLE silo (id INTEGER); INSERT INTO silo VALUES (1); BEGIN EXCLUSIVE; SELECT 'lock held';\n");
      });
      const locked = () => countRows(dbPath, 'silo', { busyTimeoutMs: 50 });
      expect(locked).toThrow(/database is locked/);
      await expect(expect.poll(locked, { timeout: 600, interval: 100 }).toBe(0)).rejects.toThrow(/database is locked/);
    } finally {
      holder.stdin.end();
      await exited;
    }
    expect(countRows(dbPath, 'silo')).toBe(1);
  });
});

describe.skipIf(skipKamailio)('Kamailio SIP/IP Core', { timeout: 30000 }, () => {
  let core: KamailioHandle;
  const clients: SipUa[] = [];

  const connect = async (user: keyof typeof USERS, password = USERS[user]): Promise<SipUa> => {
    const client = await SipUa.connect(core.wsUrl, { ...BROWSER_LIKE, aor: aor(user), password });
    clients.push(client);
    return client;
  };
  const aor = (user: string) => `sip:${user}@${core.domain}`;
  const pushMessage = (psa: SipUa, to: string, body: string, contentType = 'text/plain;charset=utf-8') =>
    psa.exchange(psa.build('MESSAGE', to, {
      body,
      contentType,
      headers: [{ name: 'Accept-Contact', value: PUSH_ACCEPT_CONTACT }],
    }));
  const isMessageWith = (body: string) => (req: SipRequest) => req.method === 'MESSAGE' && bodyText(req) === body;

  beforeAll(async () => {
    core = await startKamailio({ users: USERS, pushSenders: ['psa'], usrlocTimerInterval: 1 });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    if (core) {
      if (process.env.KAMAILIO_TEST_LOG) console.log(core.readLog());
      await core.stop();
    }
  });

  it('starts on free loopback ports and answers the WebSocket handshake with subprotocol sip', async () => {
    expect(core.host).toBe('127.0.0.1');
    expect(core.wsUrl).toBe(`ws://127.0.0.1:${core.wsPort}`);
    const c = await connect('erin');
    expect(c.isClosed).toBe(false);
  });

  it('REGISTER: 401 challenge, then 200 with the right password; GRUUs issued (RFC 5627)', async () => {
    const alice = await connect('alice');
    const { final, finals } = await alice.exchange(alice.registration({ contactParams: APPS_PARAMS }));
    expect(finals.map((r) => r.status)).toEqual([401, 200]);
    expect(getHeader(finals[0]!, 'WWW-Authenticate')).toMatch(/Digest realm="sip-push\.test".*qop="auth"/);
    const contacts = getHeaderValues(final, 'Contact').map(parseNameAddr);
    const mine = contacts.find((c) => c.uri.startsWith(alice.contactUri()));
    expect(mine).toBeDefined();
    expect(mine!.params.get('pub-gruu')).toMatch(/^"sip:alice@sip-push\.test;gr=urn:uuid:5e0b9f3a/);
    expect(mine!.params.get('temp-gruu')).toMatch(/^"sip:[^@"]+@sip-push\.test;gr"$/);
    expect(mine!.params.get('+sip.instance')).toBe('"<urn:uuid:5e0b9f3a-1c1e-4f59-9d7d-3a3c1c1e0001>"');
    expect(mine!.params.get('reg-id')).toBe('1');
  });

  it('REGISTER with a wrong password: challenged again (401, 401), never 200', async () => {
    const intruder = await connect('bob', 'wrong-password');
    const { final, finals } = await intruder.exchange(intruder.registration());
    expect(finals.map((r) => r.status)).toEqual([401, 401]);
    expect(final.status).toBe(401);
    // An unknown user gets the same treatment (no user enumeration).
    const nobody = await SipUa.connect(core.wsUrl, { ...BROWSER_LIKE, aor: aor('nobody'), password: 'x' });
    clients.push(nobody);
    expect((await nobody.exchange(nobody.registration())).finals.map((r) => r.status)).toEqual([401, 401]);
  });

  it('MESSAGE from the allowed push sender (407 then authenticated) reaches the receiver; its 200 reaches the sender', async () => {
    const bob = await connect('bob');
    expect((await bob.exchange(bob.registration({ contactParams: APPS_PARAMS }))).final.status).toBe(200);
    const psa = await connect('psa');
    const body = 'news: héllo wörld ✓';
    const sent = pushMessage(psa, aor('bob'), body);
    const incoming = await bob.waitForRequest(isMessageWith(body), { what: 'the push MESSAGE' });
    expect(getHeader(incoming, 'Content-Type')).toBe('text/plain;charset=utf-8');
    expect(getHeader(incoming, 'Accept-Contact')).toBe(PUSH_ACCEPT_CONTACT);
    expect(incoming.uri).toContain(bob.contactUser);
    expect(getHeader(incoming, 'Proxy-Authorization')).toBeUndefined();
    bob.respond(incoming, 200);
    const { finals } = await sent;
    expect(finals.map((r) => r.status)).toEqual([407, 200]);
  });

  it('MESSAGE from an identity not in the push senders list gets 403 at the core', async () => {
    const bob = await connect('bob');
    await bob.register();
    const mallory = await connect('mallory');
    const { finals } = await pushMessage(mallory, aor('bob'), 'not allowed');
    expect(finals.map((r) => r.status)).toEqual([407, 403]);
    // A foreign, unauthenticated identity is refused as well.
    const foreign = await SipUa.connect(core.wsUrl, { ...BROWSER_LIKE, aor: 'sip:evil@elsewhere.test', password: '' });
    clients.push(foreign);
    const res = await pushMessage(foreign, aor('bob'), 'not allowed either');
    expect(res.final.status).toBe(403);
    // INVITE is governed by the same list.
    const invite = await mallory.exchange(mallory.build('INVITE', aor('bob'), { body: 'v=0\r\n', contentType: 'application/sdp', headers: [{ name: 'Contact', value: `<${mallory.contactUri()}>` }] }));
    expect(invite.final.status).toBe(403);
    await settled();
    expect(bob.requests.filter((r) => r.method === 'MESSAGE' || r.method === 'INVITE')).toHaveLength(0);
  });

  it('reg event (RFC 3680): SUBSCRIBE Event: reg gets application/reginfo+xml NOTIFYs describing the binding', async () => {
    const erin = await connect('erin');
    // UAProf URL as the agreed Contact header parameter (+g.oma.uaprof), as x-wap-profile,
    // and (to show where URI parameters end up) as a Contact URI parameter.
    const reg = await erin.exchange(erin.registration({
      contactParams: APPS_PARAMS,
      uriParams: `;uaprof=${encodeURIComponent(UAPROF)}`,
      headers: [{ name: 'x-wap-profile', value: `"${UAPROF}"` }, { name: 'User-Agent', value: 'SIP Push Web test' }],
    }));
    expect(reg.final.status).toBe(200);
    const psa = await connect('psa');
    const watcher = await RegEventWatcher.subscribe(psa, aor('erin'));
    expect(watcher.subscribed.finals.map((r) => r.status)).toEqual([407, 200]);
    const notify = await watcher.waitFor((xml) => xml.includes(erin.contactUser), 'a reginfo NOTIFY naming erin\'s contact');
    expect(notify.event).toBe('reg');
    expect(notify.contentType).toBe('application/reginfo+xml');
    expect(notify.subscriptionState).toMatch(/^active/);
    const xml = notify.xml;
    if (process.env.KAMAILIO_TEST_LOG) console.log(xml);
    expect(xml).toMatch(/<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="\d+" state="full">/);
    expect(xml).toContain(`<registration aor="sip:erin@${core.domain}"`);
    expect(xml).toMatch(/<contact [^>]*state="active"[^>]*event="(registered|created|refreshed)"/);
    // What Kamailio 5.6 puts there: the binding's URI (URI parameters included) and
    // non-standard callid/cseq/received/path/user_agent attributes, but no
    // <unknown-param> elements: Contact header parameters (feature tags, +sip.instance,
    // a uaprof header parameter) do not reach subscribers.
    expect(xml).toContain(`<uri>${erin.contactUri({ params: `;uaprof=${encodeURIComponent(UAPROF)}` })}</uri>`);
    expect(xml).not.toContain('unknown-param');
    expect(xml).not.toContain('pusheventapp');
    expect(xml).not.toContain('g.oma.uaprof');
    expect(xml).toContain('user_agent="SIP Push Web test"');
    expect(xml).toMatch(/received="sip:127\.0\.0\.1:\d+;transport=ws"/);
    // The subscription ends with the NOTIFY that says so (RFC 6665 section 4.1.2.3).
    const ended = await watcher.unsubscribe();
    expect(ended.subscriptionState).toMatch(/^terminated/);
    expect(ended.xml).toContain(`<registration aor="sip:erin@${core.domain}"`);
  });

  // Issue 9 item 8: the identity a client writes is removed, the one Kamailio authenticated asserted (RFC 3325).
  it('P-Asserted-Identity: the authenticated sender is asserted, a forged one removed, live and through msilo', async () => {
    const bob = await connect('bob');
    expect((await bob.exchange(bob.registration({ contactParams: APPS_PARAMS }))).final.status).toBe(200);
    const psa = await connect('psa');
    const forged = (to: string, body: string) =>
      psa.exchange(psa.build('MESSAGE', to, { body, contentType: 'text/plain', headers: [{ name: 'Accept-Contact', value: PUSH_ACCEPT_CONTACT }, { name: 'P-Asserted-Identity', value: `<${aor('boss')}>` }] }));
    const sent = forged(aor('bob'), 'asserted live');
    const live = await bob.waitForRequest(isMessageWith('asserted live'), { what: 'the live push' });
    expect(getHeaders(live, 'P-Asserted-Identity')).toEqual([`<${aor('psa')}>`]);
    bob.respond(live, 200);
    expect((await sent).final.status).toBe(200);

    expect((await forged(aor('dave'), 'asserted stored')).final.status).toBe(202);
    const dave = await connect('dave');
    await dave.register({ contactParams: APPS_PARAMS });
    const stored = await dave.waitForRequest(isMessageWith('asserted stored'), { what: 'the stored push' });
    expect(getHeaders(stored, 'P-Asserted-Identity')).toEqual([`<${aor('psa')}>`]);
    dave.respond(stored, 200);
    // Acknowledged: msilo deletes it on its timer; the offline test below counts the store from empty.
    await expect.poll(() => countRows(core.dbPath, 'silo'), { timeout: 15000, interval: 200 }).toBe(0);
  });

  it('MESSAGE to an offline user is stored (202) and delivered unchanged when the user registers', async () => {
    const psa = await connect('psa');
    // Parameters in the Content-Type, CRLFs and non-ASCII in the body; and a message/cpim
    // push (delivery report requested), which msilo alone would turn into text/plain.
    const json = { body: '{"headline":"Ünïcode ✓","lines":["a","b"]}\r\n  trailing spaces and CRLF  \r\n', type: 'application/vnd.oma.push.test+json;charset=utf-8' };
    const cpim = {
      body: 'From: <sip:psa@sip-push.test>\r\nTo: <sip:carol@sip-push.test>\r\nNS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: 34jk324j\r\nimdn.Disposition-Notification: positive-delivery, negative-delivery\r\n\r\nContent-Type: text/plain;charset=utf-8\r\n\r\nstored cpim push\r\n',
      type: 'message/cpim',
    };
    const plain = { body: 'plain offline push, no date prefix', type: 'text/plain' };
    for (const m of [json, cpim, plain]) {
      expect((await pushMessage(psa, aor('carol'), m.body, m.type)).finals.map((r) => r.status)).toEqual([407, 202]);
    }
    expect(countRows(core.dbPath, 'silo')).toBe(3);
    const carol = await connect('carol');
    await carol.register({ contactParams: APPS_PARAMS });
    for (const m of [json, cpim, plain]) {
      // msilo sends all stored messages at once: no ordering guarantee.
      const delivered = await carol.waitForRequest(isMessageWith(m.body), { what: `the stored ${m.type} MESSAGE` });
      expect(Buffer.from(delivered.body).equals(Buffer.from(encodeUtf8(m.body)))).toBe(true);
      expect(getHeader(delivered, 'Content-Type')).toBe(m.type);
      expect(getHeaders(delivered, 'Content-Type')).toHaveLength(1);
      expect(getHeader(delivered, 'Accept-Contact')).toBe(PUSH_ACCEPT_CONTACT);
      expect(getHeader(delivered, 'X-Msilo-Content-Type')).toBeUndefined();
      expect(parseNameAddr(getHeader(delivered, 'From') ?? '').uri).toBe(aor('psa'));
      carol.respond(delivered, 200);
    }
    // Acknowledged: msilo deletes them (on its check_time timer).
    await expect.poll(() => countRows(core.dbPath, 'silo'), { timeout: 15000, interval: 200 }).toBe(0);
  });

  it('keeps the Contact header parameters with each binding (usrloc xavp_contact -> location_attrs), updated on re-REGISTER, gone with the WebSocket', { timeout: 30000 }, async () => {
    const tab1 = await connect('grace');
    const tab2 = await connect('grace');
    await tab1.register({ contactParams: APPS_PARAMS });
    await tab2.register({ contactParams: ';+g.oma.pusheventapp="mms.ua";+sip.instance="<urn:uuid:00000000-0000-4000-8000-00000000f002>";reg-id=1' });
    const view = () => readBindings(core.locationDbPath, aor('grace'), core.domain).map((b) => [b.uri, b.pushApps, b.instance, b.regId]);
    await expect.poll(view, { timeout: 5000, interval: 100 }).toEqual([
      [tab1.contactUri(), ['news.ua', 'mms.ua'], '<urn:uuid:5e0b9f3a-1c1e-4f59-9d7d-3a3c1c1e0001>', 1],
      [tab2.contactUri(), ['mms.ua'], '<urn:uuid:00000000-0000-4000-8000-00000000f002>', 1],
    ]);
    const [first] = readBindings(core.locationDbPath, aor('grace'), core.domain);
    expect(first!.contact).toBe(`<${tab1.contactUri()}>${APPS_PARAMS};expires=600`);
    expect(first!.received).toMatch(/^sip:127\.0\.0\.1:\d+;transport=ws$/);
    await tab1.register({ contactParams: ';+g.oma.pusheventapp="news.ua,late.ua";+sip.instance="<urn:uuid:5e0b9f3a-1c1e-4f59-9d7d-3a3c1c1e0001>";reg-id=1' });
    await expect.poll(() => view().map(([, apps]) => apps), { timeout: 5000, interval: 100 }).toEqual([['news.ua', 'late.ua'], ['mms.ua']]);
    // websocket:closed runs when the websocket module destroys the connection (rm_delay_interval, 5 s).
    await tab2.close();
    await expect.poll(() => view().map(([uri]) => uri), { timeout: 12000, interval: 200 }).toEqual([tab1.contactUri()]);
  });

  it('Accept-Contact with require;explicit (RFC 3841): only the instances that registered the app get the MESSAGE; none -> 480', async () => {
    const tab1 = await connect('dave');
    const tab2 = await connect('dave');
    await tab1.register({ contactParams: ';+g.oma.pusheventapp="news.ua";+sip.instance="<urn:uuid:00000000-0000-4000-8000-00000000d001>";reg-id=1' });
    await tab2.register({ contactParams: ';+g.oma.pusheventapp="mms.ua";+sip.instance="<urn:uuid:00000000-0000-4000-8000-00000000d002>";reg-id=1' });
    tab1.autoAnswer.set('MESSAGE', 200);
    tab2.autoAnswer.set('MESSAGE', 200);
    const psa = await connect('psa');
    const push = (app: string, body: string) =>
      psa.exchange(psa.build('MESSAGE', aor('dave'), { body, contentType: 'text/plain', headers: [{ name: 'Accept-Contact', value: `*;+g.oma.pusheventapp="${app}";require;explicit` }] }));
    expect((await push('news.ua', 'for news')).final.status).toBe(200);
    expect((await push('mms.ua', 'for mms')).final.status).toBe(200);
    const nope = await push('nope.ua', 'for nobody');
    expect([nope.final.status, nope.final.reason]).toEqual([480, 'No contact matches Accept-Contact']);
    const bodies = (tab: SipUa) => tab.requests.filter((r) => r.method === 'MESSAGE').map(bodyText);
    await settled(); // a copy forked to the wrong tab would be there by now
    expect(bodies(tab1)).toEqual(['for news']);
    expect(bodies(tab2)).toEqual(['for mms']);

    // A third instance without push apps: excluded by `explicit`, an implicit match without it.
    const tab3 = await connect('dave');
    const reg3 = await tab3.exchange(tab3.registration({ contactParams: ';+sip.instance="<urn:uuid:00000000-0000-4000-8000-00000000d003>";reg-id=1' }));
    tab3.autoAnswer.set('MESSAGE', 200);
    expect((await push('news.ua', 'explicit news')).final.status).toBe(200);
    const implicit = await psa.exchange(psa.build('MESSAGE', aor('dave'), { body: 'implicit news', contentType: 'text/plain', headers: [{ name: 'Accept-Contact', value: '*;+g.oma.pusheventapp="news.ua";require' }] }));
    expect(implicit.final.status).toBe(200);
    await tab3.waitForRequest(isMessageWith('implicit news'), { what: 'the implicitly matching MESSAGE' });
    await settled();
    expect(bodies(tab3)).toEqual(['implicit news']);
    expect(bodies(tab1)).toEqual(['for news', 'explicit news', 'implicit news']);
    expect(bodies(tab2)).toEqual(['for mms']);
    // The 200 to REGISTER does not echo the parameters usrloc has no column for.
    const mine = getHeaderValues(reg3.final, 'Contact').map(parseNameAddr).find((c) => c.uri.startsWith(tab1.contactUri()));
    expect(mine?.params.has('+g.oma.pusheventapp')).toBe(false);
  });

  it('Accept-Contact without require: the MESSAGE forks to every instance; the 200 wins over the 404', async () => {
    const tab1 = await connect('frank');
    const tab2 = await connect('frank');
    await tab1.register({ contactParams: ';+g.oma.pusheventapp="news.ua";+sip.instance="<urn:uuid:00000000-0000-4000-8000-00000000a001>";reg-id=1' });
    await tab2.register({ contactParams: ';+g.oma.pusheventapp="mms.ua";+sip.instance="<urn:uuid:00000000-0000-4000-8000-00000000a002>";reg-id=1' });
    const psa = await connect('psa');
    const body = 'forked news';
    const sent = psa.exchange(psa.build('MESSAGE', aor('frank'), { body, contentType: 'text/plain', headers: [{ name: 'Accept-Contact', value: '*;+g.oma.pusheventapp="news.ua"' }] }));
    const [m1, m2] = await Promise.all([
      tab1.waitForRequest(isMessageWith(body), { what: 'the forked MESSAGE on tab 1' }),
      tab2.waitForRequest(isMessageWith(body), { what: 'the forked MESSAGE on tab 2' }),
    ]);
    // Not required: every binding is a target and the tab without news.ua says 404.
    tab2.respond(m2, 404);
    tab1.respond(m1, 200);
    expect((await sent).final.status).toBe(200);
  });

  it('a MESSAGE to a GRUU reaches only that instance (RFC 5627 section 7)', async () => {
    const tab1 = await connect('dave');
    const tab2 = await connect('dave');
    const r1 = await tab1.exchange(tab1.registration({ contactParams: ';+sip.instance="<urn:uuid:00000000-0000-4000-8000-00000000e001>";reg-id=1' }));
    await tab2.register({ contactParams: ';+sip.instance="<urn:uuid:00000000-0000-4000-8000-00000000e002>";reg-id=1' });
    const mine = getHeaderValues(r1.final, 'Contact').map(parseNameAddr).find((c) => c.uri.startsWith(tab1.contactUri()));
    const gruu = (mine?.params.get('pub-gruu') ?? '').replace(/"/g, '');
    expect(gruu).toContain(';gr=urn:uuid:00000000-0000-4000-8000-00000000e001');
    const psa = await connect('psa');
    const sent = pushMessage(psa, gruu, 'to one tab');
    const m = await tab1.waitForRequest(isMessageWith('to one tab'), { what: 'the MESSAGE sent to the GRUU' });
    tab1.respond(m, 200);
    expect((await sent).final.status).toBe(200);
    await settled();
    expect(tab2.requests.some(isMessageWith('to one tab'))).toBe(false);
  });

  it('closing the WebSocket removes the binding (reg event says so; the next MESSAGE is stored, 202)', async () => {
    const psa = await connect('psa');
    const watcher = await RegEventWatcher.subscribe(psa, aor('alice'));
    const alice = await connect('alice');
    await alice.register({ contactParams: APPS_PARAMS });
    const aliceContact = (state: string) => (xml: string) => reginfoContacts(xml).some((c) => c.uri.includes(alice.contactUser) && c.state === state);
    await watcher.waitFor(aliceContact('active'), 'alice active');
    const closedAt = watcher.mark();
    await alice.close();
    // The NOTIFY reporting the contact terminated, on this subscription (no new SUBSCRIBE).
    const gone = await watcher.waitFor(aliceContact('terminated'), 'the NOTIFY with alice\'s contact terminated', { since: closedAt });
    const [contact] = reginfoContacts(gone.xml).filter((c) => c.uri.includes(alice.contactUser));
    expect(contact!.event).toMatch(/^(expired|unregistered)$/);
    expect(gone.subscriptionState).toMatch(/^active/);
    const after = await pushMessage(psa, aor('alice'), 'after close');
    expect(after.final.status).toBe(202);
    const ended = await watcher.unsubscribe();
    expect(ended.subscriptionState).toMatch(/^terminated/);
  });

  // Issue 10 item 3: the client's binding probe, and a binding removed while its flow stays up.
  it('an OPTIONS from a user to its own AoR (authenticated) is routed back to its contacts; after ul.rm it gets 480', async () => {
    const heidi = await connect('heidi');
    expect((await heidi.register({ contactParams: APPS_PARAMS })).status).toBe(200);
    const probe = () => heidi.exchange(heidi.build('OPTIONS', aor('heidi'), { headers: [{ name: 'X-SIP-Push-Probe', value: 'tok-1' }] }));
    const alive = await probe();
    expect(alive.finals.map((r) => r.status)).toEqual([407, 200]);
    const forked = await heidi.waitForRequest((req) => req.method === 'OPTIONS' && getHeader(req, 'X-SIP-Push-Probe') === 'tok-1', { what: 'our own probe' });
    expect(forked.uri).toContain(heidi.contactUser);

    expect(removeBindings(core.runtimeDir, aor('heidi'))).toBe(1);
    expect(liveContactCount(core.runtimeDir, aor('heidi'))).toBe(0);
    expect(heidi.isClosed).toBe(false);
    expect((await probe()).final.status).toBe(480);
    expect(removeBindings(core.runtimeDir, aor('heidi'))).toBe(0);
    // Registering again on the same connection restores it.
    expect((await heidi.register({ contactParams: APPS_PARAMS })).status).toBe(200);
    expect(liveContactCount(core.runtimeDir, aor('heidi'))).toBe(1);
  });

  // Issue 12 item 2: the reginfo names contacts only by URI, so the capability query goes to that URI.
  it('OPTIONS from a push sender to a contact URI the reg event listed (To: its AoR) reaches only that contact; anything else 404/403', async () => {
    const ivan = aor('ivan');
    const tab1 = await connect('ivan');
    const tab2 = await connect('ivan');
    // Each tab answers with its own Contact and feature tags, as the browser does (optionsResponder).
    const answering = (tab: SipUa, apps: string) =>
      tab.answer((req) => (req.method === 'OPTIONS' ? reply(req, 200, [{ name: 'Contact', value: `<${tab.contactUri()}>;+g.oma.pusheventapp="${apps}"` }]) : null));
    answering(tab1, 'news.ua');
    answering(tab2, 'mms.ua');
    // The service's view: the contact URIs as the reg event lists them.
    const psa = await connect('psa');
    const watcher = await RegEventWatcher.subscribe(psa, ivan);
    await tab1.register({ contactParams: ';+g.oma.pusheventapp="news.ua";+sip.instance="<urn:uuid:00000000-0000-4000-8000-00000000c001>";reg-id=1' });
    await tab2.register({ contactParams: ';+g.oma.pusheventapp="mms.ua";+sip.instance="<urn:uuid:00000000-0000-4000-8000-00000000c002>";reg-id=1' });
    const listed = new Map<SipUa, string>();
    for (const tab of [tab1, tab2]) {
      const notify = await watcher.waitFor((xml) => xml.includes(tab.contactUser), `a reginfo NOTIFY listing ${tab.contactUser}`);
      listed.set(tab, reginfoContacts(notify.xml).find((c) => c.uri.includes(tab.contactUser))!.uri);
    }
    const uriOf = (tab: SipUa) => listed.get(tab)!;
    const query = (from: SipUa, uri: string, to = ivan) => from.exchange(from.build('OPTIONS', uri, { to: `<${to}>` }));
    const optionsOn = (tab: SipUa) => tab.requests.filter((r) => r.method === 'OPTIONS');

    for (const [tab, apps] of [[tab1, 'news.ua'], [tab2, 'mms.ua']] as const) {
      const asked = await query(psa, uriOf(tab));
      expect(asked.finals.map((r) => r.status)).toEqual([407, 200]);
      // The answer is that contact's (Kamailio aliases its URI to the flow on the way back).
      const [contact] = getHeaderValues(asked.final, 'Contact').map(parseNameAddr);
      expect(contact!.uri).toMatch(new RegExp(`^sip:${tab.contactUser}@[^;]+\\.invalid;alias=127\\.0\\.0\\.1~\\d+~5;transport=ws$`));
      expect(contact!.params.get('+g.oma.pusheventapp')).toBe(`"${apps}"`);
    }
    await settled(); // a copy forked to the other tab would be there by now
    expect(optionsOn(tab1).map((r) => r.uri)).toEqual([uriOf(tab1)]);
    expect(optionsOn(tab2).map((r) => r.uri)).toEqual([uriOf(tab2)]);

    // The binding must belong to the To AoR; a URI nobody registered is not relayed either.
    expect((await query(psa, uriOf(tab1), aor('bob'))).final.status).toBe(404);
    expect((await query(psa, 'sip:nobody@nowhere.invalid;transport=ws')).final.status).toBe(404);
    // Only push senders, only OPTIONS: a user, or a MESSAGE, to a contact URI is relaying (403).
    const mallory = await connect('mallory');
    expect((await query(mallory, uriOf(tab1))).final.status).toBe(403);
    const message = await psa.exchange(psa.build('MESSAGE', uriOf(tab1), { to: `<${ivan}>`, body: 'x', contentType: 'text/plain' }));
    expect(message.final.status).toBe(403);
    expect(optionsOn(tab1)).toHaveLength(1);
    expect(tab1.requests.some((r) => r.method === 'MESSAGE')).toBe(false);
    await watcher.unsubscribe();
  });

  it('a user may watch only its own registrations; other non-senders get 403', async () => {
    const mallory = await connect('mallory');
    const res = await mallory.exchange(mallory.build('SUBSCRIBE', aor('bob'), {
      headers: [
        { name: 'Event', value: 'reg' },
        { name: 'Contact', value: `<${mallory.contactUri()}>` },
      ],
    }));
    expect(res.final.status).toBe(403);
  });

  it('the WebSocket endpoint also offers the msrp subprotocol (RFC 7977) and answers an MSRP AUTH with a digest challenge', async () => {
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(core.wsUrl, 'msrp');
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    expect(ws.protocol).toBe('msrp');
    const reply = new Promise<string>((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString('utf8'))));
    ws.send(
      'MSRP a786hjs2 AUTH\r\nTo-Path: msrp://127.0.0.1:' +
        core.wsPort +
        ';ws\r\nFrom-Path: msrp://x1.invalid:2855/s1;ws\r\n-------a786hjs2$\r\n',
    );
    const text = await reply;
    ws.close();
    expect(text).toMatch(/^MSRP a786hjs2 401 Unauthorized\r\n/);
    expect(text).toMatch(/WWW-Authenticate: Digest realm="sip-push\.test"/);
  });

  it.skipIf(sippMissing && !required)('sipp (deploy/kamailio/sipp/push-message.xml) pushes an authenticated MESSAGE with Accept-Contact to a WebSocket receiver', async () => {
    if (sippMissing) throw new Error('sipp not installed: apt-get install sip-tester');
    const receiver = await connect('bob');
    await receiver.register({ contactParams: APPS_PARAMS });
    receiver.autoAnswer.set('MESSAGE', 200);
    const result = await runSipp(join(import.meta.dirname, 'sipp', 'push-message.xml'), core, 'bob');
    const msg = await receiver.waitForRequest((r) => r.method === 'MESSAGE' && bodyText(r).includes('sipp push'), { what: 'the sipp MESSAGE' });
    expect(getHeader(msg, 'Accept-Contact')).toBe(PUSH_ACCEPT_CONTACT);
    expect(getHeader(msg, 'Content-Type')).toBe('text/plain');
    expect(result.code).toBe(0);
  });
});

describe.skipIf(skipKamailio)('Kamailio SIP/IP Core with a certificate: SIP over secure WebSocket (wss)', { timeout: 30000 }, () => {
  let core: KamailioHandle;
  let certDir: string;
  let ca: Buffer;
  const clients: SipUa[] = [];
  const aor = (user: string) => `sip:${user}@${core.domain}`;
  const connect = async (user: keyof typeof USERS, url: string): Promise<SipUa> => {
    const client = await SipUa.connect(url, { ...BROWSER_LIKE, aor: aor(user), password: USERS[user], ca });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    // A self-signed certificate for 127.0.0.1; the clients trust exactly it (real verification).
    certDir = mkdtempSync(join(tmpdir(), 'kamailio-wss-cert-'));
    const cert = join(certDir, 'cert.pem');
    const key = join(certDir, 'key.pem');
    execFileSync(
      '/usr/bin/openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
      { stdio: 'ignore' },
    );
    ca = readFileSync(cert);
    core = await startKamailio({ users: USERS, pushSenders: ['psa'], usrlocTimerInterval: 1, tls: { cert, key } });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    if (core) {
      if (process.env.KAMAILIO_TEST_LOG) console.log(core.readLog());
      await core.stop();
    }
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  it('listens for wss on its own port; the server certificate verifies against the CA, and a client without it is refused', async () => {
    expect(core.wssPort).toBeGreaterThan(0);
    expect(core.wssPort).not.toBe(core.wsPort);
    expect(core.wssUrl).toBe(`wss://127.0.0.1:${core.wssPort}`);
    const { default: WebSocket } = await import('ws');
    const untrusting = new WebSocket(core.wssUrl!, 'sip');
    const error = await new Promise<Error>((resolve, reject) => {
      untrusting.once('open', () => reject(new Error('connected without trusting the certificate')));
      untrusting.once('error', resolve);
    });
    expect(String((error as NodeJS.ErrnoException).code ?? error.message)).toMatch(/SELF_SIGNED|self[- ]signed/i);
  });

  it('REGISTER over wss (Via SIP/2.0/WSS): 401, 200 with the binding, which lives on the wss connection', async () => {
    const bob = await connect('bob', core.wssUrl!);
    expect(bob.isClosed).toBe(false);
    const { final, finals } = await bob.exchange(bob.registration({ contactParams: APPS_PARAMS }));
    expect(finals.map((r) => r.status)).toEqual([401, 200]);
    const mine = getHeaderValues(final, 'Contact').map(parseNameAddr).find((c) => c.uri.startsWith(bob.contactUri()));
    expect(mine).toBeDefined();
    expect(mine!.params.get('pub-gruu')).toMatch(/^"sip:bob@sip-push\.test;gr=urn:uuid:5e0b9f3a/);
    // The connection's source port, as Kamailio saw it (rport, RFC 3581).
    const rport = /;rport=(\d+)/.exec(getHeader(final, 'Via') ?? '')?.[1];
    expect(rport).toBeDefined();
    // nathelper writes transport=ws for wss too (the URI parameter RFC 7118 section 5.2
    // defines for both); the port is the wss connection's, so lookup() routes over it.
    await expect
      .poll(() => readBindings(core.locationDbPath, aor('bob'), core.domain).map((b) => [b.uri, b.received, b.pushApps]), { timeout: 5000, interval: 100 })
      .toEqual([[bob.contactUri(), `sip:127.0.0.1:${rport};transport=ws`, ['news.ua', 'mms.ua']]]);
  });

  it('SIP both ways between wss and ws: a push from psa (ws) reaches bob (wss), bob\'s MESSAGE reaches psa', async () => {
    const bob = await connect('bob', core.wssUrl!);
    expect((await bob.exchange(bob.registration({ contactParams: APPS_PARAMS }))).final.status).toBe(200);
    const psa = await connect('psa', core.wsUrl);
    expect((await psa.exchange(psa.registration())).final.status).toBe(200);
    const sent = psa.exchange(psa.build('MESSAGE', aor('bob'), {
      body: 'over wss ✓',
      contentType: 'text/plain;charset=utf-8',
      headers: [{ name: 'Accept-Contact', value: PUSH_ACCEPT_CONTACT }],
    }));
    const incoming = await bob.waitForRequest((r) => r.method === 'MESSAGE' && bodyText(r) === 'over wss ✓', { what: 'the push over wss' });
    expect(getHeader(incoming, 'Via')).toMatch(/^SIP\/2\.0\/WSS /);
    expect(incoming.uri).toContain(bob.contactUser);
    bob.respond(incoming, 200);
    expect((await sent).finals.map((r) => r.status)).toEqual([407, 200]);

    psa.autoAnswer.set('MESSAGE', 200);
    const reply = await bob.exchange(bob.build('MESSAGE', aor('psa'), { body: 'delivered', contentType: 'text/plain' }));
    expect(reply.finals.map((r) => r.status)).toEqual([407, 200]);
    const atPsa = await psa.waitForRequest((r) => r.method === 'MESSAGE' && bodyText(r) === 'delivered', { what: 'bob\'s MESSAGE from wss' });
    expect(parseNameAddr(getHeader(atPsa, 'From') ?? '').uri).toBe(aor('bob'));
  });

  it('closing the wss connection removes its binding (websocket:closed)', async () => {
    const carol = await connect('carol', core.wssUrl!);
    await carol.register();
    const uris = () => readBindings(core.locationDbPath, aor('carol'), core.domain).map((b) => b.uri);
    await expect.poll(uris, { timeout: 5000, interval: 100 }).toEqual([carol.contactUri()]);
    await carol.close();
    await expect.poll(uris, { timeout: 12000, interval: 200 }).toEqual([]);
  });

  it('the wss endpoint also offers the msrp subprotocol and digest-challenges an MSRP AUTH', async () => {
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(core.wssUrl!, 'msrp', { ca });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    expect(ws.protocol).toBe('msrp');
    const reply = new Promise<string>((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString('utf8'))));
    ws.send(`MSRP b786hjs2 AUTH\r\nTo-Path: msrps://127.0.0.1:${core.wssPort};ws\r\nFrom-Path: msrps://x1.invalid:2855/s1;ws\r\n-------b786hjs2$\r\n`);
    const text = await reply;
    ws.close();
    expect(text).toMatch(/^MSRP b786hjs2 401 Unauthorized\r\n/);
  });
});

async function runSipp(scenario: string, core: KamailioHandle, target: string): Promise<{ code: number | null; output: string }> {
  const sippArgs = [
    `${core.host}:${core.sipPort}`,
    '-sf', scenario,
    '-t', 'u1',
    '-i', core.host,
    '-p', String(await freePort(core.host, true)),
    '-m', '1',
    '-s', target,
    '-au', 'psa',
    '-ap', USERS.psa,
    '-key', 'domain', core.domain,
    '-key', 'sender', 'psa',
    '-timeout', '20',
    '-timeout_error',
    '-nostdin',
    '-trace_err',
    '-error_file', join(core.runtimeDir, 'sipp-errors.log'),
  ];
  return new Promise((resolve) => {
    const child = spawn('sipp', sippArgs, { cwd: core.runtimeDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}
