import { afterEach, describe, expect, it } from 'vitest';
import type { ReginfoContact, ReginfoDocument } from '../../../../src/protocol/reginfo/index.ts';
import { until } from '../../../testing/until.ts';
import type { ReceiverEntry } from '../types.ts';
import type { CapabilityResult, CapabilityTarget } from './capabilityQuery.ts';
import { createDirectoryWithParts, type DiscoveryDirectory } from './directory.ts';
import type { RegSubscriber, RegSubscriptionEvents } from './regSubscriptions.ts';
import type { UaprofResult } from './uaprofCache.ts';

const ALICE = 'sip:alice@localhost';
const INSTANCE = 'urn:uuid:00000000-0000-4000-8000-0000000000a1';
const UAPROF = 'http://127.0.0.1:1/uaprof.rdf';

function contact(id: string, extra: Partial<ReginfoContact> = {}): ReginfoContact {
  return { id, state: 'active', event: 'registered', uri: `sip:${id}@x.invalid;transport=ws`, expires: 600, unknownParams: [], tempGruus: [], extraAttributes: {}, ...extra };
}

const tagged = (id: string, apps = 'news.ua') =>
  contact(id, {
    unknownParams: [
      { name: '+g.oma.pusheventapp', value: `"${apps}"` },
      { name: '+sip.instance', value: `"<${INSTANCE}>"` },
      { name: '+g.oma.uaprof', value: `"<${UAPROF}>"` },
    ],
    pubGruu: `${ALICE};gr=${INSTANCE}`,
  });

const docOf = (version: number, state: 'full' | 'partial', contacts: ReginfoContact[], regState: 'active' | 'init' | 'terminated' = 'active'): ReginfoDocument => ({
  version,
  state,
  registrations: [{ aor: ALICE, id: 'r1', state: regState, contacts }],
});

class FakeSubscriber implements RegSubscriber {
  events!: RegSubscriptionEvents;
  readonly subscribed: string[] = [];
  readonly refreshed: string[] = [];
  resubscribed = 0;
  limit = Infinity;
  get size() {
    return this.subscribed.length;
  }
  subscribe(aor: string) {
    if (this.subscribed.length >= this.limit) throw new Error('limit');
    this.subscribed.push(aor);
  }
  unsubscribe(aor: string) {
    this.subscribed.splice(this.subscribed.indexOf(aor), 1);
  }
  refresh(aor: string) {
    this.refreshed.push(aor);
  }
  resubscribeAll() {
    this.resubscribed++;
  }
  close() {
    return Promise.resolve();
  }
}

let directory: DiscoveryDirectory | undefined;
afterEach(async () => {
  await directory?.close();
});

function setup(options: { query?: (t: CapabilityTarget) => Promise<CapabilityResult>; uaprof?: (url: string) => Promise<UaprofResult> } = {}) {
  const sub = new FakeSubscriber();
  let now = 1_000_000;
  const queries: CapabilityTarget[] = [];
  const fetched: string[] = [];
  directory = createDirectoryWithParts({
    subscriber: (events) => {
      sub.events = events;
      return sub;
    },
    queryCapabilities: async (t) => {
      queries.push(t);
      return options.query ? options.query(t) : { ok: false, error: 'no OPTIONS in this test' };
    },
    fetchUaprof: async (url) => {
      fetched.push(url);
      return options.uaprof ? options.uaprof(url) : { ok: true, capabilities: { acceptTypes: ['text/plain'], maxMessageBytes: 1300, pushApps: ['news.ua'] } };
    },
    now: () => now,
  });
  const appeared: Array<[string, string[]]> = [];
  const changes: ReceiverEntry[] = [];
  directory.onContactAppeared((aor, keys) => appeared.push([aor, keys]));
  directory.onChange((e) => changes.push(e));
  return { d: directory, sub, queries, fetched, appeared, changes, advance: (ms: number) => (now += ms), now: () => now };
}

