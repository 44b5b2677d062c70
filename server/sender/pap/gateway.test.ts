/**
 * The PAP gateway over real HTTP on 127.0.0.1 against an in-memory PushService
 * (server/testing/fakePushService.ts): every message type, duplicate push-id, deliver-before
 * in the past, malformed documents (nothing submitted), the body limits at and past them,
 * result notifications to a local HTTP server, Basic authentication, and the mount on the
 * service API's server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildPap, buildPapRequest, parsePap, type PapMessage } from '../../../src/protocol/pap/index.ts';
import { createFakePushService, type FakePushService } from '../../testing/fakePushService.ts';
import { until } from '../../testing/until.ts';
import { createPushApi } from '../service/http/server.ts';
import { openPglite } from '../queue/pglite.ts';
import { migrate } from '../queue/schema.ts';
import type { Sql } from '../queue/sql.ts';
import { ServiceError } from '../service/types.ts';
import { createPapGateway, type PapGateway, type PapGatewayOptions } from './gateway.ts';
import { sqlPapStore } from './papStore.ts';
import type { NotificationOutcome } from './notifier.ts';

const ALICE = 'WAPPUSH=alice/TYPE=USER@ppg.example.com';
const BOB = 'WAPPUSH=+447700900123/TYPE=PLMN';

interface Started {
  url: string;
  fake: FakePushService;
  gateway: PapGateway;
  logged: string[];
}
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(handler: http.RequestListener): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** A gateway on a fake service; give the same `fake` (and a store) to start one again after a restart. */
async function start(options: Partial<PapGatewayOptions> = {}, fake: FakePushService = createFakePushService()): Promise<Started> {
  const logged: string[] = [];
  // The initiators' notification servers here are on loopback, which the gateway must be told to allow.
  const notify = { retryDelayMs: 10, timeoutMs: 2000, allowHosts: ['127.0.0.1'], ...options.notify };
  const gateway = createPapGateway(fake, { domain: 'example.com', auth: false, log: (l) => logged.push(l), ...options, notify });
  cleanups.push(() => gateway.close());
  const { url } = await listen((req, res) => void gateway(req, res));
  return { url: `${url}/pap`, fake, gateway, logged };
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  message: PapMessage;
}

async function post(url: string, body: Uint8Array | string, contentType: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': contentType, ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, message: res.status === 401 || res.status === 405 ? (undefined as never) : parsePap(text).message };
}

function pushMessage(fields: Partial<Extract<PapMessage, { kind: 'push-message' }>> = {}, content: { type?: string; body?: string; headers?: { name: string; value: string }[] } = {}, version: '1.0' | '2.0' | '2.1' = '2.0') {
  const xml = buildPap({ kind: 'push-message', pushId: 'p1', progressNotesRequested: false, addresses: [ALICE], ...fields }, { version });
  return buildPapRequest(xml, { contentType: content.type ?? 'text/plain', body: new TextEncoder().encode(content.body ?? 'hello'), headers: content.headers ?? [{ name: 'X-Wap-Application-Id', value: 'x-wap-application:push.sia' }] });
}

async function sendPush(s: Started, ...args: Parameters<typeof pushMessage>): Promise<Answer> {
  const { body, contentType } = pushMessage(...args);
  return post(s.url, body, contentType);
}

async function sendControl(s: Started, message: PapMessage, headers: Record<string, string> = {}): Promise<Answer> {
  return post(s.url, buildPap(message), 'application/xml', headers);
}

