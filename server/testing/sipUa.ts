/**
 * The SIP user agent of the tests, one for every suite: the core's, the sender's, the
 * Kamailio suite (deploy/kamailio) and the e2e fixtures. SIP over WebSocket (RFC 7118, ws and
 * wss), and over TCP and UDP for the core's transport tests; built on `ws`, node:net/dgram and
 * our codec (src/protocol/sip).
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
 * Digest (RFC 3261 section 22). A 401/407 is answered once, like JsSIP does, with the CSeq
 * incremented (section 8.1.3.5) and signed as the request's From user when the UA knows that
 * user's password: `password` for its own AoR, `credentials` for any user of a domain. With
 * `preemptiveAuth` the UA fetches a nonce when it connects and signs every such request up
 * front (a cached nonce, section 22.1), so a hand-written request reaches the callee with
 * exactly the Call-ID and CSeq written; a stale nonce is answered once as above.
 *
 * Receiving. Every message is kept in `received` (responses and ACKs included); waitFor()
 * resolves on the first match, already received or still to come, never after a fixed sleep.
 * An incoming request (ACK aside) is answered by the answer() handler, else with the status
 * `autoAnswer` gives its method, else it is left to the test (respond()).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import WebSocket from 'ws';
import {
  answerChallenge,
  canonicalHeaderName,
  createResponse,
  encodeUtf8,
  formatCredentials,
  getHeader,
  getHeaderValues,
  newBranch,
  parseChallenge,
  parseCSeq,
  parseNameAddr,
  parseSipMessage,
  parseUri,
  parseVia,
  randomToken,
  serializeSipMessage,
  SipStreamFramer,
  type DigestChallenge,
  type SipHeader,
  type SipMessage,
  type SipRequest,
  type SipResponse,
  type SipUri,
} from '../../src/protocol/sip/index.ts';

/** The transport of our Via (RFC 7118 section 5.1: WSS on a secure WebSocket). */
export type UaTransport = 'WS' | 'WSS' | 'TCP' | 'UDP';

/** Passwords of a domain's users, for requests written From any of them. */
export interface SipCredentials {
  /** A request From another domain is sent unsigned. */
  domain: string;
  passwordFor(user: string): string | undefined;
}

export interface SipUaOptions {
  /** Our AoR: From of what build() writes, the AoR register() binds (default sip:sender@localhost). */
  aor?: string;
  /** The password of our AoR's user. */
  password?: string;
  /** Passwords of the users of a domain (a request From one of them is signed as that user). */
  credentials?: SipCredentials;
  /** Fetch a nonce when connecting and sign requests up front (with `credentials`). */
  preemptiveAuth?: boolean;
  /** How long a request waits for its final response, and waitFor() for a match (default 5000 ms). */
  timeoutMs?: number;
  /** Incoming requests answered with a status by method, e.g. `{ NOTIFY: 200 }` (default none). */
  autoAnswer?: Record<string, number>;
  /** Added to every registration(), e.g. the expires and option tags a browser's UA sends. */
  registration?: Omit<RegisterOptions, 'aor' | 'contact'>;
}

export interface WsUaOptions extends SipUaOptions {
  /** Subprotocols offered; the server must choose `sip` (default `['sip']`). */
  protocols?: string[];
  /** wss: the CA certificate(s) (PEM) the server's certificate must verify against. */
  ca?: string | Buffer;
}

export interface BuildOptions {
  /** From URI (default our AoR); a tag is added. */
  from?: string;
  /** To header value (default `<uri>`). */
  to?: string;
  callId?: string;
  /** Default 1. */
  cseq?: number;
  maxForwards?: number;
  headers?: SipHeader[];
  body?: string | Uint8Array;
  contentType?: string;
}

export interface RegisterOptions {
  /** The AoR to bind (default ours). */
  aor?: string;
  /** Header parameters after the Contact's URI, e.g. `;+g.oma.pusheventapp="news.ua"`. */
  contactParams?: string;
  /** Parameters inside the Contact's URI, e.g. `;uaprof=...`. */
  uriParams?: string;
  /** The Contact's expires parameter. */
  contactExpires?: number;
  /** The whole Contact header value instead of ours with the parameters above (`*` too). */
  contact?: string;
  /** The Expires header. */
  expires?: number;
  headers?: SipHeader[];
}

