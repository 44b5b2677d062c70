/**
 * One MSRP session over a browser WebSocket (RFC 4975, RFC 7977). The browser is always the
 * active side: it opens the WebSocket (subprotocol `msrp`, binary frames) to the sender's
 * path and binds the session with an empty SEND (RFC 4975 section 7.1, RFC 7977 section 5).
 *
 * ```
 *          connect()          open: bind SEND sent        200 to the bind
 *   idle ------------> connecting -----------------> binding ---------------> open
 *                          |                            |  (SENDs accepted     |
 *                          '--- close/error ------------+-- from here on) -----+--> closed
 *                                            error response to the bind -------'
 * ```
 *
 * One WebSocket message is one MSRP message (RFC 7977 section 5). Each SEND chunk goes to the
 * MessageHandler, which resolves with the status once the chunk is stored; the transaction
 * response is then sent as Failure-Report asks (responseDue), and a REPORT when the handler
 * says a message ended and Success-Report (or, for a failure, Failure-Report) asks for one.
 *
 * WebSocket URL: RFC 7977 section 5 leaves it to be learned out of band; we use the host and
 * port of the MSRP URI: `msrp://host:port/session;ws` -> `ws://host:port/`, `msrps` -> `wss`.
 * An URI without a port maps to the WebSocket default port (80 / 443).
 */
import {
  encodeRequest,
  makeReport,
  makeResponse,
  MsrpError,
  parseMsrpMessage,
  parseMsrpUri,
  randomIdent,
  sameSession,
  serializeResponse,
  type ByteRange,
  type MsrpParserLimits,
  type MsrpRequest,
  type MsrpRequestHead,
} from '../../protocol/msrp/index.ts';
import type { FrameTap } from '../trace/tracer.ts';

/** The part of the browser WebSocket this module uses (the `ws` package fits it too). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly protocol?: string;
  send(data: ArrayBufferLike | ArrayBufferView | string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code?: number; reason?: string; wasClean?: boolean }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type WebSocketFactory = (url: string, protocol: string) => WebSocketLike;

const OPEN = 1;

export type MsrpSessionState = 'idle' | 'connecting' | 'binding' | 'open' | 'closed';

const TRANSITIONS: Readonly<Record<MsrpSessionState, readonly MsrpSessionState[]>> = {
  idle: ['connecting', 'closed'],
  connecting: ['binding', 'closed'],
  binding: ['open', 'closed'],
  open: ['closed'],
  closed: [],
};

/** A SEND chunk as the handler sees it. `body` is a view into the WebSocket message. */
export interface IncomingChunk {
  messageId: string;
  byteRange: ByteRange | undefined;
  contentType: string | undefined;
  flag: '$' | '+' | '#';
  body: Uint8Array;
  head: MsrpRequestHead;
}

/** What the handler answers to a chunk. `ended` settles once the message it belongs to ends. */
export interface ChunkResult {
  code: number;
  comment?: string;
  /**
   * When this chunk is the one that completes (or ends) its message: resolves with the outcome
   * to REPORT (200 once the content is verified and stored, or an error status).
   */
  ended?: Promise<{ code: number; comment?: string; byteRange?: ByteRange }>;
}

export interface MessageHandler {
  onChunk(chunk: IncomingChunk): Promise<ChunkResult>;
  /** The parser refused a SEND of this message (413 past the chunk limit, 400 malformed). */
  onMessageError?(messageId: string, status: number, reason: string): void;
}

export interface MsrpSessionCloseInfo {
  /** True when close() was called (BYE, shutdown), false when the socket dropped or failed. */
  local: boolean;
  reason: string;
}

export interface MsrpSessionOptions {
  /** Our URI (`msrp://<random>.invalid:2855/<session-id>;ws`), From-Path of everything we send. */
  localUri: string;
  /** The sender's a=path (relays first, its endpoint last): To-Path of the bind SEND. */
  remotePath: string[];
  handler: MessageHandler;
  createWebSocket?: WebSocketFactory;
  /** Overrides the URL derived from the first hop of remotePath. */
  url?: string;
  limits?: Partial<MsrpParserLimits>;
  onStateChange?: (state: MsrpSessionState, info?: MsrpSessionCloseInfo) => void;
  /**
   * The trace tap: told of every MSRP frame in and out; it keeps the start line, headers and at
   * most TraceLimits.maxMsrpBodyBytes of a body. Not enabled, a frame costs one boolean check.
   */
  trace?: FrameTap;
}

