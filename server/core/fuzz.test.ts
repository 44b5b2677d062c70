/**
 * Fuzzing a live core over its sockets (issue 9): mutated SIP (server/testing/fuzz.ts), soup
 * and random bytes from raw sockets on 127.0.0.1, over UDP, TCP and WebSocket, against a core
 * with digest auth (the default) and a registered callee that answers what is forwarded to it.
 *
 * For each input: a response arrives, or the connection is closed, within ANSWER_WITHIN_MS
 * (the core's limits are lowered so an ignored input is closed by the idle limit, a half-sent
 * one by the message limit, a forwarded one answered 408 by Timer F/C). Over UDP only what
 * the core can address an answer to must get one (a request, not an ACK, with a Via: what it
 * parses or salvages); the rest is counted apart, and an OPTIONS ping after each batch shows
 * the core alive. After the run the core still takes a REGISTER and an OPTIONS on every
 * transport, its connections and flows are back to where they were once the clients closed,
 * and its heap grew less than HEAP_GROWTH_BOUND. Seeded by FUZZ_SEED, bounded by FUZZ_BUDGET_MS.
 */
import { isUtf8 } from 'node:buffer';
import dgram from 'node:dgram';
import type { EventEmitter } from 'node:events';
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseSipMessage, salvageRequest, type SipMessage } from '../../src/protocol/sip/index.ts';
import { FUZZ_BUDGET_MS, FuzzTally, fuzzInputs, fuzzParameters, replaceAll, type FuzzInput } from '../testing/fuzz.ts';
import { FUZZ_ID, SIP_VOCABULARY, sipBytesArb, type SipTransportName } from '../testing/fuzzMessages.ts';
import { SipUa } from '../testing/sipUa.ts';
import { until } from '../testing/until.ts';
import { startCore, type CoreLimits, type CoreStats, type RunningCore } from './index.ts';
import { DEFAULT_LIMITS } from './options.ts';
import { serverKey } from './requestKeys.ts';

const USERS = { alice: 'alice-fuzz-secret', psa: 'psa-fuzz-secret' };
/** Lowered so that every input ends within ANSWER_WITHIN_MS: ignored ones by the idle limit, half-sent ones by the message limit, forwarded ones by Timer F/C. */
const LIMITS: Partial<CoreLimits> = { messageTimeoutMs: 200, idleTimeoutMs: 400, transactionTimeoutMs: 500, udpFlowIdleMs: 300 };
const ANSWER_WITHIN_MS = 2000;
/** A run that waits its longest must still fit the budget, or its failure would read as an interruption. */
const BUDGET_MS = Math.max(FUZZ_BUDGET_MS, ANSWER_WITHIN_MS + 1000);
/** Heap growth allowed over the run: the core keeps UDP server transactions 32 s (RFC 3261 Timer J/H), so some of the run is still held. */
const HEAP_GROWTH_BOUND = 24 * 1024 * 1024;
/** Without a collector to call, the bound is only a gross one. */
const HEAP_GROWTH_BOUND_NO_GC = 96 * 1024 * 1024;
/** Largest UDP payload over IPv4. */
const MAX_DATAGRAM = 65_507;

const tally = new FuzzTally('sip core');
type Outcome = 'answered' | 'closed' | 'silent';
const outcomes: Record<SipTransportName, Record<Outcome | 'unanswerable' | 'oversize', number>> = {
  UDP: { answered: 0, closed: 0, silent: 0, unanswerable: 0, oversize: 0 },
  TCP: { answered: 0, closed: 0, silent: 0, unanswerable: 0, oversize: 0 },
  WS: { answered: 0, closed: 0, silent: 0, unanswerable: 0, oversize: 0 },
};

let core: RunningCore;
let callee: SipUa;
let baseline: CoreStats;
let heapBefore: number;
let inputCounter = 0;

/** A full collection when the runtime can be asked for one (global.gc, or V8's flag set now), else undefined. */
function collector(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}
const gc = collector();

function heapUsed(): number {
  gc?.();
  return process.memoryUsage().heapUsed;
}

