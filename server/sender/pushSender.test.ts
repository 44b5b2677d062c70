import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createResponse,
  formatChallenge,
  getHeader,
  getHeaders,
  parseCredentials,
  parseCSeq,
  parseSipMessage,
  parseVia,
  serializeSipMessage,
  verifyCredentials,
} from '../../src/protocol/sip/index.ts';
import { answerOk, startFakeCore, type FakeCore, type ReceivedRequest } from '../testing/fakeCore.ts';
import { createPushSender, type PushSender, type PushSenderOptions } from './pushSender.ts';
import { REASON_CLOSED, REASON_CONNECTION_LOST, REASON_TIMEOUT, SenderError } from './sipClient.ts';

let core: FakeCore | undefined;
let sender: PushSender | undefined;

afterEach(async () => {
  await sender?.close();
  await core?.close();
  sender = undefined;
  core = undefined;
});

async function setup(options: Partial<PushSenderOptions> = {}, handler = answerOk): Promise<{ core: FakeCore; sender: PushSender }> {
  core = await startFakeCore(handler);
  sender = createPushSender({ server: core.url, from: 'sip:psa@localhost', ...options });
  await sender.connect();
  return { core, sender };
}

async function firstRequest(core: FakeCore): Promise<ReceivedRequest> {
  return (await core.waitForRequests(1))[0]!;
}

const PNG_BYTES = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe]);

