/** IMDN reports of the receiver and expiry (issue 12 items 5 and 7): store, dispatcher, sweeper and reporter wired as agent.ts wires them. */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseNotificationBody, buildReportRequestBody } from '../../protocol/push/reports.ts';
import { parseSipMessage, type SipRequest } from '../../protocol/sip/message.ts';
import { AppRegistry } from '../apps/registry.ts';
import { Dispatcher } from '../apps/dispatcher.ts';
import { createMessageIntake } from '../push/messageIntake.ts';
import { GroupCommitter } from '../store/groupCommit.ts';
import { PushStore } from '../store/pushStore.ts';
import { openPushDb } from '../store/schema.ts';
import { deferred, newPush, uniqueDbName } from '../../testing/pushFixtures.ts';
import { DEFAULT_AGENT_LIMITS, type PushReportRequest, type StoredPush } from '../types.ts';
import { buildReportMessage, type ReportMessage } from './reportMessage.ts';
import { ExpirySweeper } from './expirySweeper.ts';
import { Reporter, type SendOutcome } from './reporter.ts';

const AOR = 'sip:alice@example.com';
const REPORT: PushReportRequest = {
  messageId: 'psa.WyJwMSIsImFvcjpzaXA6YUBiIl0',
  dispositions: ['positive-delivery', 'negative-delivery', 'display'],
  replyTo: 'sip:psa@example.com',
  dateTime: '2026-12-02T17:00:00.000Z',
};

const stores: PushStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

async function openStore(name = uniqueDbName()): Promise<PushStore> {
  const store = new PushStore(await openPushDb(name));
  stores.push(store);
  return store;
}

/** A send that records every MESSAGE and answers from `answers` (then 200). */
function recordingSend(answers: SendOutcome[] = []) {
  const sent: ReportMessage[] = [];
  const send = vi.fn(async (m: ReportMessage): Promise<SendOutcome> => {
    sent.push(m);
    return answers.shift() ?? { status: 200 };
  });
  return { sent, send };
}

function reporter(store: PushStore, send: (m: ReportMessage) => Promise<SendOutcome>, over: Partial<ConstructorParameters<typeof Reporter>[0]> = {}) {
  return new Reporter({ send, store, from: AOR, limits: { maxReportAttempts: 3, reportRetryBaseMs: 1 }, newId: () => 'n-1', now: () => Date.parse('2026-12-02T17:00:01.000Z'), sleep: async () => {}, ...over });
}

function kindOf(m: ReportMessage): string {
  const doc = parseNotificationBody(m.body).document;
  return `${doc.notification.kind}:${doc.notification.status}`;
}

describe('buildReportMessage', () => {
  it('writes the SIP MESSAGE of a negative report: to the reply-to URI, CPIM around IMDN, Push-Report-Reason', () => {
    const m = buildReportMessage({ kind: 'failed', report: REPORT, from: AOR, notificationId: 'n-1', now: Date.parse('2026-12-02T17:00:01.000Z'), reason: 'expired' });
    expect(m.target).toBe('sip:psa@example.com');
    expect(m.contentType).toBe('message/cpim');
    expect(m.extraHeaders).toEqual(['Push-Report-Reason: expired']);
    const xml = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<imdn xmlns="urn:ietf:params:xml:ns:imdn">',
      '  <message-id>psa.WyJwMSIsImFvcjpzaXA6YUBiIl0</message-id>',
      '  <datetime>2026-12-02T17:00:00.000Z</datetime>',
      '  <delivery-notification>',
      '    <status><failed/></status>',
      '  </delivery-notification>',
      '</imdn>',
      '',
    ].join('\n');
    const head = [
      'From: <sip:alice@example.com>',
      'To: <sip:psa@example.com>',
      'DateTime: 2026-12-02T17:00:01.000Z',
      'NS: imdn <urn:ietf:params:imdn>',
      'imdn.Message-ID: n-1',
      '',
      'Content-Type: message/imdn+xml',
      'Content-Disposition: notification',
      `Content-Length: ${xml.length}`,
      '',
      '',
    ].join('\r\n');
    expect(m.body).toBe(head + xml);
  });

  it('delivered and displayed carry no Push-Report-Reason', () => {
    for (const kind of ['delivered', 'displayed'] as const) {
      const m = buildReportMessage({ kind, report: REPORT, from: AOR, notificationId: 'n', now: 0 });
      expect(m.extraHeaders).toEqual([]);
      expect(kindOf(m)).toBe(kind === 'delivered' ? 'delivery:delivered' : 'display:displayed');
    }
  });
});

