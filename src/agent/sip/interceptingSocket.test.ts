import { afterEach, describe, expect, it, vi } from 'vitest';
import { InterceptingSocket, isRegisterSuccess, requestMethod } from './interceptingSocket.ts';

const ascii = (text: string) => new TextEncoder().encode(text).buffer as ArrayBuffer;

describe('requestMethod sniffing', () => {
  it.each<[string, string | null]>([
    ['MESSAGE sip:alice@x SIP/2.0\r\n', 'MESSAGE'],
    ['OPTIONS sip:alice@x SIP/2.0\r\n', 'OPTIONS'],
    ['INVITE sip:a@b SIP/2.0\r\n', 'INVITE'],
    ['SIP/2.0 200 OK\r\n', null],
    ['\r\n\r\n', null],
    ['\r\n', null],
    ['', null],
    ['AVERYVERYLONGMETHODNAME sip:x SIP/2.0', null],
  ])('%j -> %s', (text, method) => {
    expect(requestMethod(text)).toBe(method);
    expect(requestMethod(ascii(text))).toBe(method);
  });
});

describe('isRegisterSuccess', () => {
  it.each<[string, boolean]>([
    ['SIP/2.0 200 OK\r\nVia: x\r\nCSeq: 2 REGISTER\r\nContent-Length: 0\r\n\r\n', true],
    ['SIP/2.0 202 Accepted\r\ncseq:7   register\r\n\r\n', true],
    ['SIP/2.0 401 Unauthorized\r\nCSeq: 2 REGISTER\r\n\r\n', false],
    ['SIP/2.0 200 OK\r\nCSeq: 2 MESSAGE\r\n\r\n', false],
    ['SIP/2.0 200 OK\r\nCSeq: 2 MESSAGE\r\n\r\nCSeq: 1 REGISTER\r\n', false],
  ])('%j -> %s', (text, expected) => {
    expect(isRegisterSuccess(text)).toBe(expected);
  });
});

/** An open InterceptingSocket over a fake WebSocket: what the agent sends, and what reaches JsSIP. */
afterEach(() => vi.unstubAllGlobals());

