/**
 * Reporter: sends the IMDN reports (RFC 5438) of the pushes the owning tab receives, off the
 * push path (nothing here is awaited before a 200).
 *
 *   committed MESSAGE push that asked for positive-delivery --delivered()--> send now (memory)
 *   reports outbox (IndexedDB, written by PushStore.markRead / discardExpired) --drain()--> send
 *        each, then finishReport (sent, or given up after maxReportAttempts)
 *
 * One report is retried on transport failures, timeouts, 408, 480 and 5xx, with exponential backoff (reportRetryBaseMs, doubled per attempt, at most
 * maxReportAttempts attempts); another final response (403, 404...) gives it up at once.
 * Only the tab that owns the registration has a Reporter (agent.ts): followers' read marks
 * reach the outbox in IndexedDB and the owner drains it when it hears of them ('read'), when
 * it takes over, and after every discard.
 */
import type { AgentLimits, StoredPush } from '../types.ts';
import type { ReportOutboxRecord } from '../store/schema.ts';
import { buildReportMessage, wantsReport, type ReportKind, type ReportMessage } from './reportMessage.ts';

/** What sending one MESSAGE came to: a final response's status, or no response at all. */
export type SendOutcome = { status: number } | { error: string };

export interface ReporterOptions {
  /** Send one MESSAGE (SipEndpoint.sendMessage); resolves with the final response or the failure. */
  send: (message: ReportMessage) => Promise<SendOutcome>;
  store: { dueReports(): Promise<ReportOutboxRecord[]>; finishReport(id: string): Promise<void> };
  /** Our AoR (CPIM From of the notifications). */
  from: string;
  limits: Pick<AgentLimits, 'maxReportAttempts' | 'reportRetryBaseMs'>;
  now?: () => number;
  /** Fresh imdn.Message-ID of a notification. */
  newId?: () => string;
  /** Waits between attempts (tests inject their own). */
  sleep?: (ms: number) => Promise<void>;
  /** A report given up, or storage failing. */
  onError?: (error: unknown, context: { pushId?: string; kind?: ReportKind }) => void;
  /** A report sent (2xx), for tests and logs. */
  onSent?: (pushId: string, kind: ReportKind) => void;
}

/** Final responses worth another attempt (the next hop or the recipient may recover). */
export function isRetryable(outcome: SendOutcome): boolean {
  if ('error' in outcome) return true;
  const s = outcome.status;
  return s === 408 || s === 480 || (s >= 500 && s < 600);
}

export class Reporter {
  private readonly options: ReporterOptions;
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly onError: NonNullable<ReporterOptions['onError']>;
  private draining: Promise<void> | null = null;
  private drainAgain = false;
  private closed = false;
  /** Sends in flight (idle() waits for them). */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(options: ReporterOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? (() => crypto.randomUUID());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.onError = options.onError ?? ((error, context) => console.warn(`SIP Push: ${context.kind ?? ''} report of push ${context.pushId ?? '?'} not sent`, error));
  }

  /** Newly committed pushes: a delivered report to each MESSAGE push that asked for one. */
  delivered(pushes: readonly StoredPush[]): void {
    for (const push of pushes) {
      // MSRP pushes are reported delivered by the MSRP Success-Report REPORT.
      if (push.via !== 'message' || !wantsReport(push.report, 'delivered')) continue;
      const report = push.report;
      // A task later, not a microtask: the 200 this commit releases goes out first.
      this.track(this.nextTask().then(() => this.sendWithRetry(push.id, 'delivered', () => buildReportMessage({ kind: 'delivered', report, from: this.options.from, notificationId: this.newId(), now: this.now() }))));
    }
  }

  private nextTask(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 0));
  }

  /** Send every report in the outbox (single-flight: a call during a drain runs another after it). */
  drain(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.draining) {
      this.drainAgain = true;
      return this.draining;
    }
    this.draining = (async () => {
      do {
        this.drainAgain = false;
        let due: ReportOutboxRecord[];
        try {
          due = await this.options.store.dueReports();
        } catch (error) {
          this.onError(error, {});
          return;
        }
        await Promise.all(due.map((record) => this.sendDue(record)));
      } while (this.drainAgain && !this.closed);
    })().finally(() => {
      this.draining = null;
    });
    this.track(this.draining);
    return this.draining;
  }

  /** Resolves once nothing is being sent (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Stop: retries in progress end at their next attempt; the outbox keeps what is unsent. */
  close(): void {
    this.closed = true;
  }

  private async sendDue(record: ReportOutboxRecord): Promise<void> {
    const init = { kind: record.kind, report: record.report, from: this.options.from, ...(record.reason !== undefined ? { reason: record.reason } : {}) };
    const done = await this.sendWithRetry(record.pushId, record.kind, () => buildReportMessage({ ...init, notificationId: this.newId(), now: this.now() }));
    // Closed mid-way: left in the outbox for the next owner.
    if (!done) return;
    await this.options.store.finishReport(record.id).catch((error: unknown) => this.onError(error, { pushId: record.pushId, kind: record.kind }));
  }

  /** True when settled (sent or given up), false when closed before. */
  private async sendWithRetry(pushId: string, kind: ReportKind, build: () => ReportMessage): Promise<boolean> {
    const { maxReportAttempts, reportRetryBaseMs } = this.options.limits;
    let message: ReportMessage;
    try {
      message = build();
    } catch (error) {
      this.onError(error, { pushId, kind });
      return true;
    }
    for (let attempt = 1; ; attempt++) {
      if (this.closed) return false;
      let outcome: SendOutcome;
      try {
        outcome = await this.options.send(message);
      } catch (error) {
        outcome = { error: String((error as Error).message ?? error) };
      }
      if ('status' in outcome && outcome.status >= 200 && outcome.status < 300) {
        this.options.onSent?.(pushId, kind);
        return true;
      }
      const why = 'status' in outcome ? `answered ${outcome.status}` : outcome.error;
      if (!isRetryable(outcome) || attempt >= maxReportAttempts) {
        this.onError(new Error(`IMDN ${kind} report to ${message.target} ${why} (attempt ${attempt} of ${maxReportAttempts}); given up`), { pushId, kind });
        return true;
      }
      await this.sleep(reportRetryBaseMs * 2 ** (attempt - 1));
    }
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((error: unknown) => this.onError(error, {}));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }
}
