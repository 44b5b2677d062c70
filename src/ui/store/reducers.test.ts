import { describe, expect, it } from 'vitest';
import { push } from '../testing/fakeAgent.ts';
import { initialView, mergeInbox, reduce, reduceAll, type AgentAction } from './reducers.ts';

const idle = { phase: 'idle' as const, registeredApps: [] };
const limits = { inboxLimit: 5, rejectedLimit: 3 };

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
    const v = reduceAll(initialView(idle), actions, { inboxLimit: 1000, rejectedLimit: 10 });
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