function openSocket() {
  // Node 20 has no global WebSocket; the socket reads only its readyState constants.
  vi.stubGlobal('WebSocket', { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  const sent: string[] = [];
  const toJsSip: (string | ArrayBuffer)[] = [];
  const handled: string[] = [];
  let fake!: { onmessage: ((e: { data: unknown }) => void) | null; onopen: (() => void) | null; readyState: number };
  const socket = new InterceptingSocket({
    url: 'ws://core.test:8066',
    interceptMethods: new Set(['MESSAGE', 'OPTIONS']),
    onRequest: (request) => {
      handled.push(request.method);
      return null;
    },
    createWebSocket: () => {
      fake = { onmessage: null, onopen: null, readyState: 1, send: (d: string) => sent.push(d), close: () => undefined } as never;
      return fake as unknown as WebSocket;
    },
  });
  socket.ondata = (d) => toJsSip.push(d);
  socket.connect();
  const receive = (text: string) => fake.onmessage!({ data: text });
  return { sent: () => sent.map((s) => (typeof s === 'string' ? s : new TextDecoder().decode(s as unknown as Uint8Array)).split('\r\n')[0]), toJsSip, handled, receive };
}

const MESSAGE_HEAD = (start: string, cseq: string, eol = '\r\n') =>
  [start, 'Via: SIP/2.0/WSS core.test;branch=z9hG4bKx1', 'From: <sip:psa@x>;tag=1', 'To: <sip:alice@x>', 'Call-ID: c1', `CSeq: ${cseq}`, 'Content-Length: 0', '', ''].join(eol);

// Issue 9 item 7: JsSIP never answered these, so the sender waited 32 s for its 408.
describe('InterceptingSocket answers what JsSIP would leave unanswered', () => {
  it.each([
    ['a method in the wrong case (message, CSeq MESSAGE)', MESSAGE_HEAD('message sip:alice@x SIP/2.0', '1 MESSAGE'), /^SIP\/2\.0 400 CSeq method MESSAGE does not match message$/],
    ['an unknown method whose CSeq names another', MESSAGE_HEAD('FOO sip:alice@x SIP/2.0', '1 BAR'), /^SIP\/2\.0 400 /],
    ['a double space in the start line', MESSAGE_HEAD('message  sip:alice@x SIP/2.0', '1 message'), /^SIP\/2\.0 400 /],
    ['SIP/3.0', MESSAGE_HEAD('NOTIFY sip:alice@x SIP/3.0', '1 NOTIFY'), /^SIP\/2\.0 505 /],
  ])('%s: answered here, never handed to JsSIP', (_name, text, want) => {
    const s = openSocket();
    s.receive(text);
    expect(s.sent()).toEqual([expect.stringMatching(want)]);
    expect(s.toJsSip).toEqual([]);
  });

  it('an intercepted MESSAGE with bare LF line ends is answered 400', () => {
    const s = openSocket();
    s.receive(MESSAGE_HEAD('MESSAGE sip:alice@x SIP/2.0', '1 MESSAGE', '\n'));
    expect(s.sent()).toEqual([expect.stringMatching(/^SIP\/2\.0 400 /)]);
    expect(s.handled).toEqual([]);
  });

  it('a well-formed NOTIFY still goes to JsSIP untouched', () => {
    const s = openSocket();
    const text = MESSAGE_HEAD('NOTIFY sip:alice@x SIP/2.0', '1 NOTIFY');
    s.receive(text);
    expect(s.sent()).toEqual([]);
    expect(s.toJsSip).toEqual([text]);
  });
});

// Issue 10 item 3: a keep-alive probe with no answer gives up the flow (RFC 5626 section 4.4.1).
describe('InterceptingSocket.abandonFlow', () => {
  it('closes the WebSocket and tells JsSIP at once, as a drop would', () => {
    vi.stubGlobal('WebSocket', { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
    const closed: Array<[number | undefined, string | undefined]> = [];
    const drops: Array<[boolean, number | undefined, string | undefined]> = [];
    const socket = new InterceptingSocket({
      url: 'ws://core.test:8066',
      interceptMethods: new Set(['OPTIONS']),
      onRequest: () => null,
      createWebSocket: () => ({ readyState: 1, send: () => undefined, close: (code?: number, reason?: string) => closed.push([code, reason]) }) as never,
    });
    socket.ondisconnect = (error, code, reason) => drops.push([error, code, reason]);
    socket.connect();
    expect(socket.isConnected()).toBe(true);
    socket.abandonFlow('no answer to our keep-alive probe');
    expect(closed).toEqual([[4000, 'no answer to our keep-alive probe']]);
    expect(drops).toEqual([[true, 4000, 'no answer to our keep-alive probe']]);
    expect(socket.isConnected()).toBe(false);
    socket.abandonFlow('again'); // nothing left to abandon
    expect(drops).toHaveLength(1);
  });
});

describe('InterceptingSocket trace tap', () => {
  function tracedSocket(enabled: boolean) {
    vi.stubGlobal('WebSocket', { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
    const calls: [string, string][] = [];
    const tap = {
      enabled,
      sip: (direction: 'in' | 'out', data: unknown) => calls.push([direction, (typeof data === 'string' ? data : new TextDecoder().decode(data as Uint8Array)).split('\r\n')[0]!]),
      msrp: () => undefined,
    };
    let fake!: { onmessage: ((e: { data: unknown }) => void) | null };
    const socket = new InterceptingSocket({
      url: 'ws://core.test:8066',
      interceptMethods: new Set(['MESSAGE']),
      onRequest: () => null,
      trace: tap,
      createWebSocket: () => {
        fake = { onmessage: null, readyState: 1, send: () => undefined, close: () => undefined } as never;
        return fake as unknown as WebSocket;
      },
    });
    socket.connect();
    return { socket, tap, calls, receive: (text: string) => fake.onmessage!({ data: text }) };
  }

  it('records every frame in and out when enabled: intercepted, JsSIP-bound, JsSIP-sent and the agent\'s own', () => {
    const t = tracedSocket(true);
    t.receive(MESSAGE_HEAD('MESSAGE sip:alice@x SIP/2.0', '1 MESSAGE'));
    t.receive('SIP/2.0 200 OK\r\nCSeq: 2 REGISTER\r\n\r\n');
    t.socket.send('REGISTER sip:x SIP/2.0\r\n\r\n');
    t.socket.send(new TextEncoder().encode('SIP/2.0 200 OK\r\n\r\n'));
    expect(t.calls).toEqual([
      ['in', 'MESSAGE sip:alice@x SIP/2.0'],
      ['in', 'SIP/2.0 200 OK'],
      ['out', 'REGISTER sip:x SIP/2.0'],
      ['out', 'SIP/2.0 200 OK'],
    ]);
  });

  it('calls nothing while the tap is not enabled', () => {
    const t = tracedSocket(false);
    t.receive(MESSAGE_HEAD('MESSAGE sip:alice@x SIP/2.0', '1 MESSAGE'));
    t.socket.send('REGISTER sip:x SIP/2.0\r\n\r\n');
    expect(t.calls).toEqual([]);
  });
});
