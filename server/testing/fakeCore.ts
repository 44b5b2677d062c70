/**
 * Test helper: a fake SIP/IP Core over WebSocket (subprotocol `sip`), built on `ws` and the
 * codec. It records every request with its frame type and lets each test decide the answer.
 * Not the embedded core (server/core): just enough to drive the sender from the other end.
 */
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import {
  createResponse,
  parseSipMessage,
  serializeSipMessage,
  type ResponseOptions,
  type SipRequest,
} from '../../src/protocol/sip/index.ts';

export interface ReceivedRequest {
  request: SipRequest;
  /** True when it came in a binary frame. */
  binary: boolean;
  /** The WebSocket message exactly as received. */
  raw: Buffer;
  socket: WebSocket;
  reply: (status: number, options?: ResponseOptions) => void;
}

export type FakeCoreHandler = (received: ReceivedRequest) => void;

export interface FakeCore {
  url: string;
  received: ReceivedRequest[];
  /** Responses (and anything else) the sender sent us that were not requests. */
  otherMessages: Buffer[];
  handler: FakeCoreHandler;
  /** Resolves once at least n requests have arrived in total. */
  waitForRequests(n: number): Promise<ReceivedRequest[]>;
  /** Resolves once n non-request messages have arrived. */
  waitForOtherMessages(n: number): Promise<Buffer[]>;
  /** The sender connections currently open. */
  clients(): Set<WebSocket>;
  close(): Promise<void>;
}

/** Replies 200 OK to every request unless the handler is replaced. */
export const answerOk: FakeCoreHandler = (r) => r.reply(200);

export async function startFakeCore(handler: FakeCoreHandler = answerOk): Promise<FakeCore> {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
  });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  const core: FakeCore = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    received: [],
    otherMessages: [],
    handler,
    waitForRequests(n) {
      return waitUntil(() => core.received.length >= n, () => core.received.slice(0, n));
    },
    waitForOtherMessages(n) {
      return waitUntil(() => core.otherMessages.length >= n, () => core.otherMessages.slice(0, n));
    },
    clients: () => wss.clients,
    close() {
      for (const c of wss.clients) c.terminate();
      return new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
  function waitUntil<T>(done: () => boolean, value: () => T): Promise<T> {
    return new Promise<T>((resolve) => {
      const check = () => {
        if (done()) resolve(value());
        else waiters.push(check);
      };
      check();
    });
  }
  wss.on('connection', (socket) => {
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      const msg = parseSipMessage(data);
      if (msg.kind !== 'request') {
        core.otherMessages.push(data);
        wake();
        return;
      }
      const received: ReceivedRequest = {
        request: msg,
        binary: isBinary,
        raw: data,
        socket,
        reply: (status, options) => {
          if (socket.readyState === WebSocket.OPEN) socket.send(serializeSipMessage(createResponse(msg, status, { toTag: 'fake', ...options })), { binary: false });
        },
      };
      core.received.push(received);
      core.handler(received);
      wake();
    });
  });
  return core;
}
