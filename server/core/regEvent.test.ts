import { afterEach, describe, expect, it } from 'vitest';
import { applyReginfo, liveContacts, parseReginfo, type ReginfoDocument, type ReginfoView } from '../../src/protocol/reginfo/index.ts';
import { getHeader, type SipRequest } from '../../src/protocol/sip/index.ts';
import { startTestCore, type TestCore } from '../testing/coreHarness.ts';
import { RegEventWatcher, type ReginfoNotify } from '../testing/regEventWatcher.ts';
import { reply, type SipUa } from '../testing/sipUa.ts';
import { settled } from '../testing/settled.ts';
import { until } from '../testing/until.ts';
import type { CoreOptions } from './index.ts';

const INSTANCE = 'urn:uuid:3f1b4c2e-0000-4000-8000-00000000a11c';
const ALICE = 'sip:alice@localhost';
const PARAMS = `;+g.oma.pusheventapp="news.ua,mms.ua";+sip.instance="<${INSTANCE}>";reg-id=1;+g.oma.uaprof="<https://push.example/uaprof.rdf>"`;

let core: TestCore;
afterEach(async () => {
  await core?.close();
});

async function start(options: CoreOptions = {}): Promise<TestCore> {
  core = await startTestCore({ ...options, limits: { minExpires: 1, ...options.limits } });
  return core;
}

async function watcherUa(aor = 'sip:psa@localhost', password?: string): Promise<SipUa> {
  return core.ua({ aor, ...(password ? { password } : {}), autoAnswer: { NOTIFY: 200 } });
}

const doc = (n: ReginfoNotify): ReginfoDocument => parseReginfo(n.xml);
const contactsOf = (n: ReginfoNotify) => doc(n).registrations.flatMap((r) => r.contacts.map((c) => `${c.state} ${c.event}`));

/** The next NOTIFY of the subscription after `since`. */
async function next(w: RegEventWatcher, since: number, what: string): Promise<ReginfoNotify> {
  return w.waitForNotification(() => true, what, { since });
}

