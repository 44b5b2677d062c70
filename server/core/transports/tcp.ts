/**
 * SIP over TCP (RFC 3261 section 18.3): each connection is a flow with its own incremental
 * framer. A framing error leaves the stream without a known message boundary, so after
 * answering (when a response can be built) the connection is closed. Connections per source,
 * message completion time and idle time are the ConnectionGuard's (connectionGuard.ts).
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { SipFramingError, SipStreamFramer, type SipMessage } from '../../../src/protocol/sip/index.ts';
import { newFlowId, type Flow } from '../flows.ts';
import type { ConnectionGuard } from './connectionGuard.ts';
import type { RunningTransport, TransportSink } from './types.ts';

class TcpFlow implements Flow {
  readonly id = newFlowId();
  readonly transport = 'TCP' as const;
  readonly reliable = true;
  open = true;
  /** Last complete message either way (ms), for the guard's idle limit. */
  lastActivity = Date.now();

  constructor(private readonly socket: net.Socket, readonly remoteAddress: string, readonly remotePort: number) {}

  send(bytes: Uint8Array): void {
    if (!this.open) return;
    this.lastActivity = Date.now();
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.end();
  }
}

export interface TcpTransportOptions {
  host: string;
  port: number;
  sink: TransportSink;
  maxMessageBytes: number;
  maxHeaderBytes: number;
  guard: ConnectionGuard;
}

export async function startTcpTransport(options: TcpTransportOptions): Promise<RunningTransport> {
  const { sink, guard } = options;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const source = socket.remoteAddress ?? '';
    if (!guard.admit(source)) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.setNoDelay(true);
    const flow = new TcpFlow(socket, source, socket.remotePort ?? 0);
    sink.flows.add(flow);
    const watched = {
      flow,
      get lastActivity() {
        return flow.lastActivity;
      },
      partialSince: undefined as number | undefined,
      terminate: () => socket.destroy(),
    };
    const untrack = guard.track(watched);
    const framer = new SipStreamFramer({ maxMessageBytes: options.maxMessageBytes, maxHeaderBytes: options.maxHeaderBytes });
    // The bytes the framer has not consumed yet, kept only so a framing error can be answered
    // with a response built from whatever headers arrived.
    let tail: Uint8Array = new Uint8Array(0);
    socket.on('data', (chunk: Buffer) => {
      if (!flow.open) return;
      let messages: SipMessage[];
      const seen = tail.length === 0 ? chunk : Buffer.concat([tail, chunk]);
      try {
        messages = framer.push(chunk);
      } catch (error) {
        // What the same read framed before the error is handled as usual; the error response
        // is salvaged from the message that failed, not from the start of the read.
        if (error instanceof SipFramingError) for (const message of error.framed) sink.receiveMessage(message, flow);
        sink.rejectBytes(error instanceof SipFramingError ? error.rest : seen, error, flow);
        flow.open = false;
        socket.end();
        return;
      }
      tail = framer.pending === 0 ? new Uint8Array(0) : seen.subarray(seen.length - framer.pending);
      // A message in progress must complete within messageTimeoutMs of its first byte.
      if (messages.length > 0) {
        flow.lastActivity = guard.now();
        watched.partialSince = undefined;
      }
      if (framer.pending > 0) watched.partialSince ??= guard.now();
      for (const message of messages) sink.receiveMessage(message, flow);
    });
    socket.on('close', () => {
      untrack();
      guard.release(source);
      sockets.delete(socket);
      flow.open = false;
      sink.flows.closed(flow);
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
