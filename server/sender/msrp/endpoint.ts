/**
 * The sender's MSRP WebSocket endpoint (RFC 4975 over RFC 7977). The browser is always the
 * active side: it connects here with subprotocol `msrp` to the a=path we offered, binds with
 * an empty SEND, and we stream the file to it (sendSession.ts, paced by flowControl.ts).
 *
 * This module owns the WebSocket server and the table of sessions:
 * - One MSRP message per WebSocket message, always a binary frame (RFC 7977 section 5); a
 *   message is routed to its session by the session-id of the last To-Path URI (the
 *   browser's host is a `.invalid` name, so hosts are not compared: `sameSession`).
 * - Chunks: at most `chunkSize` body bytes (default DEFAULT_CHUNK_SIZE = 61440) so a SEND
 *   stays under Kamailio's 65535-byte frame.
 * - A request for a session we do not know gets 481; one we cannot parse gets the parser's
 *   status when enough of it was read (RFC 4975 section 7.3).
 */
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import {
  DEFAULT_CHUNK_SIZE,
  formatMsrpUri,
  makeResponse,
  MsrpError,
  parseMsrpMessage,
  parseMsrpUri,
  pathEndpoint,
  randomIdent,
  serializeResponse,
  type MsrpRequest,
  type MsrpResponse,
} from '../../../src/protocol/msrp/index.ts';
import { SenderError } from '../sip/errors.ts';
import { DEFAULT_HIGH_WATER_MARK, DEFAULT_MAX_UNACKNOWLEDGED_CHUNKS } from './flowControl.ts';
import { SendSession, type MsrpSendSession, type SessionHost } from './sendSession.ts';

export { DEFAULT_HIGH_WATER_MARK, DEFAULT_MAX_UNACKNOWLEDGED_CHUNKS } from './flowControl.ts';
export {
  DEFAULT_REPORT_TIMEOUT_MS,
  type MsrpReportInfo,
  type MsrpSendSession,
  type MsrpSessionState,
  type TransferProgress,
  type TransferResult,
  type TransferSpec,
} from './sendSession.ts';

export const MSRP_SUBPROTOCOL = 'msrp';
/** Largest chunk body: a SEND with its headers (under 1 KB) must stay under a 65535-byte frame. */
export const MAX_CHUNK_SIZE = 64 * 1024 - 1024;
/** Largest message the receiver may send us (bind SEND, responses, REPORTs). */
const MAX_INCOMING_BYTES = 64 * 1024;

export interface MsrpEndpointOptions {
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: a random free port). */
  port?: number;
  /** Host written in a=path (default the bound address). */
  advertisedHost?: string;
  /** Body bytes per SEND chunk (default 61440, at most MAX_CHUNK_SIZE). */
  chunkSize?: number;
  /** Flow control: wait while ws.bufferedAmount is above this (default 1 MiB). */
  highWaterMark?: number;
  /** Flow control: most chunks sent and not yet answered (default 32; 0: no window). */
  maxUnacknowledgedChunks?: number;
}

export interface MsrpEndpoint {
  readonly host: string;
  readonly port: number;
  /** `ws://host:port`. */
  readonly url: string;
  readonly chunkSize: number;
  readonly highWaterMark: number;
  readonly maxUnacknowledgedChunks: number;
  /** Sessions not yet closed. */
  readonly sessionCount: number;
  createSession(): MsrpSendSession;
  close(): Promise<void>;
}

