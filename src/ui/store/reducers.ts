/**
 * The UI's view of one agent, and the pure reducer that applies agent events to it.
 * The store (agentStore.ts) batches events and applies a whole batch with `reduceAll`, so a
 * burst of pushes produces one new state, not one per push.
 */
import type { AgentState, PushAppSpec, StoredPush, TransferProgress } from '../../agent/types.ts';

export interface RejectedEntry {
  /** Local sequence number, for list keys. */
  seq: number;
  at: number;
  status: number;
  reason: string;
  appId?: string;
  from?: string;
}

export interface AgentView {
  agent: AgentState;
  /** Apps registered in the agent now. */
  apps: PushAppSpec[];
  /** Per app, newest first, at most `inboxLimit` entries. */
  inboxes: Record<string, StoredPush[]>;
  /** Apps whose initial inbox has been read from IndexedDB. */
  loaded: Record<string, true>;
  /** Why reading an app's inbox failed, per app. */
  loadErrors: Record<string, string>;
  selectedAppId: string | null;
  /** Newest first, at most `rejectedLimit` entries. */
  rejected: RejectedEntry[];
  rejectedSeq: number;
  /** MSRP transfers (flow 5.4.2), newest first (by start), at most `transferLimit` entries. */
  transfers: TransferProgress[];
  /** The stored transfers have been read (listTransfers). */
  transfersLoaded: boolean;
  /** Why reading the stored transfers failed, if it did. */
  transfersError: string | null;
  /**
   * The agent was registered at least once in this session: a later connection problem is a
   * connection lost, before it one that was never made (the status panel says which).
   */
  everRegistered: boolean;
  /**
   * Apps whose inbox here may lack stored pushes (storage held more than `inboxLimit`): their
   * unread count comes from storage (`unreadStored`), not from the pushes held here.
   */
  partial: Record<string, true>;
  /** Unread pushes in storage, per partial app (PushAgent.unreadCount). */
  unreadStored: Record<string, number>;
}

export type AgentAction =
  | { type: 'state'; state: AgentState }
  | { type: 'apps'; apps: PushAppSpec[] }
  | { type: 'stored'; pushes: StoredPush[] }
  | { type: 'dispatched'; push: Pick<StoredPush, 'id' | 'appId'> }
  | { type: 'rejected'; status: number; reason: string; appId?: string; from?: string; at: number }
  | { type: 'inboxLoaded'; appId: string; pushes: StoredPush[] }
  | { type: 'inboxFailed'; appId: string; message: string }
  | { type: 'select'; appId: string }
  | { type: 'transfer'; progress: TransferProgress }
  | { type: 'transfersLoaded'; transfers: TransferProgress[] }
  | { type: 'transfersFailed'; message: string }
  | { type: 'transferRemoved'; id: string }
  | { type: 'transfersRemoved'; ids: readonly string[] }
  | { type: 'read'; ids: readonly string[] }
  | { type: 'deleted'; ids: readonly string[] }
  | { type: 'appCleared'; appId: string }
  | { type: 'unreadCounted'; appId: string; count: number };

export interface ViewLimits {
  inboxLimit: number;
  rejectedLimit: number;
  transferLimit: number;
}

export const DEFAULT_VIEW_LIMITS: ViewLimits = { inboxLimit: 2000, rejectedLimit: 50, transferLimit: 200 };

export function initialView(agent: AgentState): AgentView {
  return {
    agent,
    apps: [],
    inboxes: {},
    loaded: {},
    loadErrors: {},
    selectedAppId: null,
    rejected: [],
    rejectedSeq: 0,
    transfers: [],
    transfersLoaded: false,
    transfersError: null,
    everRegistered: agent.phase === 'registered',
    partial: {},
    unreadStored: {},
  };
}

const ID_ORDER = new Intl.Collator('en', { numeric: true });

/** Newest first: later `receivedAt`, then the higher (numeric-aware) local ID. */
export function newestFirst(a: StoredPush, b: StoredPush): number {
  return b.receivedAt - a.receivedAt || ID_ORDER.compare(b.id, a.id);
}

/**
 * Merges pushes into an inbox (newest first), once per ID, keeping at most `limit`.
 * `dispatched` and `read` only ever go from false to true, so a collision keeps `true`.
 */