beforeAll(async () => {
  core = await startCore({ wsPort: 0, sipPort: 0, users: USERS, limits: LIMITS });
  // A callee for what the fuzz sends to alice: forwarded requests get an answer, so forking,
  // response relay and CANCEL are fuzzed too.
  callee = await SipUa.connect(core.wsUrl, {
    aor: 'sip:alice@localhost',
    password: USERS.alice,
    autoAnswer: { MESSAGE: 200, OPTIONS: 200, INVITE: 486, NOTIFY: 200, INFO: 200, SUBSCRIBE: 489, BYE: 481, UPDATE: 481, PRACK: 481, REFER: 403, PUBLISH: 405, FOO: 501 },
  });
  expect((await callee.register()).status).toBe(200);
  // Warm up every path once before the heap baseline.
  for (const transport of ['UDP', 'TCP', 'WS'] as const) await ping(transport);
  await until(() => core.stats().udpFlows === 0, 5000);
  baseline = core.stats();
  heapBefore = heapUsed();
});

afterAll(async () => {
  console.log(tally.line());
  const summary = (['UDP', 'TCP', 'WS'] as const).map((t) => `${t} ${Object.entries(outcomes[t]).map(([k, v]) => `${v} ${k}`).join(', ')}`);
  console.log(`  sip core outcomes: ${summary.join('; ')}`);
  await callee?.close();
  await core?.close();
});

// ---- raw clients, one connection (or source port) per input --------------------------------

function firstLine(data: Buffer | ArrayBuffer | Buffer[]): string {
  const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  return bytes.toString('latin1').split('\r\n', 1)[0]!;
}

interface Exchange {
  /** Call once the bytes are written: the wait for an answer starts then. */
  sent(): void;
  done(outcome: Outcome, answer?: string): void;
  fail(error: Error): void;
}

/**
 * Settles once with the first of: an answer, a close, or nothing within `ms` of the bytes
 * being written (the connection itself must come up within `ms` too, else it fails).
 */
function race(ms: number, start: (exchange: Exchange) => () => void): Promise<{ outcome: Outcome; answer?: string }> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let cleanup: () => void = () => {};
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cleanup();
      finish();
    };
    const exchange: Exchange = {
      sent: () => {
        clearTimeout(timer);
        timer = setTimeout(() => exchange.done('silent'), ms);
      },
      done: (outcome, answer) => settle(() => resolve(answer === undefined ? { outcome } : { outcome, answer })),
      fail: (error) => settle(() => reject(error)),
    };
    let timer = setTimeout(() => exchange.fail(new Error(`no connection to the core within ${ms} ms`)), ms);
    cleanup = start(exchange);
  });
}

/** A client connection to the core, TCP or WebSocket, as overConnection drives it. */
interface Connection {
  readonly what: string;
  onOpen(listener: () => void): void;
  onData(listener: (data: Buffer) => void): void;
  onClose(listener: () => void): void;
  write(bytes: Uint8Array, written: () => void): void;
  destroy(): void;
}

/** A Connection over an emitter (net.Socket, ws) that signals `open` and `data` under these event names, and `close`. */
function connection(what: string, emitter: EventEmitter, events: { open: string; data: string }, write: Connection['write'], destroy: () => void): Connection {
  emitter.on('error', () => undefined); // the close follows
  return {
    what,
    onOpen: (listener) => emitter.once(events.open, listener),
    onData: (listener) => emitter.on(events.data, listener),
    onClose: (listener) => emitter.once('close', listener),
    write,
    destroy,
  };
}

function tcpConnection(): Connection {
  const socket = net.connect(core.tcpPort!, '127.0.0.1');
  return connection('TCP connection', socket, { open: 'connect', data: 'data' }, (bytes, written) => socket.write(bytes, () => written()), () => socket.destroy());
}

function wsConnection(binary: boolean): Connection {
  const ws = new WebSocket(core.wsUrl, 'sip');
  return connection('WebSocket', ws, { open: 'open', data: 'message' }, (bytes, written) => ws.send(bytes, { binary }, () => written()), () => ws.terminate());
}

/** Send the bytes once the connection is up; the first answer, the close, or silence. */
function overConnection(connection: Connection, bytes: Uint8Array): Promise<{ outcome: Outcome; answer?: string }> {
  return race(ANSWER_WITHIN_MS, (exchange) => {
    let opened = false;
    connection.onOpen(() => {
      opened = true;
      connection.write(bytes, () => exchange.sent());
    });
    connection.onData((data) => exchange.done('answered', firstLine(data)));
    connection.onClose(() => (opened ? exchange.done('closed') : exchange.fail(new Error(`the core refused a ${connection.what}`))));
    return () => connection.destroy();
  });
}