describe('push-message', () => {
  it('submits one push, a target per address, and answers 1001 with push-id, reply-time and sender-address', async () => {
    const s = await start();
    const deliverAfter = new Date(Date.now() + 60_000);
    const deliverBefore = new Date(Date.now() + 3_600_000);
    const a = await sendPush(s, {
      addresses: [ALICE, BOB, 'WAPPUSH=alice/TYPE=USER'],
      deliverAfter,
      deliverBefore,
      progressNotesRequested: true,
      qualityOfService: { priority: 'high', deliveryMethod: 'confirmed', networkRequired: false, bearerRequired: false },
    });
    expect(a.status).toBe(202);
    expect(a.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(a.message).toMatchObject({ kind: 'push-response', pushId: 'p1', senderName: 'SIP Push Web PPG', result: { code: 1001 } });
    expect(a.message.kind === 'push-response' && a.message.senderAddress).toBe(s.url);
    expect(a.message.kind === 'push-response' && a.message.replyTime).toBeInstanceOf(Date);
    expect(a.message.kind === 'push-response' && a.message.result.desc).toMatch(/progress notes are not sent/);
    expect(s.fake.submitted).toHaveLength(1);
    expect(s.fake.submitted[0]).toMatchObject({
      pushId: 'p1',
      targets: [{ aor: 'sip:alice@example.com' }, { aor: 'sip:+447700900123@example.com' }],
      app: 'push.sia',
      contentType: 'text/plain',
      reportRequested: true,
      priority: 'high',
      deliverAfter: Math.floor(deliverAfter.getTime() / 1000) * 1000,
      deliverBefore: Math.floor(deliverBefore.getTime() / 1000) * 1000,
      mode: 'auto',
    });
    expect(new TextDecoder().decode(s.fake.submitted[0]!.content as Uint8Array)).toBe('hello');
  });

  it('takes maxAddresses addresses, and refuses one more with 2000 (nothing submitted)', async () => {
    const s = await start({ maxAddresses: 3 });
    const addresses = (n: number) => Array.from({ length: n }, (_, i) => `WAPPUSH=alice/TYPE=USER@ppg${i}.example.com`);
    expect((await sendPush(s, { pushId: 'three', addresses: addresses(3) })).message).toMatchObject({ result: { code: 1001 } });
    expect((await sendPush(s, { pushId: 'four', addresses: addresses(4) })).message).toMatchObject({ result: { code: 2000, desc: expect.stringMatching(/4 addresses, more than the 3 .*maxAddresses/) } });
    expect(s.fake.submitted.map((p) => p.pushId)).toEqual(['three']);
  });

  it('refuses what the API would refuse, with 2000 and nothing kept: a control character in push-id, an over-long content type', async () => {
    const s = await start();
    expect((await sendPush(s, { pushId: 'a\nb' })).message).toMatchObject({ result: { code: 2000, desc: expect.stringMatching(/control character/) } });
    expect((await sendPush(s, { pushId: 'long-type' }, { type: `text/plain; x="${'a'.repeat(1100)}"` })).message).toMatchObject({ result: { code: 2000, desc: expect.stringMatching(/contentType has 1\d{3} characters; give at most 1024/) } });
    expect(s.fake.submitted).toHaveLength(0);
    expect(s.gateway.tracked('long-type')).toBeUndefined();
  });

  it.each([
    [{ priority: 'medium', deliveryMethod: 'unconfirmed' }, 'normal', false],
    [{ priority: 'low', deliveryMethod: 'preferconfirmed' }, 'low', true],
    [{ priority: 'medium', deliveryMethod: 'notspecified' }, 'normal', false],
  ] as const)('QoS %j -> priority %s, report %s', async (qos, priority, report) => {
    const s = await start();
    await sendPush(s, { qualityOfService: { ...qos, networkRequired: false, bearerRequired: false } });
    expect(s.fake.submitted[0]).toMatchObject({ priority, reportRequested: report });
  });

  it.each([
    [[{ name: 'X-Wap-Application-Id', value: '4' }], {}, 'mms.ua'],
    [[{ name: 'X-Wap-Application-Id', value: 'wml.ua' }], {}, 'wml.ua'],
    [[], { 'X-Wap-Application-Id': 'x-wap-application:mms.ua' }, 'mms.ua'],
    [[], {}, 'wml.ua'],
  ])('app from the content entity %j or the request %j -> %s', async (partHeaders, requestHeaders, app) => {
    const s = await start();
    const { body, contentType } = pushMessage({}, { headers: partHeaders });
    await post(s.url, body, contentType, requestHeaders);
    expect(s.fake.submitted[0]!.app).toBe(app);
  });

  it('a duplicate push-id is 2007 and the second is not submitted', async () => {
    const s = await start();
    expect((await sendPush(s)).message).toMatchObject({ result: { code: 1001 } });
    const again = await sendPush(s);
    expect(again.message).toMatchObject({ kind: 'push-response', pushId: 'p1', result: { code: 2007 } });
    expect(s.fake.submitted).toHaveLength(1);
  });

  it('deliver-before in the past: 2001, nothing submitted, statusquery and the notification say expired', async () => {
    const s = await start();
    const notices = await notificationServer();
    const a = await sendPush(s, { deliverBefore: new Date(Date.now() - 60_000), ppgNotifyRequestedTo: notices.url });
    expect(a.message).toMatchObject({ result: { code: 2001 } });
    expect(s.fake.submitted).toHaveLength(0);
    // Asked about the whole push: its addresses, as for a push that was accepted.
    expect((await sendControl(s, { kind: 'statusquery-message', pushId: 'p1', addresses: [] })).message).toMatchObject({ results: [{ messageState: 'expired', addresses: [ALICE] }] });
    await until(() => notices.received.length === 1);
    expect(notices.received[0]).toMatchObject({ kind: 'resultnotification-message', pushId: 'p1', messageState: 'expired', address: ALICE, senderAddress: s.url });
    expect((await sendPush(s)).message).toMatchObject({ result: { code: 2007 } });
  });

  it.each([
    [{ addresses: ['WAPPUSH=192.0.2.1/TYPE=IPv4'] }, {}, 2002],
    [{ addresses: [ALICE, 'WAPPUSH=x/TYPE=GSM_MSISDN'] }, {}, 2002],
    [{ replacePushId: 'old' }, {}, 3011],
    [{ ppgNotifyRequestedTo: 'mailto:pi@example.com' }, {}, 2000],
    [{ deliverAfter: new Date(Date.now() + 7_200_000), deliverBefore: new Date(Date.now() + 3_600_000) }, {}, 2000],
    [{}, { headers: [{ name: 'X-Wap-Application-Id', value: '0x99' }] }, 2000],
  ])('%j %j is answered %i and nothing submitted', async (fields, content, code) => {
    const s = await start();
    const a = await sendPush(s, fields, content);
    expect(a.status).toBe(202);
    expect(a.message).toMatchObject({ kind: 'push-response', result: { code } });
    expect(s.fake.submitted).toHaveLength(0);
  });

  it.each([
    ['PSA_ERR_CAPABILITIES', 2005],
    ['PSA_ERR_UNAVAILABLE', 4001],
    ['PSA_ERR_INPUT', 2000],
  ] as const)('a ServiceError %s is %i', async (code, papCode) => {
    const s = await start();
    const { ServiceError } = await import('../service/types.ts');
    s.fake.failNext(new ServiceError(code, 'refused'));
    expect((await sendPush(s)).message).toMatchObject({ result: { code: papCode, desc: 'refused' } });
  });

  it('another error is a 3000 badmessage-response, HTTP 500, logged', async () => {
    const s = await start();
    s.fake.failNext(new Error('disk on fire'));
    const a = await sendPush(s);
    expect(a.status).toBe(500);
    expect(a.message).toMatchObject({ kind: 'badmessage-response', code: 3000 });
    expect(s.logged.join('\n')).toMatch(/disk on fire/);
  });

  it('answers a PAP 1.0 client in 1.0 and records X-Wap-Initiator-URI', async () => {
    const s = await start();
    const { body, contentType } = pushMessage({}, {}, '1.0');
    const a = await post(s.url, body, contentType, { 'X-Wap-Initiator-URI': 'http://pi.example.com/' });
    expect(a.text).toContain('-//WAPFORUM//DTD PAP 1.0//EN');
    expect(s.gateway.tracked('p1')?.initiatorUri).toBe('http://pi.example.com/');
  });

  it('takes the README example body (server/sender/pap/examples/push-message.multipart)', async () => {
    const s = await start();
    const body = readFileSync(join(import.meta.dirname, 'examples', 'push-message.multipart'));
    const a = await post(s.url, body, 'multipart/related; boundary=asdlfkjiurwghasf; type="application/xml"');
    expect(a.message).toMatchObject({ kind: 'push-response', result: { code: 1001 } });
    expect(s.fake.submitted[0]).toMatchObject({ targets: [{ aor: 'sip:alice@example.com' }], app: 'push.sia', contentType: 'text/plain; charset=utf-8' });
  });
});

describe('malformed requests: a badmessage-response, nothing submitted', () => {
  const multipart = (control: string) => buildPapRequest(control, { contentType: 'text/plain', body: new TextEncoder().encode('x') });
  const pap = (inner: string) => `<?xml version="1.0"?>\n<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">\n<pap>${inner}</pap>`;
  it.each([
    ['not XML', multipart('this is not xml <'), 2000, /this is not xml/],
    ['wrong root', multipart('<?xml version="1.0"?><html><body/></html>'), 2000, /html/],
    ['missing push-id', multipart(pap('<push-message><address address-value="WAPPUSH=alice/TYPE=USER"/></push-message>')), 2000, /push-message/],
    ['missing address', multipart(pap('<push-message push-id="p1"></push-message>')), 2000, /push-message/],
    ['bad timestamp', multipart(pap('<push-message push-id="p1" deliver-before-timestamp="2030-01-01 12:00"><address address-value="WAPPUSH=alice/TYPE=USER"/></push-message>')), 2000, undefined],
    ['an entity', multipart('<?xml version="1.0"?><!DOCTYPE pap [<!ENTITY x "y">]><pap/>'), 2000, undefined],
    ['PAP 3.0', multipart('<?xml version="1.0"?><!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 3.0//EN" "x"><pap/>'), 3002, undefined],
    ['no content entity', { contentType: 'multipart/related; boundary=b', body: new TextEncoder().encode(`--b\r\nContent-Type: application/xml\r\n\r\n${pap('<push-message push-id="p1"><address address-value="WAPPUSH=alice/TYPE=USER"/></push-message>')}\r\n--b--\r\n`) }, 2000, undefined],
    ['an answer sent as a request', { contentType: 'application/xml', body: new TextEncoder().encode(buildPap({ kind: 'push-response', pushId: 'p1', progressNotes: [], result: { code: 1000 } })) }, 2000, /push-response/],
  ])('%s', async (_name, { body, contentType }, code, fragment) => {
    const s = await start();
    const a = await post(s.url, body, contentType);
    expect(a.status).toBe(202);
    expect(a.message).toMatchObject({ kind: 'badmessage-response', code });
    if (fragment && a.message.kind === 'badmessage-response') expect(a.message.badMessageFragment).toMatch(fragment);
    expect(s.fake.submitted).toHaveLength(0);
  });

  it('a body that is not PAP (text/plain, no Content-Type)', async () => {
    const s = await start();
    expect((await post(s.url, 'hi', 'text/plain')).message).toMatchObject({ kind: 'badmessage-response', code: 2000 });
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(s.url, { method: 'POST' }, (r) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode!, text }));
      });
      req.on('error', reject);
      req.end('x');
    });
    expect(res.status).toBe(202);
    expect(parsePap(res.text).message).toMatchObject({ kind: 'badmessage-response', code: 2000, desc: expect.stringMatching(/no Content-Type/) });
  });

  it('a 10 MB control entity is 413 with a badmessage-response, before it is parsed', async () => {
    const s = await start();
    const control = pap(`<push-message push-id="p1"><address address-value="WAPPUSH=alice/TYPE=USER"/></push-message><!--${'x'.repeat(10 * 1024 * 1024)}-->`);
    const { body, contentType } = multipart(control);
    const a = await post(s.url, body, contentType);
    expect(a.status).toBe(413);
    expect(a.message).toMatchObject({ kind: 'badmessage-response', code: 2000, desc: expect.stringMatching(/maxControlBytes/) });
    expect(s.fake.submitted).toHaveLength(0);
  });

  it('maxBodyBytes: at the limit read, one past 413', async () => {
    const s = await start();
    const { body, contentType } = pushMessage();
    const at = await start({ maxBodyBytes: body.length });
    expect((await post(at.url, body, contentType)).message).toMatchObject({ kind: 'push-response', result: { code: 1001 } });
    const under = await start({ maxBodyBytes: body.length - 1 });
    const a = await post(under.url, body, contentType);
    expect(a.status).toBe(413);
    expect(a.message).toMatchObject({ kind: 'badmessage-response', desc: expect.stringMatching(/maxBodyBytes/) });
    expect(under.fake.submitted).toHaveLength(0);
    void s;
  });

  it('maxControlBytes: at the limit read, one past 413', async () => {
    const xml = buildPap({ kind: 'statusquery-message', pushId: 'p1', addresses: [] });
    const size = Buffer.byteLength(xml);
    const at = await start({ maxControlBytes: size });
    expect((await post(at.url, xml, 'application/xml')).message.kind).toBe('statusquery-response');
    const under = await start({ maxControlBytes: size - 1 });
    expect((await post(under.url, xml, 'application/xml')).status).toBe(413);
  });

  it('GET is 405 with Allow: POST', async () => {
    const s = await start();
    const res = await fetch(s.url);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});

