import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCpim, IMDN_NS, serializeCpim } from '../../protocol/cpim/cpim.ts';
import { getHeader, parseSipMessage, type SipRequest, type SipResponse } from '../../protocol/sip/message.ts';
import { parseNameAddr } from '../../protocol/sip/headers.ts';
import { AppRegistry } from '../apps/registry.ts';
import { GroupCommitter, type GroupCommitterOptions } from '../store/groupCommit.ts';
import { PushStore } from '../store/pushStore.ts';
import { letTasksRun, watchTransactions } from '../../testing/idbTransactions.ts';
import { deferred, isPushWrite, uniqueDbName } from '../../testing/pushFixtures.ts';
import { DEFAULT_AGENT_LIMITS, type StoredPush } from '../types.ts';
import { createMessageIntake, type PushRejection } from './messageIntake.ts';

interface MessageInit {
  app?: string | null;
  from?: string | null;
  to?: string | null;
  callId?: string | null;
  cseq?: string | null;
  type?: string | null;
  body?: string | Uint8Array;
  extra?: string[];
}

let callCounter = 0;

/** A MESSAGE as the wire carries it, parsed by the project's SIP parser. */
function message(init: MessageInit = {}): SipRequest {
  const body = typeof init.body === 'string' || init.body === undefined ? new TextEncoder().encode(init.body ?? 'hello') : init.body;
  const lines = ['MESSAGE sip:alice@example.com SIP/2.0', 'Via: SIP/2.0/WSS core.example.com;branch=z9hG4bK1', 'Max-Forwards: 69'];
  const add = (name: string, value: string | null | undefined, fallback: string) => {
    if (value !== null) lines.push(`${name}: ${value ?? fallback}`);
  };
  add('From', init.from, '"News Desk" <sip:psa@example.com>;tag=f1');
  add('To', init.to, '<sip:alice@example.com>');
  add('Call-ID', init.callId, `call-${++callCounter}`);
  add('CSeq', init.cseq, '1 MESSAGE');
  add('Content-Type', init.type, 'text/plain');
  if (init.app !== null) lines.push(`Accept-Contact: *;+g.oma.pusheventapp="${init.app ?? 'news.ua'}";require;explicit`);
  lines.push(...(init.extra ?? []), `Content-Length: ${body.length}`, '', '');
  const head = new TextEncoder().encode(lines.join('\r\n'));
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(head);
  bytes.set(body, head.length);
  const parsed = parseSipMessage(bytes);
  if (parsed.kind !== 'request') throw new Error('not a request');
  return parsed;
}

const stores: PushStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  vi.restoreAllMocks();
});

async function setup(options: { limits?: Partial<typeof DEFAULT_AGENT_LIMITS>; beforeCommit?: GroupCommitterOptions['beforeCommit']; trustAssertedIdentity?: boolean } = {}) {
  const limits = { ...DEFAULT_AGENT_LIMITS, ...options.limits };
  const store = await PushStore.open(uniqueDbName());
  stores.push(store);
  const committerOptions: GroupCommitterOptions = { store, limits };
  if (options.beforeCommit) committerOptions.beforeCommit = options.beforeCommit;
  const committer = await GroupCommitter.create(committerOptions);
  const apps = new AppRegistry();
  apps.register({ id: 'news.ua', accept: ['text/plain', 'application/json'], allowFrom: ['sip:psa@example.com'], maxBytes: 64, handler: () => {} });
  apps.register({ id: 'img.ua', accept: ['image/*'], handler: () => {} });
  const stored: StoredPush[][] = [];
  const rejected: PushRejection[] = [];
  const intake = createMessageIntake({
    apps,
    committer,
    limits,
    now: () => 1_700_000_000_000,
    toTag: () => 'totag1',
    ...(options.trustAssertedIdentity ? { trustAssertedIdentity: true } : {}),
    onStored: (pushes) => stored.push(pushes),
    onRejected: (r) => rejected.push(r),
  });
  return { store, committer, apps, intake, stored, rejected };
}

