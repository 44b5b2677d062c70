/**
 * A lean SIP user agent client over one WebSocket (RFC 7118), for the Push Sender Agent.
 *
 * Not JsSIP: the sender needs throughput (many requests in flight on one socket, little work
 * per request) and, later, an INVITE carrying `m=message` for MSRP, which JsSIP can only send
 * through RTCPeerConnection. So requests are built as text directly and each one runs a
 * non-INVITE client transaction (RFC 3261 section 17.1.2) on a reliable transport:
 *
 * ```
 *            request sent (Timer F armed)
 *                    |
 *                    v        1xx
 *               +---------+ ------> +------------+  1xx
 *               | trying  |         | proceeding | <--+
 *               +---------+         +------------+ ---+
 *                 |     \  final      /       |
 *      Timer F or |      \  response /        | Timer F or
 *      socket lost|       v         v         | socket lost
 *                 |     +------------+        |
 *                 '---> | terminated | <------'
 *                       +------------+
 * ```
 *
 * No retransmissions and Timer K = 0 (reliable transport, RFC 3261 section 17.1.2.2), so
 * "completed" collapses into "terminated". Responses are matched by the top Via branch and the
 * CSeq method (section 17.1.3). A 401/407 is answered once with digest credentials (section
 * 22.2/22.3) in a new transaction with the same Call-ID and CSeq + 1.
 */
import WebSocket from 'ws';
import {
  answerChallenge,
  createResponse,
  formatCredentials,
  getHeader,
  getHeaders,
  isUtf8,
  newBranch,
  parseChallenge,
  parseCSeq,
  parseSipMessage,
  parseUri,
  parseVia,
  quote,
  randomToken,
  serializeSipMessage,
  type SipHeader,
  type SipRequest,
  type SipResponse,
} from '../../src/protocol/sip/index.ts';

export const SENDER_USER_AGENT = 'sip-push-web-sender/0.1';

/** Timer F of RFC 3261 (64 * T1 with T1 = 500 ms). */
export const DEFAULT_TIMEOUT_MS = 32_000;

export type SenderErrorCode =
  | 'SENDER_ERR_CONNECT'
  | 'SENDER_ERR_CLOSED'
  | 'SENDER_ERR_URI'
  | 'SENDER_ERR_APP_ID'
  | 'SENDER_ERR_HEADER'
  | 'SENDER_ERR_OPTION'
  | 'SENDER_ERR_FILE';

/** A caller mistake or an unreachable core: thrown (rejected), never turned into a SIP result. */
export class SenderError extends Error {
  readonly code: SenderErrorCode;

  constructor(code: SenderErrorCode, message: string) {
    super(message);
    this.name = 'SenderError';
    this.code = code;
  }
}

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
  /** Request-URI, also used as the To URI. */
  uri: string;
  /** Extra headers, after the ones the client manages (Via, From, To, Call-ID, CSeq...). */
  headers?: SipHeader[];
  contentType?: string;
  body?: string | Uint8Array;
  /** Timer F for this request, overriding the client's. */
  timeoutMs?: number;
}

export interface SipResult {
  status: number;
  reason: string;
  /** True for a 2xx final response. */
  ok: boolean;
  /** The final response; absent when the result is local (timeout, connection lost). */
  response?: SipResponse;
  /** From the call to the final result, including queueing and an auth retry. */
  elapsedMs: number;
}

export type ClientState = 'idle' | 'connecting' | 'open' | 'closed';

/** Legal moves of the connection state machine: idle -> connecting -> open -> closed -> connecting ... */
const TRANSITIONS: Record<ClientState, readonly ClientState[]> = {
  idle: ['connecting', 'closed'],
  connecting: ['open', 'closed'],
  open: ['closed'],
  closed: ['connecting'],
};

export const REASON_TIMEOUT = 'Request Timeout (no response from core)';
export const REASON_CONNECTION_LOST = 'Connection to core lost';
export const REASON_CLOSED = 'Sender closed';