function overUdp(bytes: Uint8Array, waitMs: number): Promise<{ outcome: Outcome; answer?: string }> {
  return race(waitMs, (exchange) => {
    const socket = dgram.createSocket('udp4');
    socket.on('message', (d) => exchange.done('answered', firstLine(d)));
    socket.on('error', () => undefined);
    socket.bind(0, '127.0.0.1', () => socket.send(bytes, core.udpPort!, '127.0.0.1', () => exchange.sent()));
    return () => socket.close();
  });
}

/** Server transaction keys of the requests sent so far (a mutation may have cut the unique part of a branch). */
const transactionKeys = new Set<string>();

/**
 * What the core can address an answer to over UDP (RFC 3261 sections 8.2 and 18.2.1): a
 * request it parses (anything but an ACK: one without a Via still gets its 400 on the flow),
 * or one it can salvage for an error response (request line, not ACK, a Via). Not a request
 * whose transaction key an earlier one had: a retransmission is absorbed by its transaction
 * (section 17.2.2), which answers the flow it came on first.
 */
function answerable(bytes: Uint8Array): boolean {
  let message: SipMessage;
  try {
    message = parseSipMessage(bytes, { maxMessageBytes: DEFAULT_LIMITS.maxMessageBytes, maxHeaderBytes: DEFAULT_LIMITS.maxHeaderBytes });
  } catch {
    return salvageRequest(bytes, DEFAULT_LIMITS.maxHeaderBytes) !== null;
  }
  if (message.kind !== 'request' || message.method === 'ACK') return false;
  let key: string | null = null;
  try {
    key = serverKey(message);
  } catch {
    return true; // a Via that does not parse: answered 400 at once
  }
  if (key === null || !transactionKeys.has(key)) {
    if (key !== null) transactionKeys.add(key);
    return true;
  }
  return false;
}

