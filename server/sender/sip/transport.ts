/**
 * The sender's SIP-over-WebSocket connection (RFC 7118): opens the socket with subprotocol
 * `sip`, frames what is sent, drops keep-alives, parses what arrives and reports the close.
 *
 * ```
 *   idle --connect()--> connecting --open--> open --close / lost--> closed
 *     |                     |                                         |
 *     '--close()--> closed <'--error / HTTP refusal        connect() again
 * ```
 */
import WebSocket from 'ws';
import { isUtf8, parseSipMessage, type SipMessage } from '../../../src/protocol/sip/index.ts';
import { SenderError } from './errors.ts';
import { REASON_CLOSED, REASON_CONNECTION_LOST } from './result.ts';

export type ClientState = 'idle' | 'connecting' | 'open' | 'closed';

/** Legal moves of the connection state machine: idle -> connecting -> open -> closed -> connecting ... */
const TRANSITIONS: Record<ClientState, readonly ClientState[]> = {
  idle: ['connecting', 'closed'],
  connecting: ['open', 'closed'],
  open: ['closed'],
  closed: ['connecting'],
};

export interface SipTransportOptions {
  url: string;
  handshakeTimeoutMs: number;
  /** Sees every SIP message sent and received, as text (binary bodies decoded lossily). */
  trace?: ((direction: 'send' | 'recv', text: string) => void) | undefined;
  /** A parsed SIP message arrived. */
  onMessage: (message: SipMessage) => void;
  /** The open socket closed; `reason` is REASON_CLOSED after close(), else REASON_CONNECTION_LOST. */
  onClosed: (reason: string) => void;
}

export class SipTransport {
  private socket: WebSocket | undefined;
  private connecting: Promise<void> | undefined;
  private _state: ClientState = 'idle';
  /** close() was called (and no connect() since): local failures say REASON_CLOSED. */
  closedByUser = false;

  constructor(private readonly options: SipTransportOptions) {}

  get state(): ClientState {
    return this._state;
  }

  get isOpen(): boolean {
    return this._state === 'open' && this.socket !== undefined;
  }

  /** Why a request cannot go out now. */
  get downReason(): string {
    return this.closedByUser ? REASON_CLOSED : REASON_CONNECTION_LOST;
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
    const url = this.options.url;
    this.connecting = new Promise<void>((resolve, reject) => {
      let socket: WebSocket;
      // The cause says why for a front end that explains it (server/sender/cliFailures.ts):
      // the socket error (its errno `code`), or `{ httpStatus }` when an HTTP server answered.
      const fail = (why: string, cause?: unknown) => {
        if (this._state === 'connecting') this.transition('closed');
        this.connecting = undefined;
        reject(new SenderError('SENDER_ERR_CONNECT', `cannot connect to ${url}: ${why}`, { cause }));
      };
      try {
        socket = new WebSocket(url, 'sip', { perMessageDeflate: false, handshakeTimeout: this.options.handshakeTimeoutMs });
      } catch (err) {
        fail(err instanceof Error ? err.message : String(err));
        return;
      }
      socket.binaryType = 'nodebuffer';
      this.socket = socket;
      const onError = (err: Error & { code?: string }) => fail(err.code ?? err.message, err);
      socket.once('error', onError);
      socket.once('unexpected-response', (_req, res) => {
        socket.removeListener('error', onError);
        socket.on('error', () => {});
        fail(`unexpected HTTP ${res.statusCode} (is this a SIP WebSocket endpoint?)`, { httpStatus: res.statusCode });
        socket.terminate();
      });
      socket.once('open', () => {
        socket.removeListener('error', onError);
        socket.on('error', () => {
          // 'close' follows and fails the pending requests.
        });
        socket.on('message', (data: Buffer) => this.onFrame(data));
        socket.once('close', () => this.onSocketClosed(socket));
        this.transition('open');
        this.connecting = undefined;
        resolve();
      });
    });
    return this.connecting;
  }

  /**
   * Start closing. Returns a promise for the socket's close, or undefined when there is no
   * socket to wait for (never opened, or already closed): nothing will call onClosed then.
   */
  close(): Promise<void> | undefined {
    this.closedByUser = true;
    const socket = this.socket;
    if (!socket || this._state === 'closed' || this._state === 'idle') {
      if (this._state === 'idle') this.transition('closed');
      return undefined;
    }
    return new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(1000);
    });
  }

  /** One SIP message as a text frame; false when the socket is not open. */
  sendText(text: string): boolean {
    if (!this.socket || this._state !== 'open') return false;
    this.options.trace?.('send', text);
    this.socket.send(text);
    return true;
  }

  /** A serialized message (UTF-8 throughout) as a text frame; false when the socket is not open. */
  sendSerialized(bytes: Uint8Array): boolean {
    if (!this.socket || this._state !== 'open') return false;
    this.options.trace?.('send', Buffer.from(bytes).toString('utf8'));
    this.socket.send(bytes, { binary: false });
    return true;
  }

  /** Head and body of a request; false when the socket is not open. */
  sendRequest(head: string, body: string | Uint8Array): boolean {
    const socket = this.socket;
    if (!socket || this._state !== 'open') return false;
    if (typeof body === 'string') {
      const text = head + body;
      this.options.trace?.('send', text);
      socket.send(text);
    } else {
      const frame = Buffer.concat([Buffer.from(head, 'utf8'), body]);
      this.options.trace?.('send', frame.toString('utf8'));
      // RFC 7118 section 4.2: text frames carry UTF-8 only; anything else goes as binary.
      socket.send(frame, { binary: !isUtf8(body) });
    }
    return true;
  }

  private onFrame(data: Buffer): void {
    // Keep-alive CRLFs (RFC 5626 section 3.5.1) carry no message.
    if (data.length <= 4 && data.every((b) => b === 13 || b === 10)) return;
    this.options.trace?.('recv', data.toString('utf8'));
    let msg;
    try {
      msg = parseSipMessage(data);
    } catch {
      return; // A malformed response cannot be matched; Timer F will answer for it.
    }
    this.options.onMessage(msg);
  }

  private onSocketClosed(socket: WebSocket): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    if (this._state !== 'closed') this.transition('closed');
    this.options.onClosed(this.downReason);
  }
}
