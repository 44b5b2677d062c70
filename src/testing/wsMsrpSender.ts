/**
 * The sender's end of MSRP over a real WebSocket (the `ws` package, as the Push Sender Agent
 * uses), for receiver tests that must cross a real socket: a server on 127.0.0.1 whose
 * a=path the test puts in its INVITE; each connection the receiver opens is answered its bind
 * SEND and handed to the test as a WsMsrpPeer (not part of the bundle).
 */
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import { parseMsrpMessage, serializeRequest, serializeResponse, type MsrpMessage, type MsrpRequestInit } from '../protocol/msrp/index.ts';
import type { WebSocketLike } from '../agent/msrp/session.ts';

type MsrpResponse = Extract<MsrpMessage, { kind: 'response' }>;
type MsrpRequest = Extract<MsrpMessage, { kind: 'request' }>;

export interface WsMsrpPeer {
  /** Send a SEND or REPORT as the sender (To-Path and From-Path filled in). */
  send(init: Omit<MsrpRequestInit, 'toPath' | 'fromPath'>): void;
  /** Send bytes as they are, one WebSocket message (malformed MSRP on purpose). */
  sendRaw(text: string): void;
  /** The receiver's To-Path for hand-written messages (its URI from the bind). */
  readonly receiverUri: string;
  /** Responses the receiver sent, in order. */
  readonly responses: MsrpResponse[];
  /** REPORTs the receiver sent, in order. */
  readonly reports: MsrpRequest[];
  /** Resolves with the response to this transaction once it arrives. */
  response(transactionId: string): Promise<MsrpResponse>;
  /** Resolves once the receiver closed the socket. */
  readonly closed: Promise<void>;
  /** Close the socket from the sender's side with no SIP BYE (as a crashed or careless sender). */
  drop(): void;
}

export interface WsMsrpSender {
  /** The sender's a=path for the INVITE: `msrp://127.0.0.1:<port>/<session>;ws`. */
  readonly path: string;
  /** The next connection, once its bind SEND was answered 200. */
  nextPeer(): Promise<WsMsrpPeer>;
  /** Make `createWebSocket` of the receiver: a `ws` client. */
  readonly createWebSocket: (url: string, protocol: string) => WebSocketLike;
  close(): Promise<void>;
}

export async function startWsMsrpSender(session = 'wsSenderSess1'): Promise<WsMsrpSender> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => (protocols.has('msrp') ? 'msrp' : false) });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const port = (server.address() as { port: number }).port;
  const path = `msrp://127.0.0.1:${port}/${session};ws`;
  const ready: WsMsrpPeer[] = [];
  const waiting: ((peer: WsMsrpPeer) => void)[] = [];
  let txCounter = 0;

  server.on('connection', (ws) => {
    let receiverPath: string[] = [];
    const responses: MsrpResponse[] = [];
    const reports: MsrpRequest[] = [];
    const watchers = new Map<string, (r: MsrpResponse) => void>();
    let markClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => (markClosed = resolve));
    ws.on('close', () => markClosed());
    const peer: WsMsrpPeer = {
      responses,
      reports,
      closed,
      send: (init) => {
        const transactionId = init.transactionId ?? `tx${++txCounter}`;
        ws.send(serializeRequest({ ...init, transactionId, toPath: receiverPath, fromPath: [path] }));
      },
      response: (transactionId) => {
        const known = responses.find((r) => r.transactionId === transactionId);
        return known ? Promise.resolve(known) : new Promise((resolve) => watchers.set(transactionId, resolve));
      },
      drop: () => ws.terminate(),
      sendRaw: (text) => ws.send(Buffer.from(text, 'utf8')),
      get receiverUri() {
        return receiverPath[receiverPath.length - 1] ?? '';
      },
    };
    ws.on('message', (data: Buffer) => {
      const m = parseMsrpMessage(new Uint8Array(data));
      if (m.kind === 'request' && m.method === 'SEND' && m.body === undefined && receiverPath.length === 0) {
        receiverPath = m.fromPath;
        ws.send(serializeResponse({ transactionId: m.transactionId, code: 200, toPath: [m.fromPath[0]!], fromPath: [path] }));
        const next = waiting.shift();
        if (next) next(peer);
        else ready.push(peer);
      } else if (m.kind === 'request' && m.method === 'REPORT') {
        reports.push(m);
      } else if (m.kind === 'response') {
        responses.push(m);
        watchers.get(m.transactionId)?.(m);
        watchers.delete(m.transactionId);
      }
    });
  });

  return {
    path,
    nextPeer: () => {
      const peer = ready.shift();
      return peer ? Promise.resolve(peer) : new Promise((resolve) => waiting.push(resolve));
    },
    createWebSocket: (url, protocol) => new NodeWebSocket(url, protocol) as unknown as WebSocketLike,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of server.clients) ws.terminate();
        server.close(() => resolve());
      }),
  };
}