/** `msrp://host:port/session;ws` -> `ws://host:port/` (RFC 7977 section 5; see the module doc). */
export function webSocketUrlFor(uri: string): string {
  const parsed = parseMsrpUri(uri);
  if (parsed.transport.toLowerCase() !== 'ws') throw new MsrpError('MSRP_ERR_URI', 400, `Not a WebSocket MSRP URI: ${uri}`);
  const port = parsed.port === undefined ? '' : `:${parsed.port}`;
  return `${parsed.secure ? 'wss' : 'ws'}://${parsed.host}${port}/`;
}

const encoder = new TextEncoder();

export class MsrpSession {
  private stateValue: MsrpSessionState = 'idle';
  private ws: WebSocketLike | null = null;
  private readonly options: MsrpSessionOptions;
  private readonly trace: FrameTap | null;
  private bindTransactionId = '';
  private closeInfo: MsrpSessionCloseInfo | undefined;
  private settleClosed!: (info: MsrpSessionCloseInfo) => void;
  /** Resolves once the session is closed, with why. */
  readonly closed: Promise<MsrpSessionCloseInfo>;

  constructor(options: MsrpSessionOptions) {
    this.options = options;
    this.trace = options.trace ?? null;
    this.closed = new Promise((resolve) => (this.settleClosed = resolve));
  }

  get state(): MsrpSessionState {
    return this.stateValue;
  }

  get localUri(): string {
    return this.options.localUri;
  }

  private transition(to: MsrpSessionState, info?: MsrpSessionCloseInfo): void {
    if (!TRANSITIONS[this.stateValue].includes(to)) throw new Error(`MsrpSession: illegal transition ${this.stateValue} -> ${to}`);
    this.stateValue = to;
    this.options.onStateChange?.(to, info);
  }

  /** Open the WebSocket to the sender's path and bind. */
  connect(): void {
    if (this.stateValue !== 'idle') return;
    let ws: WebSocketLike;
    try {
      const url = this.options.url ?? webSocketUrlFor(this.options.remotePath[0]!);
      const factory = this.options.createWebSocket ?? ((u: string, p: string) => new WebSocket(u, p) as unknown as WebSocketLike);
      this.transition('connecting');
      ws = factory(url, 'msrp');
    } catch (error) {
      this.finish(false, `Cannot open the MSRP WebSocket: ${(error as Error).message ?? String(error)}`);
      return;
    }
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => this.bind();
    ws.onmessage = (event) => this.receive(event.data);
    ws.onerror = () => {
      // The close event that follows carries the outcome.
    };
    ws.onclose = (event) => {
      const code = event.code ?? 1006;
      this.finish(false, `MSRP WebSocket closed (${code}${event.reason ? ` ${event.reason}` : ''})`);
    };
    this.ws = ws;
  }

  /** Close the session (BYE, shutdown). */
  close(reason = 'Session closed'): void {
    this.finish(true, reason);
  }

