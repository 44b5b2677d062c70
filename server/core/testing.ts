/**
 * Test clients for the core: SIP user agents over WebSocket, TCP and UDP, built on `ws`,
 * node:net/dgram and the codec. They queue what they receive and let a test wait on a
 * condition (never on a fixed sleep). Used by server/core/*.test.ts; other suites may use them.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import WebSocket from 'ws';
import {
  createResponse,
  getHeader,
  getHeaderValues,
  newBranch,
  parseSipMessage,
  randomToken,
  serializeSipMessage,
  SipStreamFramer,
  encodeUtf8,
  type SipHeader,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../../src/protocol/sip/index.ts';

type Waiter = { match: (m: SipMessage) => boolean; resolve: (m: SipMessage) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> };

export abstract class TestUa {
  readonly received: SipMessage[] = [];
  /** Frames received as text (true) or binary (false), WebSocket only. */
  readonly frameKinds: boolean[] = [];
  private waiters: Waiter[] = [];
  private autoResponder: ((req: SipRequest) => SipResponse | SipResponse[] | null) | null = null;
  /** Host put in Via and Contact (a `.invalid` name, like a browser's). */
  readonly host = `${randomToken(8)}.invalid`;
  abstract readonly transport: 'WS' | 'TCP' | 'UDP';

  abstract sendBytes(bytes: Uint8Array | string): void;
  abstract close(): Promise<void>;

  send(message: SipMessage): void {
    this.sendBytes(serializeSipMessage(message));
  }

  /** Answer every incoming request with what the handler returns (null: leave it to the test). */
  answer(handler: (req: SipRequest) => SipResponse | SipResponse[] | null): void {
    this.autoResponder = handler;
  }

  protected deliver(message: SipMessage): void {
    this.received.push(message);
    if (message.kind === 'request' && this.autoResponder && message.method !== 'ACK') {
      const out = this.autoResponder(message);
      for (const r of out === null ? [] : Array.isArray(out) ? out : [out]) this.send(r);
    }
    for (const w of [...this.waiters]) {
      if (w.match(message)) {
        clearTimeout(w.timer);
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(message);
      }
    }
  }

  /** The first message (already received or future) matching the predicate. */
  waitFor(match: (m: SipMessage) => boolean, timeoutMs = 5000, from = 0): Promise<SipMessage> {
    const found = this.received.slice(from).find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== waiter);
        reject(new Error(`${this.transport} test UA: no matching message within ${timeoutMs} ms; got ${this.received.map(describe).join(' | ')}`));
      }, timeoutMs);
      const waiter: Waiter = { match, resolve, reject, timer };
      this.waiters.push(waiter);
    });
  }

  /** Send a request and wait for its final response (same Call-ID and CSeq). */
  async request(req: SipRequest, timeoutMs = 5000): Promise<SipResponse> {
    const callId = getHeader(req, 'call-id');
    const cseq = getHeader(req, 'cseq');
    const from = this.received.length;
    this.send(req);
    return (await this.waitFor((m) => m.kind === 'response' && m.status >= 200 && getHeader(m, 'call-id') === callId && getHeader(m, 'cseq') === cseq, timeoutMs, from)) as SipResponse;
  }

  /** A request from this UA with a fresh Via, tags and Call-ID unless given. */
  build(method: string, uri: string, options: { from?: string; to?: string; callId?: string; cseq?: number; headers?: SipHeader[]; body?: string | Uint8Array; maxForwards?: number } = {}): SipRequest {
    const headers: SipHeader[] = [
      { name: 'Via', value: `SIP/2.0/${this.transport} ${this.host};branch=${newBranch()};rport` },
      { name: 'Max-Forwards', value: String(options.maxForwards ?? 70) },
      { name: 'From', value: `<${options.from ?? 'sip:sender@localhost'}>;tag=${randomToken(8)}` },
      { name: 'To', value: options.to ?? `<${uri}>` },
      { name: 'Call-ID', value: options.callId ?? randomToken(16) },
      { name: 'CSeq', value: `${options.cseq ?? 1} ${method}` },
      ...(options.headers ?? []),
    ];
    const body = typeof options.body === 'string' ? encodeUtf8(options.body) : options.body ?? new Uint8Array(0);
    return { kind: 'request', method, uri, headers, body };
  }

  /** Contact URI of this UA. */
  contactUri(user = 'ua'): string {
    return `sip:${user}@${this.host};transport=${this.transport.toLowerCase()}`;
  }

  /** REGISTER `aor` with a Contact carrying the given parameters (e.g. `;+g.oma.pusheventapp="news.ua"`). */
  register(aor: string, contactParams = '', options: { expires?: number; headers?: SipHeader[]; callId?: string; cseq?: number; contact?: string } = {}): Promise<SipResponse> {
    const contact = options.contact ?? `<${this.contactUri()}>${contactParams}`;
    const req = this.build('REGISTER', `sip:${aor.split('@')[1]}`, {
      from: aor,
      to: `<${aor}>`,
      ...(options.callId ? { callId: options.callId } : {}),
      ...(options.cseq ? { cseq: options.cseq } : {}),
      headers: [{ name: 'Contact', value: contact }, ...(options.expires !== undefined ? [{ name: 'Expires', value: String(options.expires) }] : []), ...(options.headers ?? [])],
    });
    return this.request(req);
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
export function ringUntilCancelled(ua: TestUa): void {
  ua.answer((req) => {
    if (req.method === 'INVITE') return reply(req, 180);
    if (req.method === 'CANCEL') {
      const inv = ua.received.find((m): m is SipRequest => m.kind === 'request' && m.method === 'INVITE')!;
      return [reply(req, 200), reply(inv, 487)];
    }
    return null;
  });
}

export function describe(m: SipMessage): string {
  return m.kind === 'request' ? `${m.method} ${m.uri}` : `${m.status} ${m.reason} (${getHeader(m, 'cseq')})`;
}

export class WsUa extends TestUa {
  readonly transport = 'WS' as const;
  private constructor(readonly socket: WebSocket) {
    super();
    socket.on('message', (data, isBinary) => {
      this.frameKinds.push(!isBinary);
      this.deliver(parseSipMessage(data as Buffer));
    });
  }

  static connect(url: string, protocols: string[] = ['sip']): Promise<WsUa> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, protocols);
      socket.once('open', () => resolve(new WsUa(socket)));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  sendBytes(bytes: Uint8Array | string): void {
    this.socket.send(bytes, { binary: false });
  }

  sendBinary(bytes: Uint8Array): void {
    this.socket.send(bytes, { binary: true });
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

export class TcpUa extends TestUa {
  readonly transport = 'TCP' as const;
  private readonly framer = new SipStreamFramer();
  closed: Promise<void>;
  private constructor(readonly socket: net.Socket) {
    super();
    socket.setNoDelay(true);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk) => {
      for (const m of this.framer.push(chunk)) this.deliver(m);
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<TcpUa> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new TcpUa(socket)));
      socket.once('error', reject);
    });
  }

  sendBytes(bytes: Uint8Array | string): void {
    this.socket.write(bytes);
  }

  close(): Promise<void> {
    this.socket.end();
    return this.closed;
  }
}

export class UdpUa extends TestUa {
  readonly transport = 'UDP' as const;
  private constructor(readonly socket: dgram.Socket, private readonly port: number, readonly localPort: number) {
    super();
    socket.on('message', (data) => this.deliver(parseSipMessage(data)));
  }

  static open(port: number): Promise<UdpUa> {
    return new Promise((resolve) => {
      const socket = dgram.createSocket('udp4');
      socket.bind(0, '127.0.0.1', () => resolve(new UdpUa(socket, port, socket.address().port)));
    });
  }

  override contactUri(user = 'ua'): string {
    return `sip:${user}@127.0.0.1:${this.localPort}`;
  }

  sendBytes(bytes: Uint8Array | string): void {
    this.socket.send(typeof bytes === 'string' ? Buffer.from(bytes) : bytes, this.port, '127.0.0.1');
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** Poll a condition without fixed sleeps: resolves as soon as it holds. */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export { getHeader, getHeaderValues };
