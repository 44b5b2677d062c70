/**
 * Sockets written by hand, for what the test UA will not do: stop half-way through an HTTP
 * upgrade or a WebSocket frame, hold a connection and say nothing, send one datagram from a
 * port of its own. All to 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';

const HOST = '127.0.0.1';

/** The first line of a SIP response (`SIP/2.0 400 ...`) as its status; null if not one. */
export function responseStatus(bytes: Uint8Array): number | null {
  const match = /^SIP\/2\.0 (\d{3}) /.exec(Buffer.from(bytes.subarray(0, 32)).toString('latin1'));
  return match ? Number(match[1]) : null;
}

export function connectTcp(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, HOST, () => {
      socket.off('error', reject);
      // Resets by the core are expected (that is how it closes what it refuses).
      socket.on('error', () => undefined);
      // Flowing, so the core's end of the stream is read and 'close' follows; a paused socket
      // would never see it. What the core sends is read by whoever listens for 'data'.
      socket.resume();
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** The start of an upgrade request for the `sip` subprotocol; `complete` adds the blank line. */
export function upgradeRequest(port: number, complete: boolean): string {
  const head = [`GET / HTTP/1.1`, `Host: ${HOST}:${port}`, 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Protocol: sip'];
  return head.join('\r\n') + (complete ? '\r\n\r\n' : '\r\n');
}

/** A TCP connection upgraded to a WebSocket by hand (101 read), frames still ours to write. */
export async function upgradedSocket(port: number): Promise<net.Socket> {
  const socket = await connectTcp(port);
  await new Promise<void>((resolve, reject) => {
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData).off('close', onClose);
      if (head.startsWith('HTTP/1.1 101')) resolve();
      else reject(new Error(`upgrade answered ${head.slice(0, head.indexOf('\r\n'))}`));
    };
    const onClose = () => reject(new Error('closed during the upgrade'));
    socket.on('data', onData).once('close', onClose);
    socket.write(upgradeRequest(port, true));
  });
  return socket;
}

/** The first bytes of a masked text frame announcing 256 payload bytes, with 10 of them. */
export function halfFrame(): Buffer {
  const header = Buffer.from([0x81, 0x80 | 126, 0x01, 0x00]);
  return Buffer.concat([header, randomBytes(4), Buffer.from('MESSAGE si')]);
}

/** Resolves with how long after `since` the socket closed, or null if still open at `deadline`. */
export function closedWithin(socket: net.Socket, since: number, deadlineMs: number): Promise<number | null> {
  if (socket.closed) return Promise.resolve(performance.now() - since);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.off('close', onClose);
      resolve(null);
    }, Math.max(0, since + deadlineMs - performance.now()));
    const onClose = () => {
      clearTimeout(timer);
      resolve(performance.now() - since);
    };
    socket.once('close', onClose);
  });
}

/**
 * One datagram from a port of its own (a new source for the core's flow table); resolves with
 * the status of the first response within `waitMs`, or null.
 */
export async function sendDatagram(port: number, bytes: Uint8Array | string, waitMs: number): Promise<number | null> {
  const socket = dgram.createSocket('udp4');
  socket.on('error', () => undefined);
  try {
    await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
    return await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), waitMs);
      socket.on('message', (data) => {
        clearTimeout(timer);
        resolve(responseStatus(data));
      });
      socket.send(typeof bytes === 'string' ? Buffer.from(bytes) : bytes, port, HOST);
    });
  } finally {
    socket.close();
  }
}
