/**
 * SIP over WebSocket (RFC 7118) and the HTTP inspection API on the same port.
 *
 * - The handshake must offer the `sip` subprotocol (RFC 7118 section 4); otherwise 400.
 * - One SIP message per WebSocket message, in either frame type (section 5.2).
 * - Replies go in a text frame when the bytes are valid UTF-8, else in a binary frame.
 * - Connections per source (HTTP and WebSocket alike), the upgrade request's completion time
 *   and idle WebSockets are the ConnectionGuard's (connectionGuard.ts); an HTTP request that
 *   is not complete within messageTimeoutMs is closed by Node's own headersTimeout.
 */
import http from 'node:http';
import { isUtf8 } from 'node:buffer';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { newFlowId, type Flow } from '../flows.ts';
import type { ConnectionGuard } from './connectionGuard.ts';
import type { RunningTransport, TransportSink } from './types.ts';

export interface WsTransportOptions {
  host: string;
  port: number;
  sink: TransportSink;
  /** Frames above this close the socket (ws 1009); kept above the SIP limit so we can answer 513. */
  maxPayload: number;
  http: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  guard: ConnectionGuard;
  /** Time for an HTTP request (the upgrade included) to arrive whole. */
  messageTimeoutMs: number;
}

class WsFlow implements Flow {
  readonly id = newFlowId();
  readonly transport = 'WS' as const;
  readonly reliable = true;
  open = true;
  /** Last complete message either way (ms), for the guard's idle limit. */
  lastActivity = Date.now();

  constructor(private readonly socket: WebSocket, readonly remoteAddress: string, readonly remotePort: number) {}

  send(bytes: Uint8Array): void {
    if (!this.open) return;
    this.lastActivity = Date.now();
    this.socket.send(bytes, { binary: !isUtf8(bytes) });
  }

  close(): void {
    this.socket.close(1000);
  }
}

export async function startWsTransport(options: WsTransportOptions): Promise<RunningTransport> {
  const { sink, guard } = options;
  // Node checks headersTimeout / requestTimeout every connectionsCheckingInterval (30 s by
  // default): check often enough for the limit to mean what it says.
  const server = http.createServer(
    { headersTimeout: options.messageTimeoutMs, requestTimeout: options.messageTimeoutMs, connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(options.messageTimeoutMs / 4))) },
    options.http,
  );
  server.on('connection', (socket) => {
    const source = socket.remoteAddress ?? '';
    if (!guard.admit(source)) {
      socket.destroy();
      return;
    }
    socket.once('close', () => guard.release(source));
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload,
    handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
  });

  server.on('upgrade', (req, socket, head) => {
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim().toLowerCase());
    if (!offered.includes('sip')) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nWebSocket subprotocol "sip" required (RFC 7118)\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const flow = new WsFlow(ws, req.socket.remoteAddress ?? '', req.socket.remotePort ?? 0);
      sink.flows.add(flow);
      // A half-sent frame never completes a message, so it is closed by the idle limit.
      const untrack = guard.track({
        flow,
        get lastActivity() {
          return flow.lastActivity;
        },
        partialSince: undefined,
        terminate: () => ws.terminate(),
      });
      ws.on('message', (data, isBinary) => {
        void isBinary;
        flow.lastActivity = guard.now();
        const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
        sink.receiveBytes(bytes, flow);
      });
      ws.on('close', () => {
        untrack();
        flow.open = false;
        sink.flows.closed(flow);
      });
      ws.on('error', () => ws.terminate());
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