describe('cancel-message', () => {
  it('cancels a pending push: 1000, and statusquery then says cancelled', async () => {
    const s = await start();
    await sendPush(s, { addresses: [ALICE, BOB] });
    const a = await sendControl(s, { kind: 'cancel-message', pushId: 'p1', addresses: [] });
    expect(a.status).toBe(200);
    expect(a.message).toMatchObject({ kind: 'cancel-response', pushId: 'p1', results: [{ code: 1000 }] });
    const q = await sendControl(s, { kind: 'statusquery-message', pushId: 'p1', addresses: [] });
    expect(q.message).toMatchObject({ results: [{ messageState: 'cancelled', code: 1000, addresses: [ALICE] }, { messageState: 'cancelled', addresses: [BOB] }] });
  });

  it('nothing left to cancel is 2008; an unknown push-id is 2004', async () => {
    const s = await start();
    await sendPush(s);
    s.fake.move('p1', 'aor:sip:alice@example.com', 'delivered');
    expect((await sendControl(s, { kind: 'cancel-message', pushId: 'p1', addresses: [] })).message).toMatchObject({ results: [{ code: 2008, desc: expect.stringMatching(/delivered/) }] });
    expect((await sendControl(s, { kind: 'cancel-message', pushId: 'nope', addresses: [] })).message).toMatchObject({ results: [{ code: 2004 }] });
  });

  it('for some of its addresses only: 3003, nothing cancelled; an address not in the push: 2003', async () => {
    const s = await start();
    await sendPush(s, { addresses: [ALICE, BOB] });
    const a = await sendControl(s, { kind: 'cancel-message', pushId: 'p1', addresses: [ALICE, 'WAPPUSH=carol/TYPE=USER'] });
    expect(a.message).toMatchObject({ results: [{ code: 3003, addresses: [ALICE] }, { code: 2003, addresses: ['WAPPUSH=carol/TYPE=USER'] }] });
    expect(s.fake.pushes.get('p1')!.deliveries.every((d) => d.status === 'pending')).toBe(true);
  });
});

