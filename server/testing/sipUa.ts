/**
 * The SIP user agent of the tests, one for every suite: the core's, the sender's, the
 * Kamailio suite (deploy/kamailio) and the e2e fixtures. SIP over WebSocket (RFC 7118, ws and
 * wss), and over TCP and UDP for the core's transport tests (the sockets: sipUaLinks.ts); built
 * on our codec (src/protocol/sip). This module is the UA and its whole public API: callers
 * import only from here (the option and result types live in sipUaTypes.ts, re-exported).
 *
 * Sending. build() writes a request from this UA (our Via, From with a tag, a new Call-ID,
 * CSeq 1); registration() writes a REGISTER (one Call-ID per UA, CSeq counting up: RFC 3261
 * section 10.2.4). request() sends a request and resolves with its final response;
 * exchange() also gives every final response before it (the challenges). A request may be
 * hand-written text: one without a Via gets ours, with a new branch each time, so the same
 * text sent twice is the same request (Call-ID, CSeq) arriving through two transactions.
 * Responses are matched by the branch of our Via and the CSeq method (RFC 3261 section
 * 17.1.3: a CANCEL shares its INVITE's branch).
 *
 * Digest (RFC 3261 section 22). A 401/407 is answered once, signed as the request's From user
 * when the UA knows that user's password; with `preemptiveAuth` every such request is signed
 * up front with a nonce fetched on connecting. How: sipUaDigest.ts.
 *
 * Receiving. Every message is kept in `received` (responses and ACKs included); waitFor()
 * resolves on the first match, already received or still to come, never after a fixed sleep.
 * An incoming request (ACK aside) is answered by the answer() handler, else with the status
 * `autoAnswer` gives its method, else it is left to the test (respond()).
 */
