/**
 * The chaos suite's push stream: N pushes at a steady rate, each a CPIM message with its own
 * imdn.Message-ID and body (the receiver's duplicate key is then the Message-ID, so a copy
 * delivered twice, e.g. by msilo after a lost answer, must be stored once), and the final
 * status of every one recorded as the sender saw it.
 *
 * Nothing is retried: a push answered 408/5xx, timed out, or not sent because the sender's
 * connection was down is recorded as an error the sender saw. When the sender's own WebSocket
 * closed (the core restarted), the next push first reconnects it; a failed reconnect is that
 * push's error.
 */
import type { PushSender } from '../../server/sender/index.ts';

export type PushOutcome = 'pending' | 'ok' | 'offline' | 'error';

export interface StreamPush {
  index: number;
  messageId: string;
  /** The body the app receives (unique per push). */
  text: string;
  /** When it was sent, ms since the stream started. */
  sentAt: number;
  /** The final status: SIP, or the sender's local 408/503 (`local` then). */
  status?: number;
  reason?: string;
  /** No response from the core: the sender's own timeout or connection loss. */
  local?: boolean;
  /** 200: stored by the receiver; 202: kept offline by the core (msilo); anything else: error. */
  outcome: PushOutcome;
}

export interface PushStreamOptions {
  sender: PushSender;
  /** The sender's AoR (the CPIM From). */
  from: string;
  to: string;
  app: string;
  count: number;
  ratePerSecond: number;
  /** Unique per run: Message-IDs and bodies start with it. */
  label: string;
  /** Timer F of each push (the sender's timeout). */
  timeoutMs: number;
}

export class PushStream {
  readonly pushes: StreamPush[] = [];
  private readonly options: PushStreamOptions;
  private readonly inFlight: Array<Promise<void>> = [];
  private running: Promise<void> | undefined;
  private startedAt = 0;

  constructor(options: PushStreamOptions) {
    this.options = options;
  }

  /** Start sending; the returned promise settles when every push has its final status. */
  start(): Promise<void> {
    this.running ??= this.run();
    return this.running;
  }

  /** Pushes with a final status of this outcome so far. */
  count(outcome: PushOutcome): number {
    return this.pushes.filter((p) => p.outcome === outcome).length;
  }

  get sent(): number {
    return this.pushes.length;
  }

  /** `408 x3, 480 x1`: the error statuses and how often each came. */
  errorSummary(): string {
    const counts = new Map<string, number>();
    for (const p of this.pushes.filter((x) => x.outcome === 'error')) {
      const key = `${p.status ?? '?'}${p.local ? ' local' : ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts].map(([status, n]) => `${status} x${n}`).join(', ') || 'none';
  }

  private async run(): Promise<void> {
    const { count, ratePerSecond } = this.options;
    const period = 1000 / ratePerSecond;
    this.startedAt = performance.now();
    for (let i = 0; i < count; i++) {
      // Paced against the start, not the previous push: a slow answer never slows the stream.
      const due = this.startedAt + i * period - performance.now();
      if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
      this.inFlight.push(this.sendOne(i));
    }
    await Promise.all(this.inFlight);
  }

  private async sendOne(index: number): Promise<void> {
    const { sender, from, to, app, label, timeoutMs } = this.options;
    const messageId = `${label}-${index}`;
    const text = `chaos ${label} push ${index}`;
    const push: StreamPush = { index, messageId, text, sentAt: Math.round(performance.now() - this.startedAt), outcome: 'pending' };
    this.pushes.push(push);
    if (sender.state === 'closed') {
      try {
        await sender.connect();
      } catch (error) {
        Object.assign(push, { status: 503, reason: `not sent, reconnecting failed: ${error instanceof Error ? error.message : String(error)}`, local: true, outcome: 'error' });
        return;
      }
    }
    const body =
      `From: <${from}>\r\nTo: <${to}>\r\nNS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: ${messageId}\r\n` +
      `DateTime: ${new Date().toISOString()}\r\n\r\nContent-Type: text/plain\r\n\r\n${text}`;
    try {
      const result = await sender.sendPush({ to, app, contentType: 'message/cpim', body, timeoutMs });
      push.status = result.status;
      push.reason = result.reason;
      if (!result.response) push.local = true;
      push.outcome = result.status === 200 ? 'ok' : result.status === 202 ? 'offline' : 'error';
    } catch (error) {
      Object.assign(push, { status: 503, reason: `not sent: ${error instanceof Error ? error.message : String(error)}`, local: true, outcome: 'error' });
    }
  }
}
