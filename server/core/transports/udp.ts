/**
 * SIP over UDP (RFC 3261 section 18): one message per datagram. Each remote address:port is
 * a flow, so responses and requests to UDP bindings go back to the address the REGISTER came
 * from (the symmetric behaviour of RFC 3581), which is what NATed or ephemeral-port clients need.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { newFlowId, type Flow } from '../flows.ts';
import type { RunningTransport, TransportSink } from './types.ts';

class UdpFlow implements Flow {
  readonly id = newFlowId();
  readonly transport = 'UDP' as const;
  readonly reliable = false;
  readonly open = true;

  constructor(private readonly socket: dgram.Socket, readonly remoteAddress: string, readonly remotePort: number) {}

  send(bytes: Uint8Array): void {
    this.socket.send(bytes, this.remotePort, this.remoteAddress);
  }

  close(): void {
    // Datagram flows have no connection to close.
  }
}

export interface UdpTransport extends RunningTransport {
  /** The flow for a remote address, created on first use (requests sent to a UDP contact). */
  flowTo(address: string, port: number): Flow;
}

export async function startUdpTransport(options: { host: string; port: number; sink: TransportSink }): Promise<UdpTransport> {
  const { sink } = options;
  const socket = dgram.createSocket(net.isIPv6(options.host) ? 'udp6' : 'udp4');
  const flows = new Map<string, UdpFlow>();
  const flowTo = (address: string, port: number): UdpFlow => {
    const key = `${address}:${port}`;
    let flow = flows.get(key);
    if (!flow) {
      flow = new UdpFlow(socket, address, port);
      flows.set(key, flow);
      sink.flows.add(flow);
    }
    return flow;
  };
  socket.on('message', (bytes, rinfo) => {
    sink.receiveBytes(bytes, flowTo(rinfo.address, rinfo.port));
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
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
