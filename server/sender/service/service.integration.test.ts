/**
 * The whole service in one process against the embedded core (digest users): registration,
 * discovery by reg event, a push through the HTTP API delivered and reported (IMDN delivered
 * and displayed sent by a test receiver), a receiver that registers later, a capabilities
 * refusal, expiry and cancel. The browser side of the same flows is e2e/psa-service.spec.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNotificationBody, parseReportMessageId } from '../../../src/protocol/push/index.ts';
import { parseCpim } from '../../../src/protocol/cpim/index.ts';
import { getHeader, getHeaderValues } from '../../../src/protocol/sip/index.ts';
import { startTestCore, type TestCore } from '../../testing/coreHarness.ts';
import type { SipUa } from '../../testing/sipUa.ts';
import { startUaprofServer } from '../../testing/uaprofServer.ts';
import { until } from '../../testing/until.ts';
import { startPushService, type RunningPushService } from './index.ts';

const users = { psa: 'psa-pw', alice: 'alice-pw', bob: 'bob-pw', carol: 'carol-pw', dave: 'dave-pw' };
let core: TestCore;
let psa: RunningPushService;
let dir: string;

async function api(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(`${psa.apiUrl}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${psa.token}`, ...(init.body !== undefined && { 'content-type': 'application/json' }) },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
  return { status: res.status, json: await res.json() };
}

async function statusOf(pushId: string): Promise<string[]> {
  const { json } = await api(`/v1/pushes/${encodeURIComponent(pushId)}`);
  return json.push.deliveries.map((d: { status: string }) => d.status);
}

/** A receiver: registers with the app, answers pushes 200 and, when asked, reports delivered (and displayed on demand). */
async function receiver(user: keyof typeof users, apps: string, extraParams = ''): Promise<SipUa> {
  const ua = await core.ua({ aor: `sip:${user}@localhost`, password: users[user] });
  ua.answer((req) => {
    if (req.method !== 'MESSAGE') return null;
    queueMicrotask(() => void report(ua, req, 'delivered').catch(() => {}));
    return null;
  });
  ua.autoAnswer.set('MESSAGE', 200);
  const reg = await ua.register({ contactParams: `;+g.oma.pusheventapp="${apps}";+sip.instance="<urn:uuid:${crypto.randomUUID()}>"${extraParams}`, expires: 600 });
  expect(reg.status).toBe(200);
  return ua;
}

async function report(ua: SipUa, push: { body: Uint8Array; headers: { name: string; value: string }[] }, what: 'delivered' | 'displayed'): Promise<void> {
  if (!/message\/cpim/i.test(push.headers.find((h) => h.name.toLowerCase() === 'content-type')?.value ?? '')) return;
  const cpim = parseCpim(push.body);
  const messageId = cpim.headers.find((h) => h.name === 'imdn.Message-ID' || h.name.endsWith('Message-ID'))?.value;
  if (!messageId || !parseReportMessageId(messageId)) return;
  const datetime = cpim.headers.find((h) => h.name === 'DateTime')?.value ?? new Date().toISOString();
  const body = buildNotificationBody({
    from: `<${ua.aor}>`,
    to: '<sip:psa@localhost>',
    notificationId: crypto.randomUUID(),
    dateTime: new Date(),
    document: { messageId, datetime, notification: what === 'delivered' ? { kind: 'delivery', status: 'delivered' } : { kind: 'display', status: 'displayed' } },
  });
  await ua.request(ua.build('MESSAGE', 'sip:psa@localhost', { contentType: 'message/cpim', body }));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'psa-service-'));
  core = await startTestCore({ users });
  psa = await startPushService({
    core: { server: core.wsUrl, aor: 'sip:psa@localhost', password: users.psa },
    api: { port: 0, token: 'test-token', uploadDir: join(dir, 'uploads') },
    queue: 'memory:',
    contentDir: join(dir, 'content'),
    limits: { discoveryWaitMs: 2000 },
    worker: { pollIntervalMs: 50 },
    log: () => {},
  });
}, 60_000);

