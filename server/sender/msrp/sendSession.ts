/**
 * One MSRP sending session (RFC 4975 over RFC 7977): one push, its own session-id and path.
 * The browser binds with an empty SEND on the endpoint's WebSocket, and we stream the file to
 * it as SEND chunks, paced by flowControl.ts.
 *
 * ```
 *   waiting --bind SEND--> bound --send()--> sending --REPORT 200--> done
 *      |                    |                   |  \--error / close / timeout--> failed
 *      '--------------------'-------------------'--close()--> closed (from any state)
 * ```
 *
 * - Chunks: at most the endpoint's `chunkSize` body bytes so a SEND stays under Kamailio's
 *   65535-byte frame; Message-ID, Byte-Range `start-end/total`, Success-Report: yes,
 *   Failure-Report: yes, Content-Type on each; flag `+` until the last (`$`) (RFC 4975
 *   section 7.1.1). The file is read with a stream whose highWaterMark is the chunk size.
 * - A non-200 response to a chunk stops the transfer (RFC 4975 section 7.1.2, 413 means stop
 *   sending): we end the message with an empty chunk flagged `#` and report the status.
 * - The transfer succeeds on a REPORT for our Message-ID with `Status: 000 200`.
 */
import { createReadStream } from 'node:fs';
import WebSocket from 'ws';
import {
  encodeRequest,
  makeResponse,
  pathEndpoint,
  randomIdent,
  sameSession,
  serializeResponse,
  type ByteRange,
  type MsrpRequest,
  type MsrpRequestInit,
  type MsrpResponse,
} from '../../../src/protocol/msrp/index.ts';
import { SenderError } from '../sip/errors.ts';
import { UnacknowledgedChunks, waitForDrain } from './flowControl.ts';

/** How long to wait for the final REPORT after the last chunk (default), ms. */
export const DEFAULT_REPORT_TIMEOUT_MS = 32_000;

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
  /** Present while the sender holds back: the socket's queue is above the high-water mark, or the window is full. */
  waiting?: 'drain' | 'window';
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

/** What a session needs from the endpoint that owns it. */
export interface SessionHost {
  readonly chunkSize: number;
  readonly highWaterMark: number;
  readonly maxUnacknowledgedChunks: number;
  /** The session closed: drop it, and close its WebSocket when no other session uses it. */
  forget(session: SendSession, ws: WebSocket | undefined): void;
}

interface Outcome {
  status: number;
  reason: string;
  report?: MsrpReportInfo;
}

export class SendSession implements MsrpSendSession {
  ws: WebSocket | undefined;
  private _state: MsrpSessionState = 'waiting';
  private _peerFromPath: string[] | undefined;
  private bindWaiters: Array<(bound: boolean) => void> = [];
  private messageId: string | undefined;
  private readonly unacknowledged: UnacknowledgedChunks;
  private outcome: Outcome | undefined;
  private outcomeWaiter: ((o: Outcome) => void) | undefined;
  private bytesSent = 0;
  private bytesAcked = 0;
  private progress: ((p: TransferProgress) => void) | undefined;
  private totalBytes = 0;
  private firstByte = 1;
  private started = false;

  constructor(
    private readonly host: SessionHost,
    readonly id: string,
    readonly uri: string,
  ) {
    this.unacknowledged = new UnacknowledgedChunks(host.maxUnacknowledgedChunks);
  }

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
    const bytes = this.unacknowledged.answer(response.transactionId);
    if (bytes === undefined) return;
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

  private settle(outcome: Outcome): void {
    if (this.outcome) return;
    this.outcome = outcome;
    this.unacknowledged.wake();
    this.outcomeWaiter?.(outcome);
  }

  private emitProgress(waiting?: TransferProgress['waiting']): void {
    const progress: TransferProgress = { bytesSent: this.bytesSent, bytesAcked: this.bytesAcked, totalBytes: this.totalBytes, firstByte: this.firstByte };
    if (waiting) progress.waiting = waiting;
    this.progress?.(progress);
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
        maxUnacknowledged: this.unacknowledged.maxSeen,
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
      if (flag !== '#') this.unacknowledged.add(transactionId, body.length);
      ws.send(bytes, { binary: true });
      chunks++;
      if (ws.bufferedAmount > maxBufferedAmount) maxBufferedAmount = ws.bufferedAmount;
    };
    const stopped = () => this.outcome !== undefined;
    let offset = firstByte - 1;
    let localFailure: Outcome | undefined;
    if (offset === total) {
      // Nothing (left) to send: one empty chunk closes the message (`1-0/0` for an empty file).
      sendChunk(new Uint8Array(0), offset + 1, '$');
    } else {
      const stream = createReadStream(spec.file, { start: offset, highWaterMark: this.host.chunkSize });
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
          if (ws.bufferedAmount > this.host.highWaterMark) {
            drainWaits++;
            this.emitProgress('drain');
            await waitForDrain(ws, this.host.highWaterMark, stopped);
          }
          if (this.unacknowledged.full) {
            windowWaits++;
            this.emitProgress('window');
            await this.unacknowledged.waitForRoom(ws, stopped);
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

  close(): void {
    if (this._state === 'closed') return;
    if (this._state === 'waiting') this.wakeBindWaiters(false);
    this.settle({ status: 503, reason: 'MSRP session closed' });
    this.transition('closed');
    this.host.forget(this, this.ws);
  }
}
