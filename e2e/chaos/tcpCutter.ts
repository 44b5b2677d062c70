/**
 * A TCP relay on 127.0.0.1 between the page and the core's WebSocket port, so a test can drop
 * the page's WebSocket the way a network does, on either core: cut() destroys every relayed
 * connection at once (both sides see the connection end mid-stream, with no WebSocket close
 * frame); new connections are relayed again at once, so the agent's reconnection is what is
 * under test.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpCutter {
  /** ws://127.0.0.1:<port>: give this to the page instead of the core's URL. */
  url: string;
  /** Connections relayed since the start (the agent's reconnections show here). */
  readonly accepted: number;
  /** Drop every live connection; returns how many there were. */
  cut(): number;
  close(): Promise<void>;
}

export async function startTcpCutter(targetWsUrl: string): Promise<TcpCutter> {
  const target = new URL(targetWsUrl);
  const pairs = new Set<[Socket, Socket]>();
  let accepted = 0;
  const server: Server = createServer((client) => {
    accepted++;
    const upstream = connect({ host: target.hostname, port: Number(target.port) });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the relay has no TCP address');
  const cut = (): number => {
    const live = [...pairs];
    for (const [client, upstream] of live) {
      // A reset, not a FIN: each end learns at once that the connection is gone, mid-stream.
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    pairs.clear();
    return live.length;
  };
  return {
    url: `ws://127.0.0.1:${address.port}`,
    get accepted() {
      return accepted;
    },
    cut,
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
