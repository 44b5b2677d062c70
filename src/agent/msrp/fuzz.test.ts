/**
 * Fuzzing the receiver's MSRP sessions (issue 9) over a real WebSocket (`ws`): after a valid
 * INVITE/ACK and bind, the sender's end sends mutated MSRP (server/testing/fuzz.ts), soup and
 * random bytes, in binary or text frames. Every SEND whose transaction ID the parser can read
 * gets a response (unless its Failure-Report asks for none, RFC 4975 section 7.1.2); input with
 * no readable transaction ID closes the session, which the sender sees; what the receiver
 * sends is always valid MSRP; nothing throws unhandled (vitest fails the run on it); the
 * receiver still takes a fresh valid session afterwards. Seeded by FUZZ_SEED, bounded by
 * FUZZ_BUDGET_MS.
 */
import 'fake-indexeddb/auto';
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import { FUZZ_BUDGET_MS, FuzzTally, fuzzInputs, fuzzParameters, latin1, replaceAll, type FuzzInput } from '../../../server/testing/fuzz.ts';
import { MSRP_VOCABULARY, msrpBytesArb, RECEIVER_URI, SENDER_URI } from '../../../server/testing/fuzzMessages.ts';
import { MsrpError, parseMsrpMessage, serializeRequest, serializeResponse, type MsrpMessage } from '../../protocol/msrp/index.ts';
import type { SipRequest } from '../../protocol/sip/index.ts';
import { inDialog, invite, makeContent } from '../../testing/msrpPeer.ts';
import { uniqueDbName } from '../../testing/pushFixtures.ts';
import { transferDbName, type TransferRecord } from '../store/transferSchema.ts';
import { TransferStore } from '../store/transferStore.ts';
import type { PushAppSpec } from '../types.ts';
import { MsrpReceiver } from './receiver.ts';
import type { WebSocketLike } from './session.ts';

const tally = new FuzzTally('msrp receiver');
const ANSWER_WITHIN_MS = 2000;
/** A run that waits its longest must still fit the budget, or its failure would read as an interruption. */
const BUDGET_MS = Math.max(FUZZ_BUDGET_MS, ANSWER_WITHIN_MS + 1000);
const TYPES = ['application/octet-stream', 'text/plain'];
const APPS = new Map<string, PushAppSpec>([['files.ua', { id: 'files.ua', accept: TYPES }]]);
const FILE = makeContent(300, 7);
const SELECTOR = { type: 'application/octet-stream', size: FILE.length, hashes: [] };

// ---- the sender's end: a `ws` server that binds each connection and sends bytes as they are ----

interface RawPeer {
  /** One WebSocket message, binary or text frame. */
  send(bytes: Uint8Array, binary: boolean): void;
  /** Everything the receiver sent after the bind, parsed. */
  readonly received: MsrpMessage[];
  /** What the receiver sent that does not parse (must stay empty). */
  readonly unparsable: string[];
  readonly closed: Promise<void>;
  readonly isClosed: boolean;
  /** The receiver's URI, from its bind SEND. */
  readonly receiverUri: string;
  drop(): void;
}

interface RawSender {
  readonly path: string;
  nextPeer(): Promise<RawPeer>;
  readonly createWebSocket: (url: string, protocol: string) => WebSocketLike;
  close(): Promise<void>;
}

