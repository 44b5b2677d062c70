/**
 * The persistent push queue and status store of the Push Sender Agent service (issue 12,
 * store and forward): pushes, one delivery per push and terminal, and a log of every status
 * change, in PostgreSQL's dialect over the Sql interface (PGlite or a server).
 *
 * A worker's loop: `claim()` due deliveries (FOR UPDATE SKIP LOCKED: two instances never
 * claim one delivery; each claim holds a lease with a token), send each, `recordAttempt()`
 * with the outcome (outcomes.ts decides delivered / accepted / retry with backoff / park /
 * undeliverable). A recording whose lease token no longer matches (the lease ran out and
 * another worker claimed the delivery) is refused, so no outcome is recorded twice. A worker
 * that dies holding leases loses them when they expire (`leaseMs`), and another worker sends
 * those deliveries. Exactly once holds while a send finishes within its lease (extendLease()
 * for long ones); past that, at least once, and the receiver drops the copy by its dedup key.
 *
 * Reports that arrive later (IMDN, MSRP REPORT) go through `report()`; `expireDue()` ends
 * deliveries whose deliver-before passed; `wake()` brings parked deliveries of a terminal
 * forward when its contact appears. Every change is an event; `changesSince(id)` lists them.
 *
 * Times are epoch milliseconds from `options.clock` (default Date.now), stored as timestamptz.
 * Instances sharing a PostgreSQL queue need clocks in step (NTP) to well within the lease.
 */
import { backoffDelay, resolveBackoff, type BackoffOptions } from './backoff.ts';
import { QueueError } from './errors.ts';
import { outcomeAction, type AttemptOutcome } from './outcomes.ts';
import { migrate } from './schema.ts';
import type { Sql, SqlClient } from './sql.ts';
import { canTransition, isDeliveryStatus, transition, type DeliveryStatus } from './status.ts';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Content kept elsewhere (a large push for MSRP): the path the service stored it at, and its size. */
export interface ContentFile {
  file: string;
  size: number;
}

export interface EnqueueRequest {
  /** The provider's push ID: unique, used once. */
  pushId: string;
  /** The target as the service describes it (AoR, GRUU, instance, list...): stored as given. */
  target: Json;
  /** Push application ID. */
  app: string;
  contentType: string;
  content: Uint8Array | ContentFile;
  /** Delivery reports asked for (default false). */
  reportRequested?: boolean;
  /** Higher is claimed first (default 0). */
  priority?: number;
  /** Not sent before this time (epoch ms). */
  deliverAfter?: number;
  /** Expires at this time (epoch ms): never sent after it. */
  deliverBefore?: number;
  /** One delivery per terminal key (a GRUU, an instance ID, or the AoR while none is known). */
  terminals: readonly string[];
}

export interface DeliveryState {
  terminal: string;
  status: DeliveryStatus;
  reason?: string;
  /** Sends made so far. */
  attempts: number;
  /** When a pending delivery is due (epoch ms). */
  nextAttemptAt: number;
  lastSipStatus?: number;
  /** A worker holds a lease on it now. */
  inFlight: boolean;
  updatedAt: number;
}

export interface PushState {
  pushId: string;
  target: Json;
  app: string;
  contentType: string;
  contentSize: number;
  contentFile?: string;
  reportRequested: boolean;
  priority: number;
  deliverAfter?: number;
  deliverBefore?: number;
  cancelledAt?: number;
  createdAt: number;
  updatedAt: number;
  deliveries: DeliveryState[];
}

/** One delivery a worker holds: what to send, to which terminal, under which lease. */
export interface Claim {
  pushId: string;
  terminal: string;
  /** This send's number, from 1. */
  attempt: number;
  worker: string;
  leaseToken: string;
  leaseUntil: number;
  push: {
    target: Json;
    app: string;
    contentType: string;
    /** Inline content, or `contentFile`. */
    content?: Uint8Array;
    contentFile?: ContentFile;
    reportRequested: boolean;
    priority: number;
    deliverBefore?: number;
  };
}

export interface StatusChange {
  eventId: number;
  pushId: string;
  terminal: string;
  /** Absent for the event that created the delivery. */
  from?: DeliveryStatus;
  to: DeliveryStatus;
  reason?: string;
  sipStatus?: number;
  attempts: number;
  at: number;
}

export type RecordResult =
  | { recorded: true; delivery: DeliveryState; change?: StatusChange }
  | { recorded: false; reason: 'lease-lost' };

export type ReportResult = { applied: true; change: StatusChange } | { applied: false; status: DeliveryStatus };

export interface CancelResult {
  /** Deliveries that will never be sent. */
  cancelled: string[];
  /** Being sent now: they end cancelled unless this send succeeds (then their status says so). */
  inFlight: string[];
  /** Already past pending (accepted, delivered, final): left as they are. */
  unchanged: { terminal: string; status: DeliveryStatus }[];
}

export interface ClaimOptions {
  /** Deliveries at most (default 10). */
  limit?: number;
  /** Lease length, ms (default the queue's leaseMs). */
  leaseMs?: number;
}

