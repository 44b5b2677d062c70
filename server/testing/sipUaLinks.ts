/**
 * The connections of the test SIP UA (sipUa.ts): how a WebSocket (RFC 7118, ws and wss), TCP
 * or UDP socket is opened, framed and closed, behind one small interface (Link), so the UA
 * only sends and receives whole SIP messages and never asks which transport it is on.
 *
 * Each opener resolves once the socket is usable and hands messages over only from listen()
 * on, called by the UA's constructor. Bytes that do not parse (a CRLF keep-alive, garbage a
 * test sent on purpose) are skipped, never thrown into the socket's event handler.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import WebSocket from 'ws';
import { parseSipMessage, SipStreamFramer, type SipMessage } from '../../src/protocol/sip/index.ts';

/** The transport of our Via (RFC 7118 section 5.1: WSS on a secure WebSocket). */
export type UaTransport = 'WS' | 'WSS' | 'TCP' | 'UDP';

/** What the UA needs of its connection. */
export interface Link<S> {
  readonly transport: UaTransport;
  readonly socket: S;
  /** What follows `user@` in our Contact URI, given our `.invalid` host. */
  contactAddress(host: string): string;
  write(bytes: Uint8Array | string, binary: boolean): void;
  /** Starts handing over messages (`text`: the WebSocket frame type) and the close. */
  listen(onMessage: (message: SipMessage, text?: boolean) => void, onClose: () => void): void;
  close(): void;
}

/** SIP over WebSocket to `ws://` or `wss://` (then WSS); the server must choose subprotocol `sip`. */
export async function wsLink(url: string, protocols: string[], ca?: string | Buffer): Promise<Link<WebSocket>> {
  const socket = await new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url, protocols, ca ? { ca } : {});
    ws.once('open', () => {
      if (ws.protocol === 'sip') resolve(ws);
      else {
        ws.close();
        reject(new Error(`server chose subprotocol '${ws.protocol}'`));
      }
    });
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  return {
    transport: url.startsWith('wss:') ? 'WSS' : 'WS',
    socket,
    contactAddress: (host) => `${host};transport=ws`,
    write: (bytes, binary) => socket.send(bytes, { binary }),
    listen: (onMessage, onClose) => {
      socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
        const message = parseOrSkip(toBytes(data));
        if (message) onMessage(message, !isBinary);
      });
      socket.on('close', onClose);
    },
    close: () => socket.close(),
  };
}

/** SIP over TCP (RFC 3261 section 18.3), framed by Content-Length. */
export async function tcpLink(port: number, host: string): Promise<Link<net.Socket>> {
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(port, host, () => resolve(s));
    s.once('error', reject);
  });
  socket.setNoDelay(true);
  const framer = new SipStreamFramer();
  return {
    transport: 'TCP',
    socket,
    contactAddress: (contactHost) => `${contactHost};transport=tcp`,
    write: (bytes) => socket.write(bytes),
    listen: (onMessage, onClose) => {
      socket.on('data', (chunk: Buffer) => {
        let messages: SipMessage[];
        try {
          messages = framer.push(chunk);
        } catch {
          return;
        }
        for (const m of messages) onMessage(m);
      });
      socket.once('close', onClose);
    },
    close: () => socket.end(),
  };
}

/** SIP over UDP to 127.0.0.1:`port`; our Contact is our real address. */
export async function udpLink(port: number): Promise<Link<dgram.Socket>> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const localPort = socket.address().port;
  return {
    transport: 'UDP',
    socket,
    contactAddress: () => `127.0.0.1:${localPort}`,
    write: (bytes) => socket.send(typeof bytes === 'string' ? Buffer.from(bytes) : bytes, port, '127.0.0.1'),
    listen: (onMessage, onClose) => {
      socket.on('message', (data: Buffer) => {
        const message = parseOrSkip(data);
        if (message) onMessage(message);
      });
      socket.once('close', onClose);
    },
    close: () => socket.close(),
  };
}

function parseOrSkip(bytes: Uint8Array): SipMessage | null {
  try {
    return parseSipMessage(bytes);
  } catch {
    return null; // a CRLF keep-alive, or garbage
  }
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
