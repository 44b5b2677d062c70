/**
 * ExpirySweeper: in the owning tab, discards stored pushes whose Push-Deliver-Before has
 * passed before any app took them, and has their negative-delivery reports sent.
 *
 *   start() / a push committed with deliverBefore / the dispatcher saw one expire (poke)
 *     --> timer at the earliest deliverBefore of an undispatched push (PushStore.nextExpiry)
 *     --> sweep(): PushStore.discardExpired(now): one transaction marks them dispatched and
 *         `discarded: 'expired'` and queues their `failed` reports in the outbox
 *     --> onDiscarded(pushes) (the agent drains the Reporter), then the next timer
 *
 * Discarding claims the push exactly like the dispatcher's claim does, so a push is either
 * handed to its app or discarded, never both, whichever tab runs the dispatcher.
 * One sweep at a time; a poke during a sweep runs one more after it.
 */
import type { PushStore } from '../store/pushStore.ts';
import type { StoredPush } from '../types.ts';

export interface ExpirySweeperOptions {
  store: Pick<PushStore, 'discardExpired' | 'nextExpiry'>;
  onDiscarded: (pushes: StoredPush[]) => void;
  now?: () => number;
  /** Longest single timer (browsers fire a longer setTimeout at once); a later expiry re-arms. */
  maxTimerMs?: number;
  onError?: (error: unknown) => void;
}

/** setTimeout's delay is a signed 32-bit number of milliseconds. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class ExpirySweeper {
  private readonly options: ExpirySweeperOptions;
  private readonly now: () => number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** When the armed timer fires (epoch ms). */
  private armedFor = Infinity;
  private sweeping: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(options: ExpirySweeperOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** Sweep what expired while no owner ran, then arm for the next expiry. */
  start(): Promise<void> {
    return this.sweep();
  }

  /** Pushes just committed: arm for the earliest of their expiries. */
  watch(pushes: readonly StoredPush[]): void {
    for (const push of pushes) if (push.deliverBefore !== undefined) this.arm(push.deliverBefore);
  }

  /** Discard every expired undispatched push now, then re-arm. */
  sweep(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.sweeping) {
      this.again = true;
      return this.sweeping;
    }
    this.sweeping = (async () => {
      do {
        this.again = false;
        try {
          const now = this.now();
          const discarded = await this.options.store.discardExpired(now);
          if (discarded.length > 0) this.options.onDiscarded(discarded);
          const next = await this.options.store.nextExpiry(now);
          if (next !== undefined) this.arm(next);
        } catch (error) {
          (this.options.onError ?? ((e) => console.error('SIP Push: discarding expired pushes failed', e)))(error);
        }
      } while (this.again && !this.closed);
    })().finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(at: number): void {
    if (this.closed || at >= this.armedFor) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = at;
    const delay = Math.min(Math.max(0, at - this.now()), this.options.maxTimerMs ?? MAX_TIMER_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.armedFor = Infinity;
      void this.sweep();
    }, delay);
  }
}
