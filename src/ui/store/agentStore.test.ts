import { describe, expect, it, vi } from 'vitest';
import { fakeAgent, push, transfer } from '../../testing/fakeAgent.ts';
import { manualScheduler } from '../../testing/manualScheduler.ts';
import { createAgentStore } from './agentStore.ts';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup(prepare: (agent: ReturnType<typeof fakeAgent>) => void = () => {}) {
  const agent = fakeAgent();
  prepare(agent);
  agent.registerApp({ id: 'news.ua', accept: ['*/*'], handler: () => {} });
  agent.registerApp({ id: 'mms.ua', accept: ['*/*'], handler: () => {} });
  const clock = manualScheduler();
  const handle = createAgentStore(agent, { schedule: clock.schedule, limits: { inboxLimit: 50 }, now: () => 42 });
  let renders = 0;
  handle.store.subscribe(() => renders++);
  return { agent, clock, handle, renders: () => renders };
}

describe('createAgentStore', () => {
  it('loads each app inbox with the limit, newest first', async () => {
    const { agent, clock, handle } = setup();
    const a = push({ appId: 'news.ua', receivedAt: 1 });
    const b = push({ appId: 'news.ua', receivedAt: 2 });
    agent.stored.set('news.ua', [b, a]);
    handle.syncApps();
    await settle();
    clock.tick();
    const view = handle.store.getState();
    expect(agent.listCalls).toEqual([
      { appId: 'news.ua', limit: 50 },
      { appId: 'mms.ua', limit: 50 },
    ]);
    expect(view.apps.map((x) => x.id)).toEqual(['news.ua', 'mms.ua']);
    expect(view.selectedAppId).toBe('news.ua');
    expect(view.inboxes['news.ua']!.map((p) => p.id)).toEqual([b.id, a.id]);
    expect(view.loaded).toEqual({ 'news.ua': true, 'mms.ua': true });
  });

  it('applies a burst of 200 stored events with one store update per frame', () => {
    const { agent, clock, handle, renders } = setup();
    for (let i = 0; i < 200; i++) agent.emit('stored', [push({ appId: 'news.ua', receivedAt: 10_000 + i })]);
    expect(renders()).toBe(0);
    expect(clock.scheduled).toBe(1);
    clock.tick();
    expect(renders()).toBe(1);
    const inbox = handle.store.getState().inboxes['news.ua']!;
    expect(inbox).toHaveLength(50);
    expect(inbox[0]!.receivedAt).toBe(10_199);
  });

  it('tracks state, dispatched and rejected events', () => {
    const { agent, clock, handle } = setup();
    const p = push({ appId: 'mms.ua' });
    agent.emit('state', { phase: 'registered', gruu: 'sip:alice@localhost;gr=x', instanceId: 'urn:uuid:1', registeredApps: ['news.ua', 'mms.ua'] });
    agent.emit('stored', [p]);
    agent.emit('dispatched', p);
    agent.emit('rejected', { status: 415, reason: 'Unsupported Media Type', appId: 'news.ua', from: 'sip:x@y' });
    clock.tick();
    const view = handle.store.getState();
    expect(view.agent.phase).toBe('registered');
    expect(view.inboxes['mms.ua']![0]!.dispatched).toBe(true);
    expect(view.rejected).toEqual([{ seq: 1, at: 42, status: 415, reason: 'Unsupported Media Type', appId: 'news.ua', from: 'sip:x@y' }]);
  });

  it('noteDispatched marks a push without waiting for the agent event', () => {
    const { agent, clock, handle } = setup();
    const p = push();
    agent.emit('stored', [p]);
    handle.noteDispatched(p);
    clock.tick();
    expect(handle.store.getState().inboxes[p.appId]![0]!.dispatched).toBe(true);
  });

  it('select applies at once', () => {
    const { clock, handle } = setup();
    handle.syncApps();
    handle.select('mms.ua');
    expect(handle.store.getState().selectedAppId).toBe('mms.ua');
    expect(clock.scheduled).toBe(0);
  });

  it('loads the inbox of an app registered later, on the next state event', async () => {
    const { agent, clock, handle } = setup();
    handle.syncApps();
    agent.registerApp({ id: 'late.ua', accept: ['text/plain'], handler: () => {} });
    agent.emit('state', { phase: 'registering', registeredApps: [] });
    await settle();
    clock.tick();
    expect(agent.listCalls.map((c) => c.appId)).toEqual(['news.ua', 'mms.ua', 'late.ua']);
    expect(handle.store.getState().apps.map((a) => a.id)).toContain('late.ua');
  });

  it('reads the inboxes again when this tab takes over from another (a push the old owner stored but never posted)', async () => {
    const { agent, clock, handle } = setup();
    agent.emit('state', { phase: 'following', registeredApps: [] });
    await settle();
    const unseen = push({ appId: 'news.ua', receivedAt: 5 });
    agent.stored.set('news.ua', [unseen]);
    agent.emit('state', { phase: 'following', registeredApps: ['news.ua'] });
    await settle();
    expect(agent.listCalls.filter((c) => c.appId === 'news.ua')).toHaveLength(1);
    agent.emit('state', { phase: 'connecting', registeredApps: [] });
    await settle();
    clock.tick();
    expect(agent.listCalls.filter((c) => c.appId === 'news.ua')).toHaveLength(2);
    expect(handle.store.getState().inboxes['news.ua']!.map((p) => p.id)).toEqual([unseen.id]);
  });

  it('reports an inbox that cannot be read', async () => {
    const { agent, clock, handle } = setup();
    agent.listPushes = async () => {
      throw new Error('IndexedDB blocked');
    };
    handle.syncApps();
    await settle();
    clock.tick();
    expect(handle.store.getState().loadErrors['news.ua']).toBe('IndexedDB blocked');
  });

  it('dispose flushes, then ignores the agent', () => {
    const { agent, clock, handle } = setup();
    agent.emit('stored', [push()]);
    handle.dispose();
    const view = handle.store.getState();
    expect(view.inboxes['news.ua']).toHaveLength(1);
    agent.emit('stored', [push()]);
    clock.tick();
    expect(handle.store.getState()).toBe(view);
  });

  it('two agents get two isolated stores', () => {
    const one = setup();
    const two = setup();
    one.agent.emit('stored', [push()]);
    one.clock.tick();
    two.clock.tick();
    expect(one.handle.store.getState().inboxes['news.ua']).toHaveLength(1);
    expect(two.handle.store.getState().inboxes['news.ua']).toBeUndefined();
  });
});

