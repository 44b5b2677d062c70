import { describe, expect, it } from 'vitest';
import { push, transfer } from '../../testing/fakeAgent.ts';
import type { StoredPush } from '../../agent/types.ts';
import { DEFAULT_VIEW_LIMITS, initialView, mergeInbox, mergeTransfers, reduce, reduceAll, unreadCount, type AgentAction } from './reducers.ts';

const idle = { phase: 'idle' as const, registeredApps: [] };
const limits = { inboxLimit: 5, rejectedLimit: 3, transferLimit: 3 };

describe('mergeInbox', () => {
  it('puts newer pushes first', () => {
    const a = push({ receivedAt: 1 });
    const b = push({ receivedAt: 2 });
    const c = push({ receivedAt: 3 });
    expect(mergeInbox([a], [c, b], 10).map((p) => p.id)).toEqual([c.id, b.id, a.id]);
  });

  it('orders equal times by numeric ID, not as strings', () => {
    const p9 = push({ id: '9', receivedAt: 5 });
    const p10 = push({ id: '10', receivedAt: 5 });
    expect(mergeInbox([], [p9, p10], 10).map((p) => p.id)).toEqual(['10', '9']);
  });

  it('keeps each ID once and returns the same array when nothing is new', () => {
    const a = push();
    const inbox = [a];
    expect(mergeInbox(inbox, [a, { ...a }], 10)).toBe(inbox);
  });

  it('a collision keeps dispatched = true', () => {
    const a = push({ dispatched: false });
    const merged = mergeInbox([a], [{ ...a, dispatched: true }], 10);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.dispatched).toBe(true);
    const kept = mergeInbox([{ ...a, dispatched: true }], [a], 10);
    expect(kept[0]!.dispatched).toBe(true);
  });

  it('caps the inbox at the limit, dropping the oldest', () => {
    const pushes = Array.from({ length: 8 }, (_, i) => push({ receivedAt: i }));
    const merged = mergeInbox([], pushes, 3);
    expect(merged.map((p) => p.receivedAt)).toEqual([7, 6, 5]);
  });
});

describe('reduce', () => {
  it('state replaces the agent state', () => {
    const v = reduce(initialView(idle), { type: 'state', state: { phase: 'failed', reason: '403 Forbidden', registeredApps: [] } });
    expect(v.agent).toEqual({ phase: 'failed', reason: '403 Forbidden', registeredApps: [] });
  });

  it('apps selects the first app and keeps a still-present selection', () => {
    let v = reduce(initialView(idle), { type: 'apps', apps: [{ id: 'a', accept: ['*/*'] }, { id: 'b', accept: ['*/*'] }] });
    expect(v.selectedAppId).toBe('a');
    v = reduce(v, { type: 'select', appId: 'b' });
    v = reduce(v, { type: 'apps', apps: [{ id: 'c', accept: ['*/*'] }, { id: 'b', accept: ['*/*'] }] });
    expect(v.selectedAppId).toBe('b');
    v = reduce(v, { type: 'apps', apps: [{ id: 'c', accept: ['*/*'] }] });
    expect(v.selectedAppId).toBe('c');
    v = reduce(v, { type: 'apps', apps: [] });
    expect(v.selectedAppId).toBeNull();
  });

  it('apps with the same list returns the same view (no re-render)', () => {
    const v = reduce(initialView(idle), { type: 'apps', apps: [{ id: 'a', accept: ['*/*'] }] });
    expect(reduce(v, { type: 'apps', apps: [{ id: 'a', accept: ['*/*'] }] })).toBe(v);
  });

  it('stored files pushes into their apps', () => {
    const n = push({ appId: 'news.ua' });
    const m = push({ appId: 'mms.ua' });
    const v = reduce(initialView(idle), { type: 'stored', pushes: [n, m] });
    expect(v.inboxes['news.ua']).toEqual([n]);
    expect(v.inboxes['mms.ua']).toEqual([m]);
  });

  it('dispatched marks the push, and is a no-op for unknown or already dispatched pushes', () => {
    const p = push();
    let v = reduce(initialView(idle), { type: 'stored', pushes: [p] });
    const before = v;
    expect(reduce(v, { type: 'dispatched', push: { id: 'nope', appId: p.appId } })).toBe(before);
    v = reduce(v, { type: 'dispatched', push: p });
    expect(v.inboxes[p.appId]![0]!.dispatched).toBe(true);
    expect(reduce(v, { type: 'dispatched', push: p })).toBe(v);
  });

  it('rejected keeps the newest entries first, bounded', () => {
    let v = initialView(idle);
    for (const status of [403, 404, 413, 415]) v = reduce(v, { type: 'rejected', status, reason: `r${status}`, at: status, appId: 'a' }, limits);
    expect(v.rejected.map((r) => r.status)).toEqual([415, 413, 404]);
    expect(v.rejected[0]).toEqual({ seq: 4, at: 415, status: 415, reason: 'r415', appId: 'a' });
  });

  it('inboxLoaded merges with pushes that arrived meanwhile and marks the app loaded', () => {
    const old = push({ receivedAt: 1 });
    const fresh = push({ receivedAt: 2 });
    let v = reduce(initialView(idle), { type: 'stored', pushes: [fresh] });
    v = reduce(v, { type: 'inboxFailed', appId: 'news.ua', message: 'boom' });
    v = reduce(v, { type: 'inboxLoaded', appId: 'news.ua', pushes: [fresh, old] });
    expect(v.inboxes['news.ua']!.map((p) => p.id)).toEqual([fresh.id, old.id]);
    expect(v.loaded['news.ua']).toBe(true);
    expect(v.loadErrors).toEqual({});
  });
});

