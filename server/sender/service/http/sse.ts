/**
 * GET /v1/events: status changes as Server-Sent Events (HTML Living Standard, section
 * 9.2 "Server-sent events").
 *
 *   retry: 3000
 *
 *   id: 42
 *   event: status
 *   data: {"eventId":42,"pushId":"p1","terminal":"aor:sip:alice@d","from":"pending","to":"delivered",...}
 *
 * With a Last-Event-ID (the header a reconnecting EventSource sends, or `?lastEventId=` for a
 * first connection) the stream first replays the service's changes after that ID, then goes
 * live, without a gap or a duplicate: it subscribes before it reads the backlog, holds the live
 * changes while replaying, then writes the held ones the replay did not already carry. Without
 * one it is live only. A comment line every `heartbeatMs` keeps proxies from closing an idle
 * stream. A client that reads slower than changes come (more than `maxQueuedEvents` waiting) is
 * disconnected: it reconnects with its Last-Event-ID and catches up from the backlog.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { StatusChange } from '../../queue/index.ts';
import type { PushService } from '../types.ts';

export interface EventStreamOptions {
  /** Replay the changes after this event ID first. */
  lastEventId?: number;
  /** Only this push's changes. */
  pushId?: string;
  /** The reconnection delay the client is told (`retry:`). */
  retryMs: number;
  heartbeatMs: number;
  /** Changes waiting to be written before the client is dropped. */
  maxQueuedEvents: number;
  /** changesSince page size while replaying. */
  replayPageSize: number;
}

/** One change as an SSE event (the `id` is what comes back as Last-Event-ID). */
export function formatStatusEvent(change: StatusChange): string {
  return `id: ${change.eventId}\nevent: status\ndata: ${JSON.stringify(change)}\n\n`;
}

/** Serve one event stream on `res` until the client goes away (resolves then). */
export async function serveEventStream(res: ServerResponse, service: PushService, options: EventStreamOptions): Promise<void> {
  const matches = (c: StatusChange) => options.pushId === undefined || c.pushId === options.pushId;
  const queue: StatusChange[] = [];
  let replaying = options.lastEventId !== undefined;
  let closed = false;
  // IDs the replay wrote, so a held live change is not written twice (bounded: the newest only).
  const replayed = new Set<number>();

  const done = new Promise<void>((resolve) => res.once('close', resolve));
  const unsubscribe = service.onChange((change) => {
    if (closed || !matches(change)) return;
    queue.push(change);
    if (queue.length > options.maxQueuedEvents) return end();
    if (!replaying) void pump();
  });
  const heartbeat = setInterval(() => {
    if (!res.writableNeedDrain) res.write(': heartbeat\n\n');
  }, options.heartbeatMs);
  heartbeat.unref();
  function end(): void {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(heartbeat);
    res.end();
  }
  void done.then(end);

  const write = async (text: string): Promise<void> => {
    if (closed) return;
    if (!res.write(text)) await Promise.race([once(res, 'drain'), done]);
  };
  let pumping = false;
  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length > 0 && !closed) {
        const change = queue.shift()!;
        if (replayed.has(change.eventId)) continue;
        await write(formatStatusEvent(change));
      }
    } finally {
      pumping = false;
    }
  }

  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
  await write(`retry: ${options.retryMs}\n\n`);
  if (options.lastEventId !== undefined) {
    try {
      let cursor = options.lastEventId;
      for (;;) {
        const page = await service.changesSince(cursor, options.replayPageSize);
        for (const change of page) {
          cursor = Math.max(cursor, change.eventId);
          if (!matches(change)) continue;
          replayed.add(change.eventId);
          if (replayed.size > options.maxQueuedEvents) replayed.delete(replayed.values().next().value!);
          await write(formatStatusEvent(change));
        }
        if (page.length < options.replayPageSize || closed) break;
      }
    } catch {
      // The backlog could not be read: end the stream; the client retries with its Last-Event-ID.
      end();
    }
    replaying = false;
    void pump();
  }
  await done;
}
