import { describe, expect, it } from 'vitest';
import { fakeAgent, push } from '../testing/fakeAgent.ts';
import { manualScheduler } from '../testing/manualScheduler.ts';
import { createAgentStore } from './agentStore.ts';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup() {
  const agent = fakeAgent();
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
