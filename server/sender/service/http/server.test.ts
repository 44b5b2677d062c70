/**
 * The HTTP API over real HTTP against an in-memory PushService (server/testing/fakePushService.ts):
 * auth, every error status, the limits at and one past them, uploads, cancel and the event stream.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakePushService, type FakePushService } from '../../../testing/fakePushService.ts';
import { until } from '../../../testing/until.ts';
import { QueueError } from '../../queue/index.ts';
import { ServiceError, type ReceiverEntry } from '../types.ts';
import { createSseParser, type SseEvent } from './client.ts';
import { createConsole } from '../../console/index.ts';
import { createPushApi, type PushApiOptions } from './server.ts';

const TOKEN = 'test-token-123';
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const PUSH = { target: 'sip:alice@example.com', app: 'news.ua', contentType: 'text/plain', content: 'hello' };

interface Started {
  url: string;
  fake: FakePushService;
  dir: string;
  logged: string[];
  close: () => Promise<void>;
}
const running: Started[] = [];

async function start(options: PushApiOptions = {}): Promise<Started> {
  const fake = createFakePushService();
  const dir = mkdtempSync(join(tmpdir(), 'psa-api-'));
  const logged: string[] = [];
  const api = createPushApi(fake, { port: 0, token: TOKEN, uploadDir: join(dir, 'uploads'), log: (l) => logged.push(l), ...options });
  const { url } = await api.listen();
  const started = {
    url,
    fake,
    dir: join(dir, 'uploads'),
    logged,
    close: async () => {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.push(started);
  return started;
}

afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
});

async function call(url: string, path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(url + path, { ...init, headers: { ...AUTH, ...(init.headers as Record<string, string>) } });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  call(url, '/v1/pushes', { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** A raw request with node:http (for bodies fetch cannot send: a declared length, a stalled or broken body). */
function rawRequest(url: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer; end?: boolean }): Promise<{ status: number | undefined; text: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.request(url + path, { method: options.method ?? 'POST', headers: { ...AUTH, ...options.headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode, text }));
      res.on('error', (e) => resolve({ status: res.statusCode, text, error: e.message }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: undefined, text: '', error: e.code ?? e.message }));
    if (options.body) req.write(options.body);
    if (options.end !== false) req.end();
  });
}