async function ping(transport: SipTransportName): Promise<void> {
  const n = ++inputCounter;
  const text = [
    'OPTIONS sip:localhost SIP/2.0',
    `Via: SIP/2.0/${transport} 127.0.0.1:5999;branch=z9hG4bKping${n}`,
    'Max-Forwards: 70',
    `From: <sip:ping@ping.invalid>;tag=p${n}`,
    'To: <sip:localhost>',
    `Call-ID: ping${n}@fuzz.invalid`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const bytes = new TextEncoder().encode(text);
  const result = transport === 'UDP' ? await overUdp(bytes, ANSWER_WITHIN_MS) : await overConnection(transport === 'TCP' ? tcpConnection() : wsConnection(false), bytes);
  expect(result, `OPTIONS ping over ${transport}`).toEqual({ outcome: 'answered', answer: 'SIP/2.0 200 OK' });
}

// ---- the fuzz ---------------------------------------------------------------------------------

/** A batch sent at once, each input from its own connection or source port. */
function batch(transport: SipTransportName): fc.Arbitrary<{ input: FuzzInput; binary: boolean }[]> {
  return fc.array(fc.record({ input: fuzzInputs(sipBytesArb(transport), SIP_VOCABULARY), binary: fc.boolean() }), { minLength: 8, maxLength: 48 });
}

async function send(transport: SipTransportName, input: FuzzInput, binary: boolean): Promise<void> {
  const bytes = replaceAll(input.bytes, FUZZ_ID, `${transport.toLowerCase()}${++inputCounter}x`);
  const count = outcomes[transport];
  tally.tried();
  if (transport === 'UDP' && bytes.length > MAX_DATAGRAM) {
    count.oversize++;
    return;
  }
  const must = answerable(bytes);
  if (transport === 'UDP') {
    const { outcome } = await overUdp(bytes, must ? ANSWER_WITHIN_MS : 100);
    if (!must && outcome === 'silent') count.unanswerable++;
    else count[outcome]++;
    if (must) expect(outcome, `no answer over UDP to ${fc.stringify(input)}`).toBe('answered');
    return;
  }
  const { outcome } = await overConnection(transport === 'TCP' ? tcpConnection() : wsConnection(binary || !isUtf8(bytes)), bytes);
  count[outcome]++;
  expect(outcome, `neither an answer nor a close over ${transport} within ${ANSWER_WITHIN_MS} ms for ${fc.stringify(input)}`).not.toBe('silent');
  // One WebSocket message is one SIP message (RFC 7118 section 5.2): what UDP must answer, WebSocket must too.
  if (transport === 'WS' && must) expect(outcome, `no answer over WS to ${fc.stringify(input)}`).toBe('answered');
}

describe('a live core fed fuzzed SIP from raw sockets', () => {
  it.each(['UDP', 'TCP', 'WS'] as const)('over %s: every input is answered or its connection closed in time; the core answers an OPTIONS ping after each batch', async (transport) => {
    await fc.assert(
      fc.asyncProperty(batch(transport), async (inputs) => {
        await Promise.all(inputs.map(({ input, binary }) => send(transport, input, binary)));
        await ping(transport);
      }),
      fuzzParameters(400, BUDGET_MS),
    );
  });

  it('after the run: connections and flows back to where they were, heap growth bounded; REGISTER and OPTIONS still answered on every transport', async () => {
    await until(() => JSON.stringify(core.stats()) === JSON.stringify(baseline), 10_000).catch(() => {
      throw new Error(`core.stats() ${JSON.stringify(core.stats())} never came back to ${JSON.stringify(baseline)}`);
    });
    const growth = heapUsed() - heapBefore;
    console.log(`  sip core heap: ${(heapBefore / 2 ** 20).toFixed(1)} MB before, growth ${(growth / 2 ** 20).toFixed(1)} MB${gc ? ' (after a full collection)' : ' (no collector)'}`);
    expect(growth).toBeLessThan(gc ? HEAP_GROWTH_BOUND : HEAP_GROWTH_BOUND_NO_GC);

    const uas = [
      await SipUa.connect(core.wsUrl, { aor: 'sip:psa@localhost', password: USERS.psa }),
      await SipUa.connectTcp(core.tcpPort!, { aor: 'sip:psa@localhost', password: USERS.psa }),
      await SipUa.openUdp(core.udpPort!, { aor: 'sip:psa@localhost', password: USERS.psa }),
    ];
    for (const ua of uas) {
      expect((await ua.register()).status, `REGISTER over ${ua.transport}`).toBe(200);
      expect((await ua.request(ua.build('OPTIONS', 'sip:localhost'))).status, `OPTIONS over ${ua.transport}`).toBe(200);
      expect((await ua.register({ expires: 0 })).status, `un-REGISTER over ${ua.transport}`).toBe(200);
      await ua.close();
    }
    await until(() => JSON.stringify(core.stats()) === JSON.stringify(baseline), 10_000);
  });
});

describe('defects the fuzzing found (regression tests)', () => {
  // Found while fuzzing TCP (a valid message and a malformed one in one read): SipStreamFramer.push
  // threw for the second and lost the first, already framed; the transport salvaged its error
  // response from the start of the buffer, so the valid request got the other one's 400 and the
  // malformed one nothing. The same bytes in two reads got 200 and 400.
  it('a valid OPTIONS and a malformed request in one TCP segment: the OPTIONS gets its 200, the malformed one its 400', async () => {
    const request = (branch: string, contentLength: string) =>
      `OPTIONS sip:localhost SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK${branch}\r\nMax-Forwards: 70\r\nFrom: <sip:ping@ping.invalid>;tag=${branch}\r\nTo: <sip:localhost>\r\nCall-ID: ${branch}@fuzz.invalid\r\nCSeq: 1 OPTIONS\r\nContent-Length: ${contentLength}\r\n\r\n`;
    const socket = net.connect(core.tcpPort!, '127.0.0.1');
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(request('goodPipelined', '0') + request('badPipelined', 'x'));
    await closed;
    const answers = received.split('\r\n\r\n').filter((m) => m.startsWith('SIP/2.0'));
    const statusOf = (branch: string) => answers.find((m) => m.includes(`branch=z9hG4bK${branch}`))?.split('\r\n', 1)[0];
    expect(statusOf('goodPipelined')).toBe('SIP/2.0 200 OK');
    expect(statusOf('badPipelined')).toMatch(/^SIP\/2\.0 400 /);
  });
});