export interface PushQueueOptions {
  backoff?: Partial<BackoffOptions>;
  /** Default lease of a claim, ms (default 60000: longer than a SIP transaction's 32 s). */
  leaseMs?: number;
  /** Epoch ms now (default Date.now). */
  clock?: () => number;
  /** Jitter source (default Math.random). */
  random?: () => number;
}

export interface PushQueue {
  readonly sql: Sql;
  /** Store a push and its deliveries (pending). Throws QUEUE_ERR_PUSH_ID_TAKEN for a push ID seen before, QUEUE_ERR_INPUT for a bad field. */
  enqueue(request: EnqueueRequest): Promise<PushState>;
  /**
   * Store several pushes in one transaction (group commit: what arrives in one tick shares it).
   * Each request's own result, in order: its state, or the QueueError that refused it alone
   * (a bad field, a push ID taken); the others are stored all the same.
   */
  enqueueMany(requests: readonly EnqueueRequest[]): Promise<Array<PushState | QueueError>>;
  /** Lease up to `limit` due deliveries for `worker`, highest priority and oldest due first. */
  claim(worker: string, options?: ClaimOptions): Promise<Claim[]>;
  /** Keep a claim for `leaseMs` more from now; false when the lease was lost. */
  extendLease(claim: Claim, leaseMs?: number): Promise<boolean>;
  /** Record what one claimed send did (outcomes.ts); refused (`lease-lost`) when the lease moved on. */
  recordAttempt(claim: Claim, outcome: AttemptOutcome): Promise<RecordResult>;
  /** recordAttempt for several claims in one transaction; results in order. */
  recordAttempts(items: readonly { claim: Claim; outcome: AttemptOutcome }[]): Promise<RecordResult[]>;
  /** A later report (IMDN, MSRP REPORT): applied when the state machine allows the move. */
  report(pushId: string, terminal: string, to: DeliveryStatus, details?: { reason?: string; sipStatus?: number }): Promise<ReportResult>;
  /** Pending and accepted deliveries past deliver-before (not leased) become expired. */
  expireDue(limit?: number): Promise<StatusChange[]>;
  /** Cancel a push's deliveries that are not yet sent. Throws QUEUE_ERR_NOT_FOUND. */
  cancel(pushId: string, reason?: string): Promise<CancelResult>;
  /** Make the pending deliveries of these terminal keys due now (a contact appeared); returns how many. */
  wake(terminals: readonly string[]): Promise<number>;
  /** Add deliveries for terminals found later (all terminals of a user); returns the ones added. */
  addTerminals(pushId: string, terminals: readonly string[]): Promise<string[]>;
  getPush(pushId: string): Promise<PushState | undefined>;
  /**
   * Content files of settled pushes (no delivery pending or accepted), each handed out once and
   * marked released: the caller removes them (the queue never touches files).
   */
  releaseSettledContent(limit?: number): Promise<string[]>;
  /** The stored targets of pushes with deliveries still pending or accepted (a restarted service watches their receivers again). */
  unsettledTargets(limit?: number): Promise<Array<{ pushId: string; target: Json; terminals: string[] }>>;
  getDelivery(pushId: string, terminal: string): Promise<DeliveryState | undefined>;
  /** Status changes with an event ID above `afterEventId`, oldest first. */
  changesSince(afterEventId: number, limit?: number): Promise<StatusChange[]>;
  close(): Promise<void>;
}

const MAX_PUSH_ID = 256;
const MAX_TERMINAL = 1024;

// Row shapes as the drivers return them (int8 as number or string, see sql.ts).
type Int8 = number | string;

interface DeliveryRow {
  terminal: string;
  status: string;
  reason: string | null;
  attempts: number;
  next_attempt_at: Date;
  last_sip_status: number | null;
  lease_until: Date | null;
  updated_at: Date;
}

