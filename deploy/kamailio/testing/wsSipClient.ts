/**
 * A minimal SIP-over-WebSocket UA (RFC 7118) for exercising the Kamailio core in tests:
 * client transactions matched by Via branch, one digest retry per request (like JsSIP),
 * incoming requests queued for the test to inspect and answer. Built on our codec
 * (src/protocol/sip) and `ws`.
 */
import WebSocket from 'ws';
import {
  answerChallenge,
  createResponse,
  formatCredentials,
  getHeader,
  newBranch,
  parseChallenge,
  parseSipMessage,
  randomToken,
  serializeSipMessage,
  encodeUtf8,
  type SipHeader,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../../../src/protocol/sip/index.ts';

export interface WsSipClientOptions {
  url: string;
  user: string;
  password: string;
  domain: string;
  /** Default 10000 ms for every wait. */
  timeoutMs?: number;
  /** For wss: the CA certificate(s) (PEM) the server's certificate must verify against. */
  ca?: string | Buffer;
}

export interface RequestOptions {
  headers?: SipHeader[];
  body?: Uint8Array | string;
  contentType?: string;
  /** Answer one 401/407 with credentials (default true). */
  authenticate?: boolean;
  /** Override the To URI (default: the Request-URI). */
  to?: string;
  callId?: string;
  fromTag?: string;
  cseq?: number;
}

export interface RequestResult {
  /** The final response. */
  final: SipResponse;
  /** Every final response seen, challenges included, in order. */
  finals: SipResponse[];
  request: SipRequest;
}

interface PendingTransaction {
  resolve: (res: SipResponse) => void;
  reject: (err: Error) => void;
}

export class WsSipClient {
  readonly user: string;
  readonly domain: string;
  readonly aor: string;
  /** The unresolvable host of our Via and Contact (RFC 7118 section 5.2). */
  readonly viaHost = `${randomToken(10)}.invalid`;
  readonly contactUser = randomToken(8);
  /** `WS` or `WSS` (RFC 7118 section 5.1): the Via transport. */
  readonly viaTransport: 'WS' | 'WSS';
  readonly received: SipRequest[] = [];
  /** Requests answered automatically with this status (e.g. NOTIFY -> 200). */
  autoAnswer = new Map<string, number>([['NOTIFY', 200], ['OPTIONS', 200]]);
  private password: string;
  private timeoutMs: number;
  private ws: WebSocket;
  private pending = new Map<string, PendingTransaction>();
  private waiters = new Set<() => void>();
  private cseq = 1;
  private closed = false;

  private constructor(ws: WebSocket, options: WsSipClientOptions) {
    this.ws = ws;
    this.user = options.user;
    this.password = options.password;
    this.domain = options.domain;
    this.aor = `sip:${options.user}@${options.domain}`;
    this.viaTransport = options.url.startsWith('wss:') ? 'WSS' : 'WS';
    this.timeoutMs = options.timeoutMs ?? 10000;
    ws.on('message', (data: WebSocket.RawData) => this.onMessage(toBytes(data)));
    ws.on('close', () => {
      this.closed = true;
      for (const p of this.pending.values()) p.reject(new Error(`WebSocket closed (${this.user})`));
      this.pending.clear();
      this.notify();
    });
  }

  static connect(options: WsSipClientOptions): Promise<WsSipClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(options.url, 'sip', options.ca ? { ca: options.ca } : {});
      ws.once('open', () => {
        if (ws.protocol !== 'sip') reject(new Error(`server chose subprotocol '${ws.protocol}'`));
        else resolve(new WsSipClient(ws, options));
      });
      ws.once('error', reject);
    });
  }

  /** The Contact URI of this UA (`.invalid` host, transport=ws, for wss as well: RFC 7118 section 5.2). */
  contactUri(uriParams = ''): string {
    return `sip:${this.contactUser}@${this.viaHost};transport=ws${uriParams}`;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Send a request and wait for its final response, answering one challenge. */
  async request(method: string, uri: string, options: RequestOptions = {}): Promise<RequestResult> {
    const callId = options.callId ?? randomToken(20);
    const fromTag = options.fromTag ?? randomToken(10);
    const body = typeof options.body === 'string' ? encodeUtf8(options.body) : (options.body ?? new Uint8Array(0));
    const finals: SipResponse[] = [];
    let authorization: SipHeader | undefined;
    let nc = 1;
    for (;;) {
      const cseq = options.cseq ?? this.cseq++;
      const headers: SipHeader[] = [
        { name: 'Via', value: `SIP/2.0/${this.viaTransport} ${this.viaHost};branch=${newBranch()}` },
        { name: 'Max-Forwards', value: '70' },
        { name: 'To', value: `<${options.to ?? uri}>` },
        { name: 'From', value: `<${this.aor}>;tag=${fromTag}` },
        { name: 'Call-ID', value: callId },
        { name: 'CSeq', value: `${cseq} ${method}` },
        ...(authorization ? [authorization] : []),
        ...(options.headers ?? []),
      ];
      if (options.contentType) headers.push({ name: 'Content-Type', value: options.contentType });
      const request: SipRequest = { kind: 'request', method, uri, headers, body };
      const final = await this.send(request);
      finals.push(final);
      const challengeHeader = final.status === 401 ? 'WWW-Authenticate' : final.status === 407 ? 'Proxy-Authenticate' : undefined;
      if (!challengeHeader || options.authenticate === false || authorization) {
        return { final, finals, request };
      }
      const challenge = parseChallenge(getHeader(final, challengeHeader) ?? '');
      const creds = answerChallenge(challenge, { username: this.user, password: this.password, method, uri, nc: nc++ });
      authorization = { name: final.status === 401 ? 'Authorization' : 'Proxy-Authorization', value: formatCredentials(creds) };
      if (options.cseq !== undefined) options = { ...options, cseq: options.cseq + 1 };
    }
  }

  /** REGISTER this connection's contact; `contactParams` are header parameters (`;a=b`). */
  register(options: { contactParams?: string; uriParams?: string; expires?: number; headers?: SipHeader[]; callId?: string } = {}): Promise<RequestResult> {
    const expires = options.expires ?? 600;
    return this.request('REGISTER', `sip:${this.domain}`, {
      to: this.aor,
      callId: options.callId ?? `reg-${this.contactUser}`,
      headers: [
        { name: 'Contact', value: `<${this.contactUri(options.uriParams ?? '')}>${options.contactParams ?? ''};expires=${expires}` },
        { name: 'Expires', value: String(expires) },
        { name: 'Supported', value: 'path, gruu, outbound' },
        { name: 'Allow', value: 'INVITE, ACK, CANCEL, BYE, MESSAGE, OPTIONS, NOTIFY' },
        ...(options.headers ?? []),
      ],
    });
  }

  /** Answer an incoming request. */
  respond(request: SipRequest, status: number, headers: SipHeader[] = [], body?: Uint8Array): void {
    const response = createResponse(request, status, { toTag: randomToken(10), headers, ...(body ? { body } : {}) });
    this.ws.send(serializeSipMessage(response));
  }

  /** Wait for an incoming request matching the predicate (including ones already received). */
  waitForRequest(predicate: (req: SipRequest) => boolean, what = 'request', timeoutMs = this.timeoutMs): Promise<SipRequest> {
    return this.waitFor(() => this.received.find(predicate), `${this.user}: ${what}`, timeoutMs);
  }

  /** Wait until `probe` returns a value (re-checked on every incoming message). */
  waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = this.timeoutMs): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (value !== undefined) {
          cleanup();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }

  private send(request: SipRequest): Promise<SipResponse> {
    const via = getHeader(request, 'via') ?? '';
    const branch = /branch=([^;,\s]+)/.exec(via)?.[1] ?? '';
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new Error('WebSocket closed'));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(branch);
        reject(new Error(`${this.user}: no final response to ${request.method} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(branch, {
        resolve: (res) => {
          clearTimeout(timer);
          resolve(res);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.ws.send(serializeSipMessage(request));
    });
  }

  private onMessage(bytes: Uint8Array): void {
    let msg: SipMessage;
    try {
      msg = parseSipMessage(bytes);
    } catch {
      return; // keep-alive CRLF or garbage
    }
    if (msg.kind === 'response') {
      const branch = /branch=([^;,\s]+)/.exec(getHeader(msg, 'via') ?? '')?.[1] ?? '';
      const pending = this.pending.get(branch);
      if (pending && msg.status >= 200) {
        this.pending.delete(branch);
        pending.resolve(msg);
      }
    } else {
      if (msg.method === 'ACK') return;
      this.received.push(msg);
      const auto = this.autoAnswer.get(msg.method);
      if (auto !== undefined) this.respond(msg, auto);
    }
    this.notify();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