describe('statusquery-message', () => {
  it.each([
    ['pending', 'pending', 1000],
    ['accepted', 'pending', 1000],
    ['delivered', 'delivered', 1000],
    ['displayed', 'delivered', 1000],
    ['undeliverable', 'undeliverable', 4000],
    ['expired', 'expired', 4000],
    ['cancelled', 'cancelled', 1000],
  ] as const)('service status %s -> message-state %s, code %i, with event-time', async (status, state, code) => {
    const s = await start();
    await sendPush(s);
    if (status === 'displayed') s.fake.move('p1', 'aor:sip:alice@example.com', 'delivered');
    if (status !== 'pending') s.fake.move('p1', 'aor:sip:alice@example.com', status);
    const a = await sendControl(s, { kind: 'statusquery-message', pushId: 'p1', addresses: [ALICE] });
    expect(a.message).toMatchObject({ kind: 'statusquery-response', pushId: 'p1', results: [{ messageState: state, code, addresses: [ALICE] }] });
    expect(a.message.kind === 'statusquery-response' && a.message.results[0]!.eventTime).toBeInstanceOf(Date);
  });

  it('undeliverable for capabilities is 2005; an unknown push-id 2004 unknown; an address not in the push 2003', async () => {
    const s = await start();
    await sendPush(s, { addresses: [ALICE, BOB] });
    s.fake.move('p1', 'aor:sip:alice@example.com', 'undeliverable', { reason: 'capabilities mismatch: no push.sia' });
    const a = await sendControl(s, { kind: 'statusquery-message', pushId: 'p1', addresses: [] });
    expect(a.message).toMatchObject({ results: [{ messageState: 'undeliverable', code: 2005, addresses: [ALICE] }, { messageState: 'pending', code: 1000, addresses: [BOB] }] });
    expect((await sendControl(s, { kind: 'statusquery-message', pushId: 'nope', addresses: [] })).message).toMatchObject({ results: [{ code: 2004, messageState: 'unknown' }] });
    expect((await sendControl(s, { kind: 'statusquery-message', pushId: 'p1', addresses: ['WAPPUSH=carol/TYPE=USER'] })).message).toMatchObject({ results: [{ code: 2003, messageState: 'unknown' }] });
  });

  it('a push the gateway does not remember (a restart) is answered for the push as a whole', async () => {
    const s = await start();
    await s.fake.submit({ pushId: 'api-1', targets: [{ aor: 'sip:alice@example.com' }], app: 'a', contentType: 'text/plain', content: new Uint8Array(1), reportRequested: false, priority: 'normal', mode: 'auto' });
    expect((await sendControl(s, { kind: 'statusquery-message', pushId: 'api-1', addresses: [] })).message).toMatchObject({ results: [{ messageState: 'pending', addresses: [] }] });
  });
});

