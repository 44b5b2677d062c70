/**
 * One shared timer wheel for every transaction timer (F, B, J, K, retransmissions...).
 *
 * Why not one setTimeout per transaction: at push rates of thousands of MESSAGEs per second,
 * arming and clearing a libuv timer per transaction costs more than the transaction itself.
 * The wheel keeps slots of `resolutionMs` and runs a single unref'd interval while any timer
 * is pending, so an idle core holds no timer and never keeps the process alive.
 */

export interface TimerHandle {
  cancel(): void;
}

interface Entry extends TimerHandle {
  fn: () => void;
  cancelled: boolean;
}

export class TimerWheel {
  private readonly slots = new Map<number, Entry[]>();
  private pending = 0;
  private lastSlot: number;
  private interval: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly resolutionMs = 20, private readonly now: () => number = Date.now) {
    this.lastSlot = Math.floor(this.now() / resolutionMs);
  }

  /** Run `fn` once, no earlier than `delayMs` from now (rounded up to the resolution). */
  schedule(delayMs: number, fn: () => void): TimerHandle {
    const slot = Math.max(this.lastSlot + 1, Math.ceil((this.now() + delayMs) / this.resolutionMs));
    const entry: Entry = {
      fn,
      cancelled: false,
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        this.pending--;
        if (this.pending === 0) this.stop();
      },
    };
    let list = this.slots.get(slot);
    if (!list) this.slots.set(slot, (list = []));
    list.push(entry);
    this.pending++;
    if (!this.interval) {
      this.lastSlot = Math.floor(this.now() / this.resolutionMs);
      this.interval = setInterval(() => this.tick(), this.resolutionMs);
      this.interval.unref?.();
    }
    return entry;
  }

  get size(): number {
    return this.pending;
  }

  /** Fire every timer whose slot has passed. Public so tests can drive a fake clock. */
  tick(): void {
    const current = Math.floor(this.now() / this.resolutionMs);
    for (let slot = this.lastSlot + 1; slot <= current; slot++) {
      const list = this.slots.get(slot);
      if (!list) continue;
      this.slots.delete(slot);
      for (const entry of list) {
        if (entry.cancelled) continue;
        entry.cancelled = true;
        this.pending--;
        try {
          entry.fn();
        } catch {
          // A failing timer callback must not stop the others (errors never crash the core).
        }
      }
    }
    this.lastSlot = current;
    if (this.pending === 0) this.stop();
  }

  stop(): void {
    if (this.interval) clearInterval(this.interval);
    this.interval = null;
    if (this.pending === 0) this.slots.clear();
  }

  /** Drop every timer (core shutdown). */
  clear(): void {
    for (const list of this.slots.values()) for (const e of list) e.cancelled = true;
    this.slots.clear();
    this.pending = 0;
    this.stop();
  }
}
