/**
 * A JsSIP.Socket over a browser WebSocket that sees every incoming SIP message first.
 *
 * JsSIP replies 200 to a MESSAGE as soon as its `newMessage` handler returns, and answers an
 * INVITE through RTCPeerConnection, which cannot take `m=message`. Both break the push
 * contract ("200 only after the push is durably stored"), so requests whose method is in
 * `interceptMethods` never reach JsSIP: they are parsed here and answered by the agent's own
 * handler. Everything else (REGISTER responses, auth challenges, NOTIFY, keep-alives) goes to
 * JsSIP unchanged, which keeps doing registration, digest auth and reconnection
 * (ARCHITECTURE.md section 3).
 */
import {
  createResponse,
  decodeUtf8,
  getHeader,
  parseCSeq,
  safeReasonPhrase,
  salvageRequest,
  isUtf8,
  parseSipMessage,
  serializeHead,
  serializeSipMessage,
  SipError,
  type SipMessage,
  type SipParseLimits,
  type SipRequest,
  type SipResponse,
  DEFAULT_SIP_LIMITS,
} from '../../protocol/sip/index.ts';
import type { FrameTap } from '../trace/tracer.ts';

export type InterceptedRequestHandler = (request: SipRequest) => Promise<SipResponse | null> | SipResponse | null;

export interface InterceptingSocketOptions {
  url: string;
  /** Methods handled by the agent instead of JsSIP. */
  interceptMethods: ReadonlySet<string>;
  onRequest: InterceptedRequestHandler;
  /**
   * Told of every 2xx to a REGISTER after JsSIP has processed it: JsSIP emits `registered`
   * only for the first one, and the agent must also know when a refresh carrying new
   * feature tags succeeded, and whether that 2xx still lists our contact (bindingCheck.ts).
   */
  onRegisterSuccess?: (response: string | ArrayBuffer) => void;
  limits?: SipParseLimits;
  /** Factory for the WebSocket (tests inject one). */
  createWebSocket?: (url: string, protocol: string) => WebSocket;
  /**
   * The trace tap: told of every frame in and out (JsSIP's and the agent's own). While it is
   * not enabled a frame costs one boolean check here (src/agent/trace/tracer.ts).
   */
  trace?: FrameTap;
}

const encoder = new TextEncoder();

/** Implements the JsSIP.Socket interface (jssip/lib/Socket.d.ts). */
export class InterceptingSocket {
  private ws: WebSocket | null = null;
  private readonly options: InterceptingSocketOptions;
  private viaTransport: string;
  private readonly sipUri: string;
  private readonly trace: FrameTap | null;

  // Set by JsSIP's Transport.
  onconnect: () => void = () => {};
  ondisconnect: (error: boolean, code?: number, reason?: string) => void = () => {};
  ondata: (data: string | ArrayBuffer) => void = () => {};

  constructor(options: InterceptingSocketOptions) {
    this.options = options;
    const url = new URL(options.url);
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new TypeError(`Not a WebSocket URL: ${options.url}`);
    this.viaTransport = url.protocol === 'wss:' ? 'WSS' : 'WS';
    this.sipUri = `sip:${url.host};transport=ws`;
    this.trace = options.trace ?? null;
  }

  get via_transport(): string {
    return this.viaTransport;
  }
  set via_transport(value: string) {
    this.viaTransport = value.toUpperCase();
  }
  get url(): string {
    return this.options.url;
  }
  get sip_uri(): string {
    return this.sipUri;
  }

  connect(): void {
    if (this.isConnected() || this.isConnecting()) return;
    if (this.ws) this.disconnect();
    const ws = this.options.createWebSocket ? this.options.createWebSocket(this.options.url, 'sip') : new WebSocket(this.options.url, 'sip');
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => this.onconnect();
    ws.onclose = (event) => {
      if (this.ws === ws) this.ws = null;
      this.ondisconnect(!event.wasClean, event.code, event.reason);
    };
    ws.onmessage = (event) => this.receive(event.data as string | ArrayBuffer);
    ws.onerror = () => {
      // The close event that follows carries the outcome; JsSIP's own socket also only logs here.
    };
    this.ws = ws;
  }

  disconnect(): void {
    const ws = this.ws;
    if (!ws) return;
    ws.onopen = ws.onclose = ws.onmessage = ws.onerror = null;
    ws.close();
    this.ws = null;
  }

  /**
   * Give up this flow (RFC 5626 section 4.4.1: its keep-alive failed): close the WebSocket and
   * tell JsSIP at once, as a drop would, so it reconnects and registers on a new flow. A
   * half-open connection's close handshake could take long; JsSIP does not wait for it.
   */
  abandonFlow(reason: string): void {
    const ws = this.ws;
    if (!ws) return;
    ws.onopen = ws.onclose = ws.onmessage = ws.onerror = null;
    ws.close(4000, reason.slice(0, 120));
    this.ws = null;
    this.ondisconnect(true, 4000, reason);
  }