function expectCopiedHeaders(request: SipRequest, response: SipResponse): void {
  for (const name of ['Via', 'From', 'Call-ID', 'CSeq']) expect(getHeader(response, name)).toBe(getHeader(request, name));
  expect(parseNameAddr(getHeader(response, 'To')!).params.get('tag')).toBe('totag1');
}

describe('MESSAGE intake', () => {
  it('200 after the push is stored, with the facts of the request', async () => {
    const { intake, store, stored, rejected } = await setup();
    const request = message({ body: 'breaking news', type: 'text/plain;charset=utf-8' });
    const response = await intake.handle(request);
    expect(response.status).toBe(200);
    expectCopiedHeaders(request, response);
    const [push] = await store.list('news.ua');
    expect(push).toMatchObject({
      appId: 'news.ua',
      from: 'sip:psa@example.com',
      fromDisplayName: 'News Desk',
      to: 'sip:alice@example.com',
      contentType: 'text/plain;charset=utf-8',
      size: 13,
      receivedAt: 1_700_000_000_000,
      via: 'message',
      dedupKey: `sip:${JSON.stringify(['sip:psa@example.com', 'news.ua', getHeader(request, 'call-id'), 1])}`,
      dispatched: false,
    });
    expect(new TextDecoder().decode(push!.content)).toBe('breaking news');
    expect(stored).toEqual([[push]]);
    expect(rejected).toEqual([]);
  });

  it('the 200 waits for the commit (held by the test gate)', async () => {
    const gate = deferred();
    const { intake, store } = await setup({ beforeCommit: () => gate.promise });
    let answered: SipResponse | undefined;
    const pending = intake.handle(message()).then((r) => (answered = r));
    for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setTimeout(resolve, 0));
    expect(answered).toBeUndefined();
    expect(await store.count()).toBe(0);
    gate.resolve();
    await pending;
    expect(answered!.status).toBe(200);
    expect(await store.count()).toBe(1);
  });

  // Issue 9 item 9: the gate holds a batch before its transaction starts; the 200 must also
  // wait for the transaction's `complete` (strict durability), held here after its writes.
  it('the 200 waits for the strict push transaction to fire complete, not only for its writes', async () => {
    const { intake, store, stored } = await setup();
    const watch = watchTransactions({ holdComplete: isPushWrite });
    try {
      let answered: SipResponse | undefined;
      const pending = intake.handle(message()).then((r) => (answered = r));
      await watch.held(1);
      expect(watch.transactions.filter(isPushWrite).map((t) => t.durability)).toEqual(['strict']);
      expect(await store.count()).toBe(1);
      await letTasksRun();
      expect(answered).toBeUndefined();
      expect(stored).toEqual([]);
      watch.release();
      await pending;
      expect(answered!.status).toBe(200);
      expect(stored.flat()).toHaveLength(1);
    } finally {
      watch.restore();
    }
  });

  it('a burst in one tick is one transaction, reported as one stored batch', async () => {
    const { intake, stored } = await setup();
    const responses = await Promise.all(Array.from({ length: 20 }, () => intake.handle(message())));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(stored).toHaveLength(1);
    expect(stored[0]).toHaveLength(20);
  });

  const rejections: Array<{ name: string; init: MessageInit; status: number; reason: RegExp; headers?: Record<string, string> }> = [
    { name: 'unknown app -> 404', init: { app: 'mms.ua' }, status: 404, reason: /^Push application mms\.ua not registered$/ },
    { name: 'no Accept-Contact -> 404', init: { app: null }, status: 404, reason: /No push application addressed/ },
    { name: 'sender not allowed -> 403', init: { from: '<sip:mallory@example.com>;tag=x' }, status: 403, reason: /Sender sip:mallory@example\.com not allowed for news\.ua/ },
    { name: 'type not accepted -> 415 with Accept', init: { type: 'image/png' }, status: 415, reason: /image\/png not accepted/, headers: { Accept: 'text/plain, application/json' } },
    { name: 'too large -> 413', init: { body: 'x'.repeat(65) }, status: 413, reason: /65 bytes exceeds 64/ },
    { name: 'missing From -> 400', init: { from: null }, status: 400, reason: /^Missing From header$/ },
    { name: 'missing To -> 400', init: { to: null }, status: 400, reason: /^Missing To header$/ },
    { name: 'missing Call-ID -> 400', init: { callId: null }, status: 400, reason: /^Missing Call-ID header$/ },
    { name: 'missing CSeq -> 400', init: { cseq: null }, status: 400, reason: /^Missing CSeq header$/ },
    { name: 'garbled CSeq -> 400', init: { cseq: 'one MESSAGE' }, status: 400, reason: /^Malformed CSeq header$/ },
    { name: 'CSeq of another method -> 400', init: { cseq: '1 INVITE' }, status: 400, reason: /CSeq method INVITE does not match MESSAGE/ },
    { name: 'missing Content-Type -> 400', init: { type: null }, status: 400, reason: /^Missing Content-Type header$/ },
    { name: 'garbled From -> 400', init: { from: 'sip:' }, status: 400, reason: /^Malformed From header$/ },
    { name: 'malformed CPIM -> 400', init: { type: 'message/cpim', body: 'From: <sip:a@b>\r\n' }, status: 400, reason: /CPIM message headers not terminated/ },
    { name: 'CPIM without inner Content-Type -> 400', init: { type: 'message/cpim', body: 'From: <sip:a@b>\r\n\r\nContent-ID: <x>\r\n\r\nhi' }, status: 400, reason: /CPIM content without Content-Type/ },
  ];
  for (const c of rejections) {
    it(c.name, async () => {
      const { intake, store, stored, rejected } = await setup();
      const request = message(c.init);
      const response = await intake.handle(request);
      expect(response.status).toBe(c.status);
      expect(response.reason).toMatch(c.reason);
      for (const [name, value] of Object.entries(c.headers ?? {})) expect(getHeader(response, name)).toBe(value);
      if (c.status === 400 && c.init.to === null) expect(getHeader(response, 'To')).toBeUndefined();
      else expect(parseNameAddr(getHeader(response, 'To')!).params.get('tag')).toBe('totag1');
      expect(await store.count()).toBe(0);
      expect(stored).toEqual([]);
      expect(rejected).toEqual([expect.objectContaining({ status: c.status, reason: response.reason })]);
    });
  }

  it('storage full -> 503 with Retry-After', async () => {
    const { intake, store, rejected } = await setup({ limits: { maxStoredPushes: 1, retryAfterSeconds: 42 } });
    expect((await intake.handle(message())).status).toBe(200);
    const response = await intake.handle(message());
    expect(response.status).toBe(503);
    expect(getHeader(response, 'Retry-After')).toBe('42');
    expect(await store.count()).toBe(1);
    expect(rejected).toEqual([expect.objectContaining({ status: 503, appId: 'news.ua', from: 'sip:psa@example.com' })]);
  });

  it('storage failure -> 500', async () => {
    const { intake, store } = await setup();
    vi.spyOn(store, 'commitBatch').mockRejectedValueOnce(new DOMException('disk on fire', 'UnknownError'));
    const response = await intake.handle(message());
    expect(response.status).toBe(500);
    expect(response.reason).toMatch(/Push storage failed: UnknownError: disk on fire/);
    expect(getHeader(response, 'Retry-After')).toBeUndefined();
  });

  it('a retransmission (same Call-ID and CSeq) is answered 200 again and stored once', async () => {
    const { intake, store, stored } = await setup();
    const first = message({ callId: 'retx-1' });
    const again = message({ callId: 'retx-1' });
    expect((await intake.handle(first)).status).toBe(200);
    expect((await intake.handle(again)).status).toBe(200);
    expect(await store.count()).toBe(1);
    expect(stored.flat()).toHaveLength(1);
  });

  // Issue 9 item 2: the duplicate key was the Call-ID/CSeq or the IMDN Message-ID alone, so a
  // push from another sender or to another app with the same IDs got 200 and was dropped.
  it('another sender or another app with the same Call-ID and CSeq: each stored', async () => {
    const { intake, store, apps } = await setup();
    apps.register({ id: 'open.ua', accept: ['text/plain'], handler: () => {} });
    const sameIds = { callId: 'shared-call', cseq: '5 MESSAGE' };
    expect((await intake.handle(message({ ...sameIds, from: '<sip:psa@example.com>;tag=a', app: 'open.ua' }))).status).toBe(200);
    expect((await intake.handle(message({ ...sameIds, from: '<sip:mallory@example.com>;tag=b', app: 'open.ua', body: 'other' }))).status).toBe(200);
    expect((await intake.handle(message({ ...sameIds, from: '<sip:psa@example.com>;tag=a', app: 'news.ua', body: 'third' }))).status).toBe(200);
    expect(await store.count()).toBe(3);
    expect((await store.list('open.ua')).map((p) => p.from).sort()).toEqual(['sip:mallory@example.com', 'sip:psa@example.com']);
  });

  it('another sender with the same IMDN Message-ID: stored, not taken for a duplicate', async () => {
    const { intake, store, apps } = await setup();
    apps.register({ id: 'open.ua', accept: ['text/plain'], handler: () => {} });
    const cpimFrom = (from: string, callId: string) =>
      message({
        callId,
        from: `<${from}>;tag=x`,
        app: 'open.ua',
        type: 'message/cpim',
        body: serializeCpim(
          createCpim({ from: `<${from}>`, to: '<sip:alice@example.com>', namespaces: { imdn: IMDN_NS }, headers: [{ name: 'imdn.Message-ID', value: '1' }], contentType: 'text/plain', content: from }),
          { contentLength: true },
        ),
      });
    expect((await intake.handle(cpimFrom('sip:psa@example.com', 'a'))).status).toBe(200);
    expect((await intake.handle(cpimFrom('sip:other@example.com', 'b'))).status).toBe(200);
    // The first sender's re-send (new Call-ID) is still a duplicate.
    expect((await intake.handle(cpimFrom('sip:psa@example.com', 'c'))).status).toBe(200);
    expect(await store.count()).toBe(2);
  });

  it('a retransmission arriving while the first is in flight: both 200, stored once', async () => {
    const { intake, store, stored } = await setup();
    const responses = await Promise.all([intake.handle(message({ callId: 'same' })), intake.handle(message({ callId: 'same' }))]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    expect(await store.count()).toBe(1);
    expect(stored.flat()).toHaveLength(1);
  });

  it('unwraps message/cpim: inner type and content, imdn.Message-ID as messageId and dedup key', async () => {
    const { intake, store } = await setup();
    const cpim = (callId: string) =>
      message({
        callId,
        type: 'message/cpim',
        body: serializeCpim(
          createCpim({
            from: '<sip:psa@example.com>',
            to: '<sip:alice@example.com>',
            dateTime: '2024-05-01T10:00:00Z',
            namespaces: { imdn: IMDN_NS },
            headers: [
              { name: 'imdn.Message-ID', value: 'msg-42' },
              { name: 'imdn.Disposition-Notification', value: 'positive-delivery, negative-delivery' },
            ],
            contentType: 'application/json',
            content: '{"headline":"x"}',
          }),
          { contentLength: true },
        ),
      });
    expect((await intake.handle(cpim('a'))).status).toBe(200);
    // The same Message-ID re-sent in a new transaction (new Call-ID): 200, stored once.
    expect((await intake.handle(cpim('b'))).status).toBe(200);
    const pushes = await store.list('news.ua');
    expect(pushes).toHaveLength(1);
    expect(pushes[0]).toMatchObject({ contentType: 'application/json', messageId: 'msg-42', dedupKey: 'imdn:["sip:psa@example.com","news.ua","msg-42"]', size: 16 });
    expect(new TextDecoder().decode(pushes[0]!.content)).toBe('{"headline":"x"}');
  });

  it('policy applies to the CPIM content type, not message/cpim', async () => {
    const { intake } = await setup();
    const body = serializeCpim(createCpim({ contentType: 'image/png', content: 'x' }));
    const response = await intake.handle(message({ type: 'message/cpim', body }));
    expect(response.status).toBe(415);
  });

  it('picks the first registered app of several in Accept-Contact', async () => {
    const { intake, store } = await setup();
    const response = await intake.handle(message({ app: 'mms.ua,img.ua', type: 'image/png', body: new Uint8Array([137, 80, 78, 71]) }));
    expect(response.status).toBe(200);
    expect((await store.list('img.ua'))[0]!.content).toEqual(new Uint8Array([137, 80, 78, 71]));
  });

  it('only reports its own pushes as stored (the committer also takes MSRP pushes)', async () => {
    const { intake, committer, stored } = await setup();
    const other = committer.enqueue({
      appId: 'img.ua', from: 'sip:psa@example.com', to: 'sip:alice@example.com', contentType: 'image/png',
      content: new Uint8Array([1]), size: 1, receivedAt: 1, via: 'msrp', dedupKey: 'msrp:abc',
    });
    const response = await intake.handle(message());
    await other;
    expect(response.status).toBe(200);
    expect(stored.flat().map((p) => p.via)).toEqual(['message']);
  });

  // Issue 9 item 8: allowFrom was decided on From, which any sender can write.
  describe('trusting the core (trustAssertedIdentity): the sender is its P-Asserted-Identity', () => {
    const PAI = (aor: string) => [`P-Asserted-Identity: <${aor}>`];

    it('allowFrom is met by the asserted identity; the push is stored as from it', async () => {
      const { intake, store } = await setup({ trustAssertedIdentity: true });
      const response = await intake.handle(message({ from: '"News" <sip:someone@example.com>;tag=x', extra: PAI('sip:psa@example.com') }));
      expect(response.status).toBe(200);
      expect((await store.list('news.ua'))[0]).toMatchObject({ from: 'sip:psa@example.com', fromDisplayName: 'News' });
    });

    it.each([
      ['a From naming the allowed sender, with no asserted identity', [] as string[], /not authenticated by the core/],
      ['a From naming the allowed sender, asserted as someone else', PAI('sip:mallory@example.com'), /Sender sip:mallory@example.com not allowed/],
    ])('%s: 403, nothing stored', async (_name, extra, reason) => {
      const { intake, store, rejected } = await setup({ trustAssertedIdentity: true });
      const response = await intake.handle(message({ from: '<sip:psa@example.com>;tag=x', extra }));
      expect(response.status).toBe(403);
      expect(response.reason).toMatch(reason);
      expect(await store.count()).toBe(0);
      expect(rejected).toHaveLength(1);
    });

    it('an app without allowFrom takes an unverified sender, keyed by its From', async () => {
      const { intake, store } = await setup({ trustAssertedIdentity: true });
      expect((await intake.handle(message({ app: 'img.ua', type: 'image/png', from: '<sip:anyone@example.com>;tag=x' }))).status).toBe(200);
      expect((await store.list('img.ua'))[0]!.from).toBe('sip:anyone@example.com');
    });

    it('not trusting the core, P-Asserted-Identity is ignored: From decides', async () => {
      const { intake } = await setup();
      expect((await intake.handle(message({ from: '<sip:mallory@example.com>;tag=x', extra: PAI('sip:psa@example.com') }))).status).toBe(403);
      expect((await intake.handle(message({ from: '<sip:psa@example.com>;tag=y' }))).status).toBe(200);
    });

    it('a malformed P-Asserted-Identity is a 400', async () => {
      const { intake } = await setup({ trustAssertedIdentity: true });
      expect((await intake.handle(message({ extra: ['P-Asserted-Identity: <sip:broken'] }))).status).toBe(400);
    });
  });

  it('a method other than MESSAGE -> 405 with Allow', async () => {
    const { intake } = await setup();
    const request = { ...message(), method: 'INFO' };
    const response = await intake.handle(request);
    expect(response.status).toBe(405);
    expect(getHeader(response, 'Allow')).toBe('MESSAGE');
  });
});