describe('directory of receivers', () => {
  it('watch() subscribes once; the entry is pending until the subscription is accepted and its first NOTIFY came', () => {
    const { d, sub } = setup();
    d.watch(ALICE);
    d.watch(ALICE);
    expect(sub.subscribed).toEqual([ALICE]);
    expect(d.get(ALICE)).toMatchObject({ aor: ALICE, subscription: 'pending', terminals: [] });
    sub.events.onState(ALICE, 'active');
    // Accepted, but nothing known of the AoR before a NOTIFY: a push must not read "no contact".
    expect(d.get(ALICE)!.subscription).toBe('pending');
    sub.events.onDocument(ALICE, { version: 0, state: 'full', registrations: [] }, 1);
    expect(d.get(ALICE)).toMatchObject({ subscription: 'active', terminals: [] });
    sub.events.onState(ALICE, 'failed', 'SUBSCRIBE answered 403');
    expect(d.get(ALICE)).toMatchObject({ subscription: 'failed', subscriptionError: 'SUBSCRIBE answered 403' });
    expect(d.list().map((e) => e.aor)).toEqual([ALICE]);
  });

  it('a watch past the subscriber limit throws and leaves no entry', () => {
    const { d, sub } = setup();
    sub.limit = 0;
    expect(() => d.watch(ALICE)).toThrow('limit');
    expect(d.get(ALICE)).toBeUndefined();
  });

  it('a contact with feature tags in the reginfo (embedded core): terminal keyed by instance, apps from reginfo, UAProf fetched, appeared fired', async () => {
    const { d, sub, appeared, queries, fetched } = setup();
    d.watch(ALICE);
    sub.events.onDocument(ALICE, docOf(0, 'full', [tagged('c1')]), 1);
    expect(appeared).toEqual([[ALICE, [`instance:${INSTANCE}`, `aor:${ALICE}`]]]);
    await until(() => d.get(ALICE)!.terminals[0]!.capabilities !== null);
    expect(d.get(ALICE)!.terminals).toEqual([
      {
        key: `instance:${INSTANCE}`,
        contact: 'sip:c1@x.invalid;transport=ws',
        instanceId: INSTANCE,
        pubGruu: `${ALICE};gr=${INSTANCE}`,
        expiresAt: 1_000_000 + 600_000,
        pushApps: ['news.ua'],
        appsSource: 'reginfo',
        uaprofUrl: UAPROF,
        capabilities: { acceptTypes: ['text/plain'], maxMessageBytes: 1300, pushApps: ['news.ua'] },
      },
    ]);
    expect(queries).toEqual([]);
    expect(fetched).toEqual([UAPROF]);
  });

  it('refreshed (same contact again): no new appearance, no refetch; partial versions apply in order; stale ignored', async () => {
    const { d, sub, appeared, fetched } = setup();
    d.watch(ALICE);
    sub.events.onDocument(ALICE, docOf(0, 'full', [tagged('c1')]), 1);
    sub.events.onDocument(ALICE, docOf(1, 'partial', [{ ...tagged('c1'), event: 'refreshed', expires: 300 }]), 1);
    expect(appeared).toHaveLength(1);
    expect(d.get(ALICE)!.terminals[0]!.expiresAt).toBe(1_000_000 + 300_000);
    // A second contact in the next version appears; version 1 again is stale.
    sub.events.onDocument(ALICE, docOf(2, 'partial', [contact('c2', { unknownParams: [{ name: '+g.oma.pusheventapp', value: '"mms.ua"' }] })]), 1);
    sub.events.onDocument(ALICE, docOf(1, 'partial', [{ ...tagged('c1'), state: 'terminated', event: 'unregistered' }]), 1);
    expect(d.get(ALICE)!.terminals.map((t) => t.key)).toEqual([`instance:${INSTANCE}`, 'contact:sip:c2@x.invalid;transport=ws']);
    expect(appeared.at(-1)).toEqual([ALICE, ['contact:sip:c2@x.invalid;transport=ws', `aor:${ALICE}`]]);
    await until(() => fetched.length >= 1);
    expect(fetched).toEqual([UAPROF]);
  });

  it('a version gap asks for full state (refresh); the full state then replaces the view', () => {
    const { d, sub } = setup();
    d.watch(ALICE);
    sub.events.onDocument(ALICE, docOf(0, 'full', [tagged('c1')]), 1);
    sub.events.onDocument(ALICE, docOf(3, 'partial', [contact('c9')]), 1);
    expect(sub.refreshed).toEqual([ALICE]);
    expect(d.get(ALICE)!.terminals).toHaveLength(1);
    sub.events.onDocument(ALICE, docOf(4, 'full', [contact('c9', { unknownParams: [{ name: '+g.oma.pusheventapp', value: '"x.ua"' }] })]), 1);
    expect(d.get(ALICE)!.terminals.map((t) => t.contact)).toEqual(['sip:c9@x.invalid;transport=ws']);
  });

  it('partial state first (no view) asks for full state; a new dialog accepts only full state and keeps known contacts without re-announcing them', () => {
    const { d, sub, appeared } = setup();
    d.watch(ALICE);
    sub.events.onDocument(ALICE, docOf(5, 'partial', [tagged('c1')]), 1);
    expect(sub.refreshed).toEqual([ALICE]);
    expect(d.get(ALICE)!.terminals).toEqual([]);
    sub.events.onDocument(ALICE, docOf(0, 'full', [tagged('c1')]), 1);
    expect(appeared).toHaveLength(1);
    // Dialog 2 (after a resubscribe): its partial before its full is refused, its full (version 0 again) applied.
    sub.events.onDocument(ALICE, docOf(1, 'partial', [contact('c2')]), 2);
    expect(sub.refreshed).toEqual([ALICE, ALICE]);
    sub.events.onDocument(ALICE, docOf(0, 'full', [tagged('c1')]), 2);
    expect(appeared).toHaveLength(1);
    expect(d.get(ALICE)!.terminals).toHaveLength(1);
  });

  it('Kamailio: every full-state document says version 0 and still applies', () => {
    const { d, sub } = setup();
    d.watch(ALICE);
    sub.events.onDocument(ALICE, docOf(0, 'full', [contact('c1')]), 1);
    sub.events.onDocument(ALICE, docOf(0, 'full', [contact('c1'), contact('c2')]), 1);
    expect(d.get(ALICE)!.terminals).toHaveLength(2);
    sub.events.onDocument(ALICE, docOf(0, 'full', [], 'terminated'), 1);
    expect(d.get(ALICE)!.terminals).toEqual([]);
  });

  it('contacts expire with no NOTIFY (sweep), and unregistered ones go at once', () => {
    const { d, sub, advance, changes } = setup();
    d.watch(ALICE);
    sub.events.onDocument(ALICE, docOf(0, 'full', [contact('c1', { expires: 10 }), contact('c2', { expires: 100 })]), 1);
    advance(10_000);
    // Past its expiry it is not listed even before the sweep.
    expect(d.get(ALICE)!.terminals.map((t) => t.contact)).toEqual(['sip:c2@x.invalid;transport=ws']);
    const before = changes.length;
    d.sweep();
    expect(changes.length).toBe(before + 1);
    sub.events.onDocument(ALICE, docOf(1, 'partial', [contact('c2', { state: 'terminated', event: 'unregistered' })]), 1);
    expect(d.get(ALICE)!.terminals).toEqual([]);
  });

  it('no feature tags (Kamailio): OPTIONS by pub GRUU fills apps, instance key and UAProf; appeared fires again with the new key', async () => {
    const { d, sub, queries, appeared, fetched } = setup({
      query: async (t) => ({ ok: true, answer: { contactUri: `${t.contactUri};alias=127.0.0.1~5~5`, pushApps: ['news.ua'], uaprofUrl: UAPROF, instanceId: INSTANCE, pubGruu: null } }),
    });
    d.watch(ALICE);
    sub.events.onDocument(ALICE, docOf(0, 'full', [contact('c1', { pubGruu: `${ALICE};gr=${INSTANCE}` })]), 1);
    expect(d.get(ALICE)!.terminals[0]).toMatchObject({ key: `gruu:${ALICE};gr=${INSTANCE}`, pushApps: null, appsSource: null });
    expect(appeared).toEqual([[ALICE, [`gruu:${ALICE};gr=${INSTANCE}`, `aor:${ALICE}`]]]);
    await until(() => d.get(ALICE)!.terminals[0]!.capabilities !== null);
    expect(queries).toEqual([{ aor: ALICE, contactUri: 'sip:c1@x.invalid;transport=ws', pubGruu: `${ALICE};gr=${INSTANCE}`, instanceId: null }]);
    expect(d.get(ALICE)!.terminals[0]).toMatchObject({ key: `instance:${INSTANCE}`, pushApps: ['news.ua'], appsSource: 'options', uaprofUrl: UAPROF, instanceId: INSTANCE });
    expect(appeared.at(-1)).toEqual([ALICE, [`instance:${INSTANCE}`, `aor:${ALICE}`]]);
    expect(fetched).toEqual([UAPROF]);
    // The next NOTIFY (same contact) asks nothing again.
    sub.events.onDocument(ALICE, docOf(0, 'full', [contact('c1', { pubGruu: `${ALICE};gr=${INSTANCE}`, event: 'refreshed' })]), 1);
    expect(queries).toHaveLength(1);
  });

  it('OPTIONS failing leaves apps unknown with the reason; a 200 without push apps means none', async () => {
    const { d, sub } = setup({ query: async (t) => (t.contactUri.includes('c1') ? { ok: false, error: 'OPTIONS answered 480' } : { ok: true, answer: { contactUri: t.contactUri, pushApps: null, uaprofUrl: null, instanceId: null, pubGruu: null } }) });
    d.watch(ALICE);
    sub.events.onDocument(ALICE, docOf(0, 'full', [contact('c1')]), 1);
    sub.events.onDocument(ALICE, docOf(0, 'full', [contact('c1'), contact('c2')]), 1);
    await until(() => d.get(ALICE)!.terminals.every((t) => t.capabilitiesError !== undefined || t.appsSource !== null));
    const [t1, t2] = d.get(ALICE)!.terminals;
    expect(t1).toMatchObject({ pushApps: null, capabilitiesError: 'OPTIONS answered 480' });
    expect(t2).toMatchObject({ pushApps: [], appsSource: 'options' });
  });

  it('two contacts of one AoR without feature tags (Kamailio): each is asked alone and keeps its own answer, whatever URI its Contact shows', async () => {
    const I1 = 'urn:uuid:00000000-0000-4000-8000-0000000000c1';
    const I2 = 'urn:uuid:00000000-0000-4000-8000-0000000000c2';
    const answers: Record<string, { pushApps: string[]; instanceId: string; contactUri: string; pubGruu: string | null }> = {
      // A proxy's alias on the URI; a browser that shows its GRUU as its Contact.
      c1: { pushApps: ['news.ua'], instanceId: I1, contactUri: 'sip:c1@x.invalid;alias=127.0.0.1~4~5;transport=ws', pubGruu: null },
      c2: { pushApps: ['mms.ua'], instanceId: I2, contactUri: `${ALICE};gr=${I2}`, pubGruu: `${ALICE};gr=${I2}` },
    };
    const { d, sub, queries, appeared } = setup({
      query: async (t) => ({ ok: true, answer: { ...answers[/^sip:(c\d)@/.exec(t.contactUri)![1]!]!, uaprofUrl: null } }),
    });
    d.watch(ALICE);
    sub.events.onDocument(ALICE, docOf(0, 'full', [contact('c1'), contact('c2')]), 1);
    await until(() => d.get(ALICE)!.terminals.every((t) => t.appsSource === 'options'));
    expect(queries.map((q) => q.contactUri)).toEqual(['sip:c1@x.invalid;transport=ws', 'sip:c2@x.invalid;transport=ws']);
    expect(d.get(ALICE)!.terminals).toEqual([
      expect.objectContaining({ key: `instance:${I1}`, contact: 'sip:c1@x.invalid;transport=ws', instanceId: I1, pubGruu: null, pushApps: ['news.ua'] }),
      expect.objectContaining({ key: `instance:${I2}`, contact: 'sip:c2@x.invalid;transport=ws', instanceId: I2, pubGruu: `${ALICE};gr=${I2}`, pushApps: ['mms.ua'] }),
    ]);
    expect(d.get(ALICE)!.terminals.some((t) => t.capabilitiesError !== undefined)).toBe(false);
    expect(appeared.map(([, keys]) => keys[0])).toEqual(['contact:sip:c1@x.invalid;transport=ws', 'contact:sip:c2@x.invalid;transport=ws', `instance:${I1}`, `instance:${I2}`]);
  });

  it('an answer for a contact that went meanwhile is dropped', async () => {
    let answer!: (r: CapabilityResult) => void;
    const { d, sub } = setup({ query: () => new Promise((r) => (answer = r)) });
    d.watch(ALICE);
    sub.events.onDocument(ALICE, docOf(0, 'full', [contact('c1')]), 1);
    sub.events.onDocument(ALICE, docOf(1, 'partial', [contact('c1', { state: 'terminated', event: 'unregistered' })]), 1);
    answer({ ok: true, answer: { contactUri: 'sip:c1@x.invalid', pushApps: ['news.ua'], uaprofUrl: null, instanceId: INSTANCE, pubGruu: null } });
    await new Promise((r) => setImmediate(r));
    expect(d.get(ALICE)!.terminals).toEqual([]);
  });

  it('UAProf failure is kept as capabilitiesError, never thrown', async () => {
    const { d, sub } = setup({ uaprof: async () => ({ ok: false, error: 'UAProf too large' }) });
    d.watch(ALICE);
    sub.events.onDocument(ALICE, docOf(0, 'full', [tagged('c1')]), 1);
    await until(() => d.get(ALICE)!.terminals[0]!.capabilitiesError !== undefined);
    expect(d.get(ALICE)!.terminals[0]).toMatchObject({ capabilities: null, capabilitiesError: 'UAProf too large' });
  });

  it('start() resubscribes everything; unwatch() forgets the AoR', () => {
    const { d, sub } = setup();
    d.watch(ALICE);
    d.start();
    expect(sub.resubscribed).toBe(1);
    d.unwatch(ALICE);
    expect(sub.subscribed).toEqual([]);
    expect(d.get(ALICE)).toBeUndefined();
    sub.events.onDocument(ALICE, docOf(0, 'full', [tagged('c1')]), 1); // late: ignored
    expect(d.list()).toEqual([]);
  });
});
