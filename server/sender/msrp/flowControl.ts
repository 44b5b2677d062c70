/**
 * Flow control of one MSRP sending session: the two reasons the sender pauses between chunks.
 *
 * - The socket's queue: after each send we wait while `ws.bufferedAmount` is above the
 *   high-water mark (default DEFAULT_HIGH_WATER_MARK). `ws` has no drain event: we wait for
 *   the underlying socket's 'drain', with a short timer as a fallback. Memory stays bounded by
 *   the high-water mark plus a couple of chunks, whatever the file size.
 * - The window: at most `maxUnacknowledgedChunks` chunks (default
 *   DEFAULT_MAX_UNACKNOWLEDGED_CHUNKS) may wait for their 200 (RFC 4975 section 7.1.2:
 *   Failure-Report yes, so each chunk is answered). A browser's WebSocket has no receive
 *   back-pressure: it hands every message to JS as fast as it arrives, so without this window
 *   a receiver that stores slower than the network delivers would queue the whole file in its
 *   heap. The receiver answers each chunk once it is written, so the window bounds its memory
 *   to about window x chunk size.
 */
import type { Socket } from 'node:net';
import WebSocket from 'ws';

/** Bytes queued on a WebSocket above which the sender waits before the next chunk. */
export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;

/** 32 chunks of 60 KB: about 2 MB in flight, enough to keep a loopback or LAN path busy. */
export const DEFAULT_MAX_UNACKNOWLEDGED_CHUNKS = 32;

/** How often to look at `bufferedAmount` again when no 'drain' comes (bytes queued inside ws). */
const DRAIN_POLL_MS = 5;

/**
 * Wait until the socket's queue is at or below `highWaterMark`, the socket is no longer open,
 * or `stopped()` says the transfer ended.
 */
export async function waitForDrain(ws: WebSocket, highWaterMark: number, stopped: () => boolean): Promise<void> {
  // `ws` keeps its net.Socket private; its 'drain' is the earliest sign the queue went down.
  const socket = (ws as unknown as { _socket?: Socket })._socket;
  while (ws.bufferedAmount > highWaterMark && ws.readyState === WebSocket.OPEN && !stopped()) {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        socket?.removeListener('drain', done);
        ws.removeListener('close', done);
        resolve();
      };
      // 'drain' of the TCP socket when it has one; the timer covers bytes queued inside ws.
      const timer = setTimeout(done, DRAIN_POLL_MS);
      socket?.once('drain', done);
      ws.once('close', done);
    });
  }
}

/**
 * The chunks sent and not yet answered, keyed by transaction ID, with the window that bounds
 * them (`max` 0: no window).
 */
export class UnacknowledgedChunks {
  /** Transaction ID -> body bytes of the chunk, credited when its 200 arrives. */
  private readonly pending = new Map<string, number>();
  /** Woken by a chunk's response, the outcome or the socket closing (window waits). */
  private waiter: (() => void) | undefined;
  /** Most chunks that were unanswered at once. */
  private _maxSeen = 0;

  constructor(readonly max: number) {}

  get size(): number {
    return this.pending.size;
  }

  get maxSeen(): number {
    return this._maxSeen;
  }

  get full(): boolean {
    return this.max > 0 && this.pending.size >= this.max;
  }

  add(transactionId: string, bytes: number): void {
    this.pending.set(transactionId, bytes);
    if (this.pending.size > this._maxSeen) this._maxSeen = this.pending.size;
  }

  /** The body bytes of the answered chunk (and a wake-up for a window wait), or undefined when it is not ours. */
  answer(transactionId: string): number | undefined {
    const bytes = this.pending.get(transactionId);
    if (bytes === undefined) return undefined;
    this.pending.delete(transactionId);
    this.wake();
    return bytes;
  }

  /** End a window wait now (the transfer ended). */
  wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  /** Wait until the window has room, the socket is no longer open, or `stopped()` says the transfer ended. */
  async waitForRoom(ws: WebSocket, stopped: () => boolean): Promise<void> {
    while (this.full && ws.readyState === WebSocket.OPEN && !stopped()) {
      await new Promise<void>((resolve) => {
        const done = () => {
          ws.removeListener('close', done);
          if (this.waiter === done) this.waiter = undefined;
          resolve();
        };
        this.waiter = done;
        ws.once('close', done);
      });
    }
  }
}
