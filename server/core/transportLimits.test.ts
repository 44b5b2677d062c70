/**
 * The core's connection and flow limits (issue 9 items 5 and 6), each at its bound: half-sent
 * messages and idle connections are closed, a registered connection is kept, a source holds at
 * most maxConnectionsPerSource connections, and the UDP flow table expires and stays bounded.
 * Raw sockets on loopback play the careless or hostile peers.
 */
import dgram from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { settled } from '../testing/settled.ts';
import { startCore, type CoreLimits, type RunningCore } from './index.ts';

const cores: RunningCore[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  for (const core of cores.splice(0)) await core.close();
});

async function core(limits: Partial<CoreLimits>): Promise<RunningCore> {
  const c = await startCore({ wsPort: 0, sipPort: 0, noAuth: true, limits });
  cores.push(c);
  return c;
}

function tcp(port: number): Promise<{ socket: Socket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, closed }));
    const closed = new Promise<number>((done) => socket.once('close', () => done(Date.now() - started)));
    socket.on('error', () => undefined);
    socket.once('error', reject);
    // Flowing, so the peer's close is read (a paused socket never sees the end of the stream).
    socket.on('data', () => undefined);
    cleanups.push(() => socket.destroy());
  });
}

function register(user: string, transport: 'TCP' | 'UDP', port: number, branch: string): string {
  return [
    `REGISTER sip:localhost SIP/2.0`,
    `Via: SIP/2.0/${transport} 127.0.0.1:${port};branch=z9hG4bK${branch}`,
    'Max-Forwards: 70',
    `From: <sip:${user}@localhost>;tag=${branch}`,
    `To: <sip:${user}@localhost>`,
    `Call-ID: ${branch}@test`,
    'CSeq: 1 REGISTER',
    `Contact: <sip:${user}@127.0.0.1:${port};transport=${transport.toLowerCase()}>`,
    'Expires: 600',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** Resolves true once `done` holds, false when `ms` passed first (a bounded wait for an absence). */
async function within(ms: number, done: () => boolean): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (done()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return done();
}

describe('TCP: message completion and idle limits', () => {
  it('a half-sent request is closed messageTimeoutMs after its first byte', async () => {
    const c = await core({ messageTimeoutMs: 200, idleTimeoutMs: 60_000 });
    const { socket, closed } = await tcp(c.tcpPort!);
    socket.write('MESSAGE sip:alice@localhost SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKhalf\r\n');
    const after = await closed;
    expect(after).toBeGreaterThanOrEqual(190);
    expect(after).toBeLessThan(5_000);
  });

  it('a connection that completes its messages is not closed by messageTimeoutMs; idle and unregistered it is closed after idleTimeoutMs', async () => {
    const c = await core({ messageTimeoutMs: 100, idleTimeoutMs: 600 });
    const { socket, closed } = await tcp(c.tcpPort!);
    let open = true;
    void closed.then(() => (open = false));
    // An OPTIONS to the core itself is a complete message (answered), then silence.
    socket.write('OPTIONS sip:localhost SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKopt1\r\nMax-Forwards: 70\r\nFrom: <sip:x@localhost>;tag=a\r\nTo: <sip:localhost>\r\nCall-ID: opt1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n');
    expect(await within(300, () => !open)).toBe(false); // past messageTimeoutMs, before idle
    const after = await closed;
    expect(after).toBeGreaterThanOrEqual(550);
  });

  it('a connection a live registration holds stays open past idleTimeoutMs', async () => {
    const c = await core({ messageTimeoutMs: 100, idleTimeoutMs: 200 });
    const { socket, closed } = await tcp(c.tcpPort!);
    let open = true;
    void closed.then(() => (open = false));
    socket.write(register('held', 'TCP', socket.localPort!, 'regtcp1'));
    await within(2_000, () => c.bindings('sip:held@localhost').length === 1);
    expect(c.bindings('sip:held@localhost')).toHaveLength(1);
    expect(await within(800, () => !open)).toBe(false);
  });
});

describe('connections per source (WS and TCP together)', () => {
  it('maxConnectionsPerSource connections stay; the next is closed at once; a closed one makes room', async () => {
    const c = await core({ maxConnectionsPerSource: 3 });
    const first = await tcp(c.tcpPort!);
    await tcp(c.tcpPort!);
    const ws = new WebSocket(c.wsUrl, 'sip');
    cleanups.push(() => ws.terminate());
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await within(1_000, () => c.stats().connections === 3);
    expect(c.stats().connections).toBe(3);
    // The fourth, TCP or WS, is refused.
    const fourth = await tcp(c.tcpPort!);
    expect(await fourth.closed).toBeLessThan(5_000);
    const refusedWs = new WebSocket(c.wsUrl, 'sip');
    await expect(new Promise((resolve, reject) => refusedWs.once('open', resolve).once('error', reject))).rejects.toThrow();
    first.socket.destroy();
    await first.closed;
    await within(2_000, () => c.stats().connections === 2);
    const again = await tcp(c.tcpPort!);
    let open = true;
    void again.closed.then(() => (open = false));
    expect(await within(200, () => !open)).toBe(false);
  });
});

describe('WebSocket: upgrade completion and half-sent frames', () => {
  it('an upgrade request whose headers never complete is closed after messageTimeoutMs', async () => {
    const c = await core({ messageTimeoutMs: 200 });
    const { socket, closed } = await tcp(Number(new URL(c.wsUrl).port));
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    let after: number | undefined;
    void closed.then((ms) => (after = ms));
    // Node's own header timer never keeps a process alive: poll (our timers keep the loop turning).
    expect(await within(4_000, () => after !== undefined)).toBe(true);
    expect(after).toBeGreaterThanOrEqual(150);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('a half-sent frame never completes a message: the connection is closed after idleTimeoutMs', async () => {
    const c = await core({ idleTimeoutMs: 300 });
    const ws = new WebSocket(c.wsUrl, 'sip');
    cleanups.push(() => ws.terminate());
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const started = Date.now();
    const closed = new Promise<number>((resolve) => ws.once('close', () => resolve(Date.now() - started)));
    // A masked text frame header announcing 100 bytes, and 3 of them.
    const raw = (ws as unknown as { _socket: Socket })._socket;
    raw.write(Buffer.from([0x81, 0x80 | 100, 1, 2, 3, 4, 0x41, 0x42, 0x43]));
    const after = await closed;
    expect(after).toBeGreaterThanOrEqual(250);
    expect(after).toBeLessThan(5_000);
  });
});

describe('UDP flows expire and stay bounded', () => {
  async function udpSenders(count: number): Promise<dgram.Socket[]> {
    const sockets = await Promise.all(
      Array.from({ length: count }, () => new Promise<dgram.Socket>((resolve) => {
        const s = dgram.createSocket('udp4');
        s.bind(0, '127.0.0.1', () => resolve(s));
      })),
    );
    cleanups.push(() => sockets.forEach((s) => s.close()));
    return sockets;
  }
  const ping = (i: number) => `OPTIONS sip:localhost SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKudp${i}\r\nMax-Forwards: 70\r\nFrom: <sip:x@localhost>;tag=u${i}\r\nTo: <sip:localhost>\r\nCall-ID: udp${i}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;

  it('a flow unused for udpFlowIdleMs is forgotten; one a registration holds is kept', async () => {
    const c = await core({ udpFlowIdleMs: 300 });
    const senders = await udpSenders(6);
    senders.slice(1).forEach((s, i) => s.send(ping(i), c.udpPort!, '127.0.0.1'));
    senders[0]!.send(register('udpheld', 'UDP', senders[0]!.address().port, 'regudp1'), c.udpPort!, '127.0.0.1');
    await within(2_000, () => c.stats().udpFlows === 6 && c.bindings('sip:udpheld@localhost').length === 1);
    expect(c.stats().udpFlows).toBe(6);
    await within(3_000, () => c.stats().udpFlows === 1);
    expect(c.stats().udpFlows).toBe(1);
    expect(c.bindings('sip:udpheld@localhost')).toHaveLength(1);
  });

  it('never more than maxUdpFlows flows, the least recently used unheld ones going first', async () => {
    const c = await core({ maxUdpFlows: 10, udpFlowIdleMs: 60_000 });
    const senders = await udpSenders(25);
    let most = 0;
    for (let i = 0; i < senders.length; i++) {
      senders[i]!.send(ping(i), c.udpPort!, '127.0.0.1');
      await within(1_000, () => c.stats().flows > 0);
      most = Math.max(most, c.stats().udpFlows);
    }
    await settled();
    expect(most).toBeLessThanOrEqual(10);
    expect(c.stats().udpFlows).toBeLessThanOrEqual(10);
    expect(c.stats().udpFlows).toBeGreaterThan(0);
  });
});