describe('delivered report: after the commit, never before', () => {
  function cpimMessage(): SipRequest {
    const body = buildReportRequestBody({ from: '<sip:psa@example.com>', to: `<${AOR}>`, messageId: 'psa.m1', dateTime: '2026-12-02T17:00:00.000Z', contentType: 'text/plain', content: 'hi' });
    const head = new TextEncoder().encode(
      ['MESSAGE sip:alice@example.com SIP/2.0', 'Via: SIP/2.0/WSS c;branch=z9hG4bK1', 'From: <sip:psa@example.com>;tag=1', `To: <${AOR}>`, 'Call-ID: d1', 'CSeq: 1 MESSAGE', 'Content-Type: message/cpim', 'Accept-Contact: *;+g.oma.pusheventapp="news.ua";require;explicit', `Content-Length: ${body.length}`, '', ''].join('\r\n'),
    );
    const parsed = parseSipMessage(new Uint8Array([...head, ...body]));
    if (parsed.kind !== 'request') throw new Error('not a request');
    return parsed;
  }

  it('holds the report while the commit is held, sends one after the 200, and none for a re-sent copy', async () => {
    const store = await openStore();
    const gate = deferred();
    const committer = await GroupCommitter.create({ store, limits: DEFAULT_AGENT_LIMITS, beforeCommit: () => gate.promise });
    const { sent, send } = recordingSend();
    const r = reporter(store, send);
    const order: string[] = [];
    committer.on('committed', (pushes) => r.delivered(pushes));
    send.mockImplementation(async (m) => {
      order.push('report');
      sent.push(m);
      return { status: 200 };
    });
    const apps = new AppRegistry();
    apps.register({ id: 'news.ua', accept: ['text/plain'], handler: () => {} });
    const intake = createMessageIntake({ apps, committer, limits: DEFAULT_AGENT_LIMITS });
    const answered = intake.handle(cpimMessage()).then((response) => {
      order.push(`response ${response.status}`);
      return response;
    });
    await new Promise((resolve) => setTimeout(resolve, 20)); // the commit is held: give a wrong early report every chance
    expect(sent).toHaveLength(0);
    gate.resolve();
    expect((await answered).status).toBe(200);
    await r.idle();
    expect(order).toEqual(['response 200', 'report']);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.target).toBe('sip:psa@example.com');
    expect(kindOf(sent[0]!)).toBe('delivery:delivered');
    expect(parseNotificationBody(sent[0]!.body).document.messageId).toBe('psa.m1');
    // The same push again: 200, stored once, no second commit event (the first report stands).
    expect((await intake.handle(cpimMessage())).status).toBe(200);
    await r.idle();
    expect(sent).toHaveLength(1);
  });

  it('sends nothing for a push that did not ask, nor for an MSRP push (its REPORT says delivered)', async () => {
    const store = await openStore();
    const { sent, send } = recordingSend();
    const r = reporter(store, send);
    const base = { id: 'x', dispatched: false, read: false } as const;
    r.delivered([
      { ...newPush(), ...base } as StoredPush,
      { ...newPush({ via: 'msrp', report: REPORT }), ...base } as StoredPush,
      { ...newPush({ report: { ...REPORT, dispositions: ['display'] } }), ...base } as StoredPush,
    ]);
    await r.idle();
    expect(sent).toHaveLength(0);
  });
});

