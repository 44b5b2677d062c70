import { describe, expect, it, vi } from 'vitest';
import { serializeRequest } from '../../protocol/msrp/index.ts';
import { MsrpSession, webSocketUrlFor, type ChunkResult, type IncomingChunk, type MessageHandler, type MsrpSessionState } from './session.ts';
import { FakeNetwork, SENDER_URI, sendChunk, type FakeSocket } from '../../testing/msrpPeer.ts';

const LOCAL = 'msrp://r4nd0m.invalid:2855/l0calSess;ws';

function setup(handler: Partial<MessageHandler> = {}, limits = {}) {
  const net = new FakeNetwork();
  const chunks: IncomingChunk[] = [];
  const states: MsrpSessionState[] = [];
  const errors: [string, number][] = [];
  const session = new MsrpSession({
    localUri: LOCAL,
    remotePath: ['msrp://relay.example.com:443;ws', SENDER_URI],
    createWebSocket: net.factory,
    limits,
    handler: {
      onChunk: async (c) => {
        chunks.push(c);
        return { code: 200 };
      },
      onMessageError: (id, status) => errors.push([id, status]),
      ...handler,
    },
    onStateChange: (s) => states.push(s),
  });
  session.connect();
  return { net, session, chunks, states, errors, socket: () => net.sockets[0]! };
}

async function opened(s: ReturnType<typeof setup>): Promise<FakeSocket> {
  await vi.waitFor(() => expect(s.session.state).toBe('open'));
  return s.socket();
}

describe('webSocketUrlFor (RFC 7977 section 5: same host and port)', () => {
  it.each([
    ['msrp://psa.example.com:8443/abc;ws', 'ws://psa.example.com:8443/'],
    ['msrps://psa.example.com:443/abc;ws', 'wss://psa.example.com:443/'],
    ['msrp://[2001:db8::1]:9000/abc;ws', 'ws://[2001:db8::1]:9000/'],
    ['msrp://psa.example.com/abc;ws', 'ws://psa.example.com/'],
  ])('%s -> %s', (uri, url) => expect(webSocketUrlFor(uri)).toBe(url));
  it('refuses a TCP path', () => expect(() => webSocketUrlFor('msrp://h:1/a;tcp')).toThrow(/Not a WebSocket/));
});