export function mergeInbox(existing: readonly StoredPush[], incoming: readonly StoredPush[], limit: number): StoredPush[] {
  if (incoming.length === 0) return existing.slice(0, limit);
  const byId = new Map<string, StoredPush>();
  for (const push of existing) byId.set(push.id, push);
  let changed = false;
  for (const push of incoming) {
    const old = byId.get(push.id);
    if (old === undefined) {
      byId.set(push.id, push);
      changed = true;
    } else if ((push.dispatched && !old.dispatched) || (push.read && !old.read)) {
      byId.set(push.id, { ...old, dispatched: old.dispatched || push.dispatched, read: old.read || push.read });
      changed = true;
    }
  }
  if (!changed) return existing.length > limit ? existing.slice(0, limit) : (existing as StoredPush[]);
  return [...byId.values()].sort(newestFirst).slice(0, limit);
}

/** Newest first: later start, then the higher ID (the agent's listTransfers order). */
export function newestTransferFirst(a: TransferProgress, b: TransferProgress): number {
  return b.startedAt - a.startedAt || ID_ORDER.compare(b.id, a.id);
}

/**
 * Merges transfer reports into the list (newest first), once per ID, keeping at most `limit`.
 * A report older than the one held (by `updatedAt`) is ignored: a list read from storage may
 * answer after live progress events, and must not move a transfer back.
 */
export function mergeTransfers(existing: readonly TransferProgress[], incoming: readonly TransferProgress[], limit: number): TransferProgress[] {
  const byId = new Map<string, TransferProgress>();
  for (const t of existing) byId.set(t.id, t);
  let changed = false;
  let added = false;
  for (const t of incoming) {
    const old = byId.get(t.id);
    if (old !== undefined && old.updatedAt > t.updatedAt) continue;
    if (old !== undefined && old.updatedAt === t.updatedAt && old.state === t.state && old.receivedBytes === t.receivedBytes) continue;
    if (old === undefined) added = true;
    byId.set(t.id, t);
    changed = true;
  }
  if (!changed) return existing.length > limit ? existing.slice(0, limit) : (existing as TransferProgress[]);
  if (!added) {
    // Same IDs: keep the order, replace in place (the common case, one report per frame).
    return existing.map((t) => byId.get(t.id)!).slice(0, limit);
  }
  return [...byId.values()].sort(newestTransferFirst).slice(0, limit);
}

function markDispatched(inbox: readonly StoredPush[] | undefined, id: string): StoredPush[] | undefined {
  if (!inbox) return undefined;
  const i = inbox.findIndex((p) => p.id === id);
  if (i < 0 || inbox[i]!.dispatched) return undefined;
  const next = inbox.slice();
  next[i] = { ...inbox[i]!, dispatched: true };
  return next;
}

/** The pushes of every inbox whose ID is in `ids`, changed by `change` (null: removed); the same view when none is. */
function updatePushes(view: AgentView, ids: readonly string[], change: (push: StoredPush) => StoredPush | null): AgentView {
  if (ids.length === 0) return view;
  const wanted = new Set(ids);
  let inboxes: Record<string, StoredPush[]> | null = null;
  for (const [appId, inbox] of Object.entries(view.inboxes)) {
    if (!inbox.some((p) => wanted.has(p.id))) continue;
    const next: StoredPush[] = [];
    let changed = false;
    for (const push of inbox) {
      const replaced = wanted.has(push.id) ? change(push) : push;
      if (replaced !== push) changed = true;
      if (replaced !== null) next.push(replaced);
    }
    if (!changed) continue;
    inboxes ??= { ...view.inboxes };
    inboxes[appId] = next;
  }
  return inboxes ? { ...view, inboxes } : view;
}

/**
 * Unread pushes of an app: counted in its inbox here when that holds every stored push of the
 * app, else storage's count (PushAgent.unreadCount, refreshed by the store).
 */
export function unreadCount(view: AgentView, appId: string): number {
  if (view.partial[appId] === true && view.unreadStored[appId] !== undefined) return view.unreadStored[appId];
  let n = 0;
  for (const push of view.inboxes[appId] ?? []) if (!push.read) n++;
  return n;
}

function groupByApp(pushes: readonly StoredPush[]): Map<string, StoredPush[]> {
  const groups = new Map<string, StoredPush[]>();
  for (const push of pushes) {
    const group = groups.get(push.appId);
    if (group) group.push(push);
    else groups.set(push.appId, [push]);
  }
  return groups;
}

function sameApps(a: readonly PushAppSpec[], b: readonly PushAppSpec[]): boolean {
  return a.length === b.length && a.every((app, i) => app.id === b[i]!.id && app.accept.join() === b[i]!.accept.join());
}