/** An open event stream: the raw text and the parsed events so far. */
function openStream(url: string, path: string, headers: Record<string, string> = AUTH): Promise<{ status: number; text: () => string; events: SseEvent[]; headers: http.IncomingHttpHeaders; ended: Promise<void>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url + path, { headers }, (res) => {
      let text = '';
      const events: SseEvent[] = [];
      const parser = createSseParser();
      res.on('data', (c: Buffer) => {
        text += c.toString();
        events.push(...parser.feed(c.toString()));
      });
      res.on('error', () => undefined);
      const ended = new Promise<void>((done) => res.once('close', done));
      resolve({ status: res.statusCode!, text: () => text, events, headers: res.headers, ended, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

describe('auth', () => {
  const rows: [string, Record<string, string>, number, string | null][] = [
    ['no Authorization', {}, 401, 'Bearer realm="psa"'],
    ['a Basic header', { Authorization: 'Basic dXNlcjpwdw==' }, 401, 'Bearer realm="psa"'],
    ['a wrong token', { Authorization: 'Bearer wrong' }, 401, 'Bearer realm="psa", error="invalid_token"'],
    ['a token with a prefix of the right one', { Authorization: `Bearer ${TOKEN.slice(0, 5)}` }, 401, 'Bearer realm="psa", error="invalid_token"'],
    ['the right token', AUTH, 200, null],
    ['the right token, lower-case scheme', { Authorization: `bearer ${TOKEN}` }, 200, null],
  ];
  it.each(rows)('%s -> %i', async (_name, headers, status, challenge) => {
    const { url } = await start();
    const response = await fetch(`${url}/v1/receivers`, { headers });
    expect(response.status).toBe(status);
    expect(response.headers.get('www-authenticate')).toBe(challenge);
    const body = (await response.json()) as { error?: { code: string; message: string } };
    if (status === 401) {
      expect(body.error!.code).toBe('PSA_ERR_UNAUTHORIZED');
      expect(body.error!.message).toMatch(/send Authorization: Bearer <token>/);
      expect(body.error!.message).not.toContain(TOKEN);
    }
  });

  it('auth: false serves without a token; /v1/health never needs one', async () => {
    const open = await start({ auth: false, token: undefined });
    expect((await fetch(`${open.url}/v1/receivers`)).status).toBe(200);
    const closed = await start();
    const health = await fetch(`${closed.url}/v1/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ sip: 'registered', queue: 'ok' });
  });

  it('refuses to start without a token unless auth is false', () => {
    expect(() => createPushApi(createFakePushService(), {})).toThrow(/no token; give one \(SIP_PUSH_PSA_TOKEN\), or set auth: false/);
  });

  it('a limit option below 1 is refused at creation', () => {
    expect(() => createPushApi(createFakePushService(), { token: 't', maxJsonBytes: 0 })).toThrow(/maxJsonBytes 0 is not a positive integer/);
  });
});

describe('routes and errors', () => {
  it('submits a push: 202 with the push and its summary status', async () => {
    const { url, fake } = await start();
    const { status, body } = await postJson(url, { ...PUSH, pushId: 'p1', report: true, priority: 'low', expiresInSeconds: 60 });
    expect(status).toBe(202);
    expect(body.push).toMatchObject({ pushId: 'p1', status: 'pending', settled: false, deliveries: [{ terminal: 'aor:sip:alice@example.com', status: 'pending' }] });
    expect(fake.submitted[0]).toMatchObject({ pushId: 'p1', reportRequested: true, priority: 'low', content: new TextEncoder().encode('hello') });
  });

  it('a bad field: 400 naming it, in the error shape', async () => {
    const { url } = await start();
    const { status, body } = await postJson(url, { ...PUSH, target: { aor: 'alice' } });
    expect(status).toBe(400);
    expect(body).toEqual({ error: { code: 'PSA_ERR_INPUT', field: 'target.aor', message: expect.stringMatching(/not a sip: or sips: URI; give an AoR such as/) } });
  });

  const bodyRows: [string, string | Buffer, Record<string, string>, number, string][] = [
    ['bad JSON', '{"target": ', { 'Content-Type': 'application/json' }, 400, 'PSA_ERR_JSON'],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), { 'Content-Type': 'application/json' }, 400, 'PSA_ERR_JSON'],
    ['text/plain', JSON.stringify(PUSH), { 'Content-Type': 'text/plain' }, 415, 'PSA_ERR_CONTENT_TYPE'],
    ['no Content-Type', JSON.stringify(PUSH), {}, 415, 'PSA_ERR_CONTENT_TYPE'],
    ['JSON with a charset', JSON.stringify(PUSH), { 'Content-Type': 'application/json; charset=utf-8' }, 202, ''],
  ];
  it.each(bodyRows)('%s -> %i', async (_name, body, headers, status, code) => {
    const { url } = await start();
    const response = await rawRequest(url, '/v1/pushes', { headers, body: Buffer.from(body) });
    expect(response.status).toBe(status);
    if (code) expect(JSON.parse(response.text).error.code).toBe(code);
  });

  it('maxJsonBytes: a body of exactly the limit is read, one byte more is 413 (declared or streamed)', async () => {
    const max = 300;
    const { url } = await start({ maxJsonBytes: max });
    const json = JSON.stringify(PUSH);
    const atLimit = json.padEnd(max, ' ');
    expect((await postJson(url, atLimit)).status).toBe(202);
    const past = json.padEnd(max + 1, ' ');
    const declared = await postJson(url, past);
    expect(declared.status).toBe(413);
    expect(declared.body.error).toMatchObject({ code: 'PSA_ERR_TOO_LARGE', message: expect.stringMatching(/larger than 300 bytes \(maxJsonBytes\); send large content as an upload/) });
    // Chunked, no Content-Length: counted while reading.
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(past.slice(0, 200)));
        c.enqueue(new TextEncoder().encode(past.slice(200)));
        c.close();
      },
    });
    const chunked = await fetch(`${url}/v1/pushes`, { method: 'POST', headers: { ...AUTH, 'Content-Type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  const serviceErrors: [string, Error, number, string][] = [
    ['capabilities', new ServiceError('PSA_ERR_CAPABILITIES', 'news.ua does not accept image/png; send text/plain', 'contentType'), 422, 'PSA_ERR_CAPABILITIES'],
    ['push ID taken', new ServiceError('PSA_ERR_PUSH_ID_TAKEN', 'taken', 'pushId'), 409, 'PSA_ERR_PUSH_ID_TAKEN'],
    ['input', new ServiceError('PSA_ERR_INPUT', 'bad', 'target'), 400, 'PSA_ERR_INPUT'],
    ['not found', new ServiceError('PSA_ERR_NOT_FOUND', 'none'), 404, 'PSA_ERR_NOT_FOUND'],
    ['unavailable', new ServiceError('PSA_ERR_UNAVAILABLE', 'not registered yet'), 503, 'PSA_ERR_UNAVAILABLE'],
    ['queue: push ID taken', new QueueError('QUEUE_ERR_PUSH_ID_TAKEN', 'taken'), 409, 'QUEUE_ERR_PUSH_ID_TAKEN'],
    ['a bug', new Error('boom at line 3'), 500, 'PSA_ERR_INTERNAL'],
  ];
  it.each(serviceErrors)('service error %s -> %i', async (_name, error, status, code) => {
    const { url, fake, logged } = await start();
    fake.failNext(error);
    const { status: got, body } = await postJson(url, PUSH);
    expect(got).toBe(status);
    expect(body.error.code).toBe(code);
    if (status === 500) {
      expect(body.error.message).not.toContain('boom');
      expect(logged.join('\n')).toMatch(/psa api: 500 on POST \/v1\/pushes: Error: boom at line 3/);
    } else {
      expect(body.error.message).toBe(error.message);
      expect(logged).toEqual([]);
    }
    if (error instanceof ServiceError && error.field) expect(body.error.field).toBe(error.field);
  });

  it('GET and DELETE a push, by its URL-encoded ID; 404 and 400 for unknown and badly encoded IDs', async () => {
    const { url } = await start();
    await postJson(url, { ...PUSH, pushId: 'a/b c' });
    const got = await call(url, `/v1/pushes/${encodeURIComponent('a/b c')}`);
    expect(got).toMatchObject({ status: 200, body: { push: { pushId: 'a/b c', status: 'pending' } } });
    const cancelled = await call(url, `/v1/pushes/${encodeURIComponent('a/b c')}`, { method: 'DELETE' });
    expect(cancelled).toMatchObject({ status: 200, body: { push: { status: 'cancelled', settled: true }, cancel: { cancelled: ['aor:sip:alice@example.com'] } } });
    expect(await call(url, '/v1/pushes/nope')).toMatchObject({ status: 404, body: { error: { code: 'PSA_ERR_NOT_FOUND', field: 'pushId' } } });
    expect(await call(url, '/v1/pushes/nope', { method: 'DELETE' })).toMatchObject({ status: 404, body: { error: { code: 'PSA_ERR_NOT_FOUND' } } });
    expect(await call(url, '/v1/pushes/%E0%A4%A')).toMatchObject({ status: 400, body: { error: { field: 'pushId' } } });
  });

  it('receivers: the list, one by URL-encoded AoR, 404 for one not watched', async () => {
    const { url, fake } = await start();
    const alice: ReceiverEntry = { aor: 'sip:alice@example.com', subscription: 'active', terminals: [], updatedAt: 1 };
    fake.receiverList = [alice];
    expect(await call(url, '/v1/receivers')).toMatchObject({ status: 200, body: { receivers: [alice] } });
    expect(await call(url, `/v1/receivers/${encodeURIComponent(alice.aor)}`)).toMatchObject({ status: 200, body: { receiver: alice } });
    expect(await call(url, `/v1/receivers/${encodeURIComponent('sip:bob@example.com')}`)).toMatchObject({ status: 404, body: { error: { field: 'aor' } } });
  });

  const routeRows: [string, string, number, string | null][] = [
    ['GET', '/v1/nothing', 404, null],
    ['GET', '/', 404, null],
    ['GET', '/v1/pushes', 405, 'POST'],
    ['PUT', '/v1/pushes/p1', 405, 'GET, DELETE'],
    ['POST', '/v1/health', 405, 'GET'],
    ['OPTIONS', '/v1/pushes', 405, 'POST'],
    ['DELETE', '/v1/events', 405, 'GET'],
  ];
  it.each(routeRows)('%s %s -> %i', async (method, path, status, allow) => {
    const { url } = await start();
    const response = await fetch(url + path, { method, headers: { ...AUTH, Origin: 'http://evil.example' } });
    expect(response.status).toBe(status);
    expect(response.headers.get('allow')).toBe(allow);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(status === 404 ? /the API is/ : /is not allowed on .*; use/);
  });
});

describe('uploads', () => {
  const files = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

  it('maxUploadBytes: exactly the limit is stored (201), one byte more is 413 and leaves no file', async () => {
    const { url, dir } = await start({ maxUploadBytes: 1000 });
    const at = await call(url, '/v1/uploads', { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: Buffer.alloc(1000, 7) });
    expect(at).toMatchObject({ status: 201, body: { uploadId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/), size: 1000 } });
    expect(readFileSync(join(dir, `${at.body.uploadId}.upload`))).toEqual(Buffer.alloc(1000, 7));
    const declared = await rawRequest(url, '/v1/uploads', { headers: { 'Content-Length': '1001' }, body: Buffer.alloc(1001) });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.text).error).toMatchObject({ code: 'PSA_ERR_TOO_LARGE', message: expect.stringMatching(/larger than 1000 bytes \(maxUploadBytes\)/) });
    const chunks = [Buffer.alloc(600), Buffer.alloc(401)];
    const streamed = await fetch(`${url}/v1/uploads`, {
      method: 'POST',
      headers: AUTH,
      body: new ReadableStream({
        start(c) {
          for (const chunk of chunks) c.enqueue(chunk);
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    await until(() => files(dir).length === 1);
    expect(files(dir)).toEqual([`${at.body.uploadId}.upload`]);
  });

  it('a push takes an upload once: it becomes the service file; a refused submit gives it back', async () => {
    const { url, fake, dir } = await start();
    const { body: up } = await call(url, '/v1/uploads', { method: 'POST', body: 'file bytes' });
    const { content: _c, ...noContent } = PUSH;
    fake.failNext(new ServiceError('PSA_ERR_CAPABILITIES', 'no'));
    expect((await postJson(url, { ...noContent, upload: up.uploadId })).status).toBe(422);
    expect(files(dir)).toEqual([`${up.uploadId}.upload`]);
    expect((await postJson(url, { ...noContent, upload: up.uploadId })).status).toBe(202);
    expect(fake.submitted[0]!.content).toEqual({ file: join(dir, `${up.uploadId}.content`), size: 10 });
    expect(readFileSync(join(dir, `${up.uploadId}.content`), 'utf8')).toBe('file bytes');
    const again = await postJson(url, { ...noContent, upload: up.uploadId });
    expect(again).toMatchObject({ status: 400, body: { error: { field: 'upload' } } });
  });

  it('an upload no push used is removed after uploadTtlMs', async () => {
    const { url, dir } = await start({ uploadTtlMs: 50 });
    const { body: up } = await call(url, '/v1/uploads', { method: 'POST', body: 'x' });
    await until(() => files(dir).length === 0);
    const { content: _c, ...noContent } = PUSH;
    expect(await postJson(url, { ...noContent, upload: up.uploadId })).toMatchObject({ status: 400, body: { error: { field: 'upload', message: expect.stringMatching(/upload the file again/) } } });
  });

  it('a body that breaks off is removed; one that stalls past requestTimeoutMs too', async () => {
    const { url, dir } = await start({ requestTimeoutMs: 300 });
    const broken = http.request(`${url}/v1/uploads`, { method: 'POST', headers: { ...AUTH, 'Content-Length': '100' } });
    broken.on('error', () => undefined);
    broken.write(Buffer.alloc(40));
    await until(() => files(dir).length === 1);
    broken.destroy();
    await until(() => files(dir).length === 0);
    const stalled = rawRequest(url, '/v1/uploads', { headers: { 'Content-Length': '100' }, body: Buffer.alloc(40), end: false });
    await until(() => files(dir).length === 1);
    const answer = await stalled;
    expect(answer.status === 408 || answer.error !== undefined).toBe(true);
    await until(() => files(dir).length === 0);
  });

  it('uploads left by an earlier run are removed at listen; close removes unused ones', async () => {
    const first = await start();
    const { body: up } = await call(first.url, '/v1/uploads', { method: 'POST', body: 'x' });
    expect(files(first.dir)).toEqual([`${up.uploadId}.upload`]);
    const fake = createFakePushService();
    const api = createPushApi(fake, { port: 0, token: TOKEN, uploadDir: first.dir });
    await api.listen();
    expect(files(first.dir)).toEqual([]);
    await call(first.url, '/v1/uploads', { method: 'POST', body: 'y' });
    await first.close();
    running.splice(running.indexOf(first), 1);
    await api.close();
  });
});

describe('event stream', () => {
  it('live: retry first, then id / event: status / JSON data per change', async () => {
    const { url, fake } = await start({ sseRetryMs: 1234 });
    const stream = await openStream(url, '/v1/events');
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await until(() => stream.text().startsWith('retry: 1234\n\n'));
    const { body } = await postJson(url, { ...PUSH, pushId: 'p1' });
    fake.move('p1', body.push.deliveries[0].terminal, 'delivered', { sipStatus: 200 });
    await until(() => stream.events.length === 2);
    expect(stream.text()).toContain('id: 2\nevent: status\ndata: {"eventId":2,');
    expect(stream.events.map((e) => [e.id, e.event, JSON.parse(e.data).to])).toEqual([
      ['1', 'status', 'pending'],
      ['2', 'status', 'delivered'],
    ]);
    stream.close();
    await until(() => fake.listenerCount() === 0);
  });

  it('Last-Event-ID replays the changes after it, then goes live: no gap, no duplicate, even for changes made during the replay', async () => {
    const { url, fake } = await start({ sseReplayPageSize: 2 });
    for (let i = 1; i <= 5; i++) await postJson(url, { ...PUSH, pushId: `p${i}` });
    // A change lands while the replay reads its first page: it is both in the backlog and live.
    const changesSince = fake.changesSince.bind(fake);
    let firstPage = true;
    fake.changesSince = async (after, limit) => {
      if (firstPage) {
        firstPage = false;
        fake.move('p5', 'aor:sip:alice@example.com', 'delivered');
      }
      return changesSince(after, limit);
    };
    const stream = await openStream(url, '/v1/events', { ...AUTH, 'Last-Event-ID': '2' });
    await until(() => stream.events.length === 4);
    fake.move('p1', 'aor:sip:alice@example.com', 'accepted');
    await until(() => stream.events.length === 5);
    expect(stream.events.map((e) => Number(e.id))).toEqual([3, 4, 5, 6, 7]);
    stream.close();
  });

  it('?lastEventId= for a first connection; the header wins over it; ?pushId= filters', async () => {
    const { url, fake } = await start();
    await postJson(url, { ...PUSH, pushId: 'a' });
    await postJson(url, { ...PUSH, pushId: 'b' });
    const query = await openStream(url, '/v1/events?lastEventId=0&pushId=b');
    await until(() => query.events.length === 1);
    fake.move('a', 'aor:sip:alice@example.com', 'delivered');
    fake.move('b', 'aor:sip:alice@example.com', 'delivered');
    await until(() => query.events.length === 2);
    expect(query.events.map((e) => JSON.parse(e.data).pushId)).toEqual(['b', 'b']);
    const header = await openStream(url, '/v1/events?lastEventId=0', { ...AUTH, 'Last-Event-ID': '3' });
    await until(() => header.events.length === 1);
    expect(header.events[0]!.id).toBe('4');
    query.close();
    header.close();
  });

  it('a Last-Event-ID that is not an ID is 400; streams need the token', async () => {
    const { url } = await start();
    expect(await call(url, '/v1/events', { headers: { 'Last-Event-ID': 'abc' } })).toMatchObject({ status: 400, body: { error: { field: 'lastEventId' } } });
    expect((await fetch(`${url}/v1/events`)).status).toBe(401);
  });

  it('a heartbeat comment every sseHeartbeatMs', async () => {
    const { url } = await start({ sseHeartbeatMs: 20 });
    const stream = await openStream(url, '/v1/events');
    await until(() => stream.text().includes(': heartbeat\n\n'));
    stream.close();
  });

  it('maxSseClients: at the limit served, one more 503 with Retry-After, served again once one closes', async () => {
    const { url } = await start({ maxSseClients: 2 });
    const a = await openStream(url, '/v1/events');
    const b = await openStream(url, '/v1/events');
    expect([a.status, b.status]).toEqual([200, 200]);
    const refused = await fetch(`${url}/v1/events`, { headers: AUTH });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/2 event streams are open already \(maxSseClients\)/);
    a.close();
    await until(async () => {
      const c = await openStream(url, '/v1/events');
      c.close();
      return c.status === 200;
    });
    b.close();
  });

  it('a client that falls more than sseMaxQueuedEvents behind is disconnected', async () => {
    const { url, fake } = await start({ sseMaxQueuedEvents: 3 });
    const response = await fetch(`${url}/v1/events`, { headers: AUTH });
    await postJson(url, { ...PUSH, pushId: 'p' });
    expect(fake.listenerCount()).toBe(1);
    // A burst of retries in one tick: more than 3 wait before the writer gets to run.
    for (let i = 0; i < 10 && fake.listenerCount() > 0; i++) fake.move('p', 'aor:sip:alice@example.com', 'pending');
    await until(() => fake.listenerCount() === 0);
    await response.body?.cancel();
  });

  it('close() ends open streams', async () => {
    const started = await start();
    const stream = await openStream(started.url, '/v1/events');
    running.splice(running.indexOf(started), 1);
    await started.close();
    await stream.ended;
  });
});

describe('operator console mount (issue 13)', () => {
  const CSP = /default-src 'self'.*frame-ancestors 'none'/;

  it('serves the page shell and its script at the path without a token, with the security headers', async () => {
    const { url } = await start({ console: createConsole({ auth: true }) });
    for (const path of ['/console', '/console/']) {
      const page = await fetch(`${url}${path}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('content-security-policy')).toMatch(CSP);
      expect(page.headers.get('content-security-policy')).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await page.text();
      expect(html).toContain('<meta name="psa-auth" content="bearer">');
      expect(html).toContain('<script type="module" src="/console/app.js"></script>');
      // No inline script: every <script> has a src.
      expect(html.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toBeNull();
      expect(html).not.toContain(TOKEN);
    }
    const script = await fetch(`${url}/console/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');
    const body = await script.text();
    expect(body.length).toBeGreaterThan(10_000);
    expect(body).toContain('/v1/events');
    const etag = script.headers.get('etag')!;
    expect((await fetch(`${url}/console/app.js`, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    const css = await fetch(`${url}/console/app.css`);
    expect([css.status, css.headers.get('content-type')]).toEqual([200, 'text/css; charset=utf-8']);
    const head = await fetch(`${url}/console/app.js`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
  }, 30_000);

  it('404 for other paths under it, 405 for other methods; /consoles is not its', async () => {
    const { url } = await start({ console: createConsole({ auth: true }) });
    for (const path of ['/console/x', '/console/app.js/x', '/console/../v1/receivers', '/console/index.html']) {
      const answer = await fetch(`${url}${path}`);
      expect(answer.status, path).toBe(path.includes('..') ? 401 : 404);
      if (answer.status === 404) expect(answer.headers.get('content-security-policy')).toMatch(CSP);
    }
    const post = await fetch(`${url}/console`, { method: 'POST', body: 'x' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    // Not under the console: the API's own 404 (JSON).
    const other = await call(url, '/consoles');
    expect([other.status, other.body.error.code]).toEqual([404, 'PSA_ERR_NOT_FOUND']);
  });

  it('the API still needs its token; the shell says so, or says none when auth is off', async () => {
    const { url } = await start({ console: createConsole({ auth: true }) });
    const open = await fetch(`${url}/v1/receivers`);
    expect(open.status).toBe(401);
    expect((await call(url, '/v1/receivers')).status).toBe(200);
    const noAuth = await start({ auth: false, console: createConsole({ auth: false }) });
    expect(await (await fetch(`${noAuth.url}/console`)).text()).toContain('<meta name="psa-auth" content="none">');
  });

  it('a configured path; off when not mounted (console: false in the service config)', async () => {
    const { url } = await start({ console: createConsole({ auth: true, path: '/ops/push-console' }) });
    expect((await fetch(`${url}/ops/push-console`)).status).toBe(200);
    expect(await (await fetch(`${url}/ops/push-console`)).text()).toContain('src="/ops/push-console/app.js"');
    const moved = await fetch(`${url}/console`);
    expect([moved.status, moved.headers.get('content-type')]).toEqual([404, 'application/json; charset=utf-8']);
    const off = await start();
    const answer = await fetch(`${off.url}/console`, { headers: AUTH });
    expect(answer.status).toBe(404);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('refuses a path under /v1, a relative one, one with a trailing slash, or one that takes the PAP path', () => {
    const fake = createFakePushService();
    expect(() => createConsole({ auth: true, path: '/v1/console' })).toThrow(/under the API's \/v1/);
    expect(() => createConsole({ auth: true, path: 'console' })).toThrow(/plain absolute path/);
    expect(() => createConsole({ auth: true, path: '/console/' })).toThrow(/plain absolute path/);
    expect(() => createConsole({ auth: true, path: '/a/../b' })).toThrow(/plain absolute path/);
    const handler = async () => undefined;
    expect(() => createPushApi(fake, { token: TOKEN, console: { path: '/v1', handler } })).toThrow(/not under \/v1/);
    expect(() => createPushApi(fake, { token: TOKEN, console: { path: '/gw', handler }, pap: { path: '/gw/pap', handler } })).toThrow(/PAP gateway/);
  });
});
