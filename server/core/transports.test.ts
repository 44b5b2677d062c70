import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeUtf8, getHeader, serializeSipMessage, type SipRequest, type SipResponse } from '../../src/protocol/sip/index.ts';
import { startTestCore, type TestCore } from '../testing/coreHarness.ts';
import { reply, SipUa } from '../testing/sipUa.ts';
import { until } from '../testing/until.ts';

let core: TestCore;

beforeEach(async () => {
  core = await startTestCore({ sipPort: 0, limits: { maxMessageBytes: 2048, maxHeaderBytes: 1024 } });
});
afterEach(async () => {
  await core.close();
});

const rawRequest = (lines: string[], body = '') => `${lines.join('\r\n')}\r\nContent-Length: ${encodeUtf8(body).length}\r\n\r\n${body}`;
const HEAD = ['Via: SIP/2.0/WS x.invalid;branch=z9hG4bKmalformed1', 'From: <sip:a@localhost>;tag=1', 'To: <sip:b@localhost>', 'Call-ID: bad1'];

describe('WebSocket transport', () => {
  it('requires the sip subprotocol', async () => {
    await expect(SipUa.connect(core.wsUrl, { protocols: ['chat'] })).rejects.toThrow(/400/);
    await expect(SipUa.connect(core.wsUrl, { protocols: [] })).rejects.toThrow(/400/);
    const ok = await core.ua({ protocols: ['chat', 'sip'] });
    expect(ok.socket.protocol).toBe('sip');
  });

  it('answers a message sent in a binary frame, in a text frame when the reply is UTF-8, binary otherwise', async () => {
    const a = await core.ua();
    await a.register({ aor: 'sip:alice@localhost' });
    a.answer((req) => reply(req, 200));
    const sender = await core.ua();
    const from = sender.received.length;
    const req = sender.build('OPTIONS', 'sip:localhost');
    sender.sendBytes(serializeSipMessage(req), { binary: true });
    await sender.waitFor((m) => m.kind === 'response' && getHeader(m, 'call-id') === getHeader(req, 'call-id'), { from });
    expect(sender.frameKinds.at(-1)).toBe(true);
    // A body that is not UTF-8 travels in a binary frame (RFC 7118 section 5.2).
    const image = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]);
    const push = sender.build('MESSAGE', 'sip:alice@localhost', { body: image, headers: [{ name: 'Content-Type', value: 'image/jpeg' }] });
    sender.sendBytes(serializeSipMessage(push), { binary: true });
    const got = (await a.waitFor((m) => m.kind === 'request' && m.method === 'MESSAGE')) as SipRequest;
    expect([...got.body]).toEqual([...image]);
    expect(a.frameKinds.at(-1)).toBe(false);
  });

  it('answers malformed requests with 400 and a reason saying what is wrong, and keeps serving', async () => {
    const u = await core.ua();
    const cases: [string, RegExp][] = [
      [rawRequest(['OPTIONS sip:localhost SIP/2.0', ...HEAD, 'CSeq: banana']), /Malformed CSeq/],
      [rawRequest(['OPTIONS sip:localhost SIP/2.0', ...HEAD.filter((h) => !h.startsWith('Call-ID')), 'Call-ID: x', 'CSeq: 1 INVITE']), /CSeq method INVITE does not match OPTIONS/],
      [rawRequest(['OPTIONS sip:localhost SIP/2.0', ...HEAD.filter((h) => !h.startsWith('Call-ID')), 'CSeq: 1 OPTIONS']), /Missing Call-ID header/],
      [rawRequest(['OPTIONS sip:localhost SIP/2.0', ...HEAD, 'CSeq: 1 OPTIONS', 'this line has no colon']), /Malformed header line/],
      [rawRequest(['OPTIONS sip:localhost SIP/2.0', ...HEAD, 'CSeq: 1 OPTIONS', 'Max-Forwards: many']), /Invalid Max-Forwards/],
      [rawRequest(['OPTIONS sip:localhost SIP/2.0', ...HEAD, 'CSeq: 1 OPTIONS']).replace(/Content-Length: 0/, 'Content-Length: 99'), /Content-Length 99 exceeds/],
      [rawRequest(['OPTIONS sip:localhost SIP/2.0', ...HEAD, 'CSeq: 1 OPTIONS']).replace('To: <sip:b@localhost>', 'To: <sip:b@localhost'), /Unterminated/],
    ];
    for (const [text, reason] of cases) {
      const from = u.received.length;
      u.sendBytes(text);
      const res = (await u.waitFor((m) => m.kind === 'response', { from })) as SipResponse;
      expect(res.status, text).toBe(400);
      expect(res.reason).toMatch(reason);
    }
    const scheme = await u.request(u.build('OPTIONS', 'tel:+1555'));
    expect(scheme.status).toBe(416);
    // Garbage without a Via cannot be answered; the connection stays usable.
    u.sendBytes('hello world\r\n\r\n');
    expect((await u.request(u.build('OPTIONS', 'sip:localhost'))).status).toBe(200);
  });

  it('survives every single-byte corruption of a request and keeps answering', async () => {
    const u = await core.ua();
    const a = await core.ua();
    await a.register({ aor: 'sip:alice@localhost', contactParams: ';+g.oma.pusheventapp="news.ua"' });
    a.answer((req) => reply(req, 200));
    const text = new TextDecoder().decode(serializeSipMessage(u.build('MESSAGE', 'sip:alice@localhost', { body: 'hi', headers: [{ name: 'Accept-Contact', value: '*;+g.oma.pusheventapp="news.ua";require;explicit' }] })));
    const junk = ['\r', '\n', ':', ';', '<', '"', ' ', '0', '\u0000', 'é'];
    for (let i = 0; i < text.length; i++) u.sendBytes(text.slice(0, i) + junk[i % junk.length] + text.slice(i + 1));
    expect((await u.request(u.build('OPTIONS', 'sip:localhost'), { timeoutMs: 10_000 })).status).toBe(200);
  });

  it('answers 513 to a message above maxMessageBytes', async () => {
    const u = await core.ua();
    const res = await u.request(u.build('MESSAGE', 'sip:alice@localhost', { body: 'x'.repeat(3000) }));
    expect(res.status).toBe(513);
    const headers = await u.request(u.build('MESSAGE', 'sip:alice@localhost', { headers: [{ name: 'X-Big', value: 'y'.repeat(1500) }] }));
    expect(headers.status).toBe(513);
  });
});