describe('createAgentStore: MSRP transfers', () => {
  it('loads the stored transfers at start, newest first', async () => {
    const old = transfer({ startedAt: 1, state: 'failed', reason: 'Connection lost', resumable: true, rate: 0 });
    const recent = transfer({ startedAt: 2, state: 'complete', rate: 0 });
    const { clock, handle } = setup((agent) => (agent.transfers = [recent, old]));
    expect(handle.store.getState().transfersLoaded).toBe(false);
    await settle();
    clock.tick();
    const view = handle.store.getState();
    expect(view.transfersLoaded).toBe(true);
    expect(view.transfers).toEqual([recent, old]);
  });

  it('applies a burst of progress events of several transfers as one store update per tick', async () => {
    const { agent, clock, handle, renders } = setup();
    await settle();
    clock.tick();
    const before = renders();
    const a = transfer({ startedAt: 1 });
    const b = transfer({ startedAt: 2 });
    for (let i = 1; i <= 50; i++) {
      agent.emit('transfer', { ...a, receivedBytes: i * 1000, updatedAt: a.updatedAt + i });
      agent.emit('transfer', { ...b, receivedBytes: i * 2000, updatedAt: b.updatedAt + i });
    }
    expect(renders()).toBe(before);
    expect(clock.scheduled).toBe(1);
    clock.tick();
    expect(renders()).toBe(before + 1);
    expect(handle.store.getState().transfers.map((t) => [t.id, t.receivedBytes])).toEqual([
      [b.id, 100_000],
      [a.id, 50_000],
    ]);
  });

  it('follows a transfer through its states', () => {
    const { agent, clock, handle } = setup();
    const t = transfer({ updatedAt: 1 });
    agent.emit('transfer', t);
    clock.tick();
    agent.emit('transfer', { ...t, state: 'verifying', receivedBytes: t.size!, updatedAt: 2 });
    clock.tick();
    expect(handle.store.getState().transfers[0]!.state).toBe('verifying');
    agent.emit('transfer', { ...t, state: 'complete', receivedBytes: t.size!, rate: 0, updatedAt: 3 });
    clock.tick();
    expect(handle.store.getState().transfers).toHaveLength(1);
    expect(handle.store.getState().transfers[0]!.state).toBe('complete');
  });

  it('dismissTransfer deletes through the agent and removes the row at once, pending reports included', async () => {
    const failed = transfer({ state: 'failed', reason: 'Hash mismatch', updatedAt: 1 });
    const { agent, clock, handle } = setup((a) => (a.transfers = [failed]));
    await settle();
    clock.tick();
    agent.emit('transfer', { ...failed, updatedAt: 2 });
    await handle.dismissTransfer(failed.id);
    expect(agent.deletedTransfers).toEqual([failed.id]);
    expect(handle.store.getState().transfers).toEqual([]);
    // A report emitted before the delete took effect must not bring it back.
    agent.emit('transfer', { ...failed, updatedAt: 3 });
    clock.tick();
    expect(handle.store.getState().transfers).toEqual([]);
  });

  it('a list read that answers after a dismiss does not bring the transfer back', async () => {
    const failed = transfer({ state: 'failed' });
    let answer: (list: typeof agent.transfers) => void = () => {};
    const { agent, clock, handle } = setup((a) => {
      a.transfers = [failed];
      a.listTransfers = () => new Promise((resolve) => (answer = resolve));
    });
    await handle.dismissTransfer(failed.id);
    answer([failed]);
    await settle();
    clock.tick();
    expect(handle.store.getState().transfersLoaded).toBe(true);
    expect(handle.store.getState().transfers).toEqual([]);
    expect(agent.deletedTransfers).toEqual([failed.id]);
  });

  it('a failed dismiss rejects and keeps the transfer', async () => {
    const failed = transfer({ state: 'failed' });
    const { agent, clock, handle } = setup((a) => (a.transfers = [failed]));
    agent.deleteTransfer = async () => {
      throw new Error('IndexedDB closed');
    };
    await settle();
    clock.tick();
    await expect(handle.dismissTransfer(failed.id)).rejects.toThrow('IndexedDB closed');
    expect(handle.store.getState().transfers).toEqual([failed]);
  });

  it('reports a list that cannot be read and retries on the next state change', async () => {
    let calls = 0;
    const t = transfer();
    const { agent, clock, handle } = setup((a) => {
      a.listTransfers = async () => {
        calls++;
        if (calls === 1) throw new Error('blocked');
        return [t];
      };
    });
    await settle();
    clock.tick();
    expect(handle.store.getState().transfersError).toBe('blocked');
    agent.emit('state', { phase: 'connecting', registeredApps: [] });
    await settle();
    clock.tick();
    expect(calls).toBe(2);
    expect(handle.store.getState().transfersError).toBeNull();
    expect(handle.store.getState().transfers).toEqual([t]);
    agent.emit('state', { phase: 'registering', registeredApps: [] });
    await settle();
    expect(calls).toBe(2);
  });
});

