/**
 * Bounded load: a task started every `everyMs` while fewer than `maxInFlight` of it run, so
 * neither the rate nor the number open at once can grow, however slow the core gets. A start
 * that would exceed the bound is skipped (and counted), not queued.
 */
export interface Paced {
  /** Tasks started, and starts skipped because `maxInFlight` were running. */
  readonly started: number;
  readonly skipped: number;
  /** Start no more; resolves when the running ones have ended. */
  stop(): Promise<void>;
}

export function pace(options: { everyMs: number; maxInFlight: number }, task: () => Promise<void>, onError: (error: unknown) => void): Paced {
  const running = new Set<Promise<void>>();
  let started = 0;
  let skipped = 0;
  const timer = setInterval(() => {
    if (running.size >= options.maxInFlight) {
      skipped++;
      return;
    }
    started++;
    const run = task()
      .catch(onError)
      .finally(() => running.delete(run));
    running.add(run);
  }, options.everyMs);
  return {
    get started() {
      return started;
    },
    get skipped() {
      return skipped;
    },
    stop: async () => {
      clearInterval(timer);
      await Promise.allSettled([...running]);
    },
  };
}

/** Wait `ms`, or less if `signal` aborts first (the soak ending). */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
