/**
 * The console's table of pushes: those submitted here and those seen on the event stream,
 * newest first. Two kinds of news reach it, in any order:
 *
 *   snapshot  a push as the API shows it (the submit answer, GET /v1/pushes/:id)
 *   change    one status change from GET /v1/events
 *
 * Delivery statuses only move forward (server/sender/queue/status.ts), so merging is "the more
 * advanced wins": a snapshot older than a change already applied (the submit answer arriving
 * after the `delivered` event) never takes a delivery back, and a change replayed after a
 * reconnect is a no-op. Equal statuses keep the later one (a retry's new reason, attempts).
 * Pure: the component holds it with useReducer.
 */
import { canTransition, isDeliveryStatus, type DeliveryStatus } from '../../queue/status.ts';
import { isSettled, summaryStatus, type PushView, type SummaryStatus } from '../../service/http/summary.ts';

/** Most pushes kept in the table; the oldest go first. */
export const MAX_PUSHES_SHOWN = 500;

export interface ConsoleDelivery {
  terminal: string;
  status: DeliveryStatus;
  reason?: string;
  sipStatus?: number;
  attempts: number;
  /** Epoch ms of the news this comes from. */
  at: number;
}

export interface ConsolePush {
  pushId: string;
  /** Known once a snapshot arrived (a push seen only on the stream has none yet). */
  details?: { target: string; app: string; contentType: string; contentSize: number; reportRequested: boolean; createdAt: number };
  /** Submitted in this console, or first seen on the event stream. */
  origin: 'console' | 'stream';
  deliveries: ConsoleDelivery[];
  status: SummaryStatus;
  settled: boolean;
  updatedAt: number;
}

export interface PushesState {
  /** Push IDs, newest first. */
  order: string[];
  byId: Record<string, ConsolePush>;
}

/** A change as GET /v1/events sends it (server/sender/queue StatusChange). */
export interface ChangeEvent {
  eventId: number;
  pushId: string;
  terminal: string;
  to: DeliveryStatus;
  reason?: string;
  sipStatus?: number;
  attempts: number;
  at: number;
}

export type PushesAction = { type: 'snapshot'; push: PushView; origin: 'console' | 'stream' } | { type: 'change'; change: ChangeEvent };

export const EMPTY_PUSHES: PushesState = { order: [], byId: {} };

export function pushesReducer(state: PushesState, action: PushesAction): PushesState {
  if (action.type === 'snapshot') {
    const { push } = action;
    const current = state.byId[push.pushId];
    let deliveries = current?.deliveries ?? [];
    for (const d of push.deliveries) {
      deliveries = mergeDelivery(deliveries, {
        terminal: d.terminal,
        status: d.status,
        attempts: d.attempts,
        at: d.updatedAt,
        ...(d.reason !== undefined ? { reason: d.reason } : {}),
        ...(d.lastSipStatus !== undefined ? { sipStatus: d.lastSipStatus } : {}),
      });
    }
    const details = { target: describeTarget(push.target), app: push.app, contentType: push.contentType, contentSize: push.contentSize, reportRequested: push.reportRequested, createdAt: push.createdAt };
    // A push first seen on the stream and then submitted here (cannot happen) or fetched stays what it was first.
    return put(state, { pushId: push.pushId, details, origin: current?.origin ?? action.origin, ...summed(deliveries), updatedAt: Math.max(current?.updatedAt ?? 0, push.updatedAt) });
  }
  const { change } = action;
  if (!isChange(change)) return state;
  const current = state.byId[change.pushId];
  const deliveries = mergeDelivery(current?.deliveries ?? [], {
    terminal: change.terminal,
    status: change.to,
    attempts: change.attempts,
    at: change.at,
    ...(change.reason !== undefined ? { reason: change.reason } : {}),
    ...(change.sipStatus !== undefined ? { sipStatus: change.sipStatus } : {}),
  });
  if (current && deliveries === current.deliveries) return state;
  return put(state, { pushId: change.pushId, ...(current?.details ? { details: current.details } : {}), origin: current?.origin ?? 'stream', ...summed(deliveries), updatedAt: Math.max(current?.updatedAt ?? 0, change.at) });
}

/** The deliveries with `next` merged in; the same array when it changes nothing. */
export function mergeDelivery(deliveries: ConsoleDelivery[], next: ConsoleDelivery): ConsoleDelivery[] {
  const index = deliveries.findIndex((d) => d.terminal === next.terminal);
  if (index < 0) return [...deliveries, next];
  const current = deliveries[index]!;
  const newer = current.status === next.status ? next.at > current.at || next.attempts > current.attempts : canTransition(current.status, next.status);
  if (!newer) return deliveries;
  const copy = [...deliveries];
  copy[index] = next;
  return copy;
}

/** Pushes the table still waits on (to read again after the stream reconnects). */
export function unsettledIds(state: PushesState): string[] {
  return state.order.filter((id) => !state.byId[id]!.settled);
}

/** A stored target (`{targets: [...]}` around `"sip:a@d"`, `{aor, terminals}`, `{gruu}`, `{aor, instance}`, or a list) as one line. */
export function describeTarget(target: unknown): string {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) return target.map(describeTarget).join(', ');
  if (typeof target === 'object' && target !== null) {
    const t = target as Record<string, unknown>;
    // What the service stores: {targets: [...as submitted], aorOf, priority, mode}.
    if (Array.isArray(t.targets)) return describeTarget(t.targets.length === 1 ? t.targets[0] : t.targets);
    if (typeof t.gruu === 'string') return `${t.gruu} (GRUU)`;
    if (typeof t.aor === 'string') {
      if (typeof t.instance === 'string') return `${t.aor} (instance ${t.instance})`;
      if (t.terminals === 'all') return `${t.aor} (all terminals)`;
      return t.aor;
    }
  }
  return JSON.stringify(target);
}

function summed(deliveries: ConsoleDelivery[]): Pick<ConsolePush, 'deliveries' | 'status' | 'settled'> {
  return { deliveries, status: summaryStatus(deliveries), settled: isSettled(deliveries) };
}

function put(state: PushesState, push: ConsolePush): PushesState {
  const known = push.pushId in state.byId;
  let order = known ? state.order : [push.pushId, ...state.order];
  const byId = { ...state.byId, [push.pushId]: push };
  if (order.length > MAX_PUSHES_SHOWN) {
    for (const dropped of order.slice(MAX_PUSHES_SHOWN)) delete byId[dropped];
    order = order.slice(0, MAX_PUSHES_SHOWN);
  }
  return { order, byId };
}

function isChange(value: unknown): value is ChangeEvent {
  const c = value as Partial<ChangeEvent> | null;
  return typeof c === 'object' && c !== null && typeof c.pushId === 'string' && typeof c.terminal === 'string' && isDeliveryStatus(c.to) && typeof c.at === 'number' && typeof c.attempts === 'number';
}