describe('ccq-message', () => {
  it('is 3001 Not Implemented', async () => {
    const s = await start();
    const a = await sendControl(s, { kind: 'ccq-message', queryId: 'q1', address: ALICE });
    expect(a.status).toBe(200);
    expect(a.message).toMatchObject({ kind: 'ccq-response', queryId: 'q1', code: 3001, address: ALICE });
  });
});

async function notificationServer(answer: (n: number) => { status: number; body?: string } = () => ({ status: 200 })) {
  const received: PapMessage[] = [];
  let n = 0;
  const { url } = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const message = parsePap(Buffer.concat(chunks).toString()).message;
      const a = answer(++n);
      if (a.status === 200) received.push(message);
      const body = a.body ?? (message.kind === 'resultnotification-message' ? buildPap({ kind: 'resultnotification-response', pushId: message.pushId, address: message.address, code: 1000 }) : '');
      res.writeHead(a.status, { 'Content-Type': 'application/xml' });
      res.end(body);
    });
  });
  return { url: `${url}/notify`, received, count: () => n };
}

describe('result notifications', () => {
  it('POSTs a resultnotification-message per address when it is delivered, and reads the response', async () => {
    const s = await start();
    const notices = await notificationServer();
    const outcomes: NotificationOutcome[] = [];
    s.gateway.onNotified((o) => outcomes.push(o));
    await sendPush(s, { addresses: [ALICE, BOB], ppgNotifyRequestedTo: notices.url });
    s.fake.move('p1', 'aor:sip:alice@example.com', 'accepted');
    s.fake.move('p1', 'aor:sip:alice@example.com', 'delivered');
    await until(() => outcomes.length === 1);
    expect(notices.received[0]).toMatchObject({ kind: 'resultnotification-message', pushId: 'p1', messageState: 'delivered', code: 1000, address: ALICE });
    // The same sender-address as the push-response: the PPG's URL, not its mount path.
    expect(notices.received[0]).toMatchObject({ senderAddress: s.url, senderName: 'SIP Push Web PPG' });
    expect(outcomes[0]).toMatchObject({ response: { kind: 'resultnotification-response', code: 1000 }, tries: 1 });
    s.fake.move('p1', 'aor:sip:alice@example.com', 'displayed');
    s.fake.move('p1', 'aor:sip:+447700900123@example.com', 'undeliverable', { reason: 'SIP 480', sipStatus: 480 });
    await until(() => outcomes.length === 2);
    expect(notices.received[1]).toMatchObject({ messageState: 'undeliverable', code: 4000, address: BOB });
    expect(notices.received).toHaveLength(2);
  });

  it('refuses a notify URL on a loopback or private host unless allowed (2000, nothing queued), and one whose name resolves inside', async () => {
    const s = await start({ notify: { allowHosts: [] } });
    for (const url of ['http://127.0.0.1:8090/notify', 'http://localhost/n', 'http://169.254.169.254/latest', 'http://[::1]:80/', 'http://10.1.2.3/']) {
      const a = await sendPush(s, { pushId: `n${url.length}`, ppgNotifyRequestedTo: url });
      expect(a.message).toMatchObject({ result: { code: 2000, desc: expect.stringMatching(/loopback, private or link-local address.*--pap-notify-host/) } });
    }
    expect(s.fake.submitted).toHaveLength(0);
    const notices = await notificationServer();
    const inside = await start({ notify: { allowHosts: [], lookup: async () => ['127.0.0.1'] } });
    const outcomes: NotificationOutcome[] = [];
    inside.gateway.onNotified((o) => outcomes.push(o));
    const port = new URL(notices.url).port;
    await sendPush(inside, { ppgNotifyRequestedTo: `http://notify.example:${port}/notify` });
    inside.fake.move('p1', 'aor:sip:alice@example.com', 'delivered');
    await until(() => outcomes.length === 1);
    expect(outcomes[0]!.error).toMatch(/resolved to 127\.0\.0\.1/);
    expect(notices.count()).toBe(0);
  });

  it('an initiator that never answers: each try ends after timeoutMs, then the failure is logged', async () => {
    const held: http.ServerResponse[] = [];
    const { url } = await listen((_req, res) => void held.push(res));
    const s = await start({ notify: { timeoutMs: 150, retries: 1, retryDelayMs: 5 } });
    const outcomes: NotificationOutcome[] = [];
    s.gateway.onNotified((o) => outcomes.push(o));
    await sendPush(s, { ppgNotifyRequestedTo: `${url}/hang` });
    s.fake.move('p1', 'aor:sip:alice@example.com', 'delivered');
    await until(() => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({ tries: 2, error: 'no answer in 150 ms' });
    expect(held).toHaveLength(2);
    expect(s.logged.join('\n')).toMatch(/failed after 2 tries: no answer in 150 ms/);
  });

  it('retries after a 503, then stops after `retries`, logging the failure', async () => {
    const s = await start({ notify: { retries: 2, retryDelayMs: 5 } });
    const flaky = await notificationServer((n) => (n === 1 ? { status: 503 } : { status: 200 }));
    const outcomes: NotificationOutcome[] = [];
    s.gateway.onNotified((o) => outcomes.push(o));
    await sendPush(s, { ppgNotifyRequestedTo: flaky.url });
    s.fake.move('p1', 'aor:sip:alice@example.com', 'delivered');
    await until(() => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({ tries: 2, response: { code: 1000 } });

    const down = await notificationServer(() => ({ status: 503 }));
    await sendPush(s, { pushId: 'p2', ppgNotifyRequestedTo: down.url });
    s.fake.move('p2', 'aor:sip:alice@example.com', 'expired');
    await until(() => outcomes.length === 2);
    expect(outcomes[1]).toMatchObject({ tries: 3, error: 'HTTP 503' });
    expect(down.count()).toBe(3);
    expect(s.logged.join('\n')).toMatch(/result notification for push p2 .* failed after 3 tries/);
  });

  it('a 404 or an answer that is not a resultnotification-response is not retried', async () => {
    const s = await start({ notify: { retries: 3, retryDelayMs: 5 } });
    const wrong = await notificationServer(() => ({ status: 200, body: 'not xml' }));
    const outcomes: NotificationOutcome[] = [];
    s.gateway.onNotified((o) => outcomes.push(o));
    await sendPush(s, { ppgNotifyRequestedTo: wrong.url });
    s.fake.move('p1', 'aor:sip:alice@example.com', 'cancelled');
    await until(() => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({ tries: 1, error: expect.stringMatching(/not a PAP document/) });
  });
});

describe('Basic authentication', () => {
  const basic = (userPass: string) => ({ Authorization: `Basic ${Buffer.from(userPass).toString('base64')}` });
  const query: PapMessage = { kind: 'statusquery-message', pushId: 'p1', addresses: [] };

  it.each([
    [{}, 401],
    [basic('pi:secret'), 200],
    [basic('pi:wrong'), 401],
    [basic('other:secret'), 401],
    [basic('ops:pa:ss'), 200],
    [basic('anyone:api-token'), 200],
    [{ Authorization: 'Bearer api-token' }, 401],
  ])('%j -> %i', async (headers, status) => {
    const s = await start({ auth: true, users: ['pi:secret', 'ops:pa:ss'], apiToken: 'api-token' });
    const res = await fetch(s.url, { method: 'POST', headers: { 'Content-Type': 'application/xml', ...headers }, body: buildPap(query) });
    expect(res.status).toBe(status);
    if (status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="pap"/);
  });

  it('a push from a user records the user; a refused one submits nothing', async () => {
    const s = await start({ auth: true, users: ['pi:secret'] });
    const { body, contentType } = pushMessage();
    expect((await post(s.url, body, contentType, basic('pi:wrong'))).status).toBe(401);
    expect(s.fake.submitted).toHaveLength(0);
    await post(s.url, body, contentType, basic('pi:secret'));
    expect(s.gateway.tracked('p1')?.user).toBe('pi');
  });

  it('an initiator queries and cancels its own pushes only; the API token may reach every push', async () => {
    const s = await start({ auth: true, users: ['pi1:one', 'pi2:two'], apiToken: 'api-token' });
    const { body, contentType } = pushMessage();
    expect((await post(s.url, body, contentType, basic('pi1:one'))).message).toMatchObject({ result: { code: 1001 } });
    await s.fake.submit({ pushId: 'via-api', targets: [{ aor: 'sip:alice@example.com' }], app: 'news.ua', contentType: 'text/plain', content: new Uint8Array(1), reportRequested: false, priority: 'normal', mode: 'auto' });
    const query = (pushId: string) => buildPap({ kind: 'statusquery-message', pushId, addresses: [] });
    const cancel = (pushId: string) => buildPap({ kind: 'cancel-message', pushId, addresses: [] });
    const code = async (xml: string, who: string) => {
      const m = (await post(s.url, xml, 'application/xml', basic(who))).message;
      return m.kind === 'statusquery-response' || m.kind === 'cancel-response' ? m.results[0]!.code : undefined;
    };
    expect(await code(query('p1'), 'pi2:two')).toBe(2004);
    expect(await code(cancel('p1'), 'pi2:two')).toBe(2004);
    expect(await code(query('via-api'), 'pi1:one')).toBe(2004);
    expect(await code(query('p1'), 'pi1:one')).toBe(1000);
    expect(await code(query('via-api'), 'anyone:api-token')).toBe(1000);
    expect(await code(cancel('p1'), 'pi1:one')).toBe(1000);
  });

  it('without credentials and without auth: false, the gateway refuses to start', () => {
    expect(() => createPapGateway(createFakePushService(), { domain: 'example.com' })).toThrow(/no initiator credentials/);
    expect(() => createPapGateway(createFakePushService(), { domain: 'example.com', users: ['nopassword'] })).toThrow(/user:password/);
  });
});

describe('mounted on the service API', () => {
  it('/pap reaches the gateway (its own auth), /v1 keeps the Bearer token', async () => {
    const fake = createFakePushService();
    const gateway = createPapGateway(fake, { domain: 'example.com', apiToken: 'tok' });
    const api = createPushApi(fake, { port: 0, token: 'tok', uploadDir: join(mkdtempSync(join(tmpdir(), 'pap-api-')), 'u'), pap: { path: gateway.path, handler: gateway } });
    const { url } = await api.listen();
    cleanups.push(() => api.close(), () => gateway.close());
    const { body, contentType } = pushMessage();
    const a = await post(`${url}/pap`, body, contentType, { Authorization: `Basic ${Buffer.from('pi:tok').toString('base64')}` });
    expect(a.message).toMatchObject({ kind: 'push-response', result: { code: 1001 } });
    expect((await fetch(`${url}/pap`, { method: 'POST', body: 'x' })).status).toBe(401);
    expect((await fetch(`${url}/v1/pushes/p1`, { headers: { Authorization: 'Bearer tok' } })).status).toBe(200);
  });
});

describe('a restart (the gateway on the queue database: sqlPapStore)', { timeout: 20_000 }, () => {
  // One embedded database for these tests (PGlite takes seconds to start), emptied for each.
  let shared: Sql;
  beforeAll(async () => {
    shared = await openPglite();
    await migrate(shared);
  }, 30_000);
  afterAll(() => shared.close());
  async function database(): Promise<Sql> {
    await shared.query('delete from pap_pushes');
    return shared;
  }

  it('sends the notification owed for a push that settled while the gateway was down, once', async () => {
    const sql = await database();
    const notices = await notificationServer();
    const before = await start({ store: sqlPapStore(sql) });
    expect((await sendPush(before, { addresses: [ALICE, BOB], ppgNotifyRequestedTo: notices.url })).message).toMatchObject({ result: { code: 1001 } });
    before.fake.move('p1', 'aor:sip:alice@example.com', 'delivered');
    // Recorded (a stop before that gives the send back, to be sent again: the next test).
    await until(async () => (await sql.query<{ notified: string[] }>('select notified from pap_pushes')).rows[0]!.notified.length === 1);
    expect(notices.received).toHaveLength(1);
    await before.gateway.close();

    // Down: BOB's delivery settles; nobody hears of it.
    before.fake.move('p1', 'aor:sip:+447700900123@example.com', 'undeliverable', { reason: 'SIP 480', sipStatus: 480 });
    expect(notices.received).toHaveLength(1);

    const after = await start({ store: sqlPapStore(sql) }, before.fake);
    await until(() => notices.received.length === 2);
    expect(notices.received[1]).toMatchObject({ kind: 'resultnotification-message', pushId: 'p1', messageState: 'undeliverable', address: BOB, senderAddress: before.url });
    // Nothing more is owed: a third start sends nothing.
    await after.gateway.close();
    const third = await start({ store: sqlPapStore(sql) }, before.fake);
    const marker = await notificationServer();
    await sendPush(third, { pushId: 'p2', ppgNotifyRequestedTo: marker.url });
    third.fake.move('p2', 'aor:sip:alice@example.com', 'delivered');
    await until(() => marker.received.length === 1);
    expect(notices.received).toHaveLength(2);
    // Recorded once the send has ended (after the initiator answered).
    await until(async () => (await sql.query('select push_id from pap_pushes where not notify_done')).rows.length === 0);
  });

  it('answers a statusquery per address-value, and 2007 for a push-id used before, after a restart', async () => {
    const sql = await database();
    const before = await start({ store: sqlPapStore(sql) });
    await sendPush(before, { addresses: [ALICE, BOB] });
    const pastDeadline = await sendPush(before, { pushId: 'gone', deliverBefore: new Date(Date.now() - 60_000) });
    expect(pastDeadline.message).toMatchObject({ result: { code: 2001 } });
    await before.gateway.close();

    const after = await start({ store: sqlPapStore(sql) }, before.fake);
    after.fake.move('p1', 'aor:sip:alice@example.com', 'delivered');
    const query = await sendControl(after, { kind: 'statusquery-message', pushId: 'p1', addresses: [] });
    expect(query.message.kind === 'statusquery-response' && query.message.results.map((r) => [r.messageState, r.addresses])).toEqual([
      ['delivered', [ALICE]],
      ['pending', [BOB]],
    ]);
    const expired = await sendControl(after, { kind: 'statusquery-message', pushId: 'gone', addresses: [] });
    expect(expired.message).toMatchObject({ kind: 'statusquery-response', results: [{ messageState: 'expired', addresses: ['WAPPUSH=alice/TYPE=USER@ppg.example.com'] }] });
    expect((await sendPush(after, { pushId: 'gone' })).message).toMatchObject({ result: { code: 2007 } });
    expect((await sendPush(after, { pushId: 'p1' })).message).toMatchObject({ result: { code: 2007 } });
    expect(after.fake.submitted.map((p) => p.pushId)).toEqual(['p1']);
  });

  it('a stop does not count a notification it cut short as sent: the next start sends it', async () => {
    const sql = await database();
    let hang = true;
    const held: http.ServerResponse[] = [];
    const received: PapMessage[] = [];
    const { url } = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (hang) return void held.push(res);
        const message = parsePap(Buffer.concat(chunks).toString()).message;
        received.push(message);
        res.writeHead(200, { 'Content-Type': 'application/xml' });
        res.end(message.kind === 'resultnotification-message' ? buildPap({ kind: 'resultnotification-response', pushId: message.pushId, address: message.address, code: 1000 }) : '');
      });
    });
    const before = await start({ store: sqlPapStore(sql), notify: { timeoutMs: 60_000 } });
    await sendPush(before, { ppgNotifyRequestedTo: `${url}/notify` });
    before.fake.move('p1', 'aor:sip:alice@example.com', 'delivered');
    await until(() => held.length === 1);
    await before.gateway.close();
    expect((await sql.query('select push_id from pap_pushes where not notify_done')).rows).toEqual([{ push_id: 'p1' }]);

    hang = false;
    await start({ store: sqlPapStore(sql) }, before.fake);
    await until(() => received.length === 1);
    expect(received[0]).toMatchObject({ pushId: 'p1', messageState: 'delivered' });
  });

  it('a push is done only once every address has its notification recorded, whatever order they end in', async () => {
    const sql = await database();
    const held: Array<() => void> = [];
    const { url } = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const message = parsePap(Buffer.concat(chunks).toString()).message;
        const reply = () => {
          res.writeHead(200, { 'Content-Type': 'application/xml' });
          res.end(message.kind === 'resultnotification-message' ? buildPap({ kind: 'resultnotification-response', pushId: message.pushId, address: message.address, code: 1000 }) : '');
        };
        // ALICE's answer waits; BOB's comes at once.
        if (message.kind === 'resultnotification-message' && message.address === ALICE) held.push(reply);
        else reply();
      });
    });
    const s = await start({ store: sqlPapStore(sql) });
    await sendPush(s, { addresses: [ALICE, BOB], ppgNotifyRequestedTo: `${url}/notify` });
    s.fake.move('p1', 'aor:sip:alice@example.com', 'delivered');
    await until(() => held.length === 1);
    s.fake.move('p1', 'aor:sip:+447700900123@example.com', 'delivered');
    await until(async () => (await sql.query<{ notified: string[] }>('select notified from pap_pushes')).rows[0]!.notified.length === 1);
    expect((await sql.query('select notify_done from pap_pushes')).rows).toEqual([{ notify_done: false }]);
    held[0]!();
    await until(async () => (await sql.query<{ notify_done: boolean }>('select notify_done from pap_pushes')).rows[0]!.notify_done);
  });

  it('two gateways on one database send each notification once, even when both know the push', async () => {
    const sql = await database();
    const notices = await notificationServer();
    const fake = createFakePushService();
    const a = await start({ store: sqlPapStore(sql), owedSweepMs: 20 }, fake);
    const b = await start({ store: sqlPapStore(sql), owedSweepMs: 20 }, fake);
    await sendPush(a, { ppgNotifyRequestedTo: notices.url });
    // B reads the push for a statusquery, and its sweep finds it owed too.
    expect((await sendControl(b, { kind: 'statusquery-message', pushId: 'p1', addresses: [] })).message).toMatchObject({ results: [{ messageState: 'pending' }] });
    fake.move('p1', 'aor:sip:alice@example.com', 'delivered');
    await until(async () => (await sql.query<{ notify_done: boolean }>('select notify_done from pap_pushes')).rows[0]!.notify_done);
    await a.gateway.close();
    await b.gateway.close();
    expect(notices.received).toHaveLength(1);
  });

  it('a start sends every notification owed, more than maxTrackedPushes of them', async () => {
    const sql = await database();
    const notices = await notificationServer();
    const before = await start({ store: sqlPapStore(sql), maxTrackedPushes: 2 });
    for (const pushId of ['q1', 'q2', 'q3', 'q4', 'q5']) await sendPush(before, { pushId, ppgNotifyRequestedTo: notices.url });
    await before.gateway.close();
    for (const pushId of ['q1', 'q2', 'q3', 'q4', 'q5']) before.fake.move(pushId, 'aor:sip:alice@example.com', 'delivered');
    await start({ store: sqlPapStore(sql), maxTrackedPushes: 2 }, before.fake);
    await until(() => notices.received.length === 5);
    expect(notices.received.map((m) => (m.kind === 'resultnotification-message' ? m.pushId : m.kind)).sort()).toEqual(['q1', 'q2', 'q3', 'q4', 'q5']);
  });

  it('a push-id kept but never submitted (a crash in between) is taken by the retry after submitGraceMs', async () => {
    const sql = await database();
    let now = Date.now();
    const s = await start({ store: sqlPapStore(sql), clock: () => now, submitGraceMs: 30_000 });
    const store = sqlPapStore(sql);
    await store.insert({ pushId: 'p1', addresses: [], version: '2.0', senderAddress: s.url, receivedAt: now, notified: new Set() });
    expect((await sendPush(s)).message).toMatchObject({ result: { code: 2007 } });
    now += 30_000;
    expect((await sendPush(s)).message).toMatchObject({ result: { code: 2007 } });
    now += 1;
    expect((await sendPush(s)).message).toMatchObject({ result: { code: 1001 } });
    expect(s.fake.submitted.map((p) => p.pushId)).toEqual(['p1']);
    expect((await store.get('p1'))?.addresses.map((a) => a.addressValue)).toEqual([ALICE]);
  });

  it('a push the service refuses leaves its push-id free for a corrected push', async () => {
    const sql = await database();
    const s = await start({ store: sqlPapStore(sql) });
    s.fake.failNext(new ServiceError('PSA_ERR_CAPABILITIES', 'no terminal of sip:alice@example.com takes text/plain for push.sia'));
    const refused = await sendPush(s);
    expect(refused.message).toMatchObject({ result: { code: 2005 } });
    expect((await sendPush(s)).message).toMatchObject({ result: { code: 1001 } });
    expect((await sql.query('select push_id from pap_pushes')).rows).toEqual([{ push_id: 'p1' }]);
  });
});
