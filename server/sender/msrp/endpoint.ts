/**
 * The sender's MSRP WebSocket endpoint (RFC 4975 over RFC 7977). The browser is always the
 * active side: it connects here with subprotocol `msrp` to the a=path we offered, binds with
 * an empty SEND, and we stream the file to it as SEND chunks.
 *
 * A session (one per push, its own session-id and path):
 *
 * ```
 *   waiting --bind SEND--> bound --send()--> sending --REPORT 200--> done
 *      |                    |                   |  \--error / close / timeout--> failed
 *      '--------------------'-------------------'--close()--> closed (from any state)
 * ```
 *
 * - One MSRP message per WebSocket message, always a binary frame (RFC 7977 section 5); a
 *   message is routed to its session by the session-id of the last To-Path URI (the
 *   browser's host is a `.invalid` name, so hosts are not compared: `sameSession`).
 * - Chunks: at most `chunkSize` body bytes (default DEFAULT_CHUNK_SIZE = 61440) so a SEND
 *   stays under Kamailio's 65535-byte frame; Message-ID, Byte-Range `start-end/total`,
 *   Success-Report: yes, Failure-Report: yes, Content-Type on each; flag `+` until the last
 *   (`$`) (RFC 4975 section 7.1.1).
 * - Flow control: the file is read with a stream whose highWaterMark is the chunk size, and
 *   after each send we wait while `ws.bufferedAmount` is above `highWaterMark` (default
 *   DEFAULT_HIGH_WATER_MARK). `ws` has no drain event: we wait for the underlying socket's
 *   'drain', with a short timer as a fallback. Memory stays bounded by the high-water mark
 *   plus a couple of chunks, whatever the file size.
 * - Window: at most `maxUnacknowledgedChunks` chunks (default DEFAULT_MAX_UNACKNOWLEDGED_CHUNKS)
 *   may wait for their 200 (RFC 4975 section 7.1.2: Failure-Report yes, so each chunk is
 *   answered). A browser's WebSocket has no receive back-pressure: it hands every message to
 *   JS as fast as it arrives, so without this window a receiver that stores slower than the
 *   network delivers would queue the whole file in its heap. The receiver answers each chunk
 *   once it is written, so the window bounds its memory to about window x chunk size.
 * - A non-200 response to a chunk stops the transfer (RFC 4975 section 7.1.2, 413 means stop
 *   sending): we end the message with an empty chunk flagged `#` and report the status.
 * - The transfer succeeds on a REPORT for our Message-ID with `Status: 000 200`.
 */
import { createReadStream } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import {
  DEFAULT_CHUNK_SIZE,
  encodeRequest,
  formatMsrpUri,
  makeResponse,
  MsrpError,
  parseMsrpMessage,
  parseMsrpUri,
  pathEndpoint,
  randomIdent,
  sameSession,
  serializeResponse,
  type ByteRange,
  type MsrpRequest,
  type MsrpRequestInit,
  type MsrpResponse,
} from '../../../src/protocol/msrp/index.ts';
import { SenderError } from '../sipClient.ts';

export const MSRP_SUBPROTOCOL = 'msrp';
/** Bytes queued on a WebSocket above which the sender waits before the next chunk. */
export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
/** Largest chunk body: a SEND with its headers (under 1 KB) must stay under a 65535-byte frame. */
export const MAX_CHUNK_SIZE = 64 * 1024 - 1024;
/** How long to wait for the final REPORT after the last chunk (default), ms. */
export const DEFAULT_REPORT_TIMEOUT_MS = 32_000;
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

/** 32 chunks of 60 KB: about 2 MB in flight, enough to keep a loopback or LAN path busy. */
export const DEFAULT_MAX_UNACKNOWLEDGED_CHUNKS = 32;

export type MsrpSessionState = 'waiting' | 'bound' | 'sending' | 'done' | 'failed' | 'closed';

const SESSION_TRANSITIONS: Record<MsrpSessionState, readonly MsrpSessionState[]> = {
  waiting: ['bound', 'failed', 'closed'],
  bound: ['sending', 'failed', 'closed'],
  sending: ['done', 'failed', 'closed'],
  done: ['closed'],
  failed: ['closed'],
  closed: [],
};

