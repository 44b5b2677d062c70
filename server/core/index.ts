/**
 * The embedded SIP/IP Core: registrar and stateful proxy over WebSocket, TCP and UDP, for
 * development and tests (ARCHITECTURE.md section 1). Kamailio is the production core.
 */
import { addressOfRecord } from '../../src/protocol/sip/index.ts';
import { resolveOptions, type CoreLimits, type CoreOptions } from './options.ts';
import { ConnectionGuard } from './transports/connectionGuard.ts';
import type { BindingInfo } from './registrar.ts';
import { SipCore, type CoreMessageListener } from './sipCore.ts';
import { inspectionHandler } from './http.ts';
import { startTcpTransport } from './transports/tcp.ts';
import { startUdpTransport, type UdpTransport } from './transports/udp.ts';
import { startWsTransport } from './transports/ws.ts';
import type { RunningTransport } from './transports/types.ts';

export type { CoreOptions, CoreLimits } from './options.ts';
export type { BindingInfo } from './registrar.ts';
export type { CoreMessageEvent, CoreMessageListener } from './sipCore.ts';
export type { TransportName } from './flows.ts';

export interface CoreStats {
  connections: number;
  udpFlows: number;
  flows: number;
  /** Reg-event subscriptions held (RFC 3680). */
  regSubscriptions: number;
}

export interface RunningCore {
  /** `ws://host:port` to give a SIP-over-WebSocket client. */
  readonly wsUrl: string;
  /** `http://host:port` of the inspection API (same port). */
  readonly httpUrl: string;
  readonly tcpPort: number | null;
  readonly udpPort: number | null;
  readonly domain: string;
  /** Live bindings, all or those of one AoR (`sip:alice@localhost`; host aliases accepted). */
  bindings(aor?: string): BindingInfo[];
  /**
   * Remove every binding of an AoR (host aliases accepted), as if the core had lost them; the
   * flows stay open. Returns how many were removed.
   */
  removeBindings(aor: string): number;
  /** Observe every SIP message the core receives ('in') or sends ('out'); returns an unsubscribe function. */
  onMessage(listener: CoreMessageListener): () => void;
  /** What the core holds now: WS and TCP connections, UDP flows, flows of every kind. */
  stats(): CoreStats;
  close(): Promise<void>;
}

export async function startCore(options: CoreOptions = {}): Promise<RunningCore> {
  const resolved = resolveOptions(options);
  const core = new SipCore(resolved);
  const started: RunningTransport[] = [];
  // One guard for WS and TCP: connections per source are counted across both.
  const guard = new ConnectionGuard(resolved.limits, () => core.heldFlows());
  let udpTransport: UdpTransport | undefined;
  const canonicalAor = (aor: string): string => {
    const key = addressOfRecord(aor.includes(':') ? aor : `sip:${aor}`);
    const at = key.indexOf('@');
    if (at < 0) return key;
    const host = key.slice(at + 1);
    const local = host === resolved.domain || host === '127.0.0.1' || host === 'localhost' || host === resolved.host;
    return local ? `sip:${key.slice(key.indexOf(':') + 1, at)}@${resolved.domain}` : key;
  };
  const bindings = (aor?: string) => core.registrar.bindings(aor === undefined ? undefined : canonicalAor(aor));

  try {
    const ws = await startWsTransport({
      host: resolved.host,
      port: resolved.wsPort,
      sink: core,
      maxPayload: Math.max(4 * resolved.limits.maxMessageBytes, 1024 * 1024),
      http: inspectionHandler(bindings),
      guard,
      messageTimeoutMs: resolved.limits.messageTimeoutMs,
    });
    started.push(ws);
    core.ports.ws = ws.port;
    if (resolved.sipPort !== null) {
      const { tcp, udp } = await startSipPorts(resolved.host, resolved.sipPort, core, resolved.limits, guard);
      started.push(tcp, udp);
      udpTransport = udp;
      core.ports.tcp = tcp.port;
      core.ports.udp = udp.port;
      core.udpFlowTo = udp.flowTo;
    }
  } catch (error) {
    guard.close();
    await Promise.all(started.map((t) => t.close()));
    throw error;
  }

  const hostForUrl = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  let closed: Promise<void> | null = null;
  return {
    wsUrl: `ws://${hostForUrl}:${core.ports.ws}`,
    httpUrl: `http://${hostForUrl}:${core.ports.ws}`,
    tcpPort: core.ports.tcp,
    udpPort: core.ports.udp,
    domain: resolved.domain,
    bindings,
    removeBindings: (aor) => core.registrar.removeBindings(canonicalAor(aor)),
    onMessage: (listener) => core.onMessage(listener),
    stats: () => ({ connections: guard.size, udpFlows: udpTransport?.flowCount ?? 0, flows: [...core.flows.all()].length, regSubscriptions: core.regEvents.size }),
    close: () => {
      closed ??= (async () => {
        guard.close();
        core.shutdown();
        await Promise.all(started.map((t) => t.close()));
        core.shutdown();
      })();
      return closed;
    },
  };
}

/** TCP and UDP on the same port number; with port 0, retry until both get the same free port. */
async function startSipPorts(host: string, port: number, core: SipCore, limits: CoreLimits, guard: ConnectionGuard): Promise<{ tcp: RunningTransport; udp: UdpTransport }> {
  for (let attempt = 0; ; attempt++) {
    const tcp = await startTcpTransport({ host, port, sink: core, maxMessageBytes: limits.maxMessageBytes, maxHeaderBytes: limits.maxHeaderBytes, guard });
    try {
      const udp = await startUdpTransport({ host, port: tcp.port, sink: core, idleMs: limits.udpFlowIdleMs, maxFlows: limits.maxUdpFlows });
      return { tcp, udp };
    } catch (error) {
      await tcp.close();
      if (port !== 0 || attempt >= 10) throw error;
    }
  }
}