describe('TCP transport', () => {
  it('frames messages split at every byte boundary', async () => {
    const u = await core.tcpUa();
    const bytes = serializeSipMessage(u.build('OPTIONS', 'sip:localhost', { callId: 'split' }));
    for (let cut = 1; cut < bytes.length; cut++) {
      const from = u.received.length;
      await new Promise<void>((resolve) => u.socket.write(bytes.subarray(0, cut), () => resolve()));
      await new Promise<void>((resolve) => u.socket.write(bytes.subarray(cut), () => resolve()));
      await u.waitFor((m) => m.kind === 'response', { from });
    }
    expect(u.received.filter((m) => m.kind === 'response' && m.status === 200)).toHaveLength(bytes.length - 1);
  });

  it('registers over TCP, receives pushes on that connection, and several messages in one segment', async () => {
    const a = await core.tcpUa();
    expect((await a.register({ aor: 'sip:alice@localhost', contactParams: ';+g.oma.pusheventapp="news.ua"' })).status).toBe(200);
    expect(core.bindings('sip:alice@localhost')[0]!.transport).toBe('TCP');
    a.answer((req) => reply(req, 200));
    const s = await core.tcpUa();
    const m1 = s.build('MESSAGE', 'sip:alice@localhost', { body: 'one' });
    const m2 = s.build('MESSAGE', 'sip:alice@localhost', { body: 'two' });
    s.sendBytes(Buffer.concat([serializeSipMessage(m1), serializeSipMessage(m2)]));
    await until(() => s.received.filter((m) => m.kind === 'response' && m.status === 200).length === 2);
    await a.close();
    await until(() => core.bindings().length === 0);
  });

  it('answers a framing error when it can, then closes the connection', async () => {
    const u = await core.tcpUa();
    u.sendBytes(['OPTIONS sip:localhost SIP/2.0', ...HEAD, 'CSeq: 1 OPTIONS', '', ''].join('\r\n'));
    const res = (await u.waitFor((m) => m.kind === 'response')) as SipResponse;
    expect(res.status).toBe(400);
    expect(res.reason).toMatch(/Content-Length is required/);
    await u.closed;
    const big = await core.tcpUa();
    big.send(big.build('MESSAGE', 'sip:alice@localhost', { body: 'z'.repeat(5000) }));
    expect(((await big.waitFor((m) => m.kind === 'response')) as SipResponse).status).toBe(513);
    await big.closed;
  });
});

describe('UDP transport', () => {
  it('registers over UDP, forwards to the UDP contact, and absorbs retransmissions', async () => {
    const a = await core.udpUa();
    expect((await a.register({ aor: 'sip:alice@localhost', contactParams: ';+g.oma.pusheventapp="news.ua"' })).status).toBe(200);
    expect(core.bindings('sip:alice@localhost')[0]!.transport).toBe('UDP');
    a.answer((req) => reply(req, 200));
    const s = await core.udpUa();
    const msg = s.build('MESSAGE', 'sip:alice@localhost', { body: 'udp' });
    expect((await s.request(msg)).status).toBe(200);
    // The same request again (a retransmission): answered from the transaction, not forwarded.
    const from = s.received.length;
    s.send(msg);
    await s.waitFor((m) => m.kind === 'response' && m.status === 200, { from });
    expect(a.received.filter((m) => m.kind === 'request' && m.method === 'MESSAGE')).toHaveLength(1);
  });

  it('retransmits a request to a silent UDP contact (Timer E) and answers 408 at Timer F', async () => {
    await core.close();
    core = await startTestCore({ sipPort: 0, limits: { transactionTimeoutMs: 1200 } });
    const silent = await core.udpUa();
    await silent.register({ aor: 'sip:alice@localhost' });
    const s = await core.ua();
    const res = await s.request(s.build('MESSAGE', 'sip:alice@localhost'));
    expect(res.status).toBe(408);
    // T1 = 500 ms: sent at 0, retransmitted at ~500 ms (and ~1500 ms, after the timeout).
    expect(silent.received.filter((m) => m.kind === 'request' && m.method === 'MESSAGE').length).toBeGreaterThanOrEqual(2);
  });

  it('answers malformed datagrams with 400', async () => {
    const u = await core.udpUa();
    u.sendBytes(rawRequest(['OPTIONS sip:localhost SIP/2.0', ...HEAD, 'CSeq: nope']));
    const res = (await u.waitFor((m) => m.kind === 'response')) as SipResponse;
    expect(res.status).toBe(400);
  });
});

describe('HTTP inspection', () => {
  it('serves JSON on /bindings and 404 elsewhere', async () => {
    const res = await fetch(`${core.httpUrl}/bindings`);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual([]);
    expect((await fetch(`${core.httpUrl}/nope`)).status).toBe(404);
  });
});
