/**
 * The table of non-INVITE client transactions (RFC 3261 section 17.1.2) on a reliable
 * transport, keyed by Via branch, with Timer F. The one table of the sender: the lean UAC's
 * requests (MESSAGE, OPTIONS..., sipClient.ts) and the INVITE client's requests in a dialog
 * (BYE, inviteClient.ts) each keep theirs in one:
 *
 * ```
 *            request sent (Timer F armed)
 *                    |
 *                    v        1xx
 *               +---------+ ------> +------------+  1xx
 *               | trying  |         | proceeding | <--+
 *               +---------+         +------------+ ---+
 *                 |     \  final      /       |
 *      Timer F or |      \  response /        | Timer F or
 *      socket lost|       v         v         | socket lost
 *                 |     +------------+        |
 *                 '---> | terminated | <------'
 *                       +------------+
 * ```
 *
 * No retransmissions and Timer K = 0 (reliable transport, RFC 3261 section 17.1.2.2), so
 * "completed" collapses into "terminated", and a transaction is simply in the table (trying
 * or proceeding: Timer F keeps running) or not (terminated). A response belongs to the
 * transaction with its top Via branch and its CSeq method (section 17.1.3).
 */

/** Timer F of RFC 3261 (64 * T1 with T1 = 500 ms). */
export const DEFAULT_TIMEOUT_MS = 32_000;

/** What the table needs of a transaction: the method its responses carry in CSeq. */
export interface Transaction {
  readonly method: string;
}

interface Entry<T> {
  value: T;
  deadline: number;
}

export class TransactionTable<T extends Transaction> {
  private readonly entries = new Map<string, Entry<T>>();
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  private sweepPeriodMs = 0;

  /** `onTimeout` gets each transaction whose Timer F fired (already removed). */
  constructor(private readonly onTimeout: (value: T) => void) {}

  get size(): number {
    return this.entries.size;
  }

  /** The transaction a response is for: same branch and CSeq method (section 17.1.3). */
  match(branch: string, method: string | undefined): T | undefined {
    const value = this.entries.get(branch)?.value;
    return value?.method === method ? value : undefined;
  }

  add(branch: string, value: T, timeoutMs: number): void {
    this.entries.set(branch, { value, deadline: performance.now() + timeoutMs });
    this.armSweep(timeoutMs);
  }

  delete(branch: string): void {
    this.entries.delete(branch);
  }

  /** Remove every transaction (socket lost or closed) and stop Timer F. */
  takeAll(): T[] {
    const pending = [...this.entries.values()].map((e) => e.value);
    this.entries.clear();
    this.stopSweep();
    return pending;
  }

  /**
   * Timer F for every transaction from one shared interval (cheaper than a timer per request).
   * Its period is a quarter of the shortest timeout seen, between 5 and 100 ms, so a timeout
   * fires at most that late.
   */
  private armSweep(timeoutMs: number): void {
    const period = Math.min(100, Math.max(5, Math.floor(timeoutMs / 4)));
    if (this.sweepTimer && period >= this.sweepPeriodMs) return;
    this.stopSweep();
    this.sweepPeriodMs = period;
    this.sweepTimer = setInterval(() => this.sweep(), period);
    this.sweepTimer.unref();
  }

  private stopSweep(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.sweepPeriodMs = 0;
  }

  private sweep(): void {
    const now = performance.now();
    for (const [branch, entry] of this.entries) {
      if (entry.deadline <= now) {
        this.entries.delete(branch);
        this.onTimeout(entry.value);
      }
    }
    if (this.entries.size === 0) this.stopSweep();
  }
}