  send(message: string | ArrayBufferLike | Blob | ArrayBufferView): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    const trace = this.trace;
    if (trace !== null && trace.enabled) trace.sip('out', message);
    this.ws.send(message as string | ArrayBuffer);
    return true;
  }

  isConnected(): boolean {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  isConnecting(): boolean {
    return this.ws !== null && this.ws.readyState === WebSocket.CONNECTING;
  }

  /** Send a SIP message of the agent's own (a response, or a request outside JsSIP). */
  sendSip(message: SipMessage): boolean {
    // RFC 7118 section 5.2: text frames carry UTF-8; anything else goes in a binary frame.
    if (message.body.length === 0) return this.send(serializeHead(message));
    if (isUtf8(message.body)) return this.send(serializeHead(message) + decodeUtf8(message.body));
    return this.send(serializeSipMessage(message));
  }

  private receive(data: string | ArrayBuffer): void {
    const trace = this.trace;
    if (trace !== null && trace.enabled) trace.sip('in', data);
    const method = requestMethod(data);
    // A request JsSIP would leave unanswered (its CSeq names another method, `message` for
    // MESSAGE, a malformed start line): the agent answers it, so no sender waits for Timer F.
    if (method !== null && !this.options.interceptMethods.has(method) && this.answeredHere(data, method)) return;
    if (method === null || !this.options.interceptMethods.has(method)) {
      this.ondata(data);
      if (method === null && this.options.onRegisterSuccess && isRegisterSuccess(data)) this.options.onRegisterSuccess(data);
      return;
    }
    let request: SipRequest;
    try {
      const parsed = parseSipMessage(typeof data === 'string' ? encoder.encode(data) : new Uint8Array(data), this.options.limits ?? DEFAULT_SIP_LIMITS);
      if (parsed.kind !== 'request') return;
      request = parsed;
    } catch (error) {
      this.rejectMalformed(data, error);
      return;
    }
    let result: Promise<SipResponse | null> | SipResponse | null;
    try {
      result = this.options.onRequest(request);
    } catch (error) {
      this.sipInternalError(request, error);
      return;
    }
    Promise.resolve(result).then(
      (response) => {
        if (response) this.sendSip(response);
      },
      (error: unknown) => this.sipInternalError(request, error),
    );
  }

  /** Answers, and returns true for, a request that is malformed or whose CSeq method differs from its method. */
  private answeredHere(data: string | ArrayBuffer, method: string): boolean {
    let request: SipMessage;
    try {
      request = parseSipMessage(typeof data === 'string' ? encoder.encode(data) : new Uint8Array(data), this.options.limits ?? DEFAULT_SIP_LIMITS);
    } catch (error) {
      this.rejectMalformed(data, error);
      return true;
    }
    if (request.kind !== 'request') return false;
    let cseqMethod: string | undefined;
    try {
      cseqMethod = parseCSeq(getHeader(request, 'cseq') ?? '').method;
    } catch {
      cseqMethod = undefined;
    }
    if (cseqMethod === method) return false;
    if (method !== 'ACK') this.sendSip(createResponse(request, 400, { reason: cseqMethod !== undefined ? `CSeq method ${cseqMethod} does not match ${method}` : 'Missing or malformed CSeq header' }));
    return true;
  }

  private sipInternalError(request: SipRequest, error: unknown): void {
    console.error('push request handler failed', error);
    if (request.method !== 'ACK') this.sendSip(createResponse(request, 500, { reason: 'Push Receiver Internal Error' }));
  }

  /**
   * Answer 400 (505, 513) when enough of the request survives to address a response, read
   * leniently (salvageRequest); otherwise drop it, as RFC 3261 section 16.3 lets a UA do.
   */
  private rejectMalformed(data: string | ArrayBuffer, error: unknown): void {
    const status = error instanceof SipError ? error.status : 400;
    const detail = error instanceof Error ? error.message : String(error);
    const request = salvageRequest(typeof data === 'string' ? data : new Uint8Array(data), (this.options.limits ?? DEFAULT_SIP_LIMITS).maxHeaderBytes);
    if (!request) return;
    const phrase = status === 513 ? 'Message Too Large' : status === 505 ? 'Version Not Supported' : 'Bad Request';
    try {
      this.sendSip(createResponse(request, status, { reason: safeReasonPhrase(`${phrase} (${detail.slice(0, 100)})`) }));
    } catch {
      // Headers too broken to copy into a response: dropped.
    }
  }
}

const REGISTER_CSEQ = /\r\nCSeq[ \t]*:[ \t]*\d+[ \t]+REGISTER[ \t]*\r\n/i;

/** True for a 2xx response whose CSeq method is REGISTER. */
export function isRegisterSuccess(data: string | ArrayBuffer): boolean {
  const text = typeof data === 'string' ? data : decodeUtf8(new Uint8Array(data));
  if (!text.startsWith('SIP/2.0 2')) return false;
  const headEnd = text.indexOf('\r\n\r\n');
  return REGISTER_CSEQ.test(text.slice(0, headEnd < 0 ? undefined : headEnd + 2));
}

/** The method of a request, read from the first bytes without decoding the rest; null for responses. */
export function requestMethod(data: string | ArrayBuffer): string | null {
  if (typeof data === 'string') {
    const space = data.indexOf(' ');
    if (space <= 0 || space > 16) return null;
    const method = data.slice(0, space);
    return method === 'SIP/2.0' ? null : method;
  }
  const bytes = new Uint8Array(data, 0, Math.min(17, data.byteLength));
  let method = '';
  for (const b of bytes) {
    if (b === 32) return method === 'SIP/2.0' || method === '' ? null : method;
    method += String.fromCharCode(b);
  }
  return null;
}
