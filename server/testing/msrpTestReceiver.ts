/**
 * Test helper: a Push Receiver Agent played by hand, for the sender's MSRP tests. A SipUa
 * (sipUa.ts) registers with the core, answers the INVITE with an SDP answer
 * (buildMsrpAnswer), opens a `ws` client with subprotocol `msrp` to the sender's path, binds
 * with an empty SEND, then answers each chunk 200 and sends the REPORT when the last chunk
 * asks for it (Success-Report: yes). It hashes what arrives and records every chunk's headers.
 */
import { createHash, type Hash } from 'node:crypto';
import WebSocket from 'ws';
import {
  makeReport,
  makeResponse,
  parseMsrpMessage,
  parseMsrpUri,
  randomIdent,
  serializeRequest,
  serializeResponse,
  type ByteRange,
  type MsrpFlag,
  type MsrpRequest,
} from '../../src/protocol/msrp/index.ts';
import { buildMsrpAnswer, chooseAcceptTypes, MSRP_WS_PROTOCOLS, parseMsrpOffer, type FileRange, type MsrpOffer } from '../../src/protocol/sdp/index.ts';
import { getHeader, getHeaderValues, parseNameAddr, type SipRequest, type SipResponse } from '../../src/protocol/sip/index.ts';
import { reply, SipUa } from './sipUa.ts';

export interface ChunkInfo {
  byteRange: ByteRange;
  flag: MsrpFlag;
  length: number;
  messageId: string | undefined;
  contentType: string | undefined;
  successReport: string | undefined;
  failureReport: string | undefined;
  /** Size of the WebSocket message that carried it. */
  frameBytes: number;
}

export interface ReceivedTransfer {
  invite: SipRequest;
  offer: MsrpOffer;
  /** Our a=path. */
  path: string;
  ws?: WebSocket;
  chunks: ChunkInfo[];
  bytes: number;
  hash: Hash;
  /** Chunk responses withheld while behaviour.holdResponses is set (sent by releaseResponses). */
  heldResponses: Uint8Array[];
  /** Hex SHA-256 of what arrived, once the last chunk (`$` or `#`) came. */
  digest?: string;
  /** Resolves when the transfer ended: last chunk, or the socket closed. */
  ended: Promise<void>;
  endedHow?: 'complete' | 'aborted' | 'closed';
  /** The BYE for this dialog, once received. */
  bye?: SipRequest;
  /** Our 200 to the INVITE (its To tag is ours). */
  ok?: SipResponse;
  /** The final response to a BYE we sent. */
  byeResponse?: SipResponse;
}

export interface TestReceiverBehaviour {
  /** Refuse the INVITE with this status. */
  refuse?: number;
  /** a=file-range of the answer, to resume. */
  fileRange?: (offer: MsrpOffer) => FileRange | undefined;
  /** Do not connect to the sender's path at all. */
  neverConnect?: boolean;
  /** Close the WebSocket once this many bytes arrived. */
  closeAfterBytes?: number;
  /** Pause reading right after the bind (resume with transfer.ws.resume()). */
  pauseAfterBind?: boolean;
  /** Send BYE (through the core, in the dialog) once this many bytes arrived. */
  byeAfterBytes?: number;
  /** Keep the chunks' responses instead of sending them (a slow receiver; see releaseResponses). */
  holdResponses?: boolean;
  /** Answer the chunk with this code instead of 200 (e.g. 413 once past some bytes). */
  chunkStatus?: (chunk: ChunkInfo, transfer: ReceivedTransfer) => number;
}

export class TestReceiver {
  readonly transfers: ReceivedTransfer[] = [];
  behaviour: TestReceiverBehaviour = {};
  private waiters: Array<() => void> = [];

  private constructor(readonly ua: SipUa) {
    ua.answer((req) => this.onRequest(req));
  }

  /**
   * Connect to the core and register `aor` (default sip:alice@localhost) for push app `app`
   * (default news.ua); with `password`, answering the core's digest challenge.
   */
  static async start(coreUrl: string, options: { aor?: string; password?: string; app?: string } = {}): Promise<TestReceiver> {
    const ua = await SipUa.connect(coreUrl, { aor: options.aor ?? 'sip:alice@localhost', password: options.password });
    const receiver = new TestReceiver(ua);
    const res = await ua.register({ contactParams: `;+g.oma.pusheventapp="${options.app ?? 'news.ua'}"` });
    if (res.status !== 200) throw new Error(`REGISTER got ${res.status}`);
    return receiver;
  }

  /** Resolves once `n` transfers have started (INVITE answered 200). */
  async waitForTransfers(n: number): Promise<ReceivedTransfer[]> {
    while (this.transfers.length < n) await new Promise<void>((r) => this.waiters.push(r));
    return this.transfers.slice(0, n);
  }