export interface TransferProgress {
  /** Body bytes put on the socket in this session. */
  bytesSent: number;
  /** Body bytes the receiver answered 200 for. */
  bytesAcked: number;
  /** Size of the whole file. */
  totalBytes: number;
  /** 1-based first byte of this session (above 1 when resuming). */
  firstByte: number;
}

export interface TransferSpec {
  /** Path of the file to send. */
  file: string;
  contentType: string;
  /** Size of the whole file: the Byte-Range total. */
  totalBytes: number;
  /** 1-based first byte to send (RFC 5547 section 8 resume); default 1. */
  firstByte?: number;
  /** The peer's a=path from the SDP answer: our To-Path. */
  peerPath: string[];
  /** Wait this long for the REPORT after the last chunk (default 32000 ms). */
  reportTimeoutMs?: number;
  onProgress?: (progress: TransferProgress) => void;
}

export interface MsrpReportInfo {
  /** Status code of the REPORT (`000 <code>`). */
  code: number;
  reason?: string;
  byteRange?: ByteRange;
}

export interface TransferResult {
  ok: boolean;
  /** 200 on a success REPORT; the code of an error response or REPORT; 408 timeout; 503 connection lost or local abort. */
  status: number;
  reason: string;
  bytesSent: number;
  bytesAcked: number;
  report?: MsrpReportInfo;
  chunks: number;
  /** Largest ws.bufferedAmount seen right after a send. */
  maxBufferedAmount: number;
  /** Times the sender waited for the socket's queue to drain below the high-water mark. */
  drainWaits: number;
  /** Times the sender waited for 200s because the window of unanswered chunks was full. */
  windowWaits: number;
  /** Most chunks that were unanswered at once. */
  maxUnacknowledged: number;
}

export interface MsrpSendSession {
  readonly id: string;
  /** Our MSRP URI, for a=path: `msrp://<host>:<port>/<id>;ws`. */
  readonly uri: string;
  readonly state: MsrpSessionState;
  /** The receiver's From-Path from its bind SEND. */
  readonly peerFromPath: readonly string[] | undefined;
  /** Resolves true once bound, false after `timeoutMs` or when the session ends first. */
  waitForBind(timeoutMs: number): Promise<boolean>;
  /** Stream a file; resolves with the outcome, never rejects. Once per session. */
  send(spec: TransferSpec): Promise<TransferResult>;
  /** Stop a transfer in progress (it resolves failed with status 503 and this reason). */
  abort(reason: string): void;
  /** Forget the session; its WebSocket closes when no other session uses it. */
  close(): void;
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
      reject(new SenderError('SENDER_ERR_OPTION', `cannot listen for MSRP on ${host}:${port}: ${err.code ?? err.message}`)),
    );
  });
  return new Endpoint(wss, options.advertisedHost ?? host, chunkSize, highWaterMark, maxUnacknowledgedChunks);
}

