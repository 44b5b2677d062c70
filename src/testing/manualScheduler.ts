import type { Scheduler } from '../ui/store/batcher.ts';

/** A manual scheduler: ticks run only when the test says so. */
export function manualScheduler() {
  const queue: Array<{ cb: () => void; cancelled: boolean }> = [];
  const schedule: Scheduler = (cb) => {
    const task = { cb, cancelled: false };
    queue.push(task);
    return () => {
      task.cancelled = true;
    };
  };
  return {
    schedule,
    get scheduled() {
      return queue.filter((t) => !t.cancelled).length;
    },
    tick() {
      const tasks = queue.splice(0);
      for (const t of tasks) if (!t.cancelled) t.cb();
    },
  };
}