export function reduce(view: AgentView, action: AgentAction, limits: ViewLimits = DEFAULT_VIEW_LIMITS): AgentView {
  switch (action.type) {
    case 'state':
      return { ...view, agent: action.state, everRegistered: view.everRegistered || action.state.phase === 'registered' };
    case 'apps': {
      const apps = sameApps(view.apps, action.apps) ? view.apps : action.apps;
      const ids = apps.map((a) => a.id);
      const selectedAppId = view.selectedAppId !== null && ids.includes(view.selectedAppId) ? view.selectedAppId : (ids[0] ?? null);
      if (apps === view.apps && selectedAppId === view.selectedAppId) return view;
      return { ...view, apps, selectedAppId };
    }
    case 'stored': {
      if (action.pushes.length === 0) return view;
      const inboxes = { ...view.inboxes };
      let partial = view.partial;
      for (const [appId, pushes] of groupByApp(action.pushes)) {
        const before = inboxes[appId] ?? [];
        const merged = mergeInbox(before, pushes, limits.inboxLimit);
        // Pushes fell off the end: this inbox no longer holds all of the app's pushes.
        if (merged.length === limits.inboxLimit && new Set([...before, ...pushes].map((p) => p.id)).size > limits.inboxLimit) {
          partial = { ...partial, [appId]: true };
        }
        inboxes[appId] = merged;
      }
      return { ...view, inboxes, partial };
    }
    case 'dispatched': {
      const next = markDispatched(view.inboxes[action.push.appId], action.push.id);
      return next ? { ...view, inboxes: { ...view.inboxes, [action.push.appId]: next } } : view;
    }
    case 'rejected': {
      const seq = view.rejectedSeq + 1;
      const entry: RejectedEntry = { seq, at: action.at, status: action.status, reason: action.reason };
      if (action.appId !== undefined) entry.appId = action.appId;
      if (action.from !== undefined) entry.from = action.from;
      return { ...view, rejectedSeq: seq, rejected: [entry, ...view.rejected].slice(0, limits.rejectedLimit) };
    }
    case 'inboxLoaded': {
      const merged = mergeInbox(view.inboxes[action.appId] ?? [], action.pushes, limits.inboxLimit);
      const { [action.appId]: _dropped, ...loadErrors } = view.loadErrors;
      // A full page may not be all of them.
      const partial = action.pushes.length >= limits.inboxLimit ? { ...view.partial, [action.appId]: true as const } : view.partial;
      return { ...view, inboxes: { ...view.inboxes, [action.appId]: merged }, loaded: { ...view.loaded, [action.appId]: true }, loadErrors, partial };
    }
    case 'inboxFailed':
      return { ...view, loadErrors: { ...view.loadErrors, [action.appId]: action.message } };
    case 'select':
      return view.selectedAppId === action.appId ? view : { ...view, selectedAppId: action.appId };
    case 'transfer': {
      const transfers = mergeTransfers(view.transfers, [action.progress], limits.transferLimit);
      return transfers === view.transfers ? view : { ...view, transfers };
    }
    case 'transfersLoaded':
      return { ...view, transfers: mergeTransfers(view.transfers, action.transfers, limits.transferLimit), transfersLoaded: true, transfersError: null };
    case 'transfersFailed':
      return { ...view, transfersError: action.message };
    case 'transferRemoved': {
      const transfers = view.transfers.filter((t) => t.id !== action.id);
      return transfers.length === view.transfers.length ? view : { ...view, transfers };
    }
    case 'transfersRemoved': {
      const gone = new Set(action.ids);
      const transfers = view.transfers.filter((t) => !gone.has(t.id));
      return transfers.length === view.transfers.length ? view : { ...view, transfers };
    }
    case 'read':
      return updatePushes(view, action.ids, (p) => (p.read ? p : { ...p, read: true }));
    case 'deleted':
      return updatePushes(view, action.ids, () => null);
    case 'appCleared': {
      const inbox = view.inboxes[action.appId];
      if (!inbox || inbox.length === 0) return view;
      const { [action.appId]: _p, ...partial } = view.partial;
      const { [action.appId]: _u, ...unreadStored } = view.unreadStored;
      return { ...view, inboxes: { ...view.inboxes, [action.appId]: [] }, partial, unreadStored };
    }
    case 'unreadCounted':
      return view.unreadStored[action.appId] === action.count ? view : { ...view, unreadStored: { ...view.unreadStored, [action.appId]: action.count } };
  }
}

/** Applies a batch of actions in order; returns the same object when nothing changed. */
export function reduceAll(view: AgentView, actions: readonly AgentAction[], limits: ViewLimits = DEFAULT_VIEW_LIMITS): AgentView {
  let next = view;
  for (const action of actions) next = reduce(next, action, limits);
  return next;
}