async function startRawSender(): Promise<RawSender> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (offered) => (offered.has('msrp') ? 'msrp' : false) });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const path = `msrp://127.0.0.1:${(server.address() as { port: number }).port}/fzSenderSess;ws`;
  const bound: ((peer: RawPeer) => void)[] = [];
  server.on('connection', (ws) => {
    let receiverUri = '';
    let isClosed = false;
    const received: MsrpMessage[] = [];
    const unparsable: string[] = [];
    const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
    void closed.then(() => (isClosed = true));
    const peer: RawPeer = {
      send: (bytes, binary) => ws.send(bytes, { binary }),
      received,
      unparsable,
      closed,
      get isClosed() {
        return isClosed;
      },
      get receiverUri() {
        return receiverUri;
      },
      drop: () => ws.terminate(),
    };
    ws.on('message', (data: Buffer) => {
      let message: MsrpMessage;
      try {
        message = parseMsrpMessage(new Uint8Array(data));
      } catch (error) {
        unparsable.push(`${String(error)}: ${JSON.stringify(data.toString('latin1'))}`);
        return;
      }
      if (receiverUri === '' && message.kind === 'request' && message.method === 'SEND') {
        receiverUri = message.fromPath[0]!;
        ws.send(serializeResponse({ transactionId: message.transactionId, code: 200, toPath: [receiverUri], fromPath: [path] }));
        bound.shift()?.(peer);
        return;
      }
      received.push(message);
    });
  });
  return {
    path,
    nextPeer: () => new Promise((resolve) => bound.push(resolve)),
    createWebSocket: (url, protocol) => new NodeWebSocket(url, protocol) as unknown as WebSocketLike,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of server.clients) ws.terminate();
        server.close(() => resolve());
      }),
  };
}

// ---- the receiver -------------------------------------------------------------------------------

let sender: RawSender;
let store: TransferStore;
let receiver: MsrpReceiver;
const completed: TransferRecord[] = [];
const byes: SipRequest[] = [];

beforeAll(async () => {
  sender = await startRawSender();
  store = await TransferStore.open(transferDbName(uniqueDbName('fuzz')));
  receiver = new MsrpReceiver({
    apps: APPS,
    store,
    contact: () => '<sip:alice@x.invalid;transport=ws>',
    onComplete: async () => undefined,
    createWebSocket: sender.createWebSocket,
    limits: { byeAfterSessionEndMs: 20 },
    sendRequest: (request) => byes.push(request),
    via: () => 'SIP/2.0/WS rx.invalid',
  });
  receiver.on('completed', (t) => completed.push(t));
});

afterAll(async () => {
  console.log(tally.line());
  await receiver?.close();
  store?.close();
  await sender?.close();
});

/** INVITE -> 200 -> ACK, then the receiver's WebSocket binds: the sender's end of it. */
async function openSession(): Promise<RawPeer> {
  const inv = invite({ path: sender.path, acceptTypes: TYPES, selector: SELECTOR });
  const ok = await receiver.handle(inv);
  expect(ok?.status).toBe(200);
  const peer = sender.nextPeer();
  receiver.handle(inDialog('ACK', inv, ok!));
  return peer;
}

/** What the receiver owes an input: a response to this transaction, the close of the session, or nothing in particular. */
type Owed = { what: 'response'; transactionId: string } | { what: 'close' } | { what: 'nothing' };

function owed(bytes: Uint8Array): Owed {
  try {
    const m = parseMsrpMessage(bytes);
    // Failure-Report `no`: no response at all; `partial`: only an error one (RFC 4975 section 7.1.2).
    if (m.kind === 'request' && m.method === 'SEND' && m.failureReport !== 'no' && m.failureReport !== 'partial') return { what: 'response', transactionId: m.transactionId };
    return { what: 'nothing' };
  } catch (error) {
    if (!(error instanceof MsrpError)) throw error;
    if (error.transactionId === undefined) return { what: 'close' };
    const head = error.head;
    const send = head ? head.kind === 'request' && head.method === 'SEND' : new RegExp(`^MSRP ${error.transactionId.replace(/[.+]/g, '\\$&')} SEND\r\n`).test(latin1(bytes));
    // An error answered along the request's own paths is held to its Failure-Report too.
    const silenced = head?.kind === 'request' && head.failureReport === 'no' && head.toPath.length > 0 && head.fromPath.length > 0;
    return send && !silenced ? { what: 'response', transactionId: error.transactionId } : { what: 'nothing' };
  }
}

const responsesTo = (peer: RawPeer, transactionId: string) => peer.received.filter((m) => m.kind === 'response' && m.transactionId === transactionId).length;