  private onRequest(req: SipRequest) {
    if (req.method === 'BYE') {
      const callId = getHeader(req, 'call-id');
      const t = this.transfers.find((x) => getHeader(x.invite, 'call-id') === callId);
      if (t) t.bye = req;
      return reply(req, t ? 200 : 481);
    }
    if (req.method !== 'INVITE') return reply(req, 200);
    if (this.behaviour.refuse) return reply(req, this.behaviour.refuse);
    const offer = parseMsrpOffer(new TextDecoder().decode(req.body), { protocols: MSRP_WS_PROTOCOLS });
    const { acceptTypes } = chooseAcceptTypes(offer, ['*']);
    const path = `msrp://${randomIdent(10).toLowerCase()}.invalid:2855/${randomIdent(16)};ws`;
    const fileRange = this.behaviour.fileRange?.(offer);
    const answer = buildMsrpAnswer(offer, { path, acceptTypes, setup: 'active', ...(fileRange ? { fileRange } : {}) });
    let endTransfer!: () => void;
    const transfer: ReceivedTransfer = {
      invite: req,
      offer,
      path,
      chunks: [],
      heldResponses: [],
      bytes: 0,
      hash: createHash('sha256'),
      ended: new Promise<void>((r) => (endTransfer = r)),
    };
    this.transfers.push(transfer);
    for (const w of this.waiters.splice(0)) w();
    if (!this.behaviour.neverConnect) setImmediate(() => this.connect(transfer, endTransfer));
    const recordRoute = getHeaderValues(req, 'record-route').map((value) => ({ name: 'Record-Route', value }));
    const ok = reply(req, 200, [...recordRoute, { name: 'Contact', value: `<${this.ua.contactUri({ user: 'pra' })}>` }, { name: 'Content-Type', value: 'application/sdp' }]);
    ok.body = new TextEncoder().encode(answer);
    transfer.ok = ok;
    return ok;
  }

  private connect(transfer: ReceivedTransfer, end: () => void): void {
    const target = parseMsrpUri(transfer.offer.path[transfer.offer.path.length - 1]!);
    const ws = new WebSocket(`ws://${target.host}:${target.port}`, 'msrp');
    transfer.ws = ws;
    ws.binaryType = 'nodebuffer';
    const finish = (how: 'complete' | 'aborted' | 'closed') => {
      if (transfer.endedHow) return;
      transfer.endedHow = how;
      transfer.digest = transfer.hash.digest('hex');
      end();
    };
    ws.on('error', () => {});
    ws.once('close', () => finish('closed'));
    ws.once('open', () => {
      // The bind: an empty SEND to the sender's path (RFC 7977 section 5).
      ws.send(serializeRequest({ method: 'SEND', toPath: transfer.offer.path, fromPath: [transfer.path], messageId: randomIdent(12) }), { binary: true });
    });
    let bound = false;
    ws.on('message', (data: Buffer) => {
      const msg = parseMsrpMessage(data);
      if (msg.kind === 'response') {
        if (!bound && msg.code === 200) {
          bound = true;
          if (this.behaviour.pauseAfterBind) ws.pause();
        }
        return;
      }
      if (msg.method !== 'SEND') return;
      this.onChunk(transfer, msg, data.length, ws, finish);
    });
  }

  private onChunk(transfer: ReceivedTransfer, msg: MsrpRequest, frameBytes: number, ws: WebSocket, finish: (how: 'complete' | 'aborted' | 'closed') => void): void {
    const body = msg.body ?? new Uint8Array(0);
    const chunk: ChunkInfo = {
      byteRange: msg.byteRange!,
      flag: msg.flag,
      length: body.length,
      messageId: msg.messageId,
      contentType: msg.contentType,
      successReport: msg.successReport,
      failureReport: msg.failureReport,
      frameBytes,
    };
    transfer.chunks.push(chunk);
    const code = this.behaviour.chunkStatus?.(chunk, transfer) ?? 200;
    if (code === 200) {
      transfer.hash.update(body);
      transfer.bytes += body.length;
    }
    const response = makeResponse(msg, code);
    if (response && this.behaviour.holdResponses) transfer.heldResponses.push(serializeResponse(response));
    else if (response) ws.send(serializeResponse(response), { binary: true });
    if (msg.flag === '#') return finish('aborted');
    if (code !== 200) return;
    if (msg.flag === '$') {
      if (msg.successReport === 'yes') {
        const total = msg.byteRange!.total as number;
        const start = transfer.chunks[0]!.byteRange.start;
        ws.send(serializeRequest(makeReport(msg, 200, { start, end: total, total })), { binary: true });
      }
      finish('complete');
      return;
    }
    if (this.behaviour.closeAfterBytes !== undefined && transfer.bytes >= this.behaviour.closeAfterBytes) ws.close();
    if (this.behaviour.byeAfterBytes !== undefined && transfer.bytes >= this.behaviour.byeAfterBytes && !transfer.byeResponse) {
      this.behaviour.byeAfterBytes = undefined;
      ws.pause(); // read nothing more: the transfer cannot complete before the BYE lands
      void this.sendBye(transfer);
    }
  }

  /** Stop holding chunk responses and send the withheld ones, in order. */
  releaseResponses(transfer: ReceivedTransfer): void {
    this.behaviour.holdResponses = false;
    for (const bytes of transfer.heldResponses.splice(0)) transfer.ws?.send(bytes, { binary: true });
  }

  /** BYE from our side of the dialog (RFC 3261 section 15.1.1): Route = the Record-Route, to the sender's Contact. */
  async sendBye(transfer: ReceivedTransfer): Promise<SipResponse> {
    const invite = transfer.invite;
    const target = parseNameAddr(getHeader(invite, 'contact')!).uri;
    const bye: SipRequest = {
      kind: 'request',
      method: 'BYE',
      uri: target,
      headers: [
        { name: 'Max-Forwards', value: '70' },
        ...getHeaderValues(invite, 'record-route').map((value) => ({ name: 'Route', value })),
        { name: 'From', value: getHeader(transfer.ok!, 'to')! },
        { name: 'To', value: getHeader(invite, 'from')! },
        { name: 'Call-ID', value: getHeader(invite, 'call-id')! },
        { name: 'CSeq', value: '1 BYE' },
      ],
      body: new Uint8Array(0),
    };
    transfer.byeResponse = await this.ua.request(bye);
    return transfer.byeResponse;
  }

  async close(): Promise<void> {
    for (const t of this.transfers) t.ws?.terminate();
    await this.ua.close();
  }
}
