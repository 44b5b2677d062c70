/**
 * The trace tap's cost per SIP frame, measured in Node on the real InterceptingSocket (a
 * finer-grained companion to `npm run bench -- --kinds notap,ours,trace`, whose noise on a
 * shared machine hides anything below several per cent): a frame sent N times through a
 * socket with no tap, with the tap off (the trace panel closed) and with it on (recording into
 * the ring). Usage: npx tsx bench/push-throughput/tapCost.ts [frames per sample, default 1000000]
 */
import { InterceptingSocket } from '../../src/agent/sip/interceptingSocket.ts';
import { Tracer } from '../../src/agent/trace/tracer.ts';
import { median } from '../check/median.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const SAMPLES = 7;
const FRAME = `SIP/2.0 200 OK\r\nVia: SIP/2.0/WS a.invalid;branch=z9hG4bK776asdhds\r\nFrom: <sip:psa@localhost>;tag=1928301774\r\nTo: <sip:alice@localhost>;tag=a6c85cf\r\nCall-ID: a84b4c76e66710@pc33.atlanta.com\r\nCSeq: 314159 MESSAGE\r\nContent-Length: 0\r\n\r\n`;

(globalThis as { WebSocket?: unknown }).WebSocket ??= { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 };

function socketWith(trace: Tracer | undefined): InterceptingSocket {
  const socket = new InterceptingSocket({
    url: 'ws://127.0.0.1:1',
    interceptMethods: new Set(['MESSAGE']),
    onRequest: () => null,
    ...(trace ? { trace } : {}),
    createWebSocket: () => ({ readyState: 1, send: () => undefined, close: () => undefined }) as unknown as WebSocket,
  });
  socket.connect();
  return socket;
}

const off = new Tracer();
const on = new Tracer();
on.enable(true);
const variants = { 'no tap': socketWith(undefined), 'tap off (panel closed)': socketWith(off), 'tap on (panel open)': socketWith(on) };

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let s = 0; s < SAMPLES; s++) {
  for (const [name, socket] of Object.entries(variants)) {
    const frames = name.startsWith('tap on') ? Math.max(1, Math.floor(N / 20)) : N;
    const start = process.hrtime.bigint();
    for (let i = 0; i < frames; i++) socket.send(FRAME);
    samples[name]!.push(Number(process.hrtime.bigint() - start) / frames);
  }
}
console.log(`trace tap cost per SIP frame sent (median of ${SAMPLES} samples of ${N} frames; tap on: ${Math.floor(N / 20)}):`);
for (const [name, ns] of Object.entries(samples)) console.log(`  ${name.padEnd(24)} ${median(ns).toFixed(1).padStart(8)} ns`);
console.log(`  entries kept by the tap-on trace: ${on.entries().length} (ring of ${on.limits.maxEntries}); by the tap-off trace: ${off.entries().length}`);