describe('reduceAll (one batch, one new state)', () => {
  it('applies a burst of stored events as one state and merges once per app', () => {
    const pushes = Array.from({ length: 100 }, (_, i) => push({ receivedAt: i }));
    const actions: AgentAction[] = pushes.map((p) => ({ type: 'stored', pushes: [p] }));
    const v = reduceAll(initialView(idle), actions, { inboxLimit: 1000, rejectedLimit: 10, transferLimit: 10 });
    expect(v.inboxes['news.ua']).toHaveLength(100);
    expect(v.inboxes['news.ua']![0]!.receivedAt).toBe(99);
  });

  it('returns the same view when nothing changes', () => {
    const v = initialView(idle);
    expect(reduceAll(v, [])).toBe(v);
    expect(reduceAll(v, [{ type: 'stored', pushes: [] }, { type: 'dispatched', push: { id: 'x', appId: 'y' } }])).toBe(v);
  });

  it('applies stored then dispatched in the same batch', () => {
    const p = push();
    const v = reduceAll(initialView(idle), [{ type: 'stored', pushes: [p] }, { type: 'dispatched', push: p }]);
    expect(v.inboxes[p.appId]![0]!.dispatched).toBe(true);
  });
});

describe('transfers', () => {
  it('adds reports newest first (by start) and replaces one by ID in place', () => {
    const a = transfer({ startedAt: 1, updatedAt: 1 });
    const b = transfer({ startedAt: 2, updatedAt: 2 });
    let v = reduce(initialView(idle), { type: 'transfer', progress: a }, limits);
    v = reduce(v, { type: 'transfer', progress: b }, limits);
    expect(v.transfers.map((t) => t.id)).toEqual([b.id, a.id]);
    const a2 = { ...a, receivedBytes: a.receivedBytes + 1, updatedAt: 5 };
    v = reduce(v, { type: 'transfer', progress: a2 }, limits);
    expect(v.transfers).toEqual([b, a2]);
  });

  it('ignores a report older than the one held, and an identical one', () => {
    const fresh = transfer({ updatedAt: 10, receivedBytes: 500 });
    const v = reduce(initialView(idle), { type: 'transfer', progress: fresh }, limits);
    expect(reduce(v, { type: 'transfer', progress: { ...fresh, updatedAt: 9, receivedBytes: 100 } }, limits)).toBe(v);
    expect(reduce(v, { type: 'transfer', progress: { ...fresh } }, limits)).toBe(v);
  });

  it('a stored list answering after live events does not move a transfer back', () => {
    const live = transfer({ updatedAt: 20, receivedBytes: 900, rate: 1000 });
    const stale = { ...live, updatedAt: 10, receivedBytes: 100, rate: 0 };
    const other = transfer({ startedAt: 0, updatedAt: 0, state: 'failed', reason: 'gone' });
    let v = reduce(initialView(idle), { type: 'transfer', progress: live }, limits);
    v = reduce(v, { type: 'transfersLoaded', transfers: [stale, other] }, limits);
    expect(v.transfers).toEqual([live, other]);
    expect(v.transfersLoaded).toBe(true);
  });

  it('keeps at most transferLimit, newest first', () => {
    const many = Array.from({ length: 5 }, (_, i) => transfer({ startedAt: i }));
    const v = reduce(initialView(idle), { type: 'transfersLoaded', transfers: many }, limits);
    expect(v.transfers.map((t) => t.startedAt)).toEqual([4, 3, 2]);
  });

  it('orders equal start times by numeric-aware ID', () => {
    expect(mergeTransfers([], [transfer({ id: '9', startedAt: 1 }), transfer({ id: '10', startedAt: 1 })], 10).map((t) => t.id)).toEqual(['10', '9']);
  });

  it('records a failed list and clears it on a later load', () => {
    let v = reduce(initialView(idle), { type: 'transfersFailed', message: 'blocked' });
    expect(v.transfersError).toBe('blocked');
    expect(v.transfersLoaded).toBe(false);
    v = reduce(v, { type: 'transfersLoaded', transfers: [] });
    expect(v.transfersError).toBeNull();
  });

  it('removes a transfer; removing an unknown one changes nothing', () => {
    const a = transfer();
    const v = reduce(initialView(idle), { type: 'transfer', progress: a });
    expect(reduce(v, { type: 'transferRemoved', id: a.id }).transfers).toEqual([]);
    expect(reduce(v, { type: 'transferRemoved', id: 'nope' })).toBe(v);
  });

  it('a batch of 100 reports of 3 transfers leaves each at its last report', () => {
    const ts = [transfer(), transfer(), transfer()];
    const actions: AgentAction[] = [];
    for (let i = 1; i <= 100; i++) {
      const t = ts[i % 3]!;
      actions.push({ type: 'transfer', progress: { ...t, receivedBytes: i, updatedAt: t.updatedAt + i } });
    }
    const v = reduceAll(initialView(idle), actions);
    expect(v.transfers.map((t) => [t.id, t.receivedBytes])).toEqual([
      [ts[2]!.id, 98],
      [ts[1]!.id, 100],
      [ts[0]!.id, 99],
    ]);
  });
});

