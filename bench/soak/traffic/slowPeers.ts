/**
 * Peers that hold a connection and never finish: nothing sent, half a SIP request, half an
 * HTTP upgrade, half a WebSocket frame. Each must be closed by the core within its limit
 * (server/core/options.ts: messageTimeoutMs once a message has begun, idleTimeoutMs with no
 * message, both swept about every second). One held open past limit + `graceMs` fails the
 * soak; one still waiting when the soak ends is not judged.
 */
import type net from 'node:net';
import { DEFAULT_LIMITS } from '../../../server/core/options.ts';
import { pace, type Paced } from '../pace.ts';
import { closedWithin, connectTcp, halfFrame, upgradedSocket, upgradeRequest } from './rawSockets.ts';
import type { CoreAddress, Traffic, TrafficContext } from './types.ts';

interface SlowPeer {
  name: string;
  /** The limit the core must close it within. */
  limitMs: number;
  /** Connects and writes what it writes; the limit counts from then. */
  open(core: CoreAddress): Promise<net.Socket>;
}

const written = async (socket: Promise<net.Socket>, bytes: string | Buffer): Promise<net.Socket> => {
  const s = await socket;
  s.write(bytes);
  return s;
};

const HALF_SIP_REQUEST = 'MESSAGE sip:ua0@localhost SIP/2.0\r\nVia: SIP/2.0/TCP slow.invalid;branch=z9hG4bKslow\r\nMax-Forwards: 70\r\n';

const SLOW_PEERS: readonly SlowPeer[] = [
  { name: 'TCP, nothing sent', limitMs: DEFAULT_LIMITS.idleTimeoutMs, open: (core) => connectTcp(core.sipPort) },
  { name: 'TCP, half a SIP request', limitMs: DEFAULT_LIMITS.messageTimeoutMs, open: (core) => written(connectTcp(core.sipPort), HALF_SIP_REQUEST) },
  { name: 'WS port, nothing sent', limitMs: DEFAULT_LIMITS.messageTimeoutMs, open: (core) => connectTcp(core.wsPort) },
  { name: 'WS port, half an upgrade', limitMs: DEFAULT_LIMITS.messageTimeoutMs, open: (core) => written(connectTcp(core.wsPort), upgradeRequest(core.wsPort, false)) },
  { name: 'WebSocket, nothing sent', limitMs: DEFAULT_LIMITS.idleTimeoutMs, open: (core) => upgradedSocket(core.wsPort) },
  { name: 'WebSocket, half a frame', limitMs: DEFAULT_LIMITS.idleTimeoutMs, open: (core) => written(upgradedSocket(core.wsPort), halfFrame()) },
];

export interface SlowPeerLoad {
  /** Peers of each kind open at once, at most; a new one every limit / that. */
  perKind: number;
  graceMs: number;
}

interface Closings {
  closed: number;
  heldPastLimit: number;
  notJudged: number;
  errors: number;
  fastestMs: number;
  slowestMs: number;
}

export function startSlowPeers(context: TrafficContext, load: SlowPeerLoad): Traffic {
  const { core, signal } = context;
  const ended = new Promise<null>((resolve) => signal.addEventListener('abort', () => resolve(null), { once: true }));
  const closings = new Map(SLOW_PEERS.map((p) => [p.name, { closed: 0, heldPastLimit: 0, notJudged: 0, errors: 0, fastestMs: Infinity, slowestMs: 0 } satisfies Closings]));

  const probe = (peer: SlowPeer) => async () => {
    const c = closings.get(peer.name)!;
    const socket = await peer.open(core);
    const since = performance.now();
    const closedAfter = await Promise.race([closedWithin(socket, since, peer.limitMs + load.graceMs), ended]);
    if (closedAfter === null && signal.aborted) c.notJudged++;
    else if (closedAfter === null) c.heldPastLimit++;
    else {
      c.closed++;
      c.fastestMs = Math.min(c.fastestMs, closedAfter);
      c.slowestMs = Math.max(c.slowestMs, closedAfter);
    }
    socket.destroy();
  };
  const runs: Paced[] = SLOW_PEERS.map((peer) => pace({ everyMs: Math.ceil(peer.limitMs / load.perKind), maxInFlight: load.perKind + 1 }, probe(peer), () => closings.get(peer.name)!.errors++));

  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  return {
    name: 'slow peers (held open, never finished)',
    report: () =>
      [...closings]
        .map(([name, c]) => {
          const range = c.closed > 0 ? ` after ${seconds(c.fastestMs)}-${seconds(c.slowestMs)} s` : '';
          return `\n    ${name}: ${c.closed} closed by the core${range}, ${c.heldPastLimit} held past the limit, ${c.notJudged} open at the end (not judged)${c.errors ? `, ${c.errors} failed to open` : ''}`;
        })
        .join(''),
    stop: async () => {
      await Promise.all(runs.map((r) => r.stop()));
    },
    problems: () =>
      SLOW_PEERS.filter((p) => closings.get(p.name)!.heldPastLimit > 0).map(
        (p) => `${closings.get(p.name)!.heldPastLimit} "${p.name}" connections held open past ${seconds(p.limitMs)} s + ${seconds(load.graceMs)} s grace`,
      ),
  };
}
