/**
 * The delivery worker: keeps up to `maxConcurrentSends` deliveries in flight, claimed from the
 * queue (FOR UPDATE SKIP LOCKED with a lease, see server/sender/queue/queue.ts), each sent by
 * `deliver` and its outcome recorded under the claim's lease (outcomes that finish together
 * share one transaction: runtime/batcher.ts). Long sends (MSRP transfers) have
 * their lease extended every half lease. Deliveries past deliver-before are expired every
 * `expireIntervalMs`.
 *
 * ```
 *   idle --kick() (a submit, a contact appeared, a send finished) or pollIntervalMs--> claiming
 *   claiming --claims--> sending (each: deliver -> recordAttempt) --> claiming while slots are free
 *   claiming --none due--> idle
 *   any --stop()--> stopping (no new claims; in-flight sends finish and are recorded) --> stopped
 * ```
 *
 * The worker never throws out of its loop: a failing claim or record (the database is away)
 * is logged through `onError` and tried again at the next poll; the leases of what it held run
 * out and the deliveries are sent again then (by this instance or another).
 */
import type { AttemptOutcome, Claim, PushQueue, RecordResult } from '../../queue/index.ts';
import { createBatcher } from './batcher.ts';

export interface DeliveryWorkerOptions {
  queue: PushQueue;
  /** This instance's name in the leases (host and pid, say). */
  workerId: string;
  /** Sends one claimed delivery; resolves with what happened, never rejects for a SIP outcome. */
  deliver: (claim: Claim) => Promise<AttemptOutcome>;
  /** Deliveries in flight at most (default 200). */
  maxConcurrentSends?: number;
  /** Longest wait between claims when nothing kicks the worker, ms (default 500). */
  pollIntervalMs?: number;
  /** How often deliveries past deliver-before are expired, ms (default 1000). */
  expireIntervalMs?: number;
  /** The queue's lease, ms: extended every half of it while a send runs (default 60000). */
  leaseMs?: number;
  /** Outcomes recorded in one transaction at most (group commit; default 100). */
  maxRecordBatch?: number;
  onRecorded?: (claim: Claim, result: RecordResult) => void;
  onError?: (error: unknown, what: string) => void;
}

export interface DeliveryWorker {
  readonly inFlight: number;
  start(): void;
  /** Claim now (something became due). */
  kick(): void;
  /** Stop claiming; resolves when the sends in flight are recorded. */
  stop(): Promise<void>;
}

export const DEFAULT_WORKER = { maxConcurrentSends: 200, pollIntervalMs: 500, expireIntervalMs: 1000, leaseMs: 60_000, maxRecordBatch: 100 } as const;

export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const { queue, workerId, deliver } = options;
  const maxConcurrent = options.maxConcurrentSends ?? DEFAULT_WORKER.maxConcurrentSends;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_WORKER.pollIntervalMs;
  const expireIntervalMs = options.expireIntervalMs ?? DEFAULT_WORKER.expireIntervalMs;
  const leaseMs = options.leaseMs ?? DEFAULT_WORKER.leaseMs;
  for (const [name, value] of Object.entries({ maxConcurrentSends: maxConcurrent, pollIntervalMs, expireIntervalMs, leaseMs })) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`worker option ${name} must be a positive integer, got ${value}`);
  }
  // Outcomes that finish together are recorded in one transaction.
  const records = createBatcher<{ claim: Claim; outcome: AttemptOutcome }, RecordResult>((items) => queue.recordAttempts(items), options.maxRecordBatch ?? DEFAULT_WORKER.maxRecordBatch);
  const onError = options.onError ?? ((error, what) => console.error(`psa: ${what}: ${error instanceof Error ? error.message : String(error)}`));

  let running = false;
  let claiming = false;
  let again = false;
  let inFlight = 0;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let expireTimer: ReturnType<typeof setInterval> | undefined;
  const sends = new Set<Promise<void>>();

  async function sendOne(claim: Claim): Promise<void> {
    // Keep the lease while a long send runs, so no other instance takes the delivery meanwhile.
    const keep = setInterval(() => {
      queue.extendLease(claim, leaseMs).catch((err: unknown) => onError(err, `extending the lease of ${claim.pushId}`));
    }, Math.max(1000, leaseMs / 2));
    keep.unref?.();
    let outcome: AttemptOutcome;
    try {
      outcome = await deliver(claim);
    } catch (err) {
      outcome = { kind: 'transport', reason: err instanceof Error ? err.message : String(err) };
    } finally {
      clearInterval(keep);
    }
    try {
      const result = await records.add({ claim, outcome });
      options.onRecorded?.(claim, result);
    } catch (err) {
      onError(err, `recording the outcome of ${claim.pushId} to ${claim.terminal}`);
    }
  }

  async function claimLoop(): Promise<void> {
    if (claiming) {
      again = true;
      return;
    }
    claiming = true;
    try {
      do {
        again = false;
        while (running && inFlight < maxConcurrent) {
          let claims: Claim[];
          try {
            claims = await queue.claim(workerId, { limit: maxConcurrent - inFlight, leaseMs });
          } catch (err) {
            onError(err, 'claiming due deliveries');
            break;
          }
          if (claims.length === 0) break;
          for (const claim of claims) {
            inFlight++;
            const p = sendOne(claim).finally(() => {
              inFlight--;
              sends.delete(p);
              if (running) void claimLoop();
            });
            sends.add(p);
          }
        }
      } while (again && running);
    } finally {
      claiming = false;
    }
    schedulePoll();
  }

  function schedulePoll(): void {
    clearTimeout(pollTimer);
    if (!running) return;
    pollTimer = setTimeout(() => void claimLoop(), pollIntervalMs);
    pollTimer.unref?.();
  }

  return {
    get inFlight() {
      return inFlight;
    },
    start() {
      if (running) return;
      running = true;
      expireTimer = setInterval(() => {
        queue.expireDue().catch((err: unknown) => onError(err, 'expiring deliveries past deliver-before'));
      }, expireIntervalMs);
      expireTimer.unref?.();
      void claimLoop();
    },
    kick() {
      if (running) void claimLoop();
    },
    async stop() {
      running = false;
      clearTimeout(pollTimer);
      clearInterval(expireTimer);
      await Promise.allSettled([...sends]);
    },
  };
}