describe('read, delete, unread counts (issue 11 item 4)', () => {
  const limits = { ...DEFAULT_VIEW_LIMITS, inboxLimit: 3 };
  const loaded = (pushes: StoredPush[]) => reduce(initialView({ phase: 'idle', registeredApps: [] }), { type: 'inboxLoaded', appId: 'news.ua', pushes }, limits);

  it('read marks pushes in any inbox, leaves others, and is a no-op when nothing changes', () => {
    const a = push({ appId: 'news.ua' });
    const b = push({ appId: 'news.ua' });
    const view = loaded([b, a]);
    const next = reduce(view, { type: 'read', ids: [a.id, 'unknown'] }, limits);
    expect(next.inboxes['news.ua']!.map((p) => p.read)).toEqual([false, true]);
    expect(unreadCount(next, 'news.ua')).toBe(1);
    expect(reduce(next, { type: 'read', ids: [a.id] }, limits)).toBe(next);
    expect(reduce(next, { type: 'read', ids: ['unknown'] }, limits)).toBe(next);
  });

  it('a stored copy of a read push does not make it unread again', () => {
    const a = push({ appId: 'news.ua' });
    const view = reduce(loaded([a]), { type: 'read', ids: [a.id] }, limits);
    expect(reduce(view, { type: 'stored', pushes: [a] }, limits).inboxes['news.ua']![0]!.read).toBe(true);
  });

  it('deleted removes pushes; appCleared empties one inbox', () => {
    const a = push({ appId: 'news.ua' });
    const b = push({ appId: 'news.ua' });
    const view = loaded([b, a]);
    expect(reduce(view, { type: 'deleted', ids: [a.id] }, limits).inboxes['news.ua']!.map((p) => p.id)).toEqual([b.id]);
    expect(reduce(view, { type: 'deleted', ids: ['x'] }, limits)).toBe(view);
    expect(reduce(view, { type: 'appCleared', appId: 'news.ua' }, limits).inboxes['news.ua']).toEqual([]);
    expect(unreadCount(reduce(view, { type: 'appCleared', appId: 'news.ua' }, limits), 'news.ua')).toBe(0);
  });

  it('an inbox holding every stored push counts its unread pushes itself; a partial one takes storage count', () => {
    const three = [push({ appId: 'news.ua' }), push({ appId: 'news.ua', read: true }), push({ appId: 'news.ua' })];
    const full = loaded(three);
    expect(full.partial).toEqual({ 'news.ua': true });
    expect(unreadCount(full, 'news.ua')).toBe(2); // until storage has answered
    expect(unreadCount(reduce(full, { type: 'unreadCounted', appId: 'news.ua', count: 40 }, limits), 'news.ua')).toBe(40);
    const two = loaded(three.slice(0, 2));
    expect(two.partial).toEqual({});
    const grown = reduce(two, { type: 'stored', pushes: [push({ appId: 'news.ua' })] }, limits);
    expect(grown.partial).toEqual({}); // 3 of 3: still all of them
    const over = reduce(grown, { type: 'stored', pushes: [push({ appId: 'news.ua' })] }, limits);
    expect(over.partial).toEqual({ 'news.ua': true });
  });

  it('transfersRemoved drops the named transfers', () => {
    const t1 = transfer();
    const t2 = transfer();
    const view = reduce(initialView({ phase: 'idle', registeredApps: [] }), { type: 'transfersLoaded', transfers: [t2, t1] });
    expect(reduce(view, { type: 'transfersRemoved', ids: [t1.id] }).transfers.map((t) => t.id)).toEqual([t2.id]);
    expect(reduce(view, { type: 'transfersRemoved', ids: ['none'] })).toBe(view);
  });

  it('everRegistered: a connection problem after a registration is a connection lost', () => {
    let view = initialView({ phase: 'connecting', registeredApps: [] });
    expect(view.everRegistered).toBe(false);
    view = reduce(view, { type: 'state', state: { phase: 'reconnecting', registeredApps: [] } });
    expect(view.everRegistered).toBe(false);
    view = reduce(view, { type: 'state', state: { phase: 'registered', registeredApps: [] } });
    view = reduce(view, { type: 'state', state: { phase: 'reconnecting', registeredApps: [] } });
    expect(view.everRegistered).toBe(true);
  });
});