interface PushRow {
  id: Int8;
  push_id: string;
  target: Json;
  app: string;
  content_type: string;
  content_size: Int8;
  content_file: string | null;
  report_requested: boolean;
  priority: number;
  deliver_after: Date | null;
  deliver_before: Date | null;
  cancelled_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface EventRow {
  id: Int8;
  push: Int8;
  push_id: string;
  terminal: string;
  from_status: string | null;
  to_status: string;
  reason: string | null;
  sip_status: number | null;
  attempts: number;
  at: Date;
}

const DELIVERY_COLUMNS = 'terminal, status, reason, attempts, next_attempt_at, last_sip_status, lease_until, updated_at';
const EVENT_COLUMNS = 'id, push, terminal, from_status, to_status, reason, sip_status, attempts, at';

function status(value: string): DeliveryStatus {
  if (!isDeliveryStatus(value)) throw new QueueError('QUEUE_ERR_SCHEMA', `Unknown delivery status in the database: ${value}`);
  return value;
}

function optionalTime(value: Date | null): number | undefined {
  return value === null ? undefined : value.getTime();
}

function toDelivery(row: DeliveryRow, now: number): DeliveryState {
  return {
    terminal: row.terminal,
    status: status(row.status),
    ...(row.reason !== null && { reason: row.reason }),
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at.getTime(),
    ...(row.last_sip_status !== null && { lastSipStatus: row.last_sip_status }),
    inFlight: row.lease_until !== null && row.lease_until.getTime() > now,
    updatedAt: row.updated_at.getTime(),
  };
}

function toChange(row: EventRow): StatusChange {
  return {
    eventId: Number(row.id),
    pushId: row.push_id,
    terminal: row.terminal,
    ...(row.from_status !== null && { from: status(row.from_status) }),
    to: status(row.to_status),
    ...(row.reason !== null && { reason: row.reason }),
    ...(row.sip_status !== null && { sipStatus: row.sip_status }),
    attempts: row.attempts,
    at: row.at.getTime(),
  };
}

function takenError(pushId: string, createdAt?: Date): QueueError {
  return new QueueError('QUEUE_ERR_PUSH_ID_TAKEN', `Push ID ${JSON.stringify(pushId)} was already submitted${createdAt ? ` (at ${createdAt.toISOString()})` : ''}; a push ID is used once`);
}

function bad(field: string, rule: string): never {
  throw new QueueError('QUEUE_ERR_INPUT', `${field} ${rule}`);
}

function checkTerminals(terminals: readonly string[], field = 'terminals'): string[] {
  if (!Array.isArray(terminals) || terminals.length === 0) bad(field, 'must list at least one terminal key');
  for (const t of terminals) if (typeof t !== 'string' || t.length === 0 || t.length > MAX_TERMINAL) bad(field, `must hold non-empty strings of at most ${MAX_TERMINAL} characters`);
  if (new Set(terminals).size !== terminals.length) bad(field, 'must not repeat a terminal key');
  return [...terminals];
}

function checkTime(value: number | undefined, field: string): void {
  if (value !== undefined && !Number.isFinite(value)) bad(field, 'must be a time in epoch milliseconds');
}

function checkRequest(request: EnqueueRequest, now: number): void {
  if (typeof request.pushId !== 'string' || request.pushId.length === 0 || request.pushId.length > MAX_PUSH_ID) bad('pushId', `must be a non-empty string of at most ${MAX_PUSH_ID} characters`);
  if (typeof request.app !== 'string' || request.app.length === 0) bad('app', 'must be a non-empty string');
  if (typeof request.contentType !== 'string' || request.contentType.length === 0) bad('contentType', 'must be a non-empty string');
  const { content } = request;
  if (!(content instanceof Uint8Array)) {
    if (typeof content?.file !== 'string' || content.file.length === 0) bad('content', 'must be bytes or { file, size }');
    if (!(Number.isSafeInteger(content.size) && content.size >= 0)) bad('content.size', 'must be a whole number of bytes');
  }
  const priority = request.priority ?? 0;
  if (!(Number.isInteger(priority) && Math.abs(priority) <= 1_000_000)) bad('priority', 'must be a whole number between -1000000 and 1000000');
  checkTime(request.deliverAfter, 'deliverAfter');
  checkTime(request.deliverBefore, 'deliverBefore');
  if (request.deliverBefore !== undefined && request.deliverBefore <= now) bad('deliverBefore', 'is already past');
  if (request.deliverAfter !== undefined && request.deliverBefore !== undefined && request.deliverAfter >= request.deliverBefore) bad('deliverAfter', 'must come before deliverBefore');
  checkTerminals(request.terminals);
}

/** Open the queue on `sql`: brings the schema up to date first. close() closes `sql`. */
export async function openPushQueue(sql: Sql, options: PushQueueOptions = {}): Promise<PushQueue> {
  const backoff = resolveBackoff(options.backoff);
  const clock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;
  const defaultLeaseMs = options.leaseMs ?? 60_000;
  if (!(defaultLeaseMs > 0)) bad('leaseMs', 'must be a positive number of ms');
  await migrate(sql);

  const date = (ms: number) => new Date(ms);

  /**
   * What one recorded attempt does to its delivery (the row as locked): the status it moves to,
   * the reason, the attempts counted and, for a retry, when it is due again.
   */
  function decideAttempt(
    row: { status: string; attempts: number; expires_at: Date | null; cancelled_at: Date | null },
    outcome: AttemptOutcome,
    action: ReturnType<typeof outcomeAction>,
    now: number,
  ): { from: DeliveryStatus; to: DeliveryStatus; reason: string; attempts: number; nextAttemptAt: number; sipStatus: number | undefined; changed: boolean } {
    const from = status(row.status);
    const sent = outcome.kind !== 'no-contact' && outcome.kind !== 'refused';
    const attempts = row.attempts + (sent ? 1 : 0);
    const sipStatus = outcome.kind === 'sip' ? outcome.status : undefined;
    let to: DeliveryStatus = from;
    let reason = action.reason;
    let nextAttemptAt = now;
    if (action.action !== 'retry' && action.action !== 'park') {
      // A report may have overtaken this response (an IMDN before the 200): the report wins, the
      // attempt is only counted (a late SIP error never undoes a delivery the receiver reported).
      if (from === 'pending' && canTransition(from, action.action)) to = action.action;
    } else if (from === 'pending') {
      if (row.cancelled_at !== null) {
        to = 'cancelled';
        reason = `cancelled while in flight (last: ${action.reason})`;
      } else if (sent && attempts >= backoff.maxAttempts) {
        to = 'undeliverable';
        reason = `retries exhausted after ${attempts} attempts (last: ${action.reason})`;
      } else {
        const delay = action.action === 'retry' ? backoffDelay(attempts, backoff, random, action.retryAfterMs) : Math.max(backoff.parkDelayMs, action.retryAfterMs);
        nextAttemptAt = now + delay;
        const expiresAt = row.expires_at?.getTime();
        // A retry that could only come after deliver-before ends now. A parked delivery (no
        // contact yet) waits on: a contact appearing wakes it before the park delay, and
        // expireDue ends it at deliver-before if none does.
        if (action.action === 'retry' && expiresAt !== undefined && nextAttemptAt >= expiresAt) {
          to = 'expired';
          reason = `deliver-before passed before the next attempt (last: ${action.reason})`;
        } else {
          to = 'pending';
        }
      }
    }
    const changed = to !== from || (from === 'pending' && to === 'pending');
    if (changed) transition(from, to);
    return { from, to, reason, attempts, nextAttemptAt, sipStatus, changed };
  }

  /** What a push just enqueued looks like (built here, not read back: the batch wrote exactly this). */
  function freshState(request: EnqueueRequest, now: number, dueAt: number): PushState {
    const file = request.content instanceof Uint8Array ? undefined : (request.content as ContentFile);
    return {
      pushId: request.pushId,
      target: request.target,
      app: request.app,
      contentType: request.contentType,
      contentSize: request.content instanceof Uint8Array ? request.content.byteLength : file!.size,
      ...(file && { contentFile: file.file }),
      reportRequested: request.reportRequested ?? false,
      priority: request.priority ?? 0,
      ...(request.deliverAfter !== undefined && { deliverAfter: request.deliverAfter }),
      ...(request.deliverBefore !== undefined && { deliverBefore: request.deliverBefore }),
      createdAt: now,
      updatedAt: now,
      deliveries: [...request.terminals].sort().map((terminal) => ({ terminal, status: 'pending' as const, attempts: 0, nextAttemptAt: dueAt, inFlight: false, updatedAt: now })),
    };
  }

  /** Insert events of any pushes, in the order given; returns them as changes. */
  async function insertEventRows(
    tx: SqlClient,
    rows: { push: Int8; pushId: string; terminal: string; from: DeliveryStatus | null; to: DeliveryStatus; reason?: string | undefined; sipStatus?: number | undefined; attempts: number }[],
    now: number,
  ): Promise<StatusChange[]> {
    if (rows.length === 0) return [];
    const { rows: inserted } = await tx.query<Omit<EventRow, 'push_id'>>(
      `insert into psa_events (push, terminal, from_status, to_status, reason, sip_status, attempts, at)
       select e.push, e.terminal, e.from_status, e.to_status, e.reason, e.sip_status, e.attempts, $1::timestamptz
       from unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[]) with ordinality
         as e(push, terminal, from_status, to_status, reason, sip_status, attempts, n)
       order by e.n
       returning ${EVENT_COLUMNS}`,
      [
        date(now),
        rows.map((r) => r.push),
        rows.map((r) => r.terminal),
        rows.map((r) => r.from),
        rows.map((r) => r.to),
        rows.map((r) => r.reason ?? null),
        rows.map((r) => r.sipStatus ?? null),
        rows.map((r) => r.attempts),
      ],
    );
    const pushIdOf = new Map(rows.map((r) => [String(r.push), r.pushId]));
    return inserted.map((row) => toChange({ ...row, push_id: pushIdOf.get(String(row.push))! })).sort((a, b) => a.eventId - b.eventId);
  }

  /** Insert events of one push and return them as changes (with the provider's push ID). */
  function insertEvents(
    tx: SqlClient,
    push: Int8,
    rows: { terminal: string; from: DeliveryStatus | null; to: DeliveryStatus; reason?: string | undefined; sipStatus?: number | undefined; attempts: number }[],
    pushId: string,
    now: number,
  ): Promise<StatusChange[]> {
    return insertEventRows(tx, rows.map((row) => ({ ...row, push, pushId })), now);
  }

  async function readPush(tx: SqlClient, pushId: string, lock = false): Promise<PushRow | undefined> {
    const { rows } = await tx.query<PushRow>(
      `select id, push_id, target, app, content_type, content_size, content_file, report_requested, priority,
              deliver_after, deliver_before, cancelled_at, created_at, updated_at
       from psa_pushes where push_id = $1${lock ? ' for update' : ''}`,
      [pushId],
    );
    return rows[0];
  }

  async function readState(tx: SqlClient, pushId: string): Promise<PushState | undefined> {
    const push = await readPush(tx, pushId);
    if (!push) return undefined;
    const now = clock();
    const { rows } = await tx.query<DeliveryRow>(`select ${DELIVERY_COLUMNS} from psa_deliveries where push = $1 order by terminal`, [push.id]);
    return {
      pushId: push.push_id,
      target: push.target,
      app: push.app,
      contentType: push.content_type,
      contentSize: Number(push.content_size),
      ...(push.content_file !== null && { contentFile: push.content_file }),
      reportRequested: push.report_requested,
      priority: push.priority,
      ...(push.deliver_after !== null && { deliverAfter: push.deliver_after.getTime() }),
      ...(push.deliver_before !== null && { deliverBefore: push.deliver_before.getTime() }),
      ...(push.cancelled_at !== null && { cancelledAt: push.cancelled_at.getTime() }),
      createdAt: push.created_at.getTime(),
      updatedAt: push.updated_at.getTime(),
      deliveries: rows.map((row) => toDelivery(row, now)),
    };
  }

  const queue: PushQueue = {
    sql,

    async enqueue(request) {
      const [result] = await queue.enqueueMany([request]);
      if (result instanceof QueueError) throw result;
      return result!;
    },

    async enqueueMany(requests) {
      const now = clock();
      const results: Array<PushState | QueueError | undefined> = requests.map(() => undefined);
      const accepted: number[] = [];
      const seen = new Set<string>();
      requests.forEach((request, i) => {
        try {
          checkRequest(request, now);
          if (seen.has(request.pushId)) throw takenError(request.pushId);
          seen.add(request.pushId);
          accepted.push(i);
        } catch (err) {
          if (!(err instanceof QueueError)) throw err;
          results[i] = err;
        }
      });
      if (accepted.length === 0) return results as Array<PushState | QueueError>;
      const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
      const dueOf = (r: EnqueueRequest) => Math.max(now, r.deliverAfter ?? now);
      await sql.transaction(async (tx) => {
        const batch = accepted.map((i) => requests[i]!);
        const files = batch.map((r) => (r.content instanceof Uint8Array ? undefined : (r.content as ContentFile)));
        // One statement per table for the whole batch (unnest of parallel arrays). Bytes and
        // times cross as text (hex, ISO 8601), which both drivers send inside arrays alike.
        const { rows } = await tx.query<{ id: Int8; push_id: string }>(
          `insert into psa_pushes (push_id, target, app, content_type, content, content_file, content_size, report_requested,
                                   priority, deliver_after, deliver_before, created_at, updated_at)
           select r.push_id, r.target::jsonb, r.app, r.content_type, decode(r.content, 'hex'), r.content_file, r.content_size, r.report_requested,
                  r.priority, r.deliver_after::timestamptz, r.deliver_before::timestamptz, $12::timestamptz, $12::timestamptz
           from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::boolean[], $9::int[], $10::text[], $11::text[])
             as r(push_id, target, app, content_type, content, content_file, content_size, report_requested, priority, deliver_after, deliver_before)
           on conflict (push_id) do nothing
           returning id, push_id`,
          [
            batch.map((r) => r.pushId),
            batch.map((r) => JSON.stringify(r.target)),
            batch.map((r) => r.app),
            batch.map((r) => r.contentType),
            batch.map((r) => (r.content instanceof Uint8Array ? Buffer.from(r.content.buffer, r.content.byteOffset, r.content.byteLength).toString('hex') : null)),
            files.map((f) => f?.file ?? null),
            batch.map((r, k) => (r.content instanceof Uint8Array ? r.content.byteLength : files[k]!.size)),
            batch.map((r) => r.reportRequested ?? false),
            batch.map((r) => r.priority ?? 0),
            batch.map((r) => iso(r.deliverAfter)),
            batch.map((r) => iso(r.deliverBefore)),
            date(now),
          ],
        );
        const idOf = new Map(rows.map((row) => [row.push_id, row.id]));
        const stored = accepted.filter((i) => idOf.has(requests[i]!.pushId));
        for (const i of accepted) {
          if (idOf.has(requests[i]!.pushId)) continue;
          const existing = await readPush(tx, requests[i]!.pushId);
          results[i] = takenError(requests[i]!.pushId, existing?.created_at);
        }
        if (stored.length === 0) return;
        const deliveries = stored.flatMap((i) => requests[i]!.terminals.map((terminal) => ({ i, terminal })));
        await tx.query(
          `insert into psa_deliveries (push, terminal, status, next_attempt_at, priority, expires_at, created_at, updated_at)
           select d.push, d.terminal, 'pending', d.due::timestamptz, d.priority, d.expires::timestamptz, $6::timestamptz, $6::timestamptz
           from unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::text[]) as d(push, terminal, due, priority, expires)`,
          [
            deliveries.map((d) => idOf.get(requests[d.i]!.pushId)),
            deliveries.map((d) => d.terminal),
            deliveries.map((d) => iso(dueOf(requests[d.i]!))),
            deliveries.map((d) => requests[d.i]!.priority ?? 0),
            deliveries.map((d) => iso(requests[d.i]!.deliverBefore)),
            date(now),
          ],
        );
        await insertEventRows(
          tx,
          deliveries.map((d) => ({ push: idOf.get(requests[d.i]!.pushId)!, pushId: requests[d.i]!.pushId, terminal: d.terminal, from: null, to: 'pending' as const, reason: 'enqueued', attempts: 0 })),
          now,
        );
        for (const i of stored) results[i] = freshState(requests[i]!, now, dueOf(requests[i]!));
      });
      return results as Array<PushState | QueueError>;
    },

    async claim(worker, claimOptions = {}) {
      const limit = claimOptions.limit ?? 10;
      const leaseMs = claimOptions.leaseMs ?? defaultLeaseMs;
      if (!(Number.isInteger(limit) && limit >= 1)) bad('limit', 'must be a whole number, 1 or more');
      if (!(leaseMs > 0)) bad('leaseMs', 'must be a positive number of ms');
      if (typeof worker !== 'string' || worker.length === 0) bad('worker', 'must be a non-empty string');
      const now = clock();
      const { rows } = await sql.query<{
        push: Int8;
        push_id: string;
        terminal: string;
        attempts: number;
        lease_token: string;
        lease_until: Date;
        target: Json;
        app: string;
        content_type: string;
        content: Uint8Array | null;
        content_file: string | null;
        content_size: Int8;
        report_requested: boolean;
        priority: number;
        deliver_before: Date | null;
        next_attempt_at: Date;
      }>(
        `with due as (
           select push, terminal from psa_deliveries
           where status = 'pending' and next_attempt_at <= $1::timestamptz
             and (lease_until is null or lease_until <= $1::timestamptz)
             and (expires_at is null or expires_at > $1::timestamptz)
           order by priority desc, next_attempt_at, push, terminal
           limit $2
           for update skip locked
         )
         update psa_deliveries d
         set lease_owner = $3, lease_token = gen_random_uuid(), lease_until = $4::timestamptz, updated_at = $1::timestamptz
         from due, psa_pushes p
         where d.push = due.push and d.terminal = due.terminal and p.id = d.push
         returning d.push, p.push_id, d.terminal, d.attempts, d.lease_token, d.lease_until, d.next_attempt_at, p.target, p.app,
                   p.content_type, p.content, p.content_file, p.content_size, p.report_requested, p.priority, p.deliver_before`,
        [date(now), limit, worker, date(now + leaseMs)],
      );
      // The order of the claim (RETURNING does not keep it).
      rows.sort((a, b) => b.priority - a.priority || a.next_attempt_at.getTime() - b.next_attempt_at.getTime() || Number(a.push) - Number(b.push) || (a.terminal < b.terminal ? -1 : 1));
      return rows.map((row) => ({
        pushId: row.push_id,
        terminal: row.terminal,
        attempt: row.attempts + 1,
        worker,
        leaseToken: row.lease_token,
        leaseUntil: row.lease_until.getTime(),
        push: {
          target: row.target,
          app: row.app,
          contentType: row.content_type,
          ...(row.content !== null && { content: row.content }),
          ...(row.content_file !== null && { contentFile: { file: row.content_file, size: Number(row.content_size) } }),
          reportRequested: row.report_requested,
          priority: row.priority,
          ...(row.deliver_before !== null && { deliverBefore: row.deliver_before.getTime() }),
        },
      }));
    },

    async extendLease(claim, leaseMs = defaultLeaseMs) {
      const now = clock();
      const { rowCount } = await sql.query(
        `update psa_deliveries d set lease_until = $1::timestamptz, updated_at = $2::timestamptz
         from psa_pushes p
         where p.id = d.push and p.push_id = $3 and d.terminal = $4 and d.lease_token = $5 and d.status = 'pending'`,
        [date(now + leaseMs), date(now), claim.pushId, claim.terminal, claim.leaseToken],
      );
      return rowCount > 0;
    },

    async recordAttempt(claim, outcome) {
      return (await queue.recordAttempts([{ claim, outcome }]))[0]!;
    },

    async recordAttempts(items) {
      if (items.length === 0) return [];
      const actions = items.map(({ outcome }) => outcomeAction(outcome));
      return sql.transaction(async (tx): Promise<RecordResult[]> => {
        const now = clock();
        // Only the rows still under the lease each claim was given (a late worker's outcome is refused).
        const { rows } = await tx.query<{ push: Int8; push_id: string; terminal: string; lease_token: string; status: string; attempts: number; expires_at: Date | null; cancelled_at: Date | null }>(
          `select d.push, p.push_id, d.terminal, d.lease_token::text, d.status, d.attempts, d.expires_at, p.cancelled_at
           from psa_deliveries d
           join psa_pushes p on p.id = d.push
           join unnest($1::text[], $2::text[], $3::uuid[]) as k(push_id, terminal, token)
             on p.push_id = k.push_id and d.terminal = k.terminal and d.lease_token = k.token
           order by d.push, d.terminal
           for update of d`,
          [items.map((i) => i.claim.pushId), items.map((i) => i.claim.terminal), items.map((i) => i.claim.leaseToken)],
        );
        const rowOf = new Map(rows.map((row) => [`${row.push_id}\n${row.terminal}\n${row.lease_token}`, row]));
        const decided = items.map(({ claim, outcome }, k) => {
          const row = rowOf.get(`${claim.pushId}\n${claim.terminal}\n${claim.leaseToken}`);
          if (!row) return undefined;
          rowOf.delete(`${claim.pushId}\n${claim.terminal}\n${claim.leaseToken}`); // one claim, one recording
          return { claim, row, ...decideAttempt(row, outcome, actions[k]!, now) };
        });
        const writes = decided.filter((d) => d !== undefined);
        if (writes.length === 0) return items.map(() => ({ recorded: false, reason: 'lease-lost' as const }));
        const { rows: updated } = await tx.query<DeliveryRow & { push: Int8 }>(
          `update psa_deliveries d
           set status = v.status, reason = coalesce(v.reason, d.reason), attempts = v.attempts, next_attempt_at = v.next::timestamptz,
               last_sip_status = coalesce(v.sip_status, d.last_sip_status), lease_owner = null, lease_token = null, lease_until = null, updated_at = $8::timestamptz
           from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::int[]) as v(push, terminal, status, reason, attempts, next, sip_status)
           where d.push = v.push and d.terminal = v.terminal
           returning d.push, ${DELIVERY_COLUMNS.split(', ').map((c) => `d.${c}`).join(', ')}`,
          [
            writes.map((w) => w.row.push),
            writes.map((w) => w.claim.terminal),
            writes.map((w) => w.to),
            writes.map((w) => (w.changed ? w.reason : null)),
            writes.map((w) => w.attempts),
            writes.map((w) => new Date(w.to === 'pending' ? w.nextAttemptAt : now).toISOString()),
            writes.map((w) => w.sipStatus ?? null),
            date(now),
          ],
        );
        const deliveryOf = new Map(updated.map((row) => [`${row.push}\n${row.terminal}`, toDelivery(row, now)]));
        const changed = writes.filter((w) => w.changed);
        const changes = await insertEventRows(
          tx,
          changed.map((w) => ({ push: w.row.push, pushId: w.claim.pushId, terminal: w.claim.terminal, from: w.from, to: w.to, reason: w.reason, sipStatus: w.sipStatus, attempts: w.attempts })),
          now,
        );
        const changeOf = new Map(changed.map((w, k) => [w, changes[k]!]));
        return decided.map((w): RecordResult => {
          if (!w) return { recorded: false, reason: 'lease-lost' };
          const delivery = deliveryOf.get(`${w.row.push}\n${w.claim.terminal}`)!;
          const change = changeOf.get(w);
          return change ? { recorded: true, delivery, change } : { recorded: true, delivery };
        });
      });
    },

    async report(pushId, terminal, to, details = {}) {
      if (!isDeliveryStatus(to) || to === 'pending') bad('status', `must be a delivery status reached by a report, got ${String(to)}`);
      return sql.transaction(async (tx): Promise<ReportResult> => {
        const now = clock();
        const { rows } = await tx.query<{ push: Int8; status: string; attempts: number }>(
          `select d.push, d.status, d.attempts from psa_deliveries d join psa_pushes p on p.id = d.push
           where p.push_id = $1 and d.terminal = $2 for update of d`,
          [pushId, terminal],
        );
        const row = rows[0];
        if (!row) throw new QueueError('QUEUE_ERR_NOT_FOUND', `No delivery of push ${JSON.stringify(pushId)} to terminal ${JSON.stringify(terminal)}`);
        const from = status(row.status);
        if (!canTransition(from, to)) return { applied: false, status: from };
        await tx.query(
          `update psa_deliveries set status = $3, reason = $4, last_sip_status = coalesce($5, last_sip_status), updated_at = $6::timestamptz
           where push = $1 and terminal = $2`,
          [row.push, terminal, to, details.reason ?? null, details.sipStatus ?? null, date(now)],
        );
        const [change] = await insertEvents(tx, row.push, [{ terminal, from, to, reason: details.reason, sipStatus: details.sipStatus, attempts: row.attempts }], pushId, now);
        return { applied: true, change: change! };
      });
    },

    async expireDue(limit = 1000) {
      const now = clock();
      const reason = 'deliver-before passed';
      const { rows } = await sql.query<EventRow>(
        `with due as (
           select push, terminal, status from psa_deliveries
           where status in ('pending', 'accepted') and expires_at <= $1::timestamptz
             and (lease_until is null or lease_until <= $1::timestamptz)
           order by expires_at
           limit $2
           for update skip locked
         ), expired as (
           update psa_deliveries d
           set status = 'expired', reason = $3, lease_owner = null, lease_token = null, lease_until = null, updated_at = $1::timestamptz
           from due where d.push = due.push and d.terminal = due.terminal
           returning d.push, d.terminal, due.status as from_status, d.attempts
         ), logged as (
           insert into psa_events (push, terminal, from_status, to_status, reason, attempts, at)
           select push, terminal, from_status, 'expired', $3, attempts, $1::timestamptz from expired
           returning ${EVENT_COLUMNS}
         )
         select logged.*, p.push_id from logged join psa_pushes p on p.id = logged.push order by logged.id`,
        [date(now), limit, reason],
      );
      return rows.map(toChange);
    },

    async cancel(pushId, reason = 'cancelled by the provider') {
      return sql.transaction(async (tx): Promise<CancelResult> => {
        const now = clock();
        const push = await readPush(tx, pushId, true);
        if (!push) throw new QueueError('QUEUE_ERR_NOT_FOUND', `No push with ID ${JSON.stringify(pushId)}`);
        await tx.query('update psa_pushes set cancelled_at = coalesce(cancelled_at, $2::timestamptz), updated_at = $2::timestamptz where id = $1', [push.id, date(now)]);
        const { rows } = await tx.query<DeliveryRow>(`select ${DELIVERY_COLUMNS} from psa_deliveries where push = $1 order by terminal for update`, [push.id]);
        const result: CancelResult = { cancelled: [], inFlight: [], unchanged: [] };
        const events: Parameters<typeof insertEvents>[2] = [];
        for (const row of rows) {
          const delivery = toDelivery(row, now);
          if (delivery.status !== 'pending') result.unchanged.push({ terminal: delivery.terminal, status: delivery.status });
          else if (delivery.inFlight) result.inFlight.push(delivery.terminal);
          else {
            result.cancelled.push(delivery.terminal);
            events.push({ terminal: delivery.terminal, from: 'pending', to: transition('pending', 'cancelled'), reason, attempts: delivery.attempts });
          }
        }
        if (result.cancelled.length > 0) {
          await tx.query(
            `update psa_deliveries set status = 'cancelled', reason = $3, lease_owner = null, lease_token = null, lease_until = null, updated_at = $4::timestamptz
             where push = $1 and terminal = any($2::text[])`,
            [push.id, result.cancelled, reason, date(now)],
          );
          await insertEvents(tx, push.id, events, pushId, now);
        }
        return result;
      });
    },

    async wake(terminals) {
      const keys = checkTerminals(terminals);
      const now = clock();
      const { rowCount } = await sql.query(
        `update psa_deliveries set next_attempt_at = $1::timestamptz, updated_at = $1::timestamptz
         where status = 'pending' and terminal = any($2::text[]) and next_attempt_at > $1::timestamptz
           and (lease_until is null or lease_until <= $1::timestamptz)`,
        [date(now), keys],
      );
      return rowCount;
    },

    async releaseSettledContent(limit = 1000) {
      const { rows } = await sql.query<{ content_file: string }>(
        `update psa_pushes p set content_released_at = $2::timestamptz
         where p.id in (
           select id from psa_pushes q
           where q.content_file is not null and q.content_released_at is null
             and not exists (select 1 from psa_deliveries d where d.push = q.id and d.status in ('pending', 'accepted'))
           order by q.id
           limit $1
           for update skip locked
         )
         returning p.content_file`,
        [limit, date(clock())],
      );
      return rows.map((row) => row.content_file);
    },

    async unsettledTargets(limit = 100_000) {
      const { rows } = await sql.query<{ push_id: string; target: Json; terminals: string[] }>(
        `select p.push_id, p.target, array_agg(d.terminal order by d.terminal) as terminals
         from psa_deliveries d join psa_pushes p on p.id = d.push
         where d.status in ('pending', 'accepted')
         group by p.id, p.push_id, p.target
         order by p.id
         limit $1`,
        [limit],
      );
      return rows.map((row) => ({ pushId: row.push_id, target: row.target, terminals: row.terminals }));
    },

    async addTerminals(pushId, terminals) {
      const keys = checkTerminals(terminals);
      return sql.transaction(async (tx) => {
        const now = clock();
        const push = await readPush(tx, pushId, true);
        if (!push) throw new QueueError('QUEUE_ERR_NOT_FOUND', `No push with ID ${JSON.stringify(pushId)}`);
        if (push.cancelled_at !== null) throw new QueueError('QUEUE_ERR_ILLEGAL_TRANSITION', `Push ${JSON.stringify(pushId)} was cancelled: no terminals can be added`);
        const dueAt = Math.max(now, push.deliver_after?.getTime() ?? now);
        const { rows } = await tx.query<{ terminal: string }>(
          `insert into psa_deliveries (push, terminal, status, next_attempt_at, priority, expires_at, created_at, updated_at)
           select $1, t, 'pending', $2::timestamptz, $3, $4::timestamptz, $5::timestamptz, $5::timestamptz from unnest($6::text[]) as t
           on conflict (push, terminal) do nothing
           returning terminal`,
          [push.id, date(dueAt), push.priority, push.deliver_before, date(now), keys],
        );
        const added = rows.map((r) => r.terminal);
        await insertEvents(tx, push.id, added.map((terminal) => ({ terminal, from: null, to: 'pending', reason: 'terminal added', attempts: 0 })), pushId, now);
        return added;
      });
    },

    getPush: (pushId) => readState(sql, pushId),

    async getDelivery(pushId, terminal) {
      const { rows } = await sql.query<DeliveryRow>(
        `select ${DELIVERY_COLUMNS.split(', ').map((c) => `d.${c}`).join(', ')}
         from psa_deliveries d join psa_pushes p on p.id = d.push where p.push_id = $1 and d.terminal = $2`,
        [pushId, terminal],
      );
      return rows[0] && toDelivery(rows[0], clock());
    },

    async changesSince(afterEventId, limit = 500) {
      if (!(Number.isInteger(afterEventId) && afterEventId >= 0)) bad('afterEventId', 'must be a whole number, 0 or more');
      if (!(Number.isInteger(limit) && limit >= 1)) bad('limit', 'must be a whole number, 1 or more');
      const { rows } = await sql.query<EventRow>(
        `select e.id, p.push_id, e.terminal, e.from_status, e.to_status, e.reason, e.sip_status, e.attempts, e.at
         from psa_events e join psa_pushes p on p.id = e.push
         where e.id > $1 order by e.id limit $2`,
        [afterEventId, limit],
      );
      return rows.map(toChange);
    },

    close: () => sql.close(),
  };
  return queue;
}