describe('expired push: never dispatched, reported failed once', () => {
  it('the dispatcher refuses it, the sweeper discards it and one negative report with Push-Report-Reason: expired goes out, not again after a reload', async () => {
    const name = uniqueDbName();
    const store = await openStore(name);
    let now = 1_000;
    const [result] = await store.commitBatch([newPush({ deliverBefore: 2_000, report: REPORT })]);
    const stored = (result as { push: StoredPush }).push;
    const { sent, send } = recordingSend();
    const r = reporter(store, send);
    const sweeper = new ExpirySweeper({ store, now: () => now, onDiscarded: () => void r.drain() });
    const handler = vi.fn();
    const apps = new AppRegistry();
    const expired: string[] = [];
    const dispatcher = new Dispatcher({
      store,
      apps,
      limits: DEFAULT_AGENT_LIMITS,
      now: () => now,
      onExpired: (push) => {
        expired.push(push.id);
        void sweeper.sweep();
      },
    });
    now = 2_000; // deliverBefore reached: expired (inclusive)
    apps.register({ id: 'news.ua', accept: ['text/plain'], handler });
    await dispatcher.idle();
    await vi.waitFor(async () => expect(sent).toHaveLength(1));
    await r.idle();
    expect(handler).not.toHaveBeenCalled();
    expect(expired).toEqual([stored.id]);
    expect(sent[0]!.extraHeaders).toEqual(['Push-Report-Reason: expired']);
    expect(kindOf(sent[0]!)).toBe('delivery:failed');
    const after = await store.get(stored.id);
    expect(after).toMatchObject({ dispatched: true, discarded: 'expired', reported: { failed: 2_000 } });
    expect(await store.dueReports()).toEqual([]);
    // Replayed (a reload): still never handed; a new owner's sweep and drain send nothing.
    dispatcher.replay('news.ua');
    await dispatcher.idle();
    const r2 = reporter(store, send);
    const sweeper2 = new ExpirySweeper({ store, now: () => now + 10_000, onDiscarded: () => void r2.drain() });
    await sweeper2.start();
    await r2.drain();
    expect(handler).not.toHaveBeenCalled();
    expect(sent).toHaveLength(1);
    sweeper.close();
    sweeper2.close();
    dispatcher.close();
  });

  it('a push handed before its expiry is not discarded later, and one without a report request is discarded silently', async () => {
    const store = await openStore();
    let now = 1_000;
    const [a, b] = await store.commitBatch([newPush({ deliverBefore: 5_000, report: REPORT }), newPush({ appId: 'other.ua', deliverBefore: 1_500 })]);
    const handler = vi.fn();
    const apps = new AppRegistry();
    const dispatcher = new Dispatcher({ store, apps, limits: DEFAULT_AGENT_LIMITS, now: () => now });
    apps.register({ id: 'news.ua', accept: ['text/plain'], handler });
    await dispatcher.idle();
    expect(handler).toHaveBeenCalledTimes(1);
    now = 10_000;
    const discarded = await store.discardExpired(now);
    expect(discarded.map((p) => p.id)).toEqual([(b as { push: StoredPush }).push.id]);
    expect(await store.dueReports()).toEqual([]);
    expect((await store.get((a as { push: StoredPush }).push.id))!.discarded).toBeUndefined();
    dispatcher.close();
  });

  it('the sweeper arms for the earliest expiry of committed pushes and discards when it passes', async () => {
    const store = await openStore();
    const start = Date.now();
    const [result] = await store.commitBatch([newPush({ deliverBefore: start + 30, report: REPORT })]);
    const push = (result as { push: StoredPush }).push;
    const discarded: StoredPush[][] = [];
    const sweeper = new ExpirySweeper({ store, onDiscarded: (p) => discarded.push(p) });
    sweeper.watch([push]);
    await vi.waitFor(() => expect(discarded).toHaveLength(1), { timeout: 2000 });
    expect(discarded[0]![0]!.id).toBe(push.id);
    expect(await store.nextExpiry(0)).toBeUndefined();
    sweeper.close();
  });
});