afterAll(async () => {
  await psa?.close();
  await core?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('PSA service on the embedded core', () => {
  it('registers, and a push to a registered receiver is delivered and reported', async () => {
    expect(psa.registration.status.phase).toBe('registered');
    const alice = await receiver('alice', 'news.ua');
    const submit = await api('/v1/pushes', { body: { target: 'sip:alice@localhost', app: 'news.ua', contentType: 'text/plain', content: 'hello', report: true } });
    expect(submit.status).toBe(202);
    const pushId: string = submit.json.push.pushId;
    await until(async () => (await statusOf(pushId)).every((s) => s === 'delivered'), 10_000);
    const message = alice.requests.find((r) => r.method === 'MESSAGE')!;
    expect(getHeaderValues(message, 'accept-contact').join(', ')).toContain('+g.oma.pusheventapp="news.ua";require;explicit');
    expect(getHeader(message, 'push-id')).toBe(`"${pushId}"`);
    // The app shows it: the receiver's display report moves the status on.
    await report(alice, message, 'displayed');
    await until(async () => (await statusOf(pushId)).every((s) => s === 'displayed'), 10_000);
    const receivers = await api('/v1/receivers');
    expect(receivers.json.receivers.find((r: { aor: string }) => r.aor === 'sip:alice@localhost').terminals[0].pushApps).toEqual(['news.ua']);
    await alice.close();
  }, 30_000);

  it('a push to a receiver that registers later waits, then is delivered when its contact appears', async () => {
    const submit = await api('/v1/pushes', { body: { target: 'sip:bob@localhost', app: 'news.ua', contentType: 'text/plain', content: 'later', report: true } });
    expect(submit.status).toBe(202);
    const pushId: string = submit.json.push.pushId;
    expect(submit.json.push.deliveries).toEqual([expect.objectContaining({ terminal: 'aor:sip:bob@localhost', status: 'pending' })]);
    const bob = await receiver('bob', 'news.ua');
    await until(async () => (await statusOf(pushId)).every((s) => s === 'delivered'), 15_000).catch(async (e) => {
      console.log(JSON.stringify((await api(`/v1/pushes/${pushId}`)).json), JSON.stringify(await psa.service.changesSince(0)), JSON.stringify(psa.service.receivers()));
      throw e;
    });
    expect(bob.requests.filter((r) => r.method === 'MESSAGE')).toHaveLength(1);
    await bob.close();
  }, 30_000);

  it("refuses a content type the receiver's UAProf does not accept with 422, storing and sending nothing", async () => {
    const uaprof = await startUaprofServer();
    try {
      const carol = await receiver('carol', 'news.ua', `;+g.oma.uaprof="<${uaprof.url}>"`);
      const submit = await api('/v1/pushes', { body: { pushId: 'refused-1', target: 'sip:carol@localhost', app: 'news.ua', contentType: 'application/pdf', content: 'no' } });
      expect(submit.status).toBe(422);
      expect(submit.json.error).toMatchObject({ code: expect.any(String), field: 'contentType' });
      expect(submit.json.error.message).toMatch(/capabilities mismatch: .*does not accept content type application\/pdf \(accepts text\/plain, image\/\*\)/);
      expect((await api('/v1/pushes/refused-1')).status).toBe(404);
      // An app no terminal announces waits for one that does (store and forward), it is not refused.
      const waiting = await api('/v1/pushes', { body: { target: 'sip:carol@localhost', app: 'mms.ua', contentType: 'text/plain', content: 'wait' } });
      expect(waiting.status).toBe(202);
      await until(async () => (await api(`/v1/pushes/${waiting.json.push.pushId}`)).json.push.deliveries[0].reason === 'no terminal registered at sip:carol@localhost announces app mms.ua', 5000);
      expect(carol.requests.filter((r) => r.method === 'MESSAGE')).toHaveLength(0);
      await carol.close();
    } finally {
      await uaprof.close();
    }
  }, 30_000);

  it('a cancelled push is never sent; an expired one ends expired', async () => {
    const cancelled = await api('/v1/pushes', { body: { target: 'sip:nobody@localhost', app: 'news.ua', contentType: 'text/plain', content: 'x' } });
    const cancel = await api(`/v1/pushes/${cancelled.json.push.pushId}`, { method: 'DELETE' });
    expect(cancel.status).toBe(200);
    // A delivery being tried at that moment ends cancelled when its attempt is recorded.
    await until(async () => (await statusOf(cancelled.json.push.pushId)).every((s) => s === 'cancelled'), 10_000);
    const expiring = await api('/v1/pushes', { body: { target: 'sip:nobody@localhost', app: 'news.ua', contentType: 'text/plain', content: 'x', expiresInSeconds: 1 } });
    await until(async () => (await statusOf(expiring.json.push.pushId)).every((s) => s === 'expired'), 10_000);
  }, 30_000);
});

describe('PSA service restart', () => {
  it('a restarted service watches the receivers of what is still queued: a receiver that registers after the restart gets its push', async () => {
    const config = (queueDir: string) => ({
      core: { server: core.wsUrl, aor: 'sip:psa@localhost', password: users.psa },
      api: { port: 0, token: 'restart-token', uploadDir: join(dir, 'uploads-restart') },
      queue: queueDir,
      contentDir: join(dir, 'content-restart'),
      worker: { pollIntervalMs: 50 },
      log: () => {},
    });
    const queueDir = join(dir, 'restart-queue');
    const first = await startPushService(config(queueDir));
    const submitted = await fetch(`${first.apiUrl}/v1/pushes`, {
      method: 'POST',
      headers: { authorization: 'Bearer restart-token', 'content-type': 'application/json' },
      body: JSON.stringify({ pushId: 'kept-over-restart', target: 'sip:dave@localhost', app: 'news.ua', contentType: 'text/plain', content: 'still here' }),
    });
    expect(submitted.status).toBe(202);
    await first.close();
    const second = await startPushService(config(queueDir));
    try {
      const dave = await receiver('dave', 'news.ua');
      await until(async () => (await second.service.get('kept-over-restart'))?.deliveries.every((d) => d.status === 'delivered') === true, 15_000);
      expect(dave.requests.filter((r) => r.method === 'MESSAGE')).toHaveLength(1);
      await dave.close();
    } finally {
      await second.close();
    }
  }, 60_000);
});
