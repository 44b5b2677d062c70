/**
 * Test kit for the MSRP receiver (not part of the bundle): an in-memory WebSocket pair where
 * the test plays the sender, and SIP request builders. No timers, no sleeps.
 */
import { buildMsrpOffer, type FileSelector, type FileRange } from '../protocol/sdp/index.ts';
import { parseMsrpMessage, serializeRequest, serializeResponse, type MsrpMessage, type MsrpRequestInit } from '../protocol/msrp/index.ts';
import { parseSipMessage, type SipRequest, type SipResponse, getHeader, parseNameAddr } from '../protocol/sip/index.ts';
import type { WebSocketFactory, WebSocketLike } from '../agent/msrp/session.ts';

/** The receiver's end of an in-memory WebSocket; the test drives the sender's end. */
export class FakeSocket implements WebSocketLike {
  binaryType = 'blob';
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code?: number; reason?: string; wasClean?: boolean }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  /** Every message the receiver sent, parsed. */
  readonly received: MsrpMessage[] = [];
  closedByReceiver = false;
  /** When set, the sender answers the bind SEND with this status automatically (default 200). */
  autoBind: number | null = 200;

  constructor(
    readonly url: string,
    readonly protocol: string,
  ) {}

  send(data: ArrayBufferLike | ArrayBufferView | string): void {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice() : new Uint8Array(data.slice(0));
    const message = parseMsrpMessage(bytes);
    this.received.push(message);
    if (this.autoBind !== null && message.kind === 'request' && message.method === 'SEND' && message.body === undefined && this.received.length === 1) {
      this.deliver(serializeResponse({ transactionId: message.transactionId, code: this.autoBind, toPath: [message.fromPath[0]!], fromPath: [message.toPath.at(-1)!] }));
    }
  }

  close(): void {
    this.closedByReceiver = true;
    this.readyState = 3;
  }

  // ---- the sender's side ----

  accept(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  deliver(bytes: Uint8Array): void {
    if (this.readyState !== 1) throw new Error('socket not open');
    const copy = bytes.slice();
    this.onmessage?.({ data: copy.buffer });
  }

  /** The sender's end goes away (network drop). */
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, wasClean: false, reason: '' });
  }

  get bind(): MsrpMessage | undefined {
    return this.received[0];
  }

  /** The receiver's URI, from the bind SEND. */
  get receiverUri(): string {
    return this.bind!.fromPath[0]!;
  }

  responses(): Extract<MsrpMessage, { kind: 'response' }>[] {
    return this.received.filter((m): m is Extract<MsrpMessage, { kind: 'response' }> => m.kind === 'response');
  }

  reports(): Extract<MsrpMessage, { kind: 'request' }>[] {
    return this.received.filter((m): m is Extract<MsrpMessage, { kind: 'request' }> => m.kind === 'request' && m.method === 'REPORT');
  }
}

/** A WebSocket factory whose sockets accept at once (or when the test says). */
export class FakeNetwork {
  readonly sockets: FakeSocket[] = [];
  autoAccept = true;
  readonly factory: WebSocketFactory = (url, protocol) => {
    const socket = new FakeSocket(url, protocol);
    this.sockets.push(socket);
    if (this.autoAccept) queueMicrotask(() => socket.accept());
    return socket;
  };
}

export const SENDER_URI = 'msrp://psa.example.com:8443/s3ndrSess10n;ws';

/** A SEND from the sender to the receiver of `socket`. */
export function sendChunk(socket: FakeSocket, init: Omit<MsrpRequestInit, 'method' | 'toPath' | 'fromPath'> & { fromPath?: string[] }): void {
  socket.deliver(serializeRequest({ method: 'SEND', toPath: [socket.receiverUri], fromPath: init.fromPath ?? [SENDER_URI], ...init }));
}

export interface SendFileOptions {
  messageId: string;
  chunkSize: number;
  /** Byte-Range positions to send, by default all in order. */
  order?: (ranges: { start: number; end: number }[]) => { start: number; end: number }[];
  firstByte?: number;
  successReport?: 'yes' | 'no';
  failureReport?: 'yes' | 'no' | 'partial';
  contentType?: string;
  /** Send only this many chunks (a transfer cut short). */
  limit?: number;
}