describe('display report: once per push, whichever tab marks it read', () => {
  it('two tabs marking the same push read, twice, queue one report; the owner sends it once', async () => {
    const name = uniqueDbName();
    const owner = await openStore(name);
    const follower = await openStore(name);
    const [result] = await owner.commitBatch([newPush({ report: REPORT })]);
    const id = (result as { push: StoredPush }).push.id;
    await Promise.all([follower.markRead([id]), owner.markRead([id])]);
    await follower.markRead([id]);
    expect((await owner.dueReports()).map((r) => r.id)).toEqual([`${id}:displayed`]);
    const { sent, send } = recordingSend();
    const r = reporter(owner, send);
    await Promise.all([r.drain(), r.drain()]);
    await r.drain();
    expect(sent.map(kindOf)).toEqual(['display:displayed']);
    expect(await owner.dueReports()).toEqual([]);
    // Read again later: nothing new.
    await owner.markRead([id]);
    await r.drain();
    expect(sent).toHaveLength(1);
  });

  it('a push that did not ask for display queues nothing; the report survives the push being deleted', async () => {
    const store = await openStore();
    const [a, b] = await store.commitBatch([newPush({ report: { ...REPORT, dispositions: ['positive-delivery'] } }), newPush({ report: REPORT })]);
    const ids = [a, b].map((r) => (r as { push: StoredPush }).push.id);
    await store.markRead(ids);
    await store.delete(ids);
    const { sent, send } = recordingSend();
    await reporter(store, send).drain();
    expect(sent.map(kindOf)).toEqual(['display:displayed']);
  });
});

describe('Reporter retries', () => {
  it('retries transport failures and 5xx with doubling delays, up to maxReportAttempts (at the limit), then gives up', async () => {
    const store = await openStore();
    const [result] = await store.commitBatch([newPush({ report: REPORT })]);
    await store.markRead([(result as { push: StoredPush }).push.id]);
    const delays: number[] = [];
    const errors: unknown[] = [];
    const { sent, send } = recordingSend([{ error: 'timeout' }, { status: 503 }, { status: 500 }, { status: 200 }]);
    await reporter(store, send, { limits: { maxReportAttempts: 3, reportRetryBaseMs: 100 }, sleep: async (ms) => void delays.push(ms), onError: (e) => errors.push(e) }).drain();
    expect(sent).toHaveLength(3);
    expect(delays).toEqual([100, 200]);
    expect(String(errors[0])).toContain('given up');
    expect(await store.dueReports()).toEqual([]);
  });

  it('succeeds on the last allowed attempt; a 404 is not retried', async () => {
    const store = await openStore();
    const [a, b] = await store.commitBatch([newPush({ report: REPORT }), newPush({ report: { ...REPORT, replyTo: 'sip:gone@example.com' } })]);
    await store.markRead([a, b].map((r) => (r as { push: StoredPush }).push.id));
    const sent: string[] = [];
    const send = async (m: ReportMessage): Promise<SendOutcome> => {
      sent.push(m.target);
      if (m.target === 'sip:gone@example.com') return { status: 404 };
      return sent.filter((t) => t === m.target).length < 3 ? { status: 480 } : { status: 202 };
    };
    const ok: string[] = [];
    await reporter(store, send, { onSent: (pushId) => ok.push(pushId), onError: () => {} }).drain();
    expect(sent.filter((t) => t === 'sip:gone@example.com')).toHaveLength(1);
    expect(sent.filter((t) => t === 'sip:psa@example.com')).toHaveLength(3);
    expect(ok).toHaveLength(1);
  });

  it('a report that fails never blocks: delivered() returns at once', async () => {
    const store = await openStore();
    const never = new Promise<SendOutcome>(() => {});
    const r = reporter(store, () => never);
    const base = { id: 'x', dispatched: false, read: false } as const;
    r.delivered([{ ...newPush({ report: REPORT }), ...base } as StoredPush]);
    r.close();
  });
});