export interface RequestOptions {
  /** Default: the UA's timeoutMs. */
  timeoutMs?: number;
  /** Answer a 401/407 (default true). */
  authenticate?: boolean;
  /** Sign as this user, whoever the From is. */
  signAs?: { user: string; password: string };
}

export interface WaitOptions {
  /** Only messages from this index of `received` on. */
  from?: number;
  /** Default: the UA's timeoutMs. */
  timeoutMs?: number;
  /** What is awaited, for the error on timeout. */
  what?: string;
}

export interface SipExchange {
  /** The request as last sent (signed and its CSeq incremented after a challenge). */
  request: SipRequest;
  final: SipResponse;
  /** Every final response, challenges included, in order. */
  finals: SipResponse[];
}

/** Answers an incoming request: a response, several (180 then 200), or null to pass. */
export type Answerer = (req: SipRequest) => SipResponse | SipResponse[] | null;

/** What the UA needs of its connection. */
interface Link<S> {
  readonly transport: UaTransport;
  readonly socket: S;
  /** What follows `user@` in our Contact URI, given our `.invalid` host. */
  contactAddress(host: string): string;
  write(bytes: Uint8Array | string, binary: boolean): void;
  /** Starts handing over messages (`text`: the WebSocket frame type) and the close. */
  listen(onMessage: (message: SipMessage, text?: boolean) => void, onClose: () => void): void;
  close(): void;
}

