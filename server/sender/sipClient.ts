/**
 * A lean SIP user agent client over one WebSocket (RFC 7118), for the Push Sender Agent.
 *
 * Not JsSIP: the sender needs throughput (many requests in flight on one socket, little work
 * per request) and, later, an INVITE carrying `m=message` for MSRP, which JsSIP can only send
 * through RTCPeerConnection. So requests are built as text directly and each one runs a
 * non-INVITE client transaction (RFC 3261 section 17.1.2, sip/transactions.ts) on a reliable
 * transport (sip/transport.ts).
 *
 * This module turns a caller's request into transactions: it builds the request text, queues
 * beyond `maxInFlight`, matches responses by the top Via branch and the CSeq method (section
 * 17.1.3), answers a 401/407 once with digest credentials (section 22.2/22.3, sip/digest.ts) in
 * a new transaction with the same Call-ID and CSeq + 1, and hands what it does not claim to the
 * INVITE client through the SipWire (sip/wire.ts).
 */
import {
  createResponse,
  getHeader,
  newBranch,
  parseCSeq,
  parseUri,
  parseVia,
  quote,
  randomToken,
  serializeSipMessage,
  type SipHeader,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../../src/protocol/sip/index.ts';
import { DigestCredentials } from './sip/digest.ts';
import { positive, SenderError } from './sip/errors.ts';
import { REQUEST_URI, SENDER_USER_AGENT, TOKEN, validateExtraHeader } from './sip/headers.ts';
import { REASON_CLOSED, REASON_CONNECTION_LOST, REASON_TIMEOUT, sipResult, type SipResult } from './sip/result.ts';
import { DEFAULT_TIMEOUT_MS, TransactionTable } from './sip/transactions.ts';
import { SipTransport, type ClientState } from './sip/transport.ts';
import type { SipWire, SipWireHandler } from './sip/wire.ts';

export { SenderError, type SenderErrorCode } from './sip/errors.ts';
export { SENDER_USER_AGENT, validateExtraHeader } from './sip/headers.ts';
export { REASON_CLOSED, REASON_CONNECTION_LOST, REASON_TIMEOUT, type SipResult } from './sip/result.ts';
export { DEFAULT_TIMEOUT_MS } from './sip/transactions.ts';
export type { ClientState } from './sip/transport.ts';
export type { SipWire, SipWireHandler } from './sip/wire.ts';

export interface SipClientOptions {
  /** WebSocket URL of the core, e.g. `ws://127.0.0.1:8066`; the subprotocol is always `sip`. */
  server: string;
  /** Our address of record, e.g. `sip:psa@localhost` (From header). */
  from: string;
  displayName?: string;
  /** Digest user name; defaults to the user part of `from`. */
  authUser?: string;
  /** Digest password; without it a 401/407 is the final result. */
  password?: string;
  /** Timer F in milliseconds (default 32000); also the WebSocket handshake timeout. */
  timeoutMs?: number;
  /** Requests beyond this many in flight wait in a FIFO queue (default: unlimited). */
  maxInFlight?: number;
  /** Contact URI to put in requests; omitted by default. */
  contact?: string;
  /** Sees every SIP message sent and received, as text (binary bodies decoded lossily). */
  trace?: (direction: 'send' | 'recv', text: string) => void;
}

export interface SipRequestSpec {
  method: string;
  /** Request-URI, also used as the To URI unless `to` is given. */
  uri: string;
  /** To URI when it differs from the Request-URI (REGISTER: the AoR, while the Request-URI is the registrar's domain). */
  to?: string;
  /** Extra headers, after the ones the client manages (Via, From, To, Call-ID, CSeq...). */
  headers?: SipHeader[];
  contentType?: string;
  body?: string | Uint8Array;
  /** Timer F for this request, overriding the client's. */
  timeoutMs?: number;
}

/** One request as the caller sees it: may span two transactions (challenge, then credentials). */
interface Operation {
  method: string;
  uri: string;
  to: string;
  callId: string;
  fromTag: string;
  cseq: number;
  /** Header lines after CSeq, already formatted, without the auth line and Content-Length. */
  fixedHeaders: string;
  body: string | Uint8Array;
  bodyLength: number;
  timeoutMs: number;
  startedAt: number;
  authTried: boolean;
  resolve: (result: SipResult) => void;
}

export interface SipClient {
  readonly state: ClientState;
  /** Requests sent and awaiting a final response. */
  readonly inFlight: number;
  /** Open the WebSocket; resolves once it is open, rejects with SENDER_ERR_CONNECT. Idempotent. */
  connect(): Promise<void>;
  /** Send one non-INVITE request; resolves with the final result, never rejects for SIP outcomes. */
  request(spec: SipRequestSpec): Promise<SipResult>;
  /** Close the socket; pending requests resolve with a local 503. */
  close(): Promise<void>;
  /** The connection under the non-INVITE path, for the INVITE client (sip/inviteClient.ts). */
  readonly wire: SipWire;
}

export function createSipClient(options: SipClientOptions): SipClient {
  return new LeanSipClient(options);
}

class LeanSipClient implements SipClient {
  private readonly options: SipClientOptions;
  private readonly viaHost = `${randomToken(12)}.invalid`;
  private readonly fromPrefix: string;
  private readonly defaultTimeoutMs: number;
  private readonly maxInFlight: number;
  private readonly transport: SipTransport;
  private readonly transactions = new TransactionTable<Operation>((op) => op.resolve(sipResult(op.startedAt, 408, REASON_TIMEOUT)));
  private readonly waiting: Array<() => void> = [];
  private active = 0;
  private readonly digest: DigestCredentials;
  private readonly handlers = new Set<SipWireHandler>();
  readonly wire: SipWire;

  constructor(options: SipClientOptions) {
    this.options = options;
    let fromUri;
    try {
      fromUri = parseUri(options.from);
    } catch {
      throw new SenderError('SENDER_ERR_URI', `Invalid --from URI ${JSON.stringify(options.from)}`);
    }
    const display = options.displayName ? `${quote(options.displayName)} ` : '';
    this.fromPrefix = `${display}<${options.from}>`;
    this.digest = new DigestCredentials(options.authUser ?? fromUri.user, options.password);
    this.defaultTimeoutMs = positive(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs');
    this.maxInFlight = positive(options.maxInFlight, Infinity, 'maxInFlight');
    if (options.contact !== undefined && !REQUEST_URI.test(options.contact)) {
      throw new SenderError('SENDER_ERR_URI', `Invalid contact URI ${JSON.stringify(options.contact)}`);
    }
    this.transport = new SipTransport({
      url: options.server,
      handshakeTimeoutMs: this.defaultTimeoutMs,
      trace: (direction, text) => this.options.trace?.(direction, text),
      onMessage: (message) => this.onMessage(message),
      onClosed: (reason) => this.onSocketClosed(reason),
    });
    const contactUri = options.contact ?? `sip:${fromUri.user ?? 'psa'}@${this.viaHost};transport=ws`;
    const transport = this.transport;
    this.wire = {
      viaHost: this.viaHost,
      fromHeader: this.fromPrefix,
      contactUri,
      get isOpen() {
        return transport.isOpen;
      },
      connect: () => this.connect(),
      send: (text) => transport.sendText(text),
      credentials: (method, uri, challenge) => this.digest.answer(method, uri, challenge),
      attach: (handler) => {
        this.handlers.add(handler);
        return () => this.handlers.delete(handler);
      },
    };
  }

  get state(): ClientState {
    return this.transport.state;
  }

  get inFlight(): number {
    return this.transactions.size;
  }

  connect(): Promise<void> {
    return this.transport.connect();
  }

  async request(spec: SipRequestSpec): Promise<SipResult> {
    const startedAt = performance.now();
    if (this.transport.closedByUser) throw new SenderError('SENDER_ERR_CLOSED', 'The sender is closed');
    const op = this.prepare(spec, startedAt);
    if (this.transport.state !== 'open') {
      if (this.transport.state === 'closed') return sipResult(startedAt, 503, REASON_CONNECTION_LOST);
      await this.connect();
    }
    if (this.active >= this.maxInFlight) {
      await new Promise<void>((resume) => this.waiting.push(resume));
      if (this.transport.state !== 'open') return sipResult(startedAt, 503, this.transport.downReason);
    }
    this.active++;
    try {
      return await new Promise<SipResult>((resolve) => {
        op.resolve = resolve;
        this.transmit(op, '');
      });
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  close(): Promise<void> {
    const closing = this.transport.close();
    if (closing) return closing;
    this.failAll(REASON_CLOSED);
    return Promise.resolve();
  }

  /** Validate and pre-format everything that does not change between transactions. */
  private prepare(spec: SipRequestSpec, startedAt: number): Operation {
    if (!TOKEN.test(spec.method)) throw new SenderError('SENDER_ERR_OPTION', `Invalid method ${JSON.stringify(spec.method)}`);
    if (!REQUEST_URI.test(spec.uri)) throw new SenderError('SENDER_ERR_URI', `Invalid request URI ${JSON.stringify(spec.uri)} (expected sip: or sips:)`);
    if (spec.to !== undefined && !REQUEST_URI.test(spec.to)) throw new SenderError('SENDER_ERR_URI', `Invalid To URI ${JSON.stringify(spec.to)} (expected sip: or sips:)`);
    const timeoutMs = positive(spec.timeoutMs, this.defaultTimeoutMs, 'timeoutMs');
    const method = spec.method.toUpperCase();
    let fixed = '';
    if (this.options.contact) fixed += `Contact: <${this.options.contact}>\r\n`;
    fixed += `User-Agent: ${SENDER_USER_AGENT}\r\n`;
    if (spec.contentType !== undefined) {
      if (/[\r\n]/.test(spec.contentType) || !spec.contentType.includes('/')) {
        throw new SenderError('SENDER_ERR_HEADER', `Invalid content type ${JSON.stringify(spec.contentType)}`);
      }
      fixed += `Content-Type: ${spec.contentType}\r\n`;
    }
    for (const h of spec.headers ?? []) {
      validateExtraHeader(h);
      fixed += `${h.name}: ${h.value}\r\n`;
    }
    const body = spec.body ?? '';
    return {
      method,
      uri: spec.uri,
      to: spec.to ?? spec.uri,
      callId: randomToken(22),
      fromTag: randomToken(10),
      cseq: 1,
      fixedHeaders: fixed,
      body,
      bodyLength: typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
      timeoutMs,
      startedAt,
      authTried: false,
      resolve: () => {},
    };
  }

  /** Open a transaction for the operation and put the request on the wire. */
  private transmit(op: Operation, authLines: string): void {
    if (!this.transport.isOpen) {
      op.resolve(sipResult(op.startedAt, 503, this.transport.downReason));
      return;
    }
    const branch = newBranch();
    const head =
      `${op.method} ${op.uri} SIP/2.0\r\n` +
      `Via: SIP/2.0/WS ${this.viaHost};branch=${branch};rport\r\n` +
      `Max-Forwards: 70\r\n` +
      `From: ${this.fromPrefix};tag=${op.fromTag}\r\n` +
      `To: <${op.to}>\r\n` +
      `Call-ID: ${op.callId}\r\n` +
      `CSeq: ${op.cseq} ${op.method}\r\n` +
      op.fixedHeaders +
      authLines +
      `Content-Length: ${op.bodyLength}\r\n\r\n`;
    this.transactions.add(branch, op, op.timeoutMs);
    this.transport.sendRequest(head, op.body);
  }

  private onMessage(msg: SipMessage): void {
    if (msg.kind === 'request') {
      for (const h of this.handlers) if (h.onRequest(msg)) return;
      this.answerRequest(msg);
      return;
    }
    const via = getHeader(msg, 'via');
    if (via === undefined) return;
    let branch: string | null | undefined;
    try {
      branch = parseVia(via.split(',')[0]!).params.get('branch');
    } catch {
      return;
    }
    if (!branch) return;
    const cseq = getHeader(msg, 'cseq');
    let cseqMethod: string | undefined;
    try {
      cseqMethod = cseq === undefined ? undefined : parseCSeq(cseq).method;
    } catch {
      return;
    }
    const op = this.transactions.match(branch, cseqMethod);
    if (!op) {
      for (const h of this.handlers) if (h.onResponse(msg, branch)) return;
      return; // Stray or late response (RFC 3261 section 18.1.2): drop.
    }
    if (msg.status < 200) return; // proceeding: Timer F keeps running (section 17.1.2.2)
    this.transactions.delete(branch);
    this.onFinal(op, msg);
  }

  private onFinal(op: Operation, response: SipResponse): void {
    const { status } = response;
    if (status === 401 || status === 407) {
      // One retry with credentials (section 22.2); a second challenge means they were refused.
      const creds = op.authTried ? { why: 'authentication failed' } : this.digest.answer(op.method, op.uri, response);
      if ('lines' in creds) {
        op.authTried = true;
        op.cseq++;
        this.transmit(op, creds.lines);
        return;
      }
      op.resolve(sipResult(op.startedAt, status, `${response.reason} (${creds.why})`, response));
      return;
    }
    op.resolve(sipResult(op.startedAt, status, response.reason, response));
  }

  /** We are a client only: OPTIONS gets 200, anything else 405 (ACK gets nothing). */
  private answerRequest(request: SipRequest): void {
    if (request.method === 'ACK' || !this.transport.isOpen) return;
    const allow = { name: 'Allow', value: 'OPTIONS' };
    const response = createResponse(request, request.method === 'OPTIONS' ? 200 : 405, { toTag: randomToken(10), headers: [allow] });
    this.transport.sendSerialized(serializeSipMessage(response));
  }

  private onSocketClosed(reason: string): void {
    this.failAll(reason);
    for (const h of [...this.handlers]) h.onClosed(reason);
  }

  private failAll(reason: string): void {
    const pending = this.transactions.takeAll();
    for (const op of pending) op.resolve(sipResult(op.startedAt, 503, reason));
    // Queued requests wake up, see the state and fail the same way.
    for (const resume of this.waiting.splice(0)) resume();
  }
}
