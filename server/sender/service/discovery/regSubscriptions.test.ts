import { afterEach, describe, expect, it } from 'vitest';
import { buildReginfo, type ReginfoDocument } from '../../../../src/protocol/reginfo/index.ts';
import { getHeader, parseNameAddr } from '../../../../src/protocol/sip/index.ts';
import { FakeSipWire, notifyFor } from '../../../testing/fakeSipWire.ts';
import { until } from '../../../testing/until.ts';
import { DiscoveryError } from './errors.ts';
import { createRegSubscriptions, parseSubscriptionState, type RegSubscriber, type SubscriptionState } from './regSubscriptions.ts';

const ALICE = 'sip:alice@localhost';
const FAST = { retryInitialMs: 10, retryMaxMs: 40, transactionTimeoutMs: 2000 };

const doc = (version: number, state: 'full' | 'partial' = 'full'): string =>
  buildReginfo({ version, state, registrations: [{ aor: ALICE, id: 'r1', state: 'init', contacts: [] }] } satisfies ReginfoDocument);

let subs: RegSubscriber | undefined;
let lastWire: FakeSipWire | undefined;
afterEach(async () => {
  // Nobody answers the unSUBSCRIBEs of close(): take the flow down first.
  if (lastWire) lastWire.open = false;
  await subs?.close();
  subs = undefined;
});

function setup(options = {}) {
  const wire = (lastWire = new FakeSipWire());
  const states: Array<{ aor: string; state: SubscriptionState; error?: string }> = [];
  const docs: Array<{ aor: string; version: number; dialog: number }> = [];
  subs = createRegSubscriptions(
    wire,
    {
      onState: (aor, state, error) => states.push({ aor, state, ...(error ? { error } : {}) }),
      onDocument: (aor, d, dialog) => docs.push({ aor, version: d.version, dialog }),
    },
    { ...FAST, ...options },
  );
  return { wire, states, docs, subs };
}