/** Send `content` as one MSRP message in chunks (flag `+` until the last range in file order). */
export function sendFile(socket: FakeSocket, content: Uint8Array, options: SendFileOptions): number {
  const total = content.length;
  const ranges: { start: number; end: number }[] = [];
  for (let s = options.firstByte ?? 1; s <= total; s += options.chunkSize) ranges.push({ start: s, end: Math.min(total, s + options.chunkSize - 1) });
  if (total === 0) ranges.push({ start: 1, end: 0 });
  const ordered = options.order ? options.order(ranges) : ranges;
  let sent = 0;
  for (const r of ordered) {
    if (options.limit !== undefined && sent >= options.limit) break;
    const init: Parameters<typeof sendChunk>[1] = {
      messageId: options.messageId,
      byteRange: { start: r.start, end: r.end, total },
      contentType: options.contentType ?? 'application/octet-stream',
      body: content.subarray(r.start - 1, r.end),
      flag: r.end === total ? '$' : '+',
    };
    if (options.successReport) init.successReport = options.successReport;
    if (options.failureReport) init.failureReport = options.failureReport;
    sendChunk(socket, init);
    sent++;
  }
  return sent;
}

// ---- SIP ----

let counter = 0;

export interface InviteInit {
  app?: string | null;
  from?: string;
  callId?: string;
  cseq?: number;
  protocol?: 'TCP/WS/MSRP' | 'TCP/WSS/MSRP' | 'TCP/MSRP';
  selector?: FileSelector;
  transferId?: string;
  acceptTypes?: string[];
  range?: FileRange;
  sdp?: string;
  contentType?: string;
  extra?: string[];
  /** The sender's a=path (default SENDER_URI). */
  path?: string;
}

export function sipRequest(lines: string[], body = ''): SipRequest {
  const bytes = new TextEncoder().encode(`${lines.join('\r\n')}\r\nContent-Length: ${new TextEncoder().encode(body).length}\r\n\r\n${body}`);
  const parsed = parseSipMessage(bytes);
  if (parsed.kind !== 'request') throw new Error('not a request');
  return parsed;
}

export function invite(init: InviteInit = {}): SipRequest {
  const callId = init.callId ?? `call-${++counter}`;
  const sdp =
    init.sdp ??
    buildMsrpOffer({
      protocol: init.protocol ?? 'TCP/WS/MSRP',
      path: init.path ?? SENDER_URI,
      acceptTypes: init.acceptTypes ?? ['application/octet-stream'],
      ...(init.selector ? { file: { selector: init.selector, transferId: init.transferId ?? `ft-${counter}`, ...(init.range ? { range: init.range } : {}) } } : {}),
    });
  const lines = [
    'INVITE sip:alice@example.com SIP/2.0',
    'Via: SIP/2.0/WSS core.example.com;branch=z9hG4bKinv' + counter,
    'Record-Route: <sip:core.example.com;lr;transport=ws>',
    `From: "PSA" <${init.from ?? 'sip:psa@example.com'}>;tag=ft${callId}`,
    'To: <sip:alice@example.com>',
    `Call-ID: ${callId}`,
    `CSeq: ${init.cseq ?? 1} INVITE`,
    'Contact: <sip:psa@psa.example.com;transport=ws>',
    `Content-Type: ${init.contentType ?? 'application/sdp'}`,
  ];
  if (init.app !== null) lines.push(`Accept-Contact: *;+g.oma.pusheventapp="${init.app ?? 'files.ua'}";require;explicit`);
  lines.push(...(init.extra ?? []));
  return sipRequest(lines, sdp);
}

/** ACK, BYE or CANCEL for an INVITE (in the dialog of its 200 for ACK and BYE). */
export function inDialog(method: 'ACK' | 'BYE' | 'CANCEL', inviteRequest: SipRequest, response?: SipResponse, cseq?: number): SipRequest {
  const to = response ? getHeader(response, 'To')! : getHeader(inviteRequest, 'To')!;
  const seq = cseq ?? (method === 'BYE' ? 2 : Number(getHeader(inviteRequest, 'CSeq')!.split(' ')[0]));
  return sipRequest([
    `${method} sip:alice@example.com SIP/2.0`,
    'Via: SIP/2.0/WSS core.example.com;branch=z9hG4bK' + method.toLowerCase() + ++counter,
    `From: ${getHeader(inviteRequest, 'From')!}`,
    `To: ${to}`,
    `Call-ID: ${getHeader(inviteRequest, 'Call-ID')!}`,
    `CSeq: ${seq} ${method}`,
  ]);
}

export function toTagOf(response: SipResponse): string | undefined {
  return parseNameAddr(getHeader(response, 'To')!).params.get('tag') ?? undefined;
}

export function bodyText(response: SipResponse): string {
  return new TextDecoder().decode(response.body);
}

/** Deterministic bytes (not all equal, so reordering shows in the hash). */
export function makeContent(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
