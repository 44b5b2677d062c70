/**
 * The feed of status changes the API streams (SSE): read from the queue's event log
 * (`changesSince`), so changes made by every service instance sharing one PostgreSQL queue
 * reach every instance's subscribers, in event order, each once. Read after each local write
 * (`poke()`) and every `pollIntervalMs` for the others' writes.
 *
 * Event IDs are taken when a transaction inserts, not when it commits: with several
 * connections, ID 11 can be visible while 10 is still being committed. Reading past 10 then
 * would lose it for good, so the feed stops at a hole and reads again; a hole still there after
 * `gapWaitMs` is a rolled-back transaction's, and the feed moves past it.
 */
import type { PushQueue, StatusChange } from '../../queue/index.ts';

export interface ChangeFeedOptions {
  queue: PushQueue;
  /** How often the log is read for other instances' changes, ms (default 250). */
  pollIntervalMs?: number;
  /** Events read per query at most (default 1000). */
  batch?: number;
  /** How long a hole in the event IDs is waited for before it is taken as a rollback's, ms (default 2000). */
  gapWaitMs?: number;
  /** Epoch ms (default Date.now). */
  clock?: () => number;
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
  const gapWaitMs = options.gapWaitMs ?? 2000;
  const clock = options.clock ?? Date.now;
  /** The first missing event ID and since when it has been missing. */
  let hole: { id: number; since: number } | undefined;
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
          let held = false;
          for (const change of changes) {
            if (change.eventId > lastEventId + 1 && lastEventId > 0) {
              const missing = lastEventId + 1;
              if (hole?.id !== missing) hole = { id: missing, since: clock() };
              if (clock() - hole.since < gapWaitMs) {
                held = true; // the next poll reads from the hole again
                break;
              }
            }
            hole = undefined;
            lastEventId = change.eventId;
            for (const l of [...listeners]) l(change);
          }
          if (held || changes.length < batch) break;
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