/** Headers the client writes itself; callers may not pass them in `headers`. */
const MANAGED_HEADERS = new Set([
  'via', 'v', 'from', 'f', 'to', 't', 'call-id', 'i', 'cseq', 'content-length', 'l', 'content-type', 'c',
  'max-forwards', 'authorization', 'proxy-authorization',
]);
const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;
const REQUEST_URI = /^sips?:[^\s<>"]+$/i;

/** One request as the caller sees it: may span two transactions (challenge, then credentials). */
interface Operation {
  method: string;
  uri: string;
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

interface Transaction {
  op: Operation;
  branch: string;
  deadline: number;
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
  /** The connection under the non-INVITE path, for the INVITE client (server/sender/msrp/inviteClient.ts). */
  readonly wire: SipWire;
}

/**
 * What sees the messages the non-INVITE path does not claim: responses whose branch is not one
 * of its transactions (or whose CSeq method differs), and incoming requests before the default
 * answer (OPTIONS 200, anything else 405).
 */
export interface SipWireHandler {
  /** Return true when the response belonged to the handler. */
  onResponse(response: SipResponse, branch: string): boolean;
  /** Return true when the handler answered (or absorbed) the request. */
  onRequest(request: SipRequest): boolean;
  /** The WebSocket closed; `reason` is REASON_CLOSED or REASON_CONNECTION_LOST. */
  onClosed(reason: string): void;
}

/** The raw connection shared by the MESSAGE path and the INVITE client. */
export interface SipWire {
  /** Host of our Via (a random `.invalid` name, as a browser's, RFC 7118 section 5). */
  readonly viaHost: string;
  /** From header value without its tag, e.g. `"PSA" <sip:psa@localhost>`. */
  readonly fromHeader: string;
  /** Contact URI for dialogs: the `contact` option, else `sip:<user>@<viaHost>;transport=ws` (RFC 7118 section 5). */
  readonly contactUri: string;
  readonly isOpen: boolean;
  connect(): Promise<void>;
  /** Put one SIP message on the socket (text frame); false when the socket is not open. */
  send(text: string): boolean;
  /**
   * Authorization / Proxy-Authorization lines answering the challenges of a 401/407 for a
   * request (RFC 3261 section 22.2); a string explaining why not when none can be made.
   */
  credentials(method: string, uri: string, challenge: SipResponse): { lines: string } | { why: string };
  attach(handler: SipWireHandler): () => void;
}

export function createSipClient(options: SipClientOptions): SipClient {
  return new LeanSipClient(options);
}

/** Throws SENDER_ERR_HEADER unless the header may be added by a caller. */
export function validateExtraHeader(header: SipHeader): void {
  if (!TOKEN.test(header.name)) throw new SenderError('SENDER_ERR_HEADER', `Invalid header name ${JSON.stringify(header.name)}`);
  if (MANAGED_HEADERS.has(header.name.toLowerCase())) {
    throw new SenderError('SENDER_ERR_HEADER', `Header ${header.name} is set by the sender and cannot be overridden`);
  }
  if (/[\r\n\0]/.test(header.value)) throw new SenderError('SENDER_ERR_HEADER', `Header ${header.name} has a line break in its value`);
}

class LeanSipClient implements SipClient {
  private readonly options: SipClientOptions;
  private readonly viaHost = `${randomToken(12)}.invalid`;
  private readonly fromPrefix: string;
  private readonly authUser: string | undefined;
  private readonly defaultTimeoutMs: number;
  private readonly maxInFlight: number;
  private socket: WebSocket | undefined;
  private connecting: Promise<void> | undefined;
  private closedByUser = false;
  private _state: ClientState = 'idle';
  private readonly transactions = new Map<string, Transaction>();
  private readonly waiting: Array<() => void> = [];
  private active = 0;
  /** Digest nonce -> times used, for nc (RFC 2617 section 3.2.2). */
  private readonly nonceCounts = new Map<string, number>();
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  private sweepPeriodMs = 0;
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
    this.authUser = options.authUser ?? fromUri.user;
    this.defaultTimeoutMs = positive(options.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs');
    this.maxInFlight = positive(options.maxInFlight, Infinity, 'maxInFlight');
    if (options.contact !== undefined && !REQUEST_URI.test(options.contact)) {
      throw new SenderError('SENDER_ERR_URI', `Invalid contact URI ${JSON.stringify(options.contact)}`);
    }
    const contactUri = options.contact ?? `sip:${fromUri.user ?? 'psa'}@${this.viaHost};transport=ws`;
    const client = this;
    this.wire = {
      viaHost: this.viaHost,
      fromHeader: this.fromPrefix,
      contactUri,
      get isOpen() {
        return client._state === 'open' && client.socket !== undefined;
      },
      connect: () => this.connect(),
      send: (text) => {
        if (!this.socket || this._state !== 'open') return false;
        this.options.trace?.('send', text);
        this.socket.send(text);
        return true;
      },
      credentials: (method, uri, challenge) => {
        if (this.options.password === undefined || this.authUser === undefined) return { why: 'no credentials configured' };
        const lines = this.credentialLines(method, uri, challenge);
        return lines === undefined ? { why: 'unsupported challenge' } : { lines };
      },
      attach: (handler) => {
        this.handlers.add(handler);
        return () => this.handlers.delete(handler);
      },
    };
  }

  get state(): ClientState {
    return this._state;
  }

  get inFlight(): number {
    return this.transactions.size;
  }

  private transition(next: ClientState): void {
    if (!TRANSITIONS[this._state].includes(next)) throw new Error(`Illegal client state change ${this._state} -> ${next}`);
    this._state = next;
  }

  connect(): Promise<void> {
    if (this._state === 'open') return Promise.resolve();
    if (this._state === 'connecting' && this.connecting) return this.connecting;
    this.closedByUser = false;
    this.transition('connecting');
    const url = this.options.server;
    this.connecting = new Promise<void>((resolve, reject) => {
      let socket: WebSocket;
      const fail = (why: string) => {
        if (this._state === 'connecting') this.transition('closed');
        this.connecting = undefined;
        reject(new SenderError('SENDER_ERR_CONNECT', `cannot connect to ${url}: ${why}`));
      };
      try {
        socket = new WebSocket(url, 'sip', { perMessageDeflate: false, handshakeTimeout: this.defaultTimeoutMs });
      } catch (err) {
        fail(err instanceof Error ? err.message : String(err));
        return;
      }
      socket.binaryType = 'nodebuffer';
      this.socket = socket;
      const onError = (err: Error & { code?: string }) => fail(err.code ?? err.message);
      socket.once('error', onError);
      socket.once('unexpected-response', (_req, res) => {
        socket.removeListener('error', onError);
        socket.on('error', () => {});
        fail(`unexpected HTTP ${res.statusCode} (is this a SIP WebSocket endpoint?)`);
        socket.terminate();
      });
      socket.once('open', () => {
        socket.removeListener('error', onError);
        socket.on('error', () => {
          // 'close' follows and fails the pending requests.
        });
        socket.on('message', (data: Buffer, isBinary: boolean) => this.onFrame(data, isBinary));
        socket.once('close', () => this.onSocketClosed(socket));
        this.transition('open');
        this.connecting = undefined;
        resolve();
      });
    });
    return this.connecting;
  }

  async request(spec: SipRequestSpec): Promise<SipResult> {
    const startedAt = performance.now();
    if (this.closedByUser) throw new SenderError('SENDER_ERR_CLOSED', 'The sender is closed');
    const op = this.prepare(spec, startedAt);
    if (this._state !== 'open') {
      if (this._state === 'closed') return this.local(startedAt, 503, REASON_CONNECTION_LOST);
      await this.connect();
    }
    if (this.active >= this.maxInFlight) {
      await new Promise<void>((resume) => this.waiting.push(resume));
      if (this._state !== 'open') return this.local(startedAt, 503, this.closedByUser ? REASON_CLOSED : REASON_CONNECTION_LOST);
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
    this.closedByUser = true;
    const socket = this.socket;
    if (!socket || this._state === 'closed' || this._state === 'idle') {
      if (this._state === 'idle') this.transition('closed');
      this.failAll(REASON_CLOSED);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(1000);
    });
  }

  /** Validate and pre-format everything that does not change between transactions. */
  private prepare(spec: SipRequestSpec, startedAt: number): Operation {
    if (!TOKEN.test(spec.method)) throw new SenderError('SENDER_ERR_OPTION', `Invalid method ${JSON.stringify(spec.method)}`);
    if (!REQUEST_URI.test(spec.uri)) throw new SenderError('SENDER_ERR_URI', `Invalid request URI ${JSON.stringify(spec.uri)} (expected sip: or sips:)`);
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
    const socket = this.socket;
    if (!socket || this._state !== 'open') {
      op.resolve(this.local(op.startedAt, 503, this.closedByUser ? REASON_CLOSED : REASON_CONNECTION_LOST));
      return;
    }
    const branch = newBranch();
    const head =
      `${op.method} ${op.uri} SIP/2.0\r\n` +
      `Via: SIP/2.0/WS ${this.viaHost};branch=${branch};rport\r\n` +
      `Max-Forwards: 70\r\n` +
      `From: ${this.fromPrefix};tag=${op.fromTag}\r\n` +
      `To: <${op.uri}>\r\n` +
      `Call-ID: ${op.callId}\r\n` +
      `CSeq: ${op.cseq} ${op.method}\r\n` +
      op.fixedHeaders +
      authLines +
      `Content-Length: ${op.bodyLength}\r\n\r\n`;
    this.transactions.set(branch, { op, branch, deadline: performance.now() + op.timeoutMs });
    this.armSweep(op.timeoutMs);
    if (typeof op.body === 'string') {
      const text = head + op.body;
      this.options.trace?.('send', text);
      socket.send(text);
    } else {
      const frame = Buffer.concat([Buffer.from(head, 'utf8'), op.body]);
      this.options.trace?.('send', frame.toString('utf8'));
      // RFC 7118 section 4.2: text frames carry UTF-8 only; anything else goes as binary.
      socket.send(frame, { binary: !isUtf8(op.body) });
    }
  }

  private onFrame(data: Buffer, _isBinary: boolean): void {
    // Keep-alive CRLFs (RFC 5626 section 3.5.1) carry no message.
    if (data.length <= 4 && data.every((b) => b === 13 || b === 10)) return;
    this.options.trace?.('recv', data.toString('utf8'));
    let msg;
    try {
      msg = parseSipMessage(data);
    } catch {
      return; // A malformed response cannot be matched; Timer F will answer for it.
    }
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
    const tx = this.transactions.get(branch);
    const cseq = getHeader(msg, 'cseq');
    let cseqMethod: string | undefined;
    try {
      cseqMethod = cseq === undefined ? undefined : parseCSeq(cseq).method;
    } catch {
      return;
    }
    if (!tx || cseqMethod !== tx.op.method) {
      for (const h of this.handlers) if (h.onResponse(msg, branch)) return;
      return; // Stray or late response (RFC 3261 section 18.1.2): drop.
    }
    if (msg.status < 200) return; // proceeding: Timer F keeps running (section 17.1.2.2)
    this.transactions.delete(branch);
    this.onFinal(tx.op, msg);
  }

  private onFinal(op: Operation, response: SipResponse): void {
    const { status } = response;
    if (status === 401 || status === 407) {
      const result = this.result(op.startedAt, status, response.reason, response);
      if (op.authTried) {
        result.reason = `${response.reason} (authentication failed)`;
        op.resolve(result);
        return;
      }
      if (this.options.password === undefined || this.authUser === undefined) {
        result.reason = `${response.reason} (no credentials configured)`;
        op.resolve(result);
        return;
      }
      const authLines = this.credentialsFor(op, response);
      if (authLines === undefined) {
        result.reason = `${response.reason} (unsupported challenge)`;
        op.resolve(result);
        return;
      }
      op.authTried = true;
      op.cseq++;
      this.transmit(op, authLines);
      return;
    }
    op.resolve(this.result(op.startedAt, status, response.reason, response));
  }

  /** Authorization / Proxy-Authorization lines answering every MD5 challenge of the response. */
  private credentialsFor(op: Operation, response: SipResponse): string | undefined {
    return this.credentialLines(op.method, op.uri, response);
  }

  private credentialLines(method: string, uri: string, response: SipResponse): string | undefined {
    const proxy = response.status === 407;
    const challenges = getHeaders(response, proxy ? 'proxy-authenticate' : 'www-authenticate');
    let lines = '';
    for (const value of challenges) {
      try {
        const challenge = parseChallenge(value);
        const nc = (this.nonceCounts.get(challenge.nonce) ?? 0) + 1;
        if (this.nonceCounts.size > 1024) this.nonceCounts.clear();
        this.nonceCounts.set(challenge.nonce, nc);
        const creds = answerChallenge(challenge, {
          username: this.authUser!,
          password: this.options.password!,
          method,
          uri,
          nc,
        });
        lines += `${proxy ? 'Proxy-Authorization' : 'Authorization'}: ${formatCredentials(creds)}\r\n`;
      } catch {
        // Not Digest, or not MD5: skip this one.
      }
    }
    return lines || undefined;
  }

  /** We are a client only: OPTIONS gets 200, anything else 405 (ACK gets nothing). */
  private answerRequest(request: SipRequest): void {
    if (request.method === 'ACK' || !this.socket || this._state !== 'open') return;
    const allow = { name: 'Allow', value: 'OPTIONS' };
    const response = createResponse(request, request.method === 'OPTIONS' ? 200 : 405, { toTag: randomToken(10), headers: [allow] });
    const bytes = serializeSipMessage(response);
    this.options.trace?.('send', Buffer.from(bytes).toString('utf8'));
    this.socket.send(bytes, { binary: false });
  }

  private onSocketClosed(socket: WebSocket): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    if (this._state !== 'closed') this.transition('closed');
    const reason = this.closedByUser ? REASON_CLOSED : REASON_CONNECTION_LOST;
    this.failAll(reason);
    for (const h of [...this.handlers]) h.onClosed(reason);
  }

  private failAll(reason: string): void {
    const pending = [...this.transactions.values()];
    this.transactions.clear();
    this.stopSweep();
    for (const tx of pending) tx.op.resolve(this.local(tx.op.startedAt, 503, reason));
    // Queued requests wake up, see the state and fail the same way.
    for (const resume of this.waiting.splice(0)) resume();
  }

  /**
   * Timer F for every transaction from one shared interval (cheaper than a timer per request).
   * Its period is a quarter of the shortest timeout seen, between 5 and 100 ms, so a timeout
   * fires at most that late.
   */
  private armSweep(timeoutMs: number): void {
    const period = Math.min(100, Math.max(5, Math.floor(timeoutMs / 4)));
    if (this.sweepTimer && period >= this.sweepPeriodMs) return;
    this.stopSweep();
    this.sweepPeriodMs = period;
    this.sweepTimer = setInterval(() => this.sweep(), period);
    this.sweepTimer.unref();
  }

  private stopSweep(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.sweepPeriodMs = 0;
  }

  private sweep(): void {
    const now = performance.now();
    for (const [branch, tx] of this.transactions) {
      if (tx.deadline <= now) {
        this.transactions.delete(branch);
        tx.op.resolve(this.local(tx.op.startedAt, 408, REASON_TIMEOUT));
      }
    }
    if (this.transactions.size === 0) this.stopSweep();
  }

  private result(startedAt: number, status: number, reason: string, response?: SipResponse): SipResult {
    const result: SipResult = { status, reason, ok: status >= 200 && status < 300, elapsedMs: Math.round((performance.now() - startedAt) * 1000) / 1000 };
    if (response) result.response = response;
    return result;
  }

  private local(startedAt: number, status: number, reason: string): SipResult {
    return this.result(startedAt, status, reason);
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0)) throw new SenderError('SENDER_ERR_OPTION', `${name} must be a positive number, got ${value}`);
  return value;
}
