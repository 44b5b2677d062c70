/**
 * SIP over UDP (RFC 3261 section 18): one message per datagram. Each remote address:port is
 * a flow, so responses and requests to UDP bindings go back to the address the REGISTER came
 * from (the symmetric behaviour of RFC 3581), which is what NATed or ephemeral-port clients need.
 *
 * Datagram source addresses can be spoofed, so the flow table is bounded: a flow unused for
 * `idleMs` is forgotten, and past `maxFlows` the least recently used ones go first. A flow a
 * live registration holds is kept either way (it is how its contact is reached).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { newFlowId, type Flow } from '../flows.ts';
import type { RunningTransport, TransportSink } from './types.ts';

class UdpFlow implements Flow {
  readonly id = newFlowId();
  readonly transport = 'UDP' as const;
  readonly reliable = false;
  open = true;
  lastActivity = Date.now();

  constructor(private readonly socket: dgram.Socket, readonly remoteAddress: string, readonly remotePort: number) {}

  send(bytes: Uint8Array): void {
    this.lastActivity = Date.now();
    this.socket.send(bytes, this.remotePort, this.remoteAddress);
  }

  close(): void {
    // Datagram flows have no connection to close.
  }
}

export interface UdpTransport extends RunningTransport {
  /** The flow for a remote address, created on first use (requests sent to a UDP contact). */
  flowTo(address: string, port: number): Flow;
  /** Flows remembered now. */
  readonly flowCount: number;
}

export interface UdpTransportOptions {
  host: string;
  port: number;
  sink: TransportSink;
  /** A flow unused this long is forgotten (unless held). */
  idleMs: number;
  /** Flows remembered at most. */
  maxFlows: number;
}

export async function startUdpTransport(options: UdpTransportOptions): Promise<UdpTransport> {
  const { sink } = options;
  const socket = dgram.createSocket(net.isIPv6(options.host) ? 'udp6' : 'udp4');
  // Insertion order is recency order: a used flow is moved to the end.
  const flows = new Map<string, UdpFlow>();
  const forget = (key: string, flow: UdpFlow): void => {
    flows.delete(key);
    flow.open = false;
    sink.flows.closed(flow);
  };
  /**
   * Forget idle unheld flows; then, while more than `maxFlows - room` are left, the least
   * recently used unheld ones. At the cap a tenth of the table is freed at once, so a flood of
   * new sources costs one sweep per maxFlows/10 datagrams, not one per datagram.
   */
  const sweep = (room = 0): void => {
    const now = Date.now();
    const held = sink.heldFlows();
    for (const [key, flow] of flows) if (now - flow.lastActivity >= options.idleMs && !held.has(flow)) forget(key, flow);
    let excess = flows.size + room - options.maxFlows;
    for (const [key, flow] of flows) {
      if (excess <= 0) break;
      if (held.has(flow)) continue;
      forget(key, flow);
      excess--;
    }
  };
  const flowTo = (address: string, port: number): UdpFlow => {
    const key = `${address}:${port}`;
    let flow = flows.get(key);
    if (flow) {
      flows.delete(key);
      flows.set(key, flow);
      return flow;
    }
    if (flows.size >= options.maxFlows) sweep(Math.max(1, Math.ceil(options.maxFlows / 10)));
    flow = new UdpFlow(socket, address, port);
    flows.set(key, flow);
    sink.flows.add(flow);
    return flow;
  };
  const timer = setInterval(() => sweep(), Math.max(10, Math.min(10_000, Math.floor(options.idleMs / 4))));
  socket.on('message', (bytes, rinfo) => {
    const flow = flowTo(rinfo.address, rinfo.port);
    flow.lastActivity = Date.now();
    sink.receiveBytes(bytes, flow);
  });
  socket.on('error', () => {
    // ICMP errors and the like: nothing to do for a datagram transport.
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port, options.host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return {
    port: socket.address().port,
    flowTo,
    get flowCount() {
      return flows.size;
    },
    close: () => {
      clearInterval(timer);
      return new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