describe('MsrpSession', () => {
  it('connects to the first hop with subprotocol msrp, binary frames, and binds with an empty SEND first', async () => {
    const s = setup();
    const socket = await opened(s);
    expect(socket.url).toBe('ws://relay.example.com:443/');
    expect(socket.protocol).toBe('msrp');
    expect(socket.binaryType).toBe('arraybuffer');
    const bind = socket.received[0]!;
    expect(bind.kind === 'request' && bind.method).toBe('SEND');
    expect(bind.toPath).toEqual(['msrp://relay.example.com:443;ws', SENDER_URI]);
    expect(bind.fromPath).toEqual([LOCAL]);
    expect(bind.body).toBeUndefined();
    expect(bind.flag).toBe('$');
    expect(bind.messageId).toBeTruthy();
    expect(s.states).toEqual(['connecting', 'binding', 'open']);
  });

  it('a refused bind closes the session', async () => {
    const net = new FakeNetwork();
    const session = new MsrpSession({ localUri: LOCAL, remotePath: [SENDER_URI], createWebSocket: (u, p) => { const ws = net.factory(u, p) as FakeSocket; ws.autoBind = 481; return ws; }, handler: { onChunk: async () => ({ code: 200 }) } });
    session.connect();
    const info = await session.closed;
    expect(info.local).toBe(false);
    expect(info.reason).toMatch(/^Bind refused: 481/);
  });

  it('answers each chunk as Failure-Report asks: yes -> 200, no -> nothing, partial -> only errors', async () => {
    let code = 200;
    const s = setup({ onChunk: async () => ({ code }) });
    const socket = await opened(s);
    const body = new Uint8Array([1, 2, 3]);
    sendChunk(socket, { transactionId: 'tYes1', messageId: 'msg1', byteRange: { start: 1, end: 3, total: 9 }, contentType: 'a/b', body, flag: '+' });
    sendChunk(socket, { transactionId: 'tNo22', messageId: 'msg1', failureReport: 'no', byteRange: { start: 4, end: 6, total: 9 }, contentType: 'a/b', body, flag: '+' });
    sendChunk(socket, { transactionId: 'tPart', messageId: 'msg1', failureReport: 'partial', byteRange: { start: 7, end: 9, total: 9 }, contentType: 'a/b', body, flag: '$' });
    code = 413;
    sendChunk(socket, { transactionId: 'tPar2', messageId: 'msg2', failureReport: 'partial', byteRange: { start: 1, end: 3, total: 3 }, contentType: 'a/b', body, flag: '$' });
    await vi.waitFor(() => expect(socket.responses().map((r) => [r.transactionId, r.code])).toEqual([['tYes1', 200], ['tPar2', 413]]));
    const r = socket.responses()[0]!;
    expect(r.toPath).toEqual([SENDER_URI]);
    expect(r.fromPath).toEqual([LOCAL]);
  });

  it('sends a REPORT when the message ends as Success-Report / Failure-Report ask', async () => {
    const ends: ((v: { code: number; comment?: string }) => void)[] = [];
    const s = setup({ onChunk: async (): Promise<ChunkResult> => ({ code: 200, ended: new Promise((r) => ends.push(r)) }) });
    const socket = await opened(s);
    const body = new Uint8Array([9]);
    sendChunk(socket, { messageId: 'wantsOk', successReport: 'yes', byteRange: { start: 1, end: 1, total: 1 }, contentType: 'a/b', body });
    sendChunk(socket, { messageId: 'noSucc', byteRange: { start: 1, end: 1, total: 1 }, contentType: 'a/b', body });
    sendChunk(socket, { messageId: 'failYes', byteRange: { start: 1, end: 1, total: 1 }, contentType: 'a/b', body });
    sendChunk(socket, { messageId: 'failNo', failureReport: 'no', byteRange: { start: 1, end: 1, total: 1 }, contentType: 'a/b', body });
    await vi.waitFor(() => expect(ends).toHaveLength(4));
    ends[0]!({ code: 200 });
    ends[1]!({ code: 200 });
    ends[2]!({ code: 400, comment: 'Hash mismatch (sha-1)' });
    ends[3]!({ code: 400 });
    await vi.waitFor(() => expect(socket.reports().map((r) => [r.messageId, r.status?.code, r.status?.reason])).toEqual([['wantsOk', 200, 'OK'], ['failYes', 400, 'Hash mismatch (sha-1)']]));
    const report = socket.reports()[0]!;
    expect(report.toPath).toEqual([SENDER_URI]);
    expect(report.fromPath).toEqual([LOCAL]);
    expect(report.byteRange).toEqual({ start: 1, end: 1, total: 1 });
  });

  it('400 for a malformed message, 413 past the chunk limit (and tells the handler), 481 for another session, 501 for another method, REPORTs ignored', async () => {
    const s = setup({}, { maxChunkBytes: 4 });
    const socket = await opened(s);
    socket.deliver(new TextEncoder().encode('MSRP badone1 SEND\r\nTo-Path: x\r\nBroken header\r\n-------badone1$\r\n'));
    sendChunk(socket, { transactionId: 'big00001', messageId: 'mBig', byteRange: { start: 1, end: 5, total: 5 }, contentType: 'a/b', body: new Uint8Array(5) });
    sendChunk(socket, { transactionId: 'atLimit1', messageId: 'mOk1', byteRange: { start: 1, end: 4, total: 4 }, contentType: 'a/b', body: new Uint8Array(4) });
    socket.deliver(serializeRequest({ method: 'SEND', transactionId: 'other001', toPath: ['msrp://x.invalid:2855/notOurs;ws'], fromPath: [SENDER_URI], messageId: 'mX12' }));
    socket.deliver(serializeRequest({ method: 'NICKNAME', transactionId: 'nick0001', toPath: [LOCAL], fromPath: [SENDER_URI] }));
    socket.deliver(serializeRequest({ method: 'REPORT', transactionId: 'rep00001', toPath: [LOCAL], fromPath: [SENDER_URI], messageId: 'mX12', status: { namespace: '000', code: 200 } }));
    await vi.waitFor(() =>
      expect(socket.responses().map((r) => [r.transactionId, r.code])).toEqual([
        ['badone1', 400],
        ['big00001', 413],
        ['other001', 481],
        ['nick0001', 501],
        ['atLimit1', 200],
      ]),
    );
    expect(s.errors).toEqual([['mBig', 413]]);
    expect(s.chunks.map((c) => c.messageId)).toEqual(['mOk1']);
  });

  it('a dropped socket closes the session (not local); close() is local and idempotent', async () => {
    const s = setup();
    const socket = await opened(s);
    socket.drop();
    expect(await s.session.closed).toEqual({ local: false, reason: 'MSRP WebSocket closed (1006)' });
    const t = setup();
    const sock2 = await opened(t);
    t.session.close('BYE');
    t.session.close('again');
    expect(await t.session.closed).toEqual({ local: true, reason: 'BYE' });
    expect(sock2.closedByReceiver).toBe(true);
    expect(t.states.at(-1)).toBe('closed');
  });
});

describe('MsrpSession trace tap', () => {
  function traced(enabled: boolean) {
    const net = new FakeNetwork();
    const calls: [string, string][] = [];
    const tap = {
      enabled,
      sip: () => undefined,
      msrp: (direction: 'in' | 'out', data: unknown) => {
        const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : (data as Uint8Array);
        calls.push([direction, new TextDecoder().decode(bytes).split('\r\n')[0]!.replace(/^MSRP \S+ /, '')]);
      },
    };
    const session = new MsrpSession({ localUri: LOCAL, remotePath: [SENDER_URI], createWebSocket: net.factory, trace: tap, handler: { onChunk: async () => ({ code: 200 }) } });
    session.connect();
    return { session, calls, socket: () => net.sockets[0]! };
  }

  it('records the bind, its 200, a chunk and our answer when enabled', async () => {
    const t = traced(true);
    await vi.waitFor(() => expect(t.session.state).toBe('open'));
    sendChunk(t.socket(), { transactionId: 'tTrace1', messageId: 'msg1', byteRange: { start: 1, end: 3, total: 3 }, contentType: 'a/b', body: new Uint8Array([1, 2, 3]) });
    await vi.waitFor(() => expect(t.calls).toHaveLength(4));
    expect(t.calls).toEqual([
      ['out', 'SEND'],
      ['in', '200'],
      ['in', 'SEND'],
      ['out', '200 OK'],
    ]);
  });

  it('calls nothing while the tap is not enabled', async () => {
    const t = traced(false);
    await vi.waitFor(() => expect(t.session.state).toBe('open'));
    expect(t.calls).toEqual([]);
  });
});