describe('reg event (RFC 3680) in the embedded core', () => {
  it('answers 200 with Expires, then NOTIFYs full state with the Contact parameters as unknown-params and the pub-gruu', async () => {
    await start();
    const alice = await core.ua({ aor: ALICE });
    expect((await alice.register({ contactParams: PARAMS, headers: [{ name: 'Supported', value: 'gruu' }], expires: 600 })).status).toBe(200);
    const w = await RegEventWatcher.subscribe(await watcherUa(), ALICE, { expires: 600 });
    expect(w.subscribed.final.status).toBe(200);
    expect(getHeader(w.subscribed.final, 'expires')).toBe('600');
    const n = await w.waitFor(() => true, 'the first NOTIFY');
    expect(n.event).toBe('reg');
    expect(n.contentType).toBe('application/reginfo+xml');
    expect(n.subscriptionState).toMatch(/^active;expires=(600|599)$/);
    const d = doc(n);
    expect(d).toMatchObject({ version: 0, state: 'full' });
    expect(d.registrations).toHaveLength(1);
    const r = d.registrations[0]!;
    expect(r).toMatchObject({ aor: ALICE, state: 'active' });
    const c = r.contacts[0]!;
    expect(c).toMatchObject({ state: 'active', event: 'registered', uri: alice.contactUri(), pubGruu: `${ALICE};gr=${INSTANCE}` });
    expect(c.expires).toBeGreaterThan(590);
    expect(c.unknownParams).toEqual([
      { name: '+g.oma.pusheventapp', value: '"news.ua,mms.ua"' },
      { name: '+sip.instance', value: `"<${INSTANCE}>"` },
      { name: 'reg-id', value: '1' },
      { name: '+g.oma.uaprof', value: '"<https://push.example/uaprof.rdf>"' },
    ]);
    const [view] = liveContacts(applyReginfo(null, d, { now: Date.now() }).view, ALICE, Date.now());
    expect(view).toMatchObject({ pushAppIds: ['news.ua', 'mms.ua'], instanceId: INSTANCE, uaprofUrl: 'https://push.example/uaprof.rdf' });
    // Our Contact is the core: the dialog's refreshes and unSUBSCRIBE come back to it.
    expect(n.request.uri).toBe(w.ua.contactUri());
    expect((await w.unsubscribe()).subscriptionState).toBe('terminated;reason=timeout');
  });

  it('sends partial state on every binding change with increasing versions: registered, refreshed, unregistered, deactivated, expired, flow closed', async () => {
    await start();
    const w = await RegEventWatcher.subscribe(await watcherUa(), ALICE);
    const first = await w.waitFor(() => true, 'the first NOTIFY');
    expect(doc(first)).toEqual({ version: 0, state: 'full', registrations: [{ aor: ALICE, id: expect.any(String), state: 'init', contacts: [] }] });
    let view: ReginfoView | null = applyReginfo(null, doc(first), { now: Date.now() }).view;
    const step = async (action: () => Promise<unknown>, what: string): Promise<ReginfoNotify> => {
      const since = w.mark();
      await action();
      const n = await next(w, since, what);
      const result = applyReginfo(view, doc(n), { now: Date.now() });
      expect(result.outcome).toBe('applied');
      view = result.view;
      return n;
    };
    const alice = await core.ua({ aor: ALICE });
    let n = await step(() => alice.register({ contactParams: PARAMS, expires: 600 }), 'registered');
    expect(doc(n)).toMatchObject({ version: 1, state: 'partial' });
    expect(contactsOf(n)).toEqual(['active registered']);
    expect(liveContacts(view, ALICE, Date.now()).map((c) => c.pushAppIds)).toEqual([['news.ua', 'mms.ua']]);

    n = await step(() => alice.register({ contactParams: PARAMS, expires: 600 }), 'refreshed');
    expect(doc(n).version).toBe(2);
    expect(contactsOf(n)).toEqual(['active refreshed']);

    n = await step(() => alice.register({ contactParams: PARAMS, expires: 0 }), 'unregistered');
    expect(doc(n).version).toBe(3);
    expect(contactsOf(n)).toEqual(['terminated unregistered']);
    expect(doc(n).registrations[0]!.state).toBe('terminated');
    expect(liveContacts(view, ALICE, Date.now())).toEqual([]);

    await step(() => alice.register({ contactParams: PARAMS, expires: 600 }), 'registered again');
    n = await step(async () => core.removeBindings(ALICE), 'removed by removeBindings');
    expect(contactsOf(n)).toEqual(['terminated deactivated']);

    await step(() => alice.register({ contactParams: PARAMS, expires: 1 }), 'registered for a second');
    n = await step(async () => {}, 'expired');
    expect(contactsOf(n)).toEqual(['terminated expired']);

    const bob = await core.ua({ aor: ALICE });
    await step(() => bob.register({ expires: 600 }), 'the second UA registered');
    n = await step(() => bob.close(), 'its WebSocket closed');
    expect(contactsOf(n)).toEqual(['terminated deactivated']);
    expect(doc(n).version).toBe(9);
    expect(w.notifies().map((x) => doc(x).version)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('a refresh gets 200 and full state with the next version; the subscription ends at its expiry with terminated;reason=timeout', async () => {
    await start({ limits: { maxRegSubscriptionExpires: 100 } });
    const alice = await core.ua({ aor: ALICE });
    await alice.register({ contactParams: PARAMS, expires: 600 });
    const w = await RegEventWatcher.subscribe(await watcherUa(), ALICE, { expires: 100_000 });
    expect(getHeader(w.subscribed.final, 'expires')).toBe('100'); // shortened to the limit
    await w.waitFor(() => true, 'the first NOTIFY');
    const { final, notify } = await w.refresh(1);
    expect(getHeader(final, 'expires')).toBe('1');
    expect(doc(notify)).toMatchObject({ version: 1, state: 'full' });
    expect(contactsOf(notify)).toEqual(['active registered']);
    const ended = await w.waitForNotification((x) => x.subscriptionState?.startsWith('terminated') ?? false, 'the NOTIFY at expiry', { timeoutMs: 4000 });
    expect(ended.subscriptionState).toBe('terminated;reason=timeout');
    expect(doc(ended)).toMatchObject({ version: 2, state: 'full' });
    expect(core.stats().regSubscriptions).toBe(0);
    // The dialog is gone: a refresh in it gets 481.
    expect((await w.sendInDialog(60)).final.status).toBe(481);
  });

  it('SUBSCRIBE with Expires: 0 is a fetch: 200, one full-state NOTIFY that terminates', async () => {
    await start();
    const w = await RegEventWatcher.subscribe(await watcherUa(), ALICE, { expires: 0 });
    const n = await w.waitFor(() => true, 'the fetch NOTIFY');
    expect(n.subscriptionState).toBe('terminated;reason=timeout');
    expect(doc(n)).toMatchObject({ version: 0, state: 'full' });
    expect(core.stats().regSubscriptions).toBe(0);
  });

  it('holds at most maxRegSubscriptions: the next SUBSCRIBE gets 503, and one more fits after an unSUBSCRIBE', async () => {
    await start({ limits: { maxRegSubscriptions: 2 } });
    const ua = await watcherUa();
    const a = await RegEventWatcher.subscribe(ua, ALICE);
    await RegEventWatcher.subscribe(ua, 'sip:bob@localhost');
    expect(core.stats().regSubscriptions).toBe(2);
    await expect(RegEventWatcher.subscribe(ua, ALICE)).rejects.toThrow(/answered 503/);
    await a.unsubscribe();
    await RegEventWatcher.subscribe(ua, ALICE);
    expect(core.stats().regSubscriptions).toBe(2);
  });

  it('keeps one NOTIFY outstanding: changes wait in order, and past maxQueuedRegNotifies collapse into one full state', async () => {
    await start({ limits: { maxQueuedRegNotifies: 2 } });
    const ua = await core.ua({ aor: 'sip:psa@localhost' }); // NOTIFYs answered by the test
    const w = await RegEventWatcher.subscribe(ua, ALICE);
    const isNotify = (m: { kind: string }) => m.kind === 'request' && (m as SipRequest).method === 'NOTIFY';
    const first = await ua.waitForRequest((r) => r.method === 'NOTIFY', { what: 'the first NOTIFY' });
    const alice = await core.ua({ aor: ALICE });
    // Two changes while the first NOTIFY is unanswered: at the limit, both wait.
    await alice.register({ expires: 600 });
    await alice.register({ expires: 600 });
    await settled(200);
    expect(ua.received.filter(isNotify)).toHaveLength(1);
    ua.respond(first, 200);
    const second = await ua.waitForRequest((r) => r.method === 'NOTIFY' && r !== first, { what: 'the second NOTIFY' });
    ua.respond(second, 200);
    const third = await ua.waitForRequest((r) => r.method === 'NOTIFY' && r !== first && r !== second, { what: 'the third NOTIFY' });
    ua.respond(third, 200);
    expect([second, third].map((r) => contactsOf({ xml: new TextDecoder().decode(r.body) } as ReginfoNotify))).toEqual([['active registered'], ['active refreshed']]);
    // Three changes behind an unanswered NOTIFY: past the limit, one full state instead.
    const since = ua.received.length;
    await alice.register({ expires: 600 });
    const pending = await ua.waitForRequest((r) => r.method === 'NOTIFY', { from: since, what: 'a partial NOTIFY' });
    for (let i = 0; i < 3; i++) await alice.register({ expires: 600 });
    ua.respond(pending, 200);
    const collapsed = await ua.waitForRequest((r) => r.method === 'NOTIFY' && r !== pending, { from: since, what: 'the collapsed NOTIFY' });
    ua.respond(collapsed, 200);
    expect(parseReginfo(new TextDecoder().decode(collapsed.body))).toMatchObject({ version: 4, state: 'full' });
    expect(w.notifies().map((x) => doc(x).version)).toEqual([0, 1, 2, 3, 4]);
  });

  it('a NOTIFY answered 481 ends the subscription', async () => {
    await start();
    const ua = await core.ua({ aor: 'sip:psa@localhost' });
    ua.answer((req) => (req.method === 'NOTIFY' ? reply(req, 481) : null));
    await RegEventWatcher.subscribe(ua, ALICE);
    await ua.waitForRequest((r) => r.method === 'NOTIFY', { what: 'the first NOTIFY' });
    await until(() => core.stats().regSubscriptions === 0);
    const alice = await core.ua({ aor: ALICE });
    await alice.register({ expires: 600 });
    await settled(200);
    expect(ua.requests.filter((r) => r.method === 'NOTIFY')).toHaveLength(1);
  });

  it.each([
    ['an Accept without reginfo', [{ name: 'Accept', value: 'text/plain' }], 406],
    ['a malformed Expires', [{ name: 'Expires', value: 'soon' }], 400],
  ])('refuses %s', async (_name, headers, status) => {
    await start();
    const ua = await watcherUa();
    const res = await ua.request(ua.build('SUBSCRIBE', ALICE, { headers: [{ name: 'Event', value: 'reg' }, { name: 'Contact', value: `<${ua.contactUri()}>` }, ...headers] }));
    expect(res.status).toBe(status);
  });

  it('a SUBSCRIBE in no known dialog gets 481; a SUBSCRIBE without Contact 400; one to the domain 404', async () => {
    await start();
    const ua = await watcherUa();
    const contact = { name: 'Contact', value: `<${ua.contactUri()}>` };
    const stray = await ua.request(ua.build('SUBSCRIBE', ALICE, { to: `<${ALICE}>;tag=nosuch`, headers: [{ name: 'Event', value: 'reg' }, contact] }));
    expect(stray.status).toBe(481);
    expect((await ua.request(ua.build('SUBSCRIBE', ALICE, { headers: [{ name: 'Event', value: 'reg' }] }))).status).toBe(400);
    expect((await ua.request(ua.build('SUBSCRIBE', 'sip:localhost', { headers: [{ name: 'Event', value: 'reg' }, contact] }))).status).toBe(404);
  });

  describe('with digest users', () => {
    const users = { alice: 'a-secret', bob: 'b-secret', psa: 'p-secret' };

    it('lets a user watch its own AoR and the push sender watch anyone; others get 403, unknown AoRs 404', async () => {
      await start({ users });
      const self = await RegEventWatcher.subscribe(await watcherUa(ALICE, users.alice), ALICE);
      expect(self.subscribed.finals.map((r) => r.status)).toEqual([407, 200]);
      const psa = await RegEventWatcher.subscribe(await watcherUa('sip:psa@localhost', users.psa), ALICE);
      expect(psa.subscribed.final.status).toBe(200);
      await expect(RegEventWatcher.subscribe(await watcherUa('sip:bob@localhost', users.bob), ALICE)).rejects.toThrow(/answered 407, 403/);
      await expect(RegEventWatcher.subscribe(await watcherUa('sip:psa@localhost', users.psa), 'sip:nobody@localhost')).rejects.toThrow(/answered 407, 404/);
      // Someone the core cannot authenticate (not a local user) is not let in.
      await expect(RegEventWatcher.subscribe(await watcherUa('sip:mallory@elsewhere.example'), ALICE)).rejects.toThrow(/answered 403/);
    });

    it('regEventWatchers names who may watch any AoR', async () => {
      await start({ users, regEventWatchers: ['bob'] });
      expect((await RegEventWatcher.subscribe(await watcherUa('sip:bob@localhost', users.bob), ALICE)).subscribed.final.status).toBe(200);
      await expect(RegEventWatcher.subscribe(await watcherUa('sip:psa@localhost', users.psa), ALICE)).rejects.toThrow(/answered 407, 403/);
    });
  });
});
