/**
 * Collects items and hands them over in one call per scheduled tick (an animation frame in
 * the browser). The scheduler is injected so the batching is testable without a DOM.
 */

/** Runs `callback` later, once; returns a function that cancels it. */
export type Scheduler = (callback: () => void) => () => void;

export interface Batcher<T> {
  add(item: T): void;
  /** Hands over whatever is pending now, cancelling the scheduled tick. */
  flush(): void;
  /** Drops pending items and cancels the scheduled tick. */
  dispose(): void;
  readonly pending: number;
}

export function createBatcher<T>(deliver: (items: T[]) => void, schedule: Scheduler): Batcher<T> {
  let queue: T[] = [];
  let cancel: (() => void) | null = null;
  let disposed = false;

  const flush = (): void => {
    if (cancel) {
      cancel();
      cancel = null;
    }
    if (queue.length === 0) return;
    const items = queue;
    queue = [];
    deliver(items);
  };

  return {
    add(item) {
      if (disposed) return;
      queue.push(item);
      cancel ??= schedule(() => {
        cancel = null;
        flush();
      });
    },
    flush,
    dispose() {
      disposed = true;
      queue = [];
      if (cancel) cancel();
      cancel = null;
    },
    get pending() {
      return queue.length;
    },
  };
}

/**
 * Next animation frame, or a timeout when frames do not come (a hidden tab gets no frames,
 * and the queue must not grow without bound meanwhile).
 */
export function frameScheduler(fallbackMs = 250): Scheduler {
  return (callback) => {
    let done = false;
    const run = (): void => {
      if (done) return;
      done = true;
      if (frame !== undefined) cancelAnimationFrame(frame);
      clearTimeout(timer);
      callback();
    };
    const frame = typeof requestAnimationFrame === 'function' ? requestAnimationFrame(run) : undefined;
    const timer = setTimeout(run, fallbackMs);
    return () => {
      done = true;
      if (frame !== undefined) cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  };
}

/**
 * At most one delivery per `minIntervalMs`, each on an animation frame. Under a burst of
 * pushes every render delays the pushes queued behind it on the main thread; rendering ten
 * times a second instead of sixty keeps the push path's latency close to the agent's own
 * (bench/push-throughput) and is still instant to the eye.
 */
export function throttledFrameScheduler(minIntervalMs = 100, fallbackMs = 250, now: () => number = () => performance.now()): Scheduler {
  const frame = frameScheduler(fallbackMs);
  let lastRun = -Infinity;
  return (callback) => {
    let cancelFrame: (() => void) | undefined;
    const startFrame = (): void => {
      cancelFrame = frame(() => {
        lastRun = now();
        callback();
      });
    };
    const wait = lastRun + minIntervalMs - now();
    const timer = wait > 0 ? setTimeout(startFrame, wait) : undefined;
    if (timer === undefined) startFrame();
    return () => {
      if (timer !== undefined) clearTimeout(timer);
      cancelFrame?.();
    };
  };
}