describe('reg-event subscriptions', () => {
  it('SUBSCRIBEs Event: reg with Accept, Expires and our Contact; the 2xx makes it active; NOTIFYs are answered 200 and handed over', async () => {
    const { wire, states, docs, subs } = setup({ expiresSec: 300 });
    subs.subscribe(ALICE);
    subs.subscribe(ALICE); // already watched: no second SUBSCRIBE
    const sub = await wire.nth('SUBSCRIBE', 1);
    expect(wire.requests('SUBSCRIBE')).toHaveLength(1);
    expect(sub.uri).toBe(ALICE);
    expect(getHeader(sub, 'event')).toBe('reg');
    expect(getHeader(sub, 'accept')).toBe('application/reginfo+xml');
    expect(getHeader(sub, 'expires')).toBe('300');
    expect(getHeader(sub, 'contact')).toBe(`<${wire.contactUri}>`);
    // The NOTIFY may come before the 2xx (RFC 6665 section 4.1.2.4).
    expect(wire.deliver(notifyFor(sub, { remoteTag: 'n1', body: doc(0) }))).toBe(true);
    expect(wire.responses().at(-1)!.status).toBe(200);
    expect(docs).toEqual([{ aor: ALICE, version: 0, dialog: 1 }]);
    wire.answer(sub, 200, [{ name: 'Expires', value: '300' }, { name: 'Contact', value: '<sip:core.invalid;transport=ws>' }], 'n1');
    await until(() => states.some((s) => s.state === 'active'));
  });

  it('an unknown reg NOTIFY gets 481; other requests are left to the client', async () => {
    const { wire, subs } = setup();
    subs.subscribe(ALICE);
    const sub = await wire.nth('SUBSCRIBE', 1);
    const stray = notifyFor(sub, { remoteTag: 'x' });
    stray.headers = stray.headers.map((h) => (h.name === 'Call-ID' ? { ...h, value: 'other' } : h));
    expect(wire.deliver(stray)).toBe(true);
    expect(wire.responses().at(-1)!.status).toBe(481);
    expect(wire.deliver({ ...stray, method: 'MESSAGE' })).toBe(false);
  });

  it('digest: a 407 is answered once with credentials, same Call-ID, CSeq + 1', async () => {
    const { wire, states, subs } = setup();
    subs.subscribe(ALICE);
    const first = await wire.nth('SUBSCRIBE', 1);
    wire.answer(first, 407, [{ name: 'Proxy-Authenticate', value: 'Digest realm="localhost", nonce="n"' }]);
    const second = await wire.nth('SUBSCRIBE', 2);
    expect(getHeader(second, 'call-id')).toBe(getHeader(first, 'call-id'));
    expect(getHeader(second, 'cseq')).toBe('2 SUBSCRIBE');
    expect(getHeader(second, 'authorization')).toMatch(/^Digest /);
    wire.answer(second, 200, [{ name: 'Expires', value: '600' }]);
    await until(() => states.at(-1)?.state === 'active');
  });

  it('refresh(): SUBSCRIBE in the dialog (remote target, reversed Record-Route, To tag, next CSeq)', async () => {
    const { wire, subs } = setup();
    subs.subscribe(ALICE);
    const sub = await wire.nth('SUBSCRIBE', 1);
    wire.answer(sub, 200, [
      { name: 'Contact', value: '<sip:notifier@127.0.0.1:5060;transport=ws>' },
      { name: 'Record-Route', value: '<sip:p1;lr>' },
      { name: 'Record-Route', value: '<sip:p2;lr>' },
    ], 'core-tag');
    await until(() => true);
    subs.refresh(ALICE);
    const again = await wire.nth('SUBSCRIBE', 2);
    expect(again.uri).toBe('sip:notifier@127.0.0.1:5060;transport=ws');
    expect(again.headers.filter((h) => h.name === 'Route').map((h) => h.value)).toEqual(['<sip:p2;lr>', '<sip:p1;lr>']);
    expect(parseNameAddr(getHeader(again, 'to')!).params.get('tag')).toBe('core-tag');
    expect(getHeader(again, 'call-id')).toBe(getHeader(sub, 'call-id'));
    expect(getHeader(again, 'cseq')).toBe('2 SUBSCRIBE');
  });

  it('refreshes before the granted expiry (refreshBeforeMs, at most half the time)', async () => {
    const { wire, subs } = setup({ expiresSec: 1, refreshBeforeMs: 900 });
    subs.subscribe(ALICE);
    const sub = await wire.nth('SUBSCRIBE', 1);
    wire.answer(sub, 200, [{ name: 'Expires', value: '1' }, { name: 'Contact', value: '<sip:core.invalid>' }], 'tag');
    const refresh = await wire.nth('SUBSCRIBE', 2, 2000);
    expect(getHeader(refresh, 'call-id')).toBe(getHeader(sub, 'call-id'));
  });

  it.each([
    [403, /allow it as a watcher/],
    [404, /not a user of the core/],
    [489, /no reg event package/],
  ])('%i: failed with a one-line reason, retried with backoff in a new dialog', async (status, why) => {
    const { wire, states, subs } = setup();
    subs.subscribe(ALICE);
    const first = await wire.nth('SUBSCRIBE', 1);
    wire.answer(first, status);
    await until(() => states.at(-1)?.state === 'failed');
    expect(states.at(-1)!.error).toMatch(why);
    const second = await wire.nth('SUBSCRIBE', 2);
    expect(getHeader(second, 'call-id')).not.toBe(getHeader(first, 'call-id'));
    wire.answer(second, 200);
    await until(() => states.at(-1)?.state === 'active');
  });

  it('the backoff doubles up to retryMaxMs and resets on success', async () => {
    const { wire, subs } = setup({ retryInitialMs: 20, retryMaxMs: 80 });
    subs.subscribe(ALICE);
    const times: number[] = [];
    for (let n = 1; n <= 5; n++) {
      const s = await wire.nth('SUBSCRIBE', n);
      times.push(performance.now());
      wire.answer(s, 503);
    }
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // 20, 40, 80, 80 (capped): each at least its nominal delay.
    expect(gaps[0]).toBeGreaterThanOrEqual(18);
    expect(gaps[1]).toBeGreaterThanOrEqual(38);
    expect(gaps[2]).toBeGreaterThanOrEqual(78);
    expect(gaps[3]).toBeGreaterThanOrEqual(78);
    expect(gaps[3]).toBeLessThan(gaps[2]! * 1.9 + 40);
  });

  it('a Timer F timeout fails the SUBSCRIBE (408) and retries', async () => {
    const { wire, states, subs } = setup({ transactionTimeoutMs: 30 });
    subs.subscribe(ALICE);
    await wire.nth('SUBSCRIBE', 1);
    await until(() => states.some((s) => s.state === 'failed' && /408/.test(s.error ?? '')));
    await wire.nth('SUBSCRIBE', 2);
  });

  it('NOTIFY terminated;reason=timeout subscribes again at once; reason=rejected waits for the backoff', async () => {
    const { wire, states, subs } = setup({ retryInitialMs: 50 });
    subs.subscribe(ALICE);
    const first = await wire.nth('SUBSCRIBE', 1);
    wire.answer(first, 200, [], 't1');
    wire.deliver(notifyFor(first, { remoteTag: 't1', state: 'terminated;reason=timeout', body: doc(1) }));
    const second = await wire.nth('SUBSCRIBE', 2);
    expect(getHeader(second, 'call-id')).not.toBe(getHeader(first, 'call-id'));
    wire.answer(second, 200, [], 't2');
    wire.deliver(notifyFor(second, { remoteTag: 't2', state: 'terminated;reason=rejected' }));
    expect(states.at(-1)).toMatchObject({ state: 'terminated', error: expect.stringMatching(/reason=rejected/) });
    expect(wire.requests('SUBSCRIBE')).toHaveLength(2);
    await wire.nth('SUBSCRIBE', 3);
  });

  it('flow closed: pending, waits while the socket is down, resubscribeAll() after reconnect starts new dialogs', async () => {
    const { wire, states, subs } = setup({ retryInitialMs: 10 });
    subs.subscribe(ALICE);
    subs.subscribe('sip:bob@localhost');
    await wire.nth('SUBSCRIBE', 2);
    for (const s of wire.requests('SUBSCRIBE')) wire.answer(s, 200);
    wire.close();
    expect(states.filter((s) => s.state === 'pending' && /closed/.test(s.error ?? '')).map((s) => s.aor).sort()).toEqual([ALICE, 'sip:bob@localhost']);
    const sentWhileDown = wire.requests('SUBSCRIBE').length;
    wire.open = true;
    subs.resubscribeAll();
    await wire.nth('SUBSCRIBE', sentWhileDown + 2);
    expect(new Set(wire.requests('SUBSCRIBE').slice(sentWhileDown).map((r) => r.uri))).toEqual(new Set([ALICE, 'sip:bob@localhost']));
  });

  it('maxSubscriptions: the next AoR is refused with a clear error; at the limit it is fine', () => {
    const { subs } = setup({ maxSubscriptions: 2 });
    subs.subscribe('sip:a@localhost');
    subs.subscribe('sip:b@localhost');
    expect(subs.size).toBe(2);
    expect(() => subs.subscribe('sip:c@localhost')).toThrow(DiscoveryError);
    expect(() => subs.subscribe('sip:c@localhost')).toThrow(/maxSubscriptions/);
    subs.unsubscribe('sip:a@localhost');
    expect(() => subs.subscribe('sip:c@localhost')).not.toThrow();
  });

  it('unsubscribe(): Expires: 0 in the dialog; its last NOTIFY is answered 200, later ones 481', async () => {
    const { wire, subs } = setup();
    subs.subscribe(ALICE);
    const sub = await wire.nth('SUBSCRIBE', 1);
    wire.answer(sub, 200, [{ name: 'Contact', value: '<sip:core.invalid>' }], 'tt');
    await until(() => true);
    subs.unsubscribe(ALICE);
    const un = await wire.nth('SUBSCRIBE', 2);
    expect(getHeader(un, 'expires')).toBe('0');
    wire.answer(un, 200);
    wire.deliver(notifyFor(sub, { remoteTag: 'tt', state: 'terminated;reason=timeout' }));
    expect(wire.responses().at(-1)!.status).toBe(200);
    expect(wire.requests('SUBSCRIBE')).toHaveLength(2);
  });

  it('close() detaches from the wire', async () => {
    const { wire, subs } = setup();
    expect(wire.attached).toBe(1);
    await subs.close();
    expect(wire.attached).toBe(0);
    expect(() => subs.subscribe(ALICE)).toThrow(/closed/);
  });

  it('parses Subscription-State', () => {
    expect(parseSubscriptionState('active;expires=600')).toEqual({ value: 'active', params: new Map([['expires', '600']]) });
    expect(parseSubscriptionState('terminated;reason=probation;retry-after=5').params.get('retry-after')).toBe('5');
    expect(parseSubscriptionState(undefined).value).toBe('');
  });
});