describe('createAgentStore: read, delete, clear (issue 11 item 4)', () => {
  it('markRead marks unread pushes at once and through the agent; another tab\'s read event marks them too', async () => {
    const { agent, clock, handle } = setup();
    const a = push({ appId: 'news.ua' });
    const b = push({ appId: 'news.ua' });
    agent.stored.set('news.ua', [b, a]);
    handle.syncApps();
    await settle();
    clock.tick();
    await handle.markRead([a.id]);
    expect(handle.store.getState().inboxes['news.ua']!.find((p) => p.id === a.id)!.read).toBe(true);
    expect(agent.stored.get('news.ua')!.find((p) => p.id === a.id)!.read).toBe(true);
    agent.emit('read', { ids: [b.id] });
    clock.tick();
    expect(handle.store.getState().inboxes['news.ua']!.every((p) => p.read)).toBe(true);
  });

  it('markRead of pushes already read calls nothing', async () => {
    const { agent, clock, handle } = setup();
    const a = push({ appId: 'news.ua', read: true });
    agent.stored.set('news.ua', [a]);
    let calls = 0;
    const markRead = agent.markRead;
    agent.markRead = async (ids) => {
      calls++;
      return markRead(ids);
    };
    handle.syncApps();
    await settle();
    clock.tick();
    await handle.markRead([a.id]);
    expect(calls).toBe(0);
  });

  it('deletePushes and clearApp remove pushes; a deleted event from another tab too', async () => {
    const { agent, clock, handle } = setup();
    const [a, b, c] = [push({ appId: 'news.ua' }), push({ appId: 'news.ua' }), push({ appId: 'news.ua' })];
    agent.stored.set('news.ua', [c!, b!, a!]);
    handle.syncApps();
    await settle();
    clock.tick();
    await handle.deletePushes([a!.id]);
    expect(handle.store.getState().inboxes['news.ua']!.map((p) => p.id)).toEqual([c!.id, b!.id]);
    agent.emit('deleted', { ids: [b!.id] });
    clock.tick();
    expect(handle.store.getState().inboxes['news.ua']!.map((p) => p.id)).toEqual([c!.id]);
    await handle.clearApp('news.ua');
    expect(handle.store.getState().inboxes['news.ua']).toEqual([]);
    expect(agent.stored.get('news.ua')).toEqual([]);
  });

  it('clearFinishedTransfers removes what the agent removed, keeps receiving ones', async () => {
    const running = transfer({ state: 'receiving' });
    const done = transfer({ state: 'complete' });
    const failed = transfer({ state: 'failed' });
    const { agent, clock, handle } = setup((a) => (a.transfers = [failed, done, running]));
    await settle();
    clock.tick();
    await handle.clearFinishedTransfers();
    expect(handle.store.getState().transfers.map((t) => t.id)).toEqual([running.id]);
    expect(agent.transfers.map((t) => t.id)).toEqual([running.id]);
  });

  it('a partial inbox takes its unread count from storage', async () => {
    const { agent, clock, handle } = setup();
    const many = Array.from({ length: 60 }, () => push({ appId: 'news.ua' })).reverse();
    agent.stored.set('news.ua', many);
    handle.syncApps();
    await settle();
    clock.tick();
    expect(handle.store.getState().partial).toEqual({ 'news.ua': true });
    await vi.waitFor(() => {
      clock.tick();
      expect(handle.store.getState().unreadStored['news.ua']).toBe(60);
    });
    await agent.markRead([many[59]!.id]);
    await vi.waitFor(() => {
      clock.tick();
      expect(handle.store.getState().unreadStored['news.ua']).toBe(59);
    });
  });
});
