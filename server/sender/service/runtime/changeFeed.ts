/**
 * The feed of status changes the API streams (SSE): read from the queue's event log
 * (`changesSince`), so changes made by every service instance sharing one PostgreSQL queue
 * reach every instance's subscribers, in event order, each once. Read after each local write
 * (`poke()`) and every `pollIntervalMs` for the others' writes.
 */
import type { PushQueue, StatusChange } from '../../queue/index.ts';

export interface ChangeFeedOptions {
  queue: PushQueue;
  /** How often the log is read for other instances' changes, ms (default 250). */
  pollIntervalMs?: number;
  /** Events read per query at most (default 1000). */
  batch?: number;
  onError?: (error: unknown) => void;
}

export interface ChangeFeed {
  /** Start from the end of the log (older changes are read through changesSince). */
  start(): Promise<void>;
  /** Read the log now (this instance just wrote to it). */
  poke(): void;
  onChange(listener: (change: StatusChange) => void): () => void;
  /** The last event ID delivered to listeners. */
  readonly lastEventId: number;
  stop(): void;
}

export function createChangeFeed(options: ChangeFeedOptions): ChangeFeed {
  const { queue } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const batch = options.batch ?? 1000;
  const listeners = new Set<(change: StatusChange) => void>();
  let lastEventId = 0;
  let reading = false;
  let again = false;
  let timer: ReturnType<typeof setInterval> | undefined;

  async function read(): Promise<void> {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        for (;;) {
          const changes = await queue.changesSince(lastEventId, batch);
          for (const change of changes) {
            lastEventId = change.eventId;
            for (const l of [...listeners]) l(change);
          }
          if (changes.length < batch) break;
        }
      } while (again);
    } catch (err) {
      options.onError?.(err);
    } finally {
      reading = false;
    }
  }

  return {
    get lastEventId() {
      return lastEventId;
    },
    async start() {
      // Skip the backlog: subscribers that want it ask changesSince with their Last-Event-ID.
      for (;;) {
        const changes = await queue.changesSince(lastEventId, 10_000);
        if (changes.length === 0) break;
        lastEventId = changes.at(-1)!.eventId;
      }
      timer = setInterval(() => void read(), pollIntervalMs);
      timer.unref?.();
    },
    poke() {
      void read();
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      clearInterval(timer);
    },
  };
}
