import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeLocks, type FakeLockClient } from '../../testing/fakeLocks.ts';
import type { PushAppSpec } from '../types.ts';
import type { ChannelLike } from './locks.ts';
import { TabGroup } from './tabGroup.ts';
import { readTabMessage, type TabMessage } from './tabMessages.ts';

const groups: TabGroup[] = [];
afterEach(() => {
  for (const g of groups.splice(0)) g.leave();
});

let names = 0;

/** One simulated tab: a group member with its own lock client and BroadcastChannel (Node's). */
function tab(name: string, locks: FakeLockClient | undefined, apps: PushAppSpec[] = []) {
  const events = { owner: 0, remoteChanged: 0, messages: [] as TabMessage[] };
  let channel: ChannelLike | undefined = new BroadcastChannel(name) as unknown as ChannelLike;
  if (!locks) channel = undefined;
  const group = new TabGroup({
    name,
    tabId: `tab-${++names}`,
    locks,
    channel,
    pruneIntervalMs: 20,
    localApps: () => apps,
    onOwner: () => events.owner++,
    onRemoteAppsChanged: () => events.remoteChanged++,
    onMessage: (m) => events.messages.push(m),
  });
  groups.push(group);
  return { group, events, apps, locks };
}

const news: PushAppSpec = { id: 'news.ua', accept: ['text/plain'] };
const mms: PushAppSpec = { id: 'mms.ua', accept: ['*/*'] };

describe('TabGroup', () => {
  it('the first tab owns, the second follows, and takes over the moment the owner leaves', async () => {
    const fake = createFakeLocks();
    const name = `db-${++names}`;
    const a = tab(name, fake.client());
    const b = tab(name, fake.client());
    expect(await a.group.join()).toBe('owner');
    expect(await b.group.join()).toBe('follower');
    expect(a.events.owner).toBe(1);
    expect(b.events.owner).toBe(0);
    a.group.leave();
    await vi.waitFor(() => expect(b.events.owner).toBe(1));
    expect(b.group.role).toBe('owner');
  });

  it('a crashed owner (no leave message) is replaced as soon as its locks go', async () => {
    const fake = createFakeLocks();
    const name = `db-${++names}`;
    const aLocks = fake.client();
    const a = tab(name, aLocks);
    const b = tab(name, fake.client());
    const c = tab(name, fake.client());
    await a.group.join();
    await b.group.join();
    await c.group.join();
    aLocks.crash();
    await vi.waitFor(() => expect(b.events.owner + c.events.owner).toBe(1));
    // Exactly one new owner, and it stays one.
    expect([b.group.role, c.group.role].sort()).toEqual(['follower', 'owner']);
  });

  it('the owner learns every tab\'s apps, and forgets a tab that leaves or dies', async () => {
    const fake = createFakeLocks();
    const name = `db-${++names}`;
    const owner = tab(name, fake.client());
    await owner.group.join();
    const bLocks = fake.client();
    const b = tab(name, bLocks, [news]);
    const c = tab(name, fake.client(), [mms]);
    await b.group.join();
    await c.group.join();
    await vi.waitFor(() => expect(owner.group.directory.specs().map((s) => s.id).sort()).toEqual(['mms.ua', 'news.ua']));
    expect(owner.events.remoteChanged).toBeGreaterThanOrEqual(2);

    c.group.leave();
    await vi.waitFor(() => expect(owner.group.directory.specs().map((s) => s.id)).toEqual(['news.ua']));
    bLocks.crash(); // no leave message: found by the presence check
    await vi.waitFor(() => expect(owner.group.directory.specs()).toEqual([]));
  });

  it('a follower that takes over already knows the other followers\' apps', async () => {
    const fake = createFakeLocks();
    const name = `db-${++names}`;
    const a = tab(name, fake.client());
    const b = tab(name, fake.client());
    const c = tab(name, fake.client(), [news]);
    await a.group.join();
    await b.group.join();
    await c.group.join();
    await vi.waitFor(() => expect(b.group.directory.get('NEWS.ua')).toEqual(news));
    a.group.leave();
    await vi.waitFor(() => expect(b.events.owner + c.events.owner).toBe(1));
  });

  it('agent messages reach the other tabs, not the sender', async () => {
    const fake = createFakeLocks();
    const name = `db-${++names}`;
    const a = tab(name, fake.client());
    const b = tab(name, fake.client());
    await a.group.join();
    await b.group.join();
    a.group.post({ type: 'rejected', rejection: { status: 415, reason: 'no' } });
    await vi.waitFor(() => expect(b.events.messages.map((m) => m.type)).toContain('rejected'));
    expect(a.events.messages.map((m) => m.type)).not.toContain('rejected');
  });

  it('without Web Locks or BroadcastChannel a tab owns on its own, and says why', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const alone = tab(`db-${++names}`, undefined);
    expect(await alone.group.join()).toBe('owner');
    expect(alone.events.owner).toBe(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/Web Locks or BroadcastChannel unavailable/);
    warn.mockRestore();
  });
});

describe('readTabMessage', () => {
  it.each([
    [{ type: 'hello', tabId: 't' }, true],
    [{ type: 'apps', tabId: 't', apps: [] }, true],
    [{ type: 'stored', pushes: [] }, true],
    [{ type: 'state', tabId: 't', state: { phase: 'registered', registeredApps: [] } }, true],
    [{ type: 'apps', tabId: 't', apps: 'news.ua' }, false],
    [{ type: 'stored' }, false],
    [{ type: 'unknown', tabId: 't' }, false],
    [{ type: 'toString' }, false],
    ['hello', false],
    [null, false],
  ])('%j -> known: %s', (data, known) => {
    expect(readTabMessage(data) !== null).toBe(known);
  });
});
