/**
 * JS memory of the page under test, over CDP (Runtime.getHeapUsage and HeapProfiler.collectGarbage).
 */
import type { CDPSession } from '@playwright/test';
import type { Probe } from './profiling.ts';

export interface HeapUsage {
  usedSize: number;
  totalSize: number;
  embedderHeapUsedSize?: number;
  backingStorageSize?: number;
}

/** Bytes of JS memory: V8 heap, and V8 heap plus ArrayBuffer backing stores. */
export interface HeapFigures {
  heap: number;
  withBuffers: number;
}

/**
 * Samples Runtime.getHeapUsage every `intervalMs` and keeps the peak of each figure; every
 * `liveEvery`-th sample forces a GC first, so `livePeak` is memory actually held (the plain
 * samples include garbage not yet collected, which for ArrayBuffers can be the whole file).
 */
export class HeapSampler {
  private timer: NodeJS.Timeout | undefined;
  /** The sample being read, if any (one at a time). */
  private inFlight: Promise<void> | undefined;
  private ticks = 0;
  readonly peak: HeapFigures = { heap: 0, withBuffers: 0 };
  /** Peak of heap + array buffers right after a forced GC. */
  livePeak = 0;
  samples = 0;

  /** `probe` runs from start() to stop() (profiling). */
  constructor(
    private readonly cdp: CDPSession,
    private readonly probe?: Probe,
  ) {}

  static figures(u: HeapUsage): HeapFigures {
    return { heap: u.usedSize, withBuffers: u.usedSize + (u.backingStorageSize ?? 0) };
  }

  async read(): Promise<HeapFigures> {
    return HeapSampler.figures((await this.cdp.send('Runtime.getHeapUsage')) as HeapUsage);
  }

  async readAfterGc(): Promise<HeapFigures> {
    await this.cdp.send('HeapProfiler.collectGarbage');
    return this.read();
  }

  private record(f: HeapFigures): void {
    this.samples++;
    this.peak.heap = Math.max(this.peak.heap, f.heap);
    this.peak.withBuffers = Math.max(this.peak.withBuffers, f.withBuffers);
  }

  async start(intervalMs = 100, liveEvery = 10): Promise<void> {
    await this.probe?.start();
    this.timer = setInterval(() => {
      if (this.inFlight) return;
      const live = ++this.ticks % liveEvery === 0;
      this.inFlight = (live ? this.readAfterGc() : this.read())
        .then((f) => {
          if (live) this.livePeak = Math.max(this.livePeak, f.withBuffers);
          else this.record(f);
        })
        .catch(() => undefined)
        .finally(() => (this.inFlight = undefined));
    }, intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
    await this.probe?.stop();
    // One last sample, so a transfer shorter than the interval still has a peak.
    this.record(await this.read());
  }
}