interface Nonce {
  header: 'Authorization' | 'Proxy-Authorization';
  challenge: DigestChallenge;
  /** Uses of the nonce so far (RFC 2617 nc). */
  nc: number;
}

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
  private nonce: Nonce | null = null;
  private readonly timeoutMs: number;

  private constructor(
    private readonly link: Link<S>,
    private readonly options: SipUaOptions,
  ) {
    this.aor = options.aor ?? 'sip:sender@localhost';
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
    const socket = await new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url, options.protocols ?? ['sip'], options.ca ? { ca: options.ca } : {});
      ws.once('open', () => {
        if (ws.protocol === 'sip') resolve(ws);
        else {
          ws.close();
          reject(new Error(`server chose subprotocol '${ws.protocol}'`));
        }
      });
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return SipUa.open<WebSocket>(
      {
        transport: url.startsWith('wss:') ? 'WSS' : 'WS',
        socket,
        contactAddress: (host) => `${host};transport=ws`,
        write: (bytes, binary) => socket.send(bytes, { binary }),
        listen: (onMessage, onClose) => {
          socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
            const message = parseOrSkip(toBytes(data));
            if (message) onMessage(message, !isBinary);
          });
          socket.on('close', onClose);
        },
        close: () => socket.close(),
      },
      options,
    );
  }

  /** SIP over TCP (RFC 3261 section 18.3), framed by Content-Length. */
  static async connectTcp(port: number, options: SipUaOptions & { host?: string } = {}): Promise<SipUa<net.Socket>> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, options.host ?? '127.0.0.1', () => resolve(s));
      s.once('error', reject);
    });
    socket.setNoDelay(true);
    const framer = new SipStreamFramer();
    return SipUa.open<net.Socket>(
      {
        transport: 'TCP',
        socket,
        contactAddress: (host) => `${host};transport=tcp`,
        write: (bytes) => socket.write(bytes),
        listen: (onMessage, onClose) => {
          socket.on('data', (chunk: Buffer) => {
            let messages: SipMessage[];
            try {
              messages = framer.push(chunk);
            } catch {
              return;
            }
            for (const m of messages) onMessage(m);
          });
          socket.once('close', onClose);
        },
        close: () => socket.end(),
      },
      options,
    );
  }

  /** SIP over UDP to 127.0.0.1:`port`; our Contact is our real address. */
  static async openUdp(port: number, options: SipUaOptions = {}): Promise<SipUa<dgram.Socket>> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    const localPort = socket.address().port;
    return SipUa.open<dgram.Socket>(
      {
        transport: 'UDP',
        socket,
        contactAddress: () => `127.0.0.1:${localPort}`,
        write: (bytes) => socket.send(typeof bytes === 'string' ? Buffer.from(bytes) : bytes, port, '127.0.0.1'),
        listen: (onMessage, onClose) => {
          socket.on('message', (data: Buffer) => {
            const message = parseOrSkip(data);
            if (message) onMessage(message);
          });
          socket.once('close', onClose);
        },
        close: () => socket.close(),
      },
      options,
    );
  }

  private static async open<S>(link: Link<S>, options: SipUaOptions): Promise<SipUa<S>> {
    const ua = new SipUa(link, options);
    await ua.fetchNonceIfPreemptive();
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
    const signer = options.authenticate === false ? null : (options.signAs ?? this.signerFor(request));
    if (signer && this.options.preemptiveAuth && this.nonce) request = sign(request, signer, this.nonce);
    const finals: SipResponse[] = [];
    for (;;) {
      const final = await this.transact(request, options.timeoutMs ?? this.timeoutMs);
      finals.push(final);
      if (!signer || finals.length > 1 || (final.status !== 401 && final.status !== 407)) return { request, final, finals };
      const nonce = nonceOf(final);
      if (this.options.preemptiveAuth) this.nonce = nonce;
      request = sign(nextAttempt(request), signer, nonce);
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

  /** Who signs the request when challenged: the From user, if we know the password. */
  private signerFor(request: SipRequest): { user: string; password: string } | null {
    const uri = fromUri(request);
    if (!uri?.user) return null;
    const own = parseUri(this.aor);
    if (this.options.password !== undefined && uri.user === own.user && uri.host.toLowerCase() === own.host.toLowerCase()) {
      return { user: uri.user, password: this.options.password };
    }
    const credentials = this.options.credentials;
    if (!credentials || uri.host.toLowerCase() !== credentials.domain.toLowerCase()) return null;
    const password = credentials.passwordFor(uri.user);
    if (password === undefined) throw new Error(`no password for ${uri.user}@${uri.host}: provision it at the core`);
    return { user: uri.user, password };
  }

  /** Any request From the domain is challenged before routing: take its nonce. */
  private async fetchNonceIfPreemptive(): Promise<void> {
    const domain = this.options.credentials?.domain;
    if (!this.options.preemptiveAuth || domain === undefined) return;
    const uri = `sip:nonce@${domain}`;
    const response = await this.transact(this.build('OPTIONS', uri, { from: uri, callId: `nonce-${randomToken(12)}` }), this.timeoutMs);
    if (response.status !== 401 && response.status !== 407) {
      await this.close();
      throw new Error(`expected the core to challenge a request from ${domain} (401/407), got ${response.status} ${response.reason}`);
    }
    this.nonce = nonceOf(response);
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

function fromUri(request: SipRequest): SipUri | null {
  try {
    return parseUri(parseNameAddr(getHeader(request, 'from') ?? '').uri);
  } catch {
    return null; // a From a test wrote on purpose unparsable
  }
}

function parseOrSkip(bytes: Uint8Array): SipMessage | null {
  try {
    return parseSipMessage(bytes);
  } catch {
    return null; // a CRLF keep-alive, or garbage
  }
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

function nonceOf(response: SipResponse): Nonce {
  const proxy = response.status === 407;
  const value = getHeader(response, proxy ? 'proxy-authenticate' : 'www-authenticate');
  if (!value) throw new Error(`${response.status} without a ${proxy ? 'Proxy' : 'WWW'}-Authenticate challenge`);
  return { header: proxy ? 'Proxy-Authorization' : 'Authorization', challenge: parseChallenge(value), nc: 0 };
}

/** The request with credentials for the nonce (replacing any it carried). */
function sign(request: SipRequest, signer: { user: string; password: string }, nonce: Nonce): SipRequest {
  const creds = answerChallenge(nonce.challenge, { username: signer.user, password: signer.password, method: request.method, uri: request.uri, nc: ++nonce.nc });
  const headers = request.headers.filter((h) => !/^(proxy-)?authorization$/.test(canonicalHeaderName(h.name)));
  return { ...request, headers: [...headers, { name: nonce.header, value: formatCredentials(creds) }] };
}

/** The same request as a new transaction: a new branch in our Via and the CSeq incremented. */
function nextAttempt(request: SipRequest): SipRequest {
  let topVia = true;
  const headers = request.headers.map((h) => {
    const name = canonicalHeaderName(h.name);
    if (name === 'cseq') return { ...h, value: h.value.replace(/^\s*(\d+)/, (_, n: string) => String(Number(n) + 1)) };
    if (name === 'via' && topVia) {
      topVia = false;
      return { ...h, value: h.value.replace(/branch=[^;,\s]+/i, `branch=${newBranch()}`) };
    }
    return h;
  });
  return { ...request, headers };
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
