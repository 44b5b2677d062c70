/**
 * The two things every measurement of bench/msrp-throughput shares besides the browser: the
 * file to send (random, written to a temporary path, with its size and SHA-256) and the raw
 * baseline's sender, a Node `ws` server that sends the file in the same chunks and with the
 * same bufferedAmount high-water mark as the MSRP endpoint, without MSRP.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { describeFile } from '../../server/sender/index.ts';

const MB = 1024 * 1024;

export interface BenchFile {
  path: string;
  size: number;
  sha256: string;
}

/** A file of `sizeMB` MiB in the temporary folder. */
export async function makeFile(sizeMB: number): Promise<BenchFile> {
  const path = join(tmpdir(), `msrp-bench-${process.pid}-${sizeMB}mb.bin`);
  const out = createWriteStream(path);
  // Random-ish: a fresh 1 MB random block, reused a few times with a varying first word, so no
  // two chunks are equal and generation stays cheap.
  let block = randomBytes(MB);
  for (let i = 0; i < sizeMB; i++) {
    if (i % 8 === 0) block = randomBytes(MB);
    else block.writeUInt32LE(i, 0);
    if (!out.write(Buffer.from(block))) await new Promise<void>((resolve) => out.once('drain', resolve));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  const facts = await describeFile(path);
  return { path, size: facts.size, sha256: facts.sha256 };
}

/** A Node `ws` server that sends one file the way the MSRP endpoint does, without MSRP. */
export async function startRawServer(file: BenchFile, chunkSize: number, highWaterMark: number) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const port = (wss.address() as { port: number }).port;
  let firstChunkAt = 0;
  let maxBufferedAmount = 0;
  let drainWaits = 0;
  const done = new Promise<number>((resolve, reject) => {
    wss.once('connection', (ws) => {
      ws.on('message', (data) => (String(data) === 'done' ? resolve(performance.now()) : reject(new Error(`raw page said ${String(data)}`))));
      ws.on('close', () => reject(new Error('raw page closed the socket before done')));
      void (async () => {
        const socket = (ws as unknown as { _socket?: Socket })._socket;
        for await (const buf of createReadStream(file.path, { highWaterMark: chunkSize }) as AsyncIterable<Buffer>) {
          if (firstChunkAt === 0) firstChunkAt = performance.now();
          ws.send(buf, { binary: true });
          maxBufferedAmount = Math.max(maxBufferedAmount, ws.bufferedAmount);
          // Same flow control as the MSRP endpoint: socket 'drain', a 5 ms timer as fallback.
          while (ws.bufferedAmount > highWaterMark && ws.readyState === WebSocket.OPEN) {
            drainWaits++;
            await new Promise<void>((resolve) => {
              const wake = () => {
                clearTimeout(timer);
                socket?.removeListener('drain', wake);
                resolve();
              };
              const timer = setTimeout(wake, 5);
              socket?.once('drain', wake);
            });
          }
        }
      })().catch(reject);
    });
  });
  return {
    url: `ws://127.0.0.1:${port}/`,
    done,
    stats: () => ({ firstChunkAt, maxBufferedAmount, drainWaits }),
    close: () => {
      for (const ws of wss.clients) ws.terminate();
      return new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