describe('MsrpReceiver: a session fed fuzzed MSRP over a real WebSocket', () => {
  const inputs = fc.array(fc.record({ input: fuzzInputs(msrpBytesArb(), MSRP_VOCABULARY), binary: fc.boolean() }), { minLength: 1, maxLength: 8 });

  it('answers every SEND with a readable transaction ID, closes on unreadable input (the sender sees it), sends only valid MSRP', async () => {
    await fc.assert(
      fc.asyncProperty(inputs, async (batch) => {
        const peer = await openSession();
        for (const { input, binary } of batch) {
          const bytes = replaceAll(replaceAll(input.bytes, RECEIVER_URI, peer.receiverUri), SENDER_URI, sender.path);
          const due = owed(bytes);
          tally.tried();
          const before = due.what === 'response' ? responsesTo(peer, due.transactionId) : 0;
          // A text frame must be UTF-8 (RFC 6455 section 5.6): other bytes go in a binary one.
          peer.send(bytes, binary || !isUtf8(bytes));
          if (due.what === 'response') {
            await vi.waitFor(() => expect(responsesTo(peer, due.transactionId), `no response to ${due.transactionId} for ${fc.stringify(input)}`).toBeGreaterThan(before), { timeout: ANSWER_WITHIN_MS, interval: 5 });
          } else if (due.what === 'close') {
            await vi.waitFor(() => expect(peer.isClosed, `session not closed on ${fc.stringify(input)}`).toBe(true), { timeout: ANSWER_WITHIN_MS, interval: 5 });
            break;
          }
        }
        if (!peer.isClosed) peer.drop();
        await vi.waitFor(() => expect(receiver.sessionCount).toBe(0), { timeout: ANSWER_WITHIN_MS, interval: 5 });
        expect(peer.unparsable).toEqual([]);
      }),
      fuzzParameters(500, BUDGET_MS),
    );
  });

  it('afterwards a fresh valid session is taken: the file gets its 200, its REPORT 200 and is completed', async () => {
    const peer = await openSession();
    const before = completed.length;
    peer.send(
      serializeRequest({
        method: 'SEND',
        transactionId: 'freshTx1',
        toPath: [peer.receiverUri],
        fromPath: [sender.path],
        messageId: 'freshMsg1',
        successReport: 'yes',
        byteRange: { start: 1, end: FILE.length, total: FILE.length },
        contentType: 'application/octet-stream',
        body: FILE,
      }),
      true,
    );
    await vi.waitFor(() => expect(peer.received.map((m) => (m.kind === 'response' ? `${m.transactionId} ${m.code}` : `${m.method} ${m.status?.code}`))).toEqual(['freshTx1 200', 'REPORT 200']), { timeout: ANSWER_WITHIN_MS });
    expect(completed.length).toBe(before + 1);
    expect(peer.unparsable).toEqual([]);
    peer.drop();
    await vi.waitFor(() => expect(receiver.sessionCount).toBe(0));
  });
});

describe('defects the fuzzing found (regression tests)', () => {
  // Found by the MSRP codec suite (a byte flip in a path): the parser took a From-Path URI with
  // a NO-BREAK SPACE in it, the serializer refused it as the response's To-Path, and the
  // session's response threw as an unhandled rejection: the SEND got no response.
  it('a SEND whose From-Path URI holds a no-break space is answered', async () => {
    const peer = await openSession();
    const send = `MSRP nbspTx01 SEND\r\nTo-Path: ${peer.receiverUri}\r\nFrom-Path: ${sender.path.replace('fzSender', 'fz\u00a0Sender')}\r\nMessage-ID: nbspMsg1\r\nByte-Range: 1-2/2\r\nContent-Type: application/octet-stream\r\n\r\nhi\r\n-------nbspTx01$\r\n`;
    peer.send(new TextEncoder().encode(send), true);
    await vi.waitFor(() => expect(peer.received.filter((m) => m.kind === 'response' && m.transactionId === 'nbspTx01').map((m) => m.kind === 'response' && m.code)).toEqual([400]), { timeout: ANSWER_WITHIN_MS });
    peer.drop();
    await vi.waitFor(() => expect(receiver.sessionCount).toBe(0));
  });
});