  private finish(local: boolean, reason: string): void {
    if (this.stateValue === 'closed') return;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
      try {
        ws.close(1000);
      } catch {
        // already closing
      }
    }
    this.closeInfo = { local, reason };
    this.transition('closed', this.closeInfo);
    this.settleClosed(this.closeInfo);
  }

  /** The empty SEND that binds the connection to the session (RFC 4975 section 7.1). */
  private bind(): void {
    if (this.stateValue !== 'connecting') return;
    const { bytes, transactionId } = encodeRequest({
      method: 'SEND',
      toPath: this.options.remotePath,
      fromPath: [this.options.localUri],
      messageId: randomIdent(16),
      byteRange: { start: 1, end: 0, total: 0 },
    });
    this.bindTransactionId = transactionId;
    this.transition('binding');
    this.sendBytes(bytes);
  }

  private sendBytes(bytes: Uint8Array): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN) return;
    const trace = this.trace;
    if (trace !== null && trace.enabled) trace.msrp('out', bytes);
    ws.send(bytes);
  }

  private sendResponse(head: MsrpRequestHead, code: number, comment?: string): void {
    let bytes: Uint8Array | null;
    try {
      const response = makeResponse(head, code, comment === undefined ? undefined : cleanComment(comment));
      bytes = response ? serializeResponse(response) : null;
    } catch (error) {
      // A request we cannot answer (its paths cannot be written back) leaves the sender
      // waiting: close the session so it learns at once.
      this.finish(false, `Cannot answer an MSRP request: ${String((error as Error)?.message ?? error)}`);
      return;
    }
    if (bytes) this.sendBytes(bytes);
  }

  private receive(data: unknown): void {
    if (this.stateValue === 'closed') return;
    const trace = this.trace;
    if (trace !== null && trace.enabled) trace.msrp('in', data as string | ArrayBuffer);
    const bytes =
      typeof data === 'string' ? encoder.encode(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
    if (!bytes) return;
    let message;
    try {
      message = parseMsrpMessage(bytes, this.options.limits);
    } catch (error) {
      this.onParseError(error);
      return;
    }
    if (message.kind === 'response') {
      if (message.transactionId === this.bindTransactionId && this.stateValue === 'binding') {
        if (message.code === 200) this.transition('open');
        else this.finish(false, `Bind refused: ${message.code}${message.comment ? ` ${message.comment}` : ''}`);
      }
      return; // responses to our REPORTs do not exist; others are ignored
    }
    this.onRequest(message);
  }

  /**
   * A message that does not parse is answered when its transaction ID is known (along its own
   * paths when its headers were read, else along the session's); when not even that is known
   * nothing can be answered, the stream cannot be trusted, and the session is closed so the
   * sender learns at once instead of waiting for a response that never comes.
   */
  private onParseError(error: unknown): void {
    if (!(error instanceof MsrpError)) {
      this.finish(false, `Unreadable MSRP message: ${String((error as Error)?.message ?? error)}`);
      return;
    }
    const head = error.head;
    if (head && head.kind === 'request' && head.toPath.length > 0 && head.fromPath.length > 0) {
      if (head.method === 'SEND' && head.messageId !== undefined) {
        this.options.handler.onMessageError?.(head.messageId, error.status, error.message);
      }
      this.sendResponse(head, error.status, error.message);
      return;
    }
    if (error.transactionId !== undefined && this.options.remotePath.length > 0) {
      // Start line read, headers not: answer along the session's own paths.
      const hop = this.options.remotePath[0]!;
      this.sendBytes(
        serializeResponse({
          transactionId: error.transactionId,
          code: error.status,
          comment: cleanComment(error.message),
          toPath: [hop],
          fromPath: [this.options.localUri],
        }),
      );
      return;
    }
    this.finish(false, `Unintelligible MSRP message, no transaction to answer: ${error.message}`);
  }

  private onRequest(request: MsrpRequest): void {
    const target = request.toPath[request.toPath.length - 1]!;
    let ours = false;
    try {
      ours = sameSession(target, this.options.localUri);
    } catch {
      ours = false;
    }
    if (!ours) {
      this.sendResponse(request, 481);
      return;
    }
    if (request.method === 'REPORT') return;
    if (request.method !== 'SEND') {
      this.sendResponse(request, 501);
      return;
    }
    if (request.messageId === undefined) {
      this.sendResponse(request, 400, 'Missing Message-ID');
      return;
    }
    const chunk: IncomingChunk = {
      messageId: request.messageId,
      byteRange: request.byteRange,
      contentType: request.contentType,
      flag: request.flag,
      body: request.body ?? new Uint8Array(0),
      head: request,
    };
    let result: Promise<ChunkResult>;
    try {
      result = this.options.handler.onChunk(chunk);
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      (r) => {
        this.sendResponse(request, r.code, r.comment);
        if (r.ended) {
          void r.ended.then((end) => this.report(request, end.code, end.comment, end.byteRange));
        }
      },
      () => this.sendResponse(request, 400, 'Chunk not processed'),
    );
  }

  /** REPORT for a message that ended (RFC 4975 section 7.1.2). */
  private report(request: MsrpRequestHead, code: number, comment?: string, byteRange?: ByteRange): void {
    const wanted = code === 200 ? request.successReport === 'yes' : request.failureReport !== 'no';
    if (!wanted || this.stateValue === 'closed') return;
    try {
      this.sendBytes(encodeRequest(makeReport(request, code, byteRange, comment === undefined ? undefined : cleanComment(comment))).bytes);
    } catch {
      // A REPORT that cannot be built (no Message-ID) is not sent.
    }
  }
}

function cleanComment(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length > 120 ? `${clean.slice(0, 117)}...` : clean;
}
