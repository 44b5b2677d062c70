/**
 * Removes the content files of settled pushes (nothing pending or accepted: the file will never
 * be sent again), so the content directory holds only what may still be sent. The queue hands
 * each file out once (releaseSettledContent, FOR UPDATE SKIP LOCKED: instances sharing a queue
 * and a content directory never race for one); a file already gone is not an error.
 */
import { rm } from 'node:fs/promises';
import type { PushQueue } from '../../queue/index.ts';

export interface ContentJanitorOptions {
  queue: Pick<PushQueue, 'releaseSettledContent'>;
  /** How often settled contents are removed, ms (default 60000). */
  intervalMs?: number;
  /** Files removed per sweep at most (default 1000; the next sweep takes the rest). */
  batch?: number;
  onError?: (error: unknown) => void;
}

export interface ContentJanitor {
  /** Remove what is settled now; resolves with the files removed. */
  sweep(): Promise<string[]>;
  start(): void;
  stop(): void;
}

export function createContentJanitor(options: ContentJanitorOptions): ContentJanitor {
  const intervalMs = options.intervalMs ?? 60_000;
  const batch = options.batch ?? 1000;
  if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0) throw new Error(`content janitor intervalMs must be a positive integer, got ${intervalMs}`);
  let timer: ReturnType<typeof setInterval> | undefined;
  let sweeping: Promise<string[]> | undefined;
  const sweep = async (): Promise<string[]> => {
    const files = await options.queue.releaseSettledContent(batch);
    await Promise.all(files.map((file) => rm(file, { force: true })));
    return files;
  };
  return {
    sweep() {
      sweeping ??= sweep().finally(() => (sweeping = undefined));
      return sweeping;
    },
    start() {
      timer ??= setInterval(() => {
        this.sweep().catch((err: unknown) => options.onError?.(err));
      }, intervalMs);
      timer.unref?.();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