import type dgram from 'node:dgram';
import type net from 'node:net';
import type WebSocket from 'ws';
import {
  createResponse,
  encodeUtf8,
  getHeader,
  getHeaderValues,
  newBranch,
  parseCSeq,
  parseSipMessage,
  parseVia,
  randomToken,
  serializeSipMessage,
  type SipHeader,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../../src/protocol/sip/index.ts';
import { SipUaDigest } from './sipUaDigest.ts';
import { tcpLink, udpLink, wsLink, type Link, type UaTransport } from './sipUaLinks.ts';
import type { Answerer, BuildOptions, RegisterOptions, RequestOptions, SipExchange, SipUaOptions, WaitOptions, WsUaOptions } from './sipUaTypes.ts';

export type { SipCredentials } from './sipUaDigest.ts';
export type { UaTransport } from './sipUaLinks.ts';
export type * from './sipUaTypes.ts';

interface Pending {
  resolve: (response: SipResponse) => void;
  reject: (error: Error) => void;
}

interface Waiter {
  match: (m: SipMessage) => boolean;
  resolve: (m: SipMessage) => void;
}

export class SipUa<S = unknown> {
  /** Every message received, in order. */
  readonly received: SipMessage[] = [];
  /** WebSocket only: each message came in a text frame (true) or a binary one (false). */
  readonly frameKinds: boolean[] = [];
  /** Statuses incoming requests get by method, when answer()'s handler passes. */
  readonly autoAnswer: Map<string, number>;
  readonly aor: string;
  /** Host of our Via and Contact: unresolvable, like a browser's (RFC 7118 section 5.2). */
  readonly host = `${randomToken(8)}.invalid`;
  /** User part of our Contact URI. */
  readonly contactUser = randomToken(8);
  readonly transport: UaTransport;
  readonly socket: S;
  /** Resolves once the connection is closed, by either side. */
  readonly closed: Promise<void>;
  private connection: 'open' | 'closing' | 'closed' = 'open';
  private answerer: Answerer | null = null;
  private waiters: Waiter[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly registerCallId = `reg-${randomToken(12)}`;
  private cseq = 0;
  private readonly digest: SipUaDigest;
  private readonly timeoutMs: number;

  private constructor(
    private readonly link: Link<S>,
    private readonly options: SipUaOptions,
  ) {
    this.aor = options.aor ?? 'sip:sender@localhost';
    this.digest = new SipUaDigest(this.aor, options);
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.autoAnswer = new Map(Object.entries(options.autoAnswer ?? {}));
    this.transport = link.transport;
    this.socket = link.socket;
    let markClosed!: () => void;
    this.closed = new Promise((resolve) => (markClosed = resolve));
    link.listen(
      (message, text) => this.deliver(message, text),
      () => {
        this.connection = 'closed';
        for (const p of this.pending.values()) p.reject(new Error(`${this.label()}: connection closed`));
        this.pending.clear();
        markClosed();
      },
    );
  }

  /** SIP over WebSocket to `ws://` or `wss://` (then our Via says WSS). */
  static async connect(url: string, options: WsUaOptions = {}): Promise<SipUa<WebSocket>> {
    return SipUa.open(await wsLink(url, options.protocols ?? ['sip'], options.ca), options);
  }

  /** SIP over TCP (RFC 3261 section 18.3), framed by Content-Length. */
  static async connectTcp(port: number, options: SipUaOptions & { host?: string } = {}): Promise<SipUa<net.Socket>> {
    return SipUa.open(await tcpLink(port, options.host ?? '127.0.0.1'), options);
  }

  /** SIP over UDP to 127.0.0.1:`port`; our Contact is our real address. */
  static async openUdp(port: number, options: SipUaOptions = {}): Promise<SipUa<dgram.Socket>> {
    return SipUa.open(await udpLink(port), options);
  }

  private static async open<S>(link: Link<S>, options: SipUaOptions): Promise<SipUa<S>> {
    const ua = new SipUa(link, options);
    await ua.digest.fetchNonce(
      (uri) => ua.transact(ua.build('OPTIONS', uri, { from: uri, callId: `nonce-${randomToken(12)}` }), ua.timeoutMs),
      () => ua.close(),
    );
    return ua;
  }

  get isClosed(): boolean {
    return this.connection === 'closed';
  }

  /** The requests received (ACKs included). */
  get requests(): SipRequest[] {
    return this.received.filter((m): m is SipRequest => m.kind === 'request');
  }

  /** Our Contact URI: `sip:<contactUser>@<host>;transport=ws` (UDP: our real address). */
  contactUri(options: { user?: string; params?: string } = {}): string {
    return `sip:${options.user ?? this.contactUser}@${this.link.contactAddress(this.host)}${options.params ?? ''}`;
  }

  /** A request from this UA: our Via, From (our AoR unless given) with a tag, a new Call-ID. */
  build(method: string, uri: string, options: BuildOptions = {}): SipRequest {
    const headers: SipHeader[] = [
      { name: 'Via', value: this.via() },
      { name: 'Max-Forwards', value: String(options.maxForwards ?? 70) },
      { name: 'From', value: `<${options.from ?? this.aor}>;tag=${randomToken(8)}` },
      { name: 'To', value: options.to ?? `<${uri}>` },
      { name: 'Call-ID', value: options.callId ?? randomToken(16) },
      { name: 'CSeq', value: `${options.cseq ?? 1} ${method}` },
      ...(options.headers ?? []),
      ...(options.contentType ? [{ name: 'Content-Type', value: options.contentType }] : []),
    ];
    const body = typeof options.body === 'string' ? encodeUtf8(options.body) : (options.body ?? new Uint8Array(0));
    return { kind: 'request', method, uri, headers, body };
  }

  /** A REGISTER binding our Contact (with the parameters given) to an AoR, ours unless given. */
  registration(options: RegisterOptions = {}): SipRequest {
    const defaults = this.options.registration ?? {};
    const o: RegisterOptions = { ...defaults, ...options, headers: [...(defaults.headers ?? []), ...(options.headers ?? [])] };
    const aor = o.aor ?? this.aor;
    const expiresParam = o.contactExpires === undefined ? '' : `;expires=${o.contactExpires}`;
    const contact = o.contact ?? `<${this.contactUri({ params: o.uriParams ?? '' })}>${o.contactParams ?? ''}${expiresParam}`;
    return this.build('REGISTER', `sip:${aor.slice(aor.indexOf('@') + 1)}`, {
      from: aor,
      to: `<${aor}>`,
      callId: this.registerCallId,
      cseq: ++this.cseq,
      headers: [{ name: 'Contact', value: contact }, ...(o.expires === undefined ? [] : [{ name: 'Expires', value: String(o.expires) }]), ...(o.headers ?? [])],
    });
  }

  /** REGISTER (see registration()); resolves with the final response. */
  register(options: RegisterOptions = {}): Promise<SipResponse> {
    return this.request(this.registration(options));
  }

  /** Send a request (or hand-written text) and resolve with its final response. */
  async request(request: SipRequest | string, options: RequestOptions = {}): Promise<SipResponse> {
    return (await this.exchange(request, options)).final;
  }

  /** Send a request (or hand-written text) and resolve with every final response to it. */
  async exchange(input: SipRequest | string, options: RequestOptions = {}): Promise<SipExchange> {
    let request = typeof input === 'string' ? parseRequestText(input) : input;
    if (getHeader(request, 'via') === undefined) request = { ...request, headers: [{ name: 'Via', value: this.via() }, ...request.headers] };
    const signer = options.authenticate === false ? null : (options.signAs ?? this.digest.signerFor(request));
    if (signer) request = this.digest.upFront(request, signer);
    const finals: SipResponse[] = [];
    for (;;) {
      const final = await this.transact(request, options.timeoutMs ?? this.timeoutMs);
      finals.push(final);
      if (!signer || finals.length > 1 || (final.status !== 401 && final.status !== 407)) return { request, final, finals };
      request = this.digest.retry(request, signer, final);
      // Our next REGISTER must count on from the one just sent (RFC 3261 section 10.2.4).
      if (getHeader(request, 'call-id') === this.registerCallId) this.cseq = Math.max(this.cseq, parseCSeq(getHeader(request, 'cseq') ?? '').seq);
    }
  }

  /** Send a message as it is (no transaction). */
  send(message: SipMessage): void {
    this.sendBytes(serializeSipMessage(message));
  }

  /** Send bytes as they are; over WebSocket in a text frame unless `binary`. */
  sendBytes(bytes: Uint8Array | string, options: { binary?: boolean } = {}): void {
    this.link.write(bytes, options.binary ?? false);
  }

  /** Answer a received request. */
  respond(request: SipRequest, status: number, headers: SipHeader[] = []): void {
    this.send(reply(request, status, headers));
  }

  /** Answer every incoming request with what the handler returns (null: autoAnswer, else the test). */
  answer(handler: Answerer): void {
    this.answerer = handler;
  }

  /** The first message, already received or to come, that matches. */
  waitFor<M extends SipMessage>(match: (m: SipMessage) => m is M, options?: WaitOptions): Promise<M>;
  waitFor(match: (m: SipMessage) => boolean, options?: WaitOptions): Promise<SipMessage>;
  waitFor(match: (m: SipMessage) => boolean, options: WaitOptions = {}): Promise<SipMessage> {
    const found = this.received.slice(options.from ?? 0).find(match);
    if (found) return Promise.resolve(found);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const got = this.received.map(describeMessage).join(' | ') || 'nothing';
        reject(new Error(`${this.label()}: timed out after ${timeoutMs} ms waiting for ${options.what ?? 'a matching message'}; received: ${got}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** The first request, already received or to come, that matches. */
  waitForRequest(match: (req: SipRequest) => boolean, options: WaitOptions = {}): Promise<SipRequest> {
    return this.waitFor((m): m is SipRequest => m.kind === 'request' && match(m), options);
  }

  close(): Promise<void> {
    if (this.connection === 'open') {
      this.connection = 'closing';
      this.link.close();
    }
    return this.closed;
  }

  private via(): string {
    return `SIP/2.0/${this.transport} ${this.host};branch=${newBranch()};rport`;
  }

  private label(): string {
    return `SIP UA ${this.aor} (${this.transport})`;
  }

  private deliver(message: SipMessage, text?: boolean): void {
    this.received.push(message);
    if (text !== undefined) this.frameKinds.push(text);
    if (message.kind === 'response') {
      const key = transactionKey(message);
      const pending = this.pending.get(key);
      if (pending && message.status >= 200) {
        this.pending.delete(key);
        pending.resolve(message);
      }
    } else if (message.method !== 'ACK') {
      const auto = this.autoAnswer.get(message.method);
      const out = this.answerer?.(message) ?? (auto === undefined ? null : reply(message, auto));
      for (const r of out === null ? [] : Array.isArray(out) ? out : [out]) this.send(r);
    }
    for (const w of [...this.waiters]) {
      if (w.match(message)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(message);
      }
    }
  }

  private transact(request: SipRequest, timeoutMs: number): Promise<SipResponse> {
    const key = transactionKey(request);
    return new Promise((resolve, reject) => {
      if (this.connection === 'closed') {
        reject(new Error(`${this.label()}: connection closed`));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(new Error(`${this.label()}: no final response to ${request.method} ${request.uri} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(key, {
        resolve: (response) => {
          clearTimeout(timer);
          resolve(response);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.send(request);
    });
  }
}

/** A response to a received request, with a To tag. */
export function reply(req: SipRequest, status: number, headers: SipHeader[] = [], reason?: string): SipResponse {
  return createResponse(req, status, { toTag: randomToken(8), headers, ...(reason ? { reason } : {}) });
}

/**
 * A callee that rings: every INVITE gets 180; a CANCEL gets 200 and the INVITE then 487
 * (RFC 3261 section 9.2). For tests of CANCEL through the core.
 */
export function ringUntilCancelled(ua: SipUa): void {
  ua.answer((req) => {
    if (req.method === 'INVITE') return reply(req, 180);
    if (req.method === 'CANCEL') {
      const inv = ua.received.find((m): m is SipRequest => m.kind === 'request' && m.method === 'INVITE')!;
      return [reply(req, 200), reply(inv, 487)];
    }
    return null;
  });
}

/** `METHOD uri` or `status reason (cseq)`, for messages in errors. */
export function describeMessage(m: SipMessage): string {
  return m.kind === 'request' ? `${m.method} ${m.uri}` : `${m.status} ${m.reason} (${getHeader(m, 'cseq')})`;
}

function parseRequestText(text: string): SipRequest {
  const message = parseSipMessage(encodeUtf8(text));
  if (message.kind !== 'request') throw new Error(`not a request: ${text.slice(0, text.indexOf('\r\n'))}`);
  return message;
}

/** The client transaction a message belongs to: top Via branch and CSeq method (RFC 3261 section 17.1.3). */
function transactionKey(message: SipMessage): string {
  try {
    const top = getHeaderValues(message, 'via')[0];
    const branch = top === undefined ? '' : (parseVia(top).params.get('branch') ?? '');
    return `${branch} ${parseCSeq(getHeader(message, 'cseq') ?? '').method}`;
  } catch {
    return '';
  }
}