describe('request format', () => {
  it('builds a MESSAGE with the managed headers, Accept-Contact and extra headers, in a text frame', async () => {
    const { core, sender } = await setup({ displayName: 'Push Sender' });
    const result = await sender.sendPush({
      to: 'sip:alice@localhost',
      app: 'news.ua',
      contentType: 'text/plain;charset=utf-8',
      body: 'héllo ✓',
      headers: [{ name: 'Subject', value: 'breaking' }],
    });
    expect(result.ok).toBe(true);
    const { request, binary, raw } = await firstRequest(core);
    expect(binary).toBe(false);
    expect(raw.toString('utf8').split('\r\n')[0]).toBe('MESSAGE sip:alice@localhost SIP/2.0');
    expect(request.method).toBe('MESSAGE');
    expect(request.uri).toBe('sip:alice@localhost');
    const via = parseVia(getHeader(request, 'via')!);
    expect(via.protocol).toBe('SIP/2.0/WS');
    expect(via.host).toMatch(/^[a-z0-9]+\.invalid$/);
    expect(via.params.get('branch')).toMatch(/^z9hG4bK[a-z0-9]+$/);
    expect(via.params.has('rport')).toBe(true);
    expect(getHeader(request, 'max-forwards')).toBe('70');
    expect(getHeader(request, 'from')).toMatch(/^"Push Sender" <sip:psa@localhost>;tag=[a-z0-9]+$/);
    expect(getHeader(request, 'to')).toBe('<sip:alice@localhost>');
    expect(getHeader(request, 'call-id')).toMatch(/^[a-z0-9]{10,}$/);
    expect(getHeader(request, 'cseq')).toBe('1 MESSAGE');
    expect(getHeader(request, 'content-type')).toBe('text/plain;charset=utf-8');
    expect(getHeaders(request, 'accept-contact')).toEqual(['*;+g.oma.pusheventapp="news.ua";require;explicit']);
    expect(getHeader(request, 'user-agent')).toMatch(/^sip-push-web-sender\//);
    expect(getHeader(request, 'subject')).toBe('breaking');
    expect(getHeader(request, 'contact')).toBeUndefined();
    // Content-Length counts bytes, not characters: é is 2 bytes, ✓ is 3.
    expect(getHeader(request, 'content-length')).toBe(String(Buffer.byteLength('héllo ✓')));
    expect(getHeader(request, 'content-length')).toBe('10');
    expect(Buffer.from(request.body).toString('utf8')).toBe('héllo ✓');
  });

  it('omits Accept-Contact without an app and adds Contact when configured', async () => {
    const { core, sender } = await setup({ contact: 'sip:psa@sender.invalid;transport=ws' });
    await sender.sendPush({ to: 'sip:bob@localhost', contentType: 'text/plain', body: '' });
    const { request } = await firstRequest(core);
    expect(getHeader(request, 'accept-contact')).toBeUndefined();
    expect(getHeader(request, 'contact')).toBe('<sip:psa@sender.invalid;transport=ws>');
    expect(getHeader(request, 'content-length')).toBe('0');
  });

  it('sends a non-UTF-8 body in a binary frame with its byte length', async () => {
    const { core, sender } = await setup();
    await sender.sendPush({ to: 'sip:alice@localhost', app: 'news.ua', contentType: 'image/png', body: PNG_BYTES });
    const { request, binary } = await firstRequest(core);
    expect(binary).toBe(true);
    expect(getHeader(request, 'content-length')).toBe(String(PNG_BYTES.length));
    expect([...request.body]).toEqual([...PNG_BYTES]);
  });

  it('sends a UTF-8 byte body in a text frame', async () => {
    const { core, sender } = await setup();
    const bytes = new TextEncoder().encode('{"a":"ü"}');
    await sender.sendPush({ to: 'sip:alice@localhost', contentType: 'application/json', body: bytes });
    const { request, binary } = await firstRequest(core);
    expect(binary).toBe(false);
    expect(getHeader(request, 'content-length')).toBe(String(bytes.length));
    expect([...request.body]).toEqual([...bytes]);
  });
});

describe('validation', () => {
  it('rejects an invalid app ID before sending anything', async () => {
    const { core, sender } = await setup();
    for (const app of ['news ua', 'a"b', 'x,y', '', 'bang!']) {
      await expect(sender.sendPush({ to: 'sip:alice@localhost', app, contentType: 'text/plain', body: 'x' })).rejects.toMatchObject({
        name: 'SenderError',
        code: 'SENDER_ERR_APP_ID',
      });
    }
    await sender.sendPush({ to: 'sip:alice@localhost', app: "m.y_app-1+x~'`%*", contentType: 'text/plain', body: 'x' });
    expect(core.received).toHaveLength(1);
  });

  it('rejects a bad recipient, a managed header and a header with a line break', async () => {
    const { core, sender } = await setup();
    const base = { contentType: 'text/plain', body: 'x' };
    await expect(sender.sendPush({ ...base, to: 'alice@localhost' })).rejects.toMatchObject({ code: 'SENDER_ERR_URI' });
    await expect(sender.sendPush({ ...base, to: 'sip:alice@localhost', headers: [{ name: 'Call-ID', value: 'x' }] })).rejects.toMatchObject({ code: 'SENDER_ERR_HEADER' });
    await expect(sender.sendPush({ ...base, to: 'sip:alice@localhost', headers: [{ name: 'X-A', value: 'a\r\nVia: evil' }] })).rejects.toMatchObject({ code: 'SENDER_ERR_HEADER' });
    await expect(sender.sendPush({ ...base, to: 'sip:alice@localhost', contentType: 'text' })).rejects.toBeInstanceOf(SenderError);
    expect(core.received).toHaveLength(0);
  });

  it('rejects invalid options at creation', () => {
    expect(() => createPushSender({ server: 'ws://x', from: 'psa@localhost' })).toThrow(/Invalid --from URI/);
    expect(() => createPushSender({ server: 'ws://x', from: 'sip:psa@localhost', timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});

describe('results', () => {
  it('resolves 200 as ok with the response', async () => {
    const { sender } = await setup();
    const result = await sender.sendPush({ to: 'sip:alice@localhost', app: 'news.ua', contentType: 'text/plain', body: 'hi' });
    expect(result).toMatchObject({ status: 200, reason: 'OK', ok: true });
    expect(result.response?.status).toBe(200);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(0);
  });

  it('resolves a 4xx as not ok, keeping the reason and headers', async () => {
    const { sender } = await setup({}, (r) => r.reply(415, { headers: [{ name: 'Accept', value: 'text/plain' }] }));
    const result = await sender.sendPush({ to: 'sip:alice@localhost', app: 'news.ua', contentType: 'image/png', body: PNG_BYTES });
    expect(result).toMatchObject({ status: 415, reason: 'Unsupported Media Type', ok: false });
    expect(getHeader(result.response!, 'accept')).toBe('text/plain');
  });

  it('ignores 1xx and waits for the final response', async () => {
    const { sender } = await setup({}, (r) => {
      r.reply(100);
      r.reply(180);
      r.reply(404);
    });
    const result = await sender.sendPush({ to: 'sip:nobody@localhost', contentType: 'text/plain', body: 'x' });
    expect(result).toMatchObject({ status: 404, reason: 'Not Found', ok: false });
  });

  it('turns Timer F into a local 408', async () => {
    const { sender } = await setup({ timeoutMs: 10_000 }, () => {});
    const result = await sender.sendPush({ to: 'sip:alice@localhost', contentType: 'text/plain', body: 'x', timeoutMs: 20 });
    expect(result).toMatchObject({ status: 408, reason: REASON_TIMEOUT, ok: false });
    expect(result.response).toBeUndefined();
    expect(result.elapsedMs).toBeGreaterThanOrEqual(20);
    expect(sender.inFlight).toBe(0);
  });

  it('drops a late response after the timeout', async () => {
    const { core, sender } = await setup({ timeoutMs: 20 }, () => {});
    const result = await sender.sendPush({ to: 'sip:alice@localhost', contentType: 'text/plain', body: 'x' });
    expect(result.status).toBe(408);
    core.received[0]!.reply(200);
    const next = sender.sendPush({ to: 'sip:alice@localhost', contentType: 'text/plain', body: 'y' });
    const [, second] = await core.waitForRequests(2);
    second!.reply(486);
    expect((await next).status).toBe(486);
  });

  it('resolves pending requests with 503 when the socket closes mid-flight, and later ones too', async () => {
    const { core, sender } = await setup({}, () => {});
    const pending = [1, 2, 3].map((i) => sender.sendPush({ to: 'sip:alice@localhost', contentType: 'text/plain', body: String(i) }));
    const [first] = await core.waitForRequests(3);
    first!.socket.terminate();
    for (const result of await Promise.all(pending)) {
      expect(result).toMatchObject({ status: 503, reason: REASON_CONNECTION_LOST, ok: false });
      expect(result.response).toBeUndefined();
    }
    expect(sender.state).toBe('closed');
    expect(await sender.sendPush({ to: 'sip:alice@localhost', contentType: 'text/plain', body: 'late' })).toMatchObject({ status: 503, reason: REASON_CONNECTION_LOST });
  });

  it('resolves pending requests with 503 "Sender closed" on close()', async () => {
    const { core, sender } = await setup({}, () => {});
    const pending = sender.sendPush({ to: 'sip:alice@localhost', contentType: 'text/plain', body: 'x' });
    await core.waitForRequests(1);
    await sender.close();
    expect(await pending).toMatchObject({ status: 503, reason: REASON_CLOSED });
    await expect(sender.sendPush({ to: 'sip:alice@localhost', contentType: 'text/plain', body: 'x' })).rejects.toMatchObject({ code: 'SENDER_ERR_CLOSED' });
  });
});

describe('connection', () => {
  it('reports an unreachable core clearly', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    sender = createPushSender({ server: `ws://127.0.0.1:${port}`, from: 'sip:psa@localhost' });
    await expect(sender.connect()).rejects.toThrow(`cannot connect to ws://127.0.0.1:${port}: ECONNREFUSED`);
    expect(sender.state).toBe('closed');
  });

  it('reports an HTTP server that is not a WebSocket endpoint', async () => {
    const http = await import('node:http');
    const server = http.createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      sender = createPushSender({ server: `ws://127.0.0.1:${port}/sip`, from: 'sip:psa@localhost' });
      await expect(sender.connect()).rejects.toThrow(`cannot connect to ws://127.0.0.1:${port}/sip: unexpected HTTP 404`);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('reports a WebSocket server that does not speak the sip subprotocol', async () => {
    const { WebSocketServer } = await import('ws');
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => false });
    await new Promise<void>((r) => wss.once('listening', r));
    try {
      sender = createPushSender({ server: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, from: 'sip:psa@localhost' });
      await expect(sender.connect()).rejects.toThrow(/cannot connect to .*: Server sent no subprotocol/);
    } finally {
      await new Promise<void>((r) => wss.close(() => r()));
    }
  });

  it('connects lazily on the first push', async () => {
    core = await startFakeCore();
    sender = createPushSender({ server: core.url, from: 'sip:psa@localhost' });
    expect(sender.state).toBe('idle');
    expect((await sender.sendPush({ to: 'sip:alice@localhost', contentType: 'text/plain', body: 'x' })).status).toBe(200);
    expect(sender.state).toBe('open');
  });

  it('answers an OPTIONS from the core with 200 and a MESSAGE with 405', async () => {
    const { core } = await setup();
    await core.waitForRequests(0);
    const [socket] = [...core.clients()];
    const options = 'OPTIONS sip:psa@x.invalid SIP/2.0\r\nVia: SIP/2.0/WS core.invalid;branch=z9hG4bKcore1\r\nFrom: <sip:core@localhost>;tag=c1\r\nTo: <sip:psa@localhost>\r\nCall-ID: opt1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n';
    socket!.send(options);
    socket!.send(options.replace(/OPTIONS/g, 'MESSAGE').replace('z9hG4bKcore1', 'z9hG4bKcore2'));
    const [ok, notAllowed] = (await core.waitForOtherMessages(2)).map((raw) => parseSipMessage(raw));
    expect(ok).toMatchObject({ kind: 'response', status: 200 });
    expect(notAllowed).toMatchObject({ kind: 'response', status: 405 });
  });
});

describe('digest authentication', () => {
  const challenge = (nonce: string) => formatChallenge({ realm: 'localhost', nonce, algorithm: 'MD5', qop: ['auth'], opaque: 'op', stale: false });

  it('retries once after 401 with Authorization, same Call-ID, CSeq + 1, new branch; nc counts per nonce', async () => {
    const { core, sender } = await setup({ authUser: 'psa', password: 'secret' }, (r) => {
      const auth = getHeader(r.request, 'authorization');
      if (!auth) return r.reply(401, { headers: [{ name: 'WWW-Authenticate', value: challenge('n-1') }] });
      r.reply(verifyCredentials(parseCredentials(auth), 'secret', 'MESSAGE') ? 200 : 403);
    });
    const result = await sender.sendPush({ to: 'sip:alice@localhost', app: 'news.ua', contentType: 'text/plain', body: 'x' });
    expect(result).toMatchObject({ status: 200, ok: true });
    const [first, second] = core.received.map((r) => r.request);
    expect(getHeader(second!, 'call-id')).toBe(getHeader(first!, 'call-id'));
    expect(parseCSeq(getHeader(second!, 'cseq')!)).toEqual({ seq: 2, method: 'MESSAGE' });
    expect(getHeader(second!, 'from')).toBe(getHeader(first!, 'from'));
    expect(parseVia(getHeader(second!, 'via')!).params.get('branch')).not.toBe(parseVia(getHeader(first!, 'via')!).params.get('branch'));
    const creds = parseCredentials(getHeader(second!, 'authorization')!);
    expect(creds).toMatchObject({ username: 'psa', realm: 'localhost', nonce: 'n-1', uri: 'sip:alice@localhost', qop: 'auth', nc: '00000001', opaque: 'op' });
    // The same nonce again: nc goes to 2.
    expect((await sender.sendPush({ to: 'sip:alice@localhost', contentType: 'text/plain', body: 'y' })).status).toBe(200);
    expect(parseCredentials(getHeader(core.received[3]!.request, 'authorization')!).nc).toBe('00000002');
  });

  it('retries once after 407 with Proxy-Authorization', async () => {
    const { core, sender } = await setup({ password: 'pw' }, (r) => {
      const auth = getHeader(r.request, 'proxy-authorization');
      if (!auth) return r.reply(407, { headers: [{ name: 'Proxy-Authenticate', value: challenge('p-1') }] });
      r.reply(verifyCredentials(parseCredentials(auth), 'pw', 'MESSAGE') ? 202 : 403);
    });
    const result = await sender.sendPush({ to: 'sip:alice@localhost', contentType: 'text/plain', body: 'x' });
    expect(result).toMatchObject({ status: 202, ok: true });
    expect(core.received).toHaveLength(2);
    // authUser defaults to the user part of From.
    expect(parseCredentials(getHeader(core.received[1]!.request, 'proxy-authorization')!).username).toBe('psa');
    expect(getHeader(core.received[1]!.request, 'authorization')).toBeUndefined();
  });

  it('returns a repeated challenge as "authentication failed" without a third try', async () => {
    const { core, sender } = await setup({ password: 'wrong' }, (r) => r.reply(401, { headers: [{ name: 'WWW-Authenticate', value: challenge(`n-${core.received.length}`) }] }));
    const result = await sender.sendPush({ to: 'sip:alice@localhost', contentType: 'text/plain', body: 'x' });
    expect(result).toMatchObject({ status: 401, ok: false, reason: 'Unauthorized (authentication failed)' });
    expect(core.received).toHaveLength(2);
  });

  it('returns a challenge as the result when no password is configured', async () => {
    const { core, sender } = await setup({}, (r) => r.reply(401, { headers: [{ name: 'WWW-Authenticate', value: challenge('n') }] }));
    const result = await sender.sendPush({ to: 'sip:alice@localhost', contentType: 'text/plain', body: 'x' });
    expect(result).toMatchObject({ status: 401, ok: false, reason: 'Unauthorized (no credentials configured)' });
    expect(core.received).toHaveLength(1);
  });
});

describe('concurrency', () => {
  it('matches many concurrent requests by branch when answered out of order', async () => {
    const n = 200;
    const { core, sender } = await setup({}, () => {});
    const pushes = Array.from({ length: n }, (_, i) =>
      sender.sendPush({ to: 'sip:alice@localhost', contentType: 'text/plain', body: String(i), headers: [{ name: 'X-Index', value: String(i) }] }),
    );
    const received = await core.waitForRequests(n);
    expect(sender.inFlight).toBe(n);
    // A stray response with an unknown branch is dropped.
    const stray = createResponse(received[0]!.request, 500);
    stray.headers = stray.headers.map((h) => (h.name === 'Via' ? { name: 'Via', value: 'SIP/2.0/WS x.invalid;branch=z9hG4bKnotours' } : h));
    received[0]!.socket.send(serializeSipMessage(stray));
    for (const r of [...received].reverse()) {
      const i = Number(getHeader(r.request, 'x-index'));
      r.reply(i % 2 === 0 ? 200 : 480, { reason: `for ${i}` });
    }
    const results = await Promise.all(pushes);
    results.forEach((result, i) => {
      expect(result.status).toBe(i % 2 === 0 ? 200 : 480);
      expect(result.reason).toBe(`for ${i}`);
    });
    expect(sender.inFlight).toBe(0);
  });

  it('keeps at most maxInFlight requests outstanding', async () => {
    const { core, sender } = await setup({ maxInFlight: 2 }, () => {});
    const pushes = Array.from({ length: 5 }, (_, i) => sender.sendPush({ to: 'sip:alice@localhost', contentType: 'text/plain', body: String(i) }));
    for (let answered = 0; answered < 5; answered++) {
      await core.waitForRequests(answered + 1);
      expect(sender.inFlight).toBeLessThanOrEqual(2);
      expect(core.received.length).toBeLessThanOrEqual(answered + 2);
      core.received[answered]!.reply(200);
    }
    expect((await Promise.all(pushes)).every((r) => r.ok)).toBe(true);
  });
});