class Endpoint implements MsrpEndpoint {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  private readonly sessions = new Map<string, Session>();
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
    const session = new Session(this, id, uri);
    this.sessions.set(id, session);
    return session;
  }

  forget(session: Session, ws: WebSocket | undefined): void {
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
    let session: Session | undefined;
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

interface Outcome {
  status: number;
  reason: string;
  report?: MsrpReportInfo;
}

class Session implements MsrpSendSession {
  ws: WebSocket | undefined;
  private _state: MsrpSessionState = 'waiting';
  private _peerFromPath: string[] | undefined;
  private bindWaiters: Array<(bound: boolean) => void> = [];
  private messageId: string | undefined;
  /** Transaction ID -> bytes of the chunk, for the 200s. */
  private readonly pending = new Map<string, number>();
  private outcome: Outcome | undefined;
  private outcomeWaiter: ((o: Outcome) => void) | undefined;
  /** Woken by a chunk's response, the outcome or the socket closing (window waits). */
  private ackWaiter: (() => void) | undefined;
  private bytesSent = 0;
  private bytesAcked = 0;
  private progress: ((p: TransferProgress) => void) | undefined;
  private totalBytes = 0;
  private firstByte = 1;
  private started = false;

  constructor(
    private readonly endpoint: Endpoint,
    readonly id: string,
    readonly uri: string,
  ) {}

  get state(): MsrpSessionState {
    return this._state;
  }

  get peerFromPath(): readonly string[] | undefined {
    return this._peerFromPath;
  }

  private transition(next: MsrpSessionState): void {
    if (!SESSION_TRANSITIONS[this._state].includes(next)) throw new Error(`Illegal MSRP session state change ${this._state} -> ${next}`);
    this._state = next;
  }

  waitForBind(timeoutMs: number): Promise<boolean> {
    if (this._state !== 'waiting') return Promise.resolve(this._state === 'bound' || this._state === 'sending' || this._state === 'done');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.bindWaiters = this.bindWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter = (bound: boolean) => {
        clearTimeout(timer);
        resolve(bound);
      };
      this.bindWaiters.push(waiter);
    });
  }

  private wakeBindWaiters(bound: boolean): void {
    for (const w of this.bindWaiters.splice(0)) w(bound);
  }

  onRequest(request: MsrpRequest, ws: WebSocket): void {
    const respond = (code: number, comment?: string) => {
      const response = makeResponse(request, code, comment);
      if (response && ws.readyState === WebSocket.OPEN) ws.send(serializeResponse(response), { binary: true });
    };
    if (request.method === 'SEND') {
      const empty = request.body === undefined || request.body.length === 0;
      if (!empty) return respond(403, 'This session only sends'); // a=sendonly (RFC 5547 section 8)
      if (this._state === 'waiting') {
        // The bind (RFC 7977 section 5): the active side's first SEND opens the session.
        this.ws = ws;
        this._peerFromPath = [...request.fromPath];
        this.transition('bound');
        respond(200);
        this.wakeBindWaiters(true);
        return;
      }
      if (this.ws !== ws) return respond(506); // RFC 4975 section 10: Session Already In Use
      return respond(200);
    }
    if (request.method === 'REPORT') {
      if (this.ws === ws && request.messageId !== undefined && request.messageId === this.messageId) this.onReport(request);
      return; // REPORTs get no response (RFC 4975 section 7.1.2)
    }
    respond(501);
  }

  onResponse(response: MsrpResponse): void {
    const bytes = this.pending.get(response.transactionId);
    if (bytes === undefined) return;
    this.pending.delete(response.transactionId);
    this.wakeAckWaiter();
    if (response.code === 200) {
      this.bytesAcked += bytes;
      this.emitProgress();
      return;
    }
    // RFC 4975 section 7.1.2: an error response means the chunk was not delivered; stop.
    this.settle({ status: response.code, reason: `MSRP ${response.code}${response.comment ? ` ${response.comment}` : ''} (chunk refused by the receiver)` });
  }

  private onReport(report: MsrpRequest): void {
    const status = report.status;
    if (!status) return;
    const info: MsrpReportInfo = { code: status.code };
    if (status.reason !== undefined) info.reason = status.reason;
    if (report.byteRange) info.byteRange = report.byteRange;
    if (status.namespace === '000' && status.code === 200) {
      const end = report.byteRange?.end;
      // A success REPORT for part of the message (end below total) is progress, not the end.
      if (typeof end === 'number' && end < this.totalBytes) return;
      this.settle({ status: 200, reason: 'OK (REPORT 000 200)', report: info });
      return;
    }
    this.settle({ status: status.code, reason: `REPORT ${status.namespace} ${status.code}${status.reason ? ` ${status.reason}` : ''}`, report: info });
  }

  onSocketClosed(): void {
    if (this._state === 'waiting') return; // The receiver may still connect again.
    this.ws = undefined;
    this.settle({ status: 503, reason: `MSRP connection closed by the receiver after ${this.bytesSent} bytes` });
    if (this._state === 'bound') this.transition('failed');
  }

  abort(reason: string): void {
    this.settle({ status: 503, reason });
    if (this._state === 'waiting') this.wakeBindWaiters(false);
  }

  private wakeAckWaiter(): void {
    const waiter = this.ackWaiter;
    this.ackWaiter = undefined;
    waiter?.();
  }

  private settle(outcome: Outcome): void {
    if (this.outcome) return;
    this.outcome = outcome;
    this.wakeAckWaiter();
    this.outcomeWaiter?.(outcome);
  }

  private emitProgress(): void {
    this.progress?.({ bytesSent: this.bytesSent, bytesAcked: this.bytesAcked, totalBytes: this.totalBytes, firstByte: this.firstByte });
  }

  async send(spec: TransferSpec): Promise<TransferResult> {
    if (this.started) throw new SenderError('SENDER_ERR_OPTION', 'A session sends one file');
    this.started = true;
    const firstByte = spec.firstByte ?? 1;
    this.totalBytes = spec.totalBytes;
    this.firstByte = firstByte;
    this.progress = spec.onProgress;
    let chunks = 0;
    let maxBufferedAmount = 0;
    let drainWaits = 0;
    let windowWaits = 0;
    let maxUnacknowledged = 0;
    const result = (o: Outcome): TransferResult => {
      const r: TransferResult = {
        ok: o.status === 200,
        status: o.status,
        reason: o.reason,
        bytesSent: this.bytesSent,
        bytesAcked: this.bytesAcked,
        chunks,
        maxBufferedAmount,
        drainWaits,
        windowWaits,
        maxUnacknowledged,
      };
      if (o.report) r.report = o.report;
      if (this._state === 'sending') this.transition(r.ok ? 'done' : 'failed');
      return r;
    };
    if (this.outcome) return result(this.outcome);
    const ws = this.ws;
    if (this._state !== 'bound' || !ws) return result({ status: 503, reason: `MSRP session not bound (${this._state})` });
    if (spec.peerPath.length === 0) return result({ status: 503, reason: 'No peer path' });
    // RFC 4975 section 7.3 / RFC 7977 section 5: the bind must come from the path of the answer.
    const bindFrom = pathEndpoint(this._peerFromPath ?? []);
    const answered = pathEndpoint(spec.peerPath)!;
    let matches = false;
    try {
      matches = bindFrom !== undefined && sameSession(bindFrom, answered);
    } catch {
      matches = false;
    }
    if (!matches) return result({ status: 403, reason: `MSRP bind From-Path ${bindFrom} does not match the SDP answer's path ${answered}` });
    if (!Number.isSafeInteger(firstByte) || firstByte < 1 || firstByte > spec.totalBytes + 1) {
      return result({ status: 423, reason: `Invalid first byte ${firstByte} for ${spec.totalBytes} bytes` });
    }
    this.transition('sending');
    this.messageId = randomIdent(20);
    const base: Omit<MsrpRequestInit, 'byteRange' | 'body' | 'flag'> = {
      method: 'SEND',
      toPath: spec.peerPath,
      fromPath: [this.uri],
      messageId: this.messageId,
      successReport: 'yes',
      failureReport: 'yes',
      contentType: spec.contentType,
    };
    const total = spec.totalBytes;
    const sendChunk = (body: Uint8Array, start: number, flag: '+' | '$' | '#'): void => {
      const byteRange: ByteRange = { start, end: start + body.length - 1, total };
      const { bytes, transactionId } = encodeRequest({ ...base, byteRange, body, flag });
      if (flag !== '#') this.pending.set(transactionId, body.length);
      ws.send(bytes, { binary: true });
      chunks++;
      if (ws.bufferedAmount > maxBufferedAmount) maxBufferedAmount = ws.bufferedAmount;
      if (this.pending.size > maxUnacknowledged) maxUnacknowledged = this.pending.size;
    };
    let offset = firstByte - 1;
    let localFailure: Outcome | undefined;
    if (offset === total) {
      // Nothing (left) to send: one empty chunk closes the message (`1-0/0` for an empty file).
      sendChunk(new Uint8Array(0), offset + 1, '$');
    } else {
      const stream = createReadStream(spec.file, { start: offset, highWaterMark: this.endpoint.chunkSize });
      try {
        for await (const buf of stream as AsyncIterable<Buffer>) {
          if (this.outcome || ws.readyState !== WebSocket.OPEN) break;
          if (offset + buf.length > total) {
            localFailure = { status: 503, reason: `File ${spec.file} grew during the transfer` };
            break;
          }
          const last = offset + buf.length === total;
          sendChunk(buf, offset + 1, last ? '$' : '+');
          offset += buf.length;
          this.bytesSent += buf.length;
          this.emitProgress();
          if (ws.bufferedAmount > this.endpoint.highWaterMark) {
            drainWaits++;
            await this.drain(ws);
          }
          if (this.windowFull()) {
            windowWaits++;
            await this.waitForWindow(ws);
          }
        }
      } catch (err) {
        localFailure = { status: 503, reason: `Cannot read ${spec.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
      } finally {
        stream.destroy();
      }
      if (!localFailure && !this.outcome && ws.readyState === WebSocket.OPEN && offset !== total) {
        localFailure = { status: 503, reason: `File ${spec.file} shrank during the transfer` };
      }
    }
    if (localFailure) this.settle(localFailure);
    const early = this.outcome as Outcome | undefined;
    if (early) {
      // Stopped early: end the message with `#` (RFC 4975 section 7.1.1) if the socket is still there.
      if (offset < total && early.status !== 200 && ws.readyState === WebSocket.OPEN) sendChunk(new Uint8Array(0), offset + 1, '#');
      return result(early);
    }
    if (ws.readyState !== WebSocket.OPEN) {
      this.settle({ status: 503, reason: `MSRP connection closed by the receiver after ${this.bytesSent} bytes` });
      return result(this.outcome!);
    }
    // Everything is on the wire: wait for the REPORT (or an error response, or the socket closing).
    const timeoutMs = spec.reportTimeoutMs ?? DEFAULT_REPORT_TIMEOUT_MS;
    const outcome = await new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => this.settle({ status: 408, reason: `No REPORT within ${timeoutMs} ms after the last chunk` }), timeoutMs);
      this.outcomeWaiter = (o) => {
        clearTimeout(timer);
        resolve(o);
      };
    });
    return result(outcome);
  }

  private windowFull(): boolean {
    const max = this.endpoint.maxUnacknowledgedChunks;
    return max > 0 && this.pending.size >= max;
  }

  /** Wait until fewer than maxUnacknowledgedChunks chunks are unanswered, or the transfer ended. */
  private async waitForWindow(ws: WebSocket): Promise<void> {
    while (this.windowFull() && ws.readyState === WebSocket.OPEN && !this.outcome) {
      await new Promise<void>((resolve) => {
        const done = () => {
          ws.removeListener('close', done);
          if (this.ackWaiter === done) this.ackWaiter = undefined;
          resolve();
        };
        this.ackWaiter = done;
        ws.once('close', done);
      });
    }
  }

  /** Wait until the socket's queue is at or below the high-water mark, or the transfer ended. */
  private async drain(ws: WebSocket): Promise<void> {
    const socket = (ws as unknown as { _socket?: Socket })._socket;
    while (ws.bufferedAmount > this.endpoint.highWaterMark && ws.readyState === WebSocket.OPEN && !this.outcome) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          socket?.removeListener('drain', done);
          ws.removeListener('close', done);
          resolve();
        };
        // 'drain' of the TCP socket when it has one; the timer covers bytes queued inside ws.
        const timer = setTimeout(done, 5);
        socket?.once('drain', done);
        ws.once('close', done);
      });
    }
  }

  close(): void {
    if (this._state === 'closed') return;
    if (this._state === 'waiting') this.wakeBindWaiters(false);
    this.settle({ status: 503, reason: 'MSRP session closed' });
    this.transition('closed');
    this.endpoint.forget(this, this.ws);
  }
}