export async function startMsrpEndpoint(options: MsrpEndpointOptions = {}): Promise<MsrpEndpoint> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw new SenderError('SENDER_ERR_OPTION', `chunkSize must be an integer from 1 to ${MAX_CHUNK_SIZE}, got ${chunkSize}`);
  }
  const highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  if (!Number.isSafeInteger(highWaterMark) || highWaterMark < 0) {
    throw new SenderError('SENDER_ERR_OPTION', `highWaterMark must be a non-negative integer, got ${highWaterMark}`);
  }
  const maxUnacknowledgedChunks = options.maxUnacknowledgedChunks ?? DEFAULT_MAX_UNACKNOWLEDGED_CHUNKS;
  if (!Number.isSafeInteger(maxUnacknowledgedChunks) || maxUnacknowledgedChunks < 0) {
    throw new SenderError('SENDER_ERR_OPTION', `maxUnacknowledgedChunks must be a non-negative integer, got ${maxUnacknowledgedChunks}`);
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new SenderError('SENDER_ERR_OPTION', `Invalid MSRP port ${port}`);
  const host = options.host ?? '127.0.0.1';
  const wss = new WebSocketServer({
    host,
    port,
    maxPayload: MAX_INCOMING_BYTES,
    perMessageDeflate: false,
    // RFC 7977 section 4: the client offers `msrp`; anything else is refused at the handshake.
    handleProtocols: (protocols) => (protocols.has(MSRP_SUBPROTOCOL) ? MSRP_SUBPROTOCOL : false),
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', (err: Error & { code?: string }) =>
      reject(new SenderError('SENDER_ERR_OPTION', `cannot listen for MSRP on ${host}:${port}: ${err.code ?? err.message}`, { cause: err })),
    );
  });
  return new Endpoint(wss, options.advertisedHost ?? host, chunkSize, highWaterMark, maxUnacknowledgedChunks);
}

class Endpoint implements MsrpEndpoint, SessionHost {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  private readonly sessions = new Map<string, SendSession>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly wss: WebSocketServer,
    advertisedHost: string,
    readonly chunkSize: number,
    readonly highWaterMark: number,
    readonly maxUnacknowledgedChunks: number,
  ) {
    this.host = advertisedHost.includes(':') && !advertisedHost.startsWith('[') ? `[${advertisedHost}]` : advertisedHost;
    this.port = (wss.address() as AddressInfo).port;
    this.url = `ws://${this.host}:${this.port}`;
    wss.on('connection', (ws) => this.onConnection(ws));
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  createSession(): MsrpSendSession {
    if (this.closing) throw new SenderError('SENDER_ERR_CLOSED', 'The MSRP endpoint is closed');
    const id = randomIdent(16);
    const uri = formatMsrpUri({ secure: false, host: this.host, port: this.port, sessionId: id, transport: 'ws', params: [] });
    const session = new SendSession(this, id, uri);
    this.sessions.set(id, session);
    return session;
  }

  forget(session: SendSession, ws: WebSocket | undefined): void {
    this.sessions.delete(session.id);
    if (ws && ws.readyState === WebSocket.OPEN && ![...this.sessions.values()].some((s) => s.ws === ws)) ws.close(1000);
  }

  private onConnection(ws: WebSocket): void {
    ws.binaryType = 'nodebuffer';
    ws.on('error', () => {
      // 'close' follows.
    });
    ws.on('message', (data: Buffer) => this.onMessage(ws, data));
    ws.once('close', () => {
      for (const s of this.sessions.values()) if (s.ws === ws) s.onSocketClosed();
    });
  }

  private onMessage(ws: WebSocket, data: Buffer): void {
    let message: MsrpRequest | MsrpResponse;
    try {
      message = parseMsrpMessage(data);
    } catch (err) {
      // Answer an unintelligible request when enough of it was read (RFC 4975 section 7.3).
      const head = err instanceof MsrpError ? err.head : undefined;
      if (head?.kind === 'request' && err instanceof MsrpError) {
        const response = makeResponse(head, err.status);
        if (response) ws.send(serializeResponse(response), { binary: true });
      }
      return;
    }
    const target = pathEndpoint(message.toPath);
    let session: SendSession | undefined;
    try {
      const id = target === undefined ? undefined : parseMsrpUri(target).sessionId;
      session = id === undefined ? undefined : this.sessions.get(id);
    } catch {
      session = undefined;
    }
    if (message.kind === 'response') {
      session?.onResponse(message);
      return;
    }
    if (!session) {
      // RFC 4975 section 7.3: a request for a session we do not know gets 481.
      const response = makeResponse(message, 481);
      if (response) ws.send(serializeResponse(response), { binary: true });
      return;
    }
    session.onRequest(message, ws);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const s of [...this.sessions.values()]) s.close();
      for (const client of this.wss.clients) client.terminate();
      await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    })();
    return this.closing;
  }
}
