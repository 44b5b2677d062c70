import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GroupCommitter } from '../store/groupCommit.ts';
import { PushStore } from '../store/pushStore.ts';
import { countReadwriteTransactions, deferred, newPush, uniqueDbName } from '../../testing/pushFixtures.ts';
import type { PushApp, StoredPush } from '../types.ts';
import { Dispatcher } from './dispatcher.ts';
import { AppRegistry } from './registry.ts';

const LIMITS = { maxMessageBytes: 60 * 1024 };
const stores: PushStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  vi.restoreAllMocks();
});

/** One page session: store, committer, registry, dispatcher wired as the agent wires them. */
async function session(name = uniqueDbName()) {
  const store = await PushStore.open(name);
  stores.push(store);
  const committer = await GroupCommitter.create({ store });
  const apps = new AppRegistry();
  const dispatched: StoredPush[] = [];
  const errors: unknown[] = [];
  const dispatcher = new Dispatcher({ store, apps, limits: LIMITS, onDispatched: (p) => dispatched.push(p), onError: (e) => errors.push(e) });
  committer.on('committed', (pushes) => dispatcher.dispatchStored(pushes));
  dispatcher.start();
  const settle = async () => {
    await committer.idle();
    await dispatcher.idle();
  };
  return { name, store, committer, apps, dispatcher, dispatched, errors, settle };
}

function recorder(overrides: Partial<PushApp> = {}) {
  const seen: string[] = [];
  const app: PushApp = { id: 'news.ua', accept: ['text/plain'], handler: (p) => void seen.push(p.dedupKey), ...overrides };
  return { app, seen };
}

describe('Dispatcher', () => {
  it('hands each newly stored push to its app exactly once, in order, then marks it dispatched', async () => {
    const s = await session();
    const { app, seen } = recorder();
    s.apps.register(app);
    const keys = ['a', 'b', 'c', 'd'];
    await Promise.all(keys.map((k) => s.committer.enqueue(newPush({ dedupKey: k }))));
    await s.committer.enqueue(newPush({ dedupKey: 'a' })); // a duplicate: not stored, not dispatched again
    await s.settle();
    expect(seen).toEqual(keys);
    expect(s.dispatched.map((p) => p.dedupKey)).toEqual(keys);
    expect(s.dispatched.every((p) => p.dispatched)).toBe(true);
    expect(await s.store.undispatched('news.ua')).toEqual([]);
    // Re-registering replays only undispatched pushes: none.
    s.apps.register(app);
    await s.settle();
    expect(seen).toEqual(keys);
  });

  it('an app registered after its pushes were stored gets them, oldest first', async () => {
    const s = await session();
    await Promise.all(['1', '2', '3'].map((k) => s.committer.enqueue(newPush({ dedupKey: k }))));
    await s.committer.enqueue(newPush({ dedupKey: 'other', appId: 'mms.ua' }));
    await s.settle();
    expect(s.dispatched).toEqual([]);
    const { app, seen } = recorder();
    s.apps.register(app);
    await s.settle();
    expect(seen).toEqual(['1', '2', '3']);
    expect((await s.store.undispatched('mms.ua')).map((p) => p.dedupKey)).toEqual(['other']);
  });

  it('a push stored while the replay for its app runs is handed once, after the replayed ones', async () => {
    const s = await session();
    await s.committer.enqueue(newPush({ dedupKey: 'old' }));
    const gate = deferred();
    const original = s.store.undispatched.bind(s.store);
    vi.spyOn(s.store, 'undispatched').mockImplementation(async (appId) => {
      const result = await original(appId);
      await gate.promise; // the replay has read; hold it before it hands anything
      return result;
    });
    const { app, seen } = recorder();
    s.apps.register(app);
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    await s.committer.enqueue(newPush({ dedupKey: 'new' }));
    gate.resolve();
    await s.settle();
    expect(seen).toEqual(['old', 'new']);
  });

  it('a push the replay also read (stored before the read, announced after) is handed once', async () => {
    const s = await session();
    const { app, seen } = recorder();
    // Committed behind the dispatcher's back, so its announcement comes after the replay's read.
    const [result] = await s.store.commitBatch([newPush({ dedupKey: 'racy' })]);
    if (result!.status !== 'stored') throw new Error('not stored');
    s.apps.register(app); // the replay reads 'racy'
    s.dispatcher.dispatchStored([result!.push]); // and the commit announces it too
    await s.settle();
    expect(seen).toEqual(['racy']);
  });

  it('runs an app\'s async handlers one at a time, in order', async () => {
    const s = await session();
    const events: string[] = [];
    s.apps.register({
      id: 'news.ua',
      accept: ['text/plain'],
      handler: async (p) => {
        events.push(`start ${p.dedupKey}`);
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
        events.push(`end ${p.dedupKey}`);
      },
    });
    await Promise.all(['x', 'y'].map((k) => s.committer.enqueue(newPush({ dedupKey: k }))));
    await s.settle();
    expect(events).toEqual(['start x', 'end x', 'start y', 'end y']);
  });

  it('a throwing handler is reported, the push is still marked dispatched, the next one still handed', async () => {
    const s = await session();
    const seen: string[] = [];
    s.apps.register({
      id: 'news.ua',
      accept: ['text/plain'],
      handler: (p) => {
        seen.push(p.dedupKey);
        if (p.dedupKey === 'bad') throw new Error('app bug');
      },
    });
    await Promise.all(['bad', 'good'].map((k) => s.committer.enqueue(newPush({ dedupKey: k }))));
    await s.settle();
    expect(seen).toEqual(['bad', 'good']);
    expect(s.errors).toEqual([expect.objectContaining({ message: 'app bug' })]);
    expect(await s.store.undispatched('news.ua')).toEqual([]);
  });

  it('claims each push just before its handler: the next one is still unclaimed while a handler runs', async () => {
    const s = await session();
    await Promise.all(Array.from({ length: 5 }, (_, i) => s.committer.enqueue(newPush({ dedupKey: `c${i}` }))));
    await s.settle();
    const seenUndispatched: number[] = [];
    s.apps.register({ id: 'news.ua', accept: ['text/plain'], handler: async () => void seenUndispatched.push((await s.store.undispatched('news.ua')).length) });
    await s.settle();
    // While the first handler ran, four pushes were still unclaimed; while the last ran, none.
    expect(seenUndispatched).toEqual([4, 3, 2, 1, 0]);
  });

  it('an app unregistered before its turn keeps its pushes undispatched', async () => {
    const s = await session();
    const { app, seen } = recorder();
    const off = s.apps.register(app);
    off();
    await s.committer.enqueue(newPush({ dedupKey: 'waiting' }));
    await s.settle();
    expect(seen).toEqual([]);
    expect((await s.store.undispatched('news.ua')).map((p) => p.dedupKey)).toEqual(['waiting']);
  });

  it('after a reload (new PushStore on the same database): dispatched pushes are not handed again, undispatched ones are', async () => {
    const first = await session();
    const one = recorder();
    first.apps.register(one.app);
    await first.committer.enqueue(newPush({ dedupKey: 'seen-before-reload' }));
    await first.settle();
    await first.committer.enqueue(newPush({ dedupKey: 'for-mms', appId: 'mms.ua' }));
    await first.settle();
    first.dispatcher.close();
    first.store.close();

    const second = await session(first.name);
    const news = recorder();
    const mms = recorder({ id: 'mms.ua' });
    second.apps.register(news.app);
    second.apps.register(mms.app);
    await second.settle();
    expect(one.seen).toEqual(['seen-before-reload']);
    expect(news.seen).toEqual([]);
    expect(mms.seen).toEqual(['for-mms']);
  });

  it('apps registered before the dispatcher existed are replayed by start()', async () => {
    const name = uniqueDbName();
    const seed = await PushStore.open(name);
    await seed.commitBatch([newPush({ dedupKey: 'early' })]);
    seed.close();
    const store = await PushStore.open(name);
    stores.push(store);
    const apps = new AppRegistry();
    const { app, seen } = recorder();
    apps.register(app);
    const dispatcher = new Dispatcher({ store, apps, limits: LIMITS });
    dispatcher.start();
    await dispatcher.idle();
    expect(seen).toEqual(['early']);
  });

  it('claims a push before its handler runs: a tab that dies mid-handler never gets it handed again (at most once)', async () => {
    const first = await session();
    const ids: string[] = [];
    // The handler never settles: the tab is killed while it runs.
    first.apps.register({ id: 'news.ua', accept: ['text/plain'], handler: (p) => new Promise<void>(() => void ids.push(p.id)) });
    await first.committer.enqueue(newPush({ dedupKey: 'crash' }));
    await expect.poll(() => ids.length).toBe(1);
    expect(await first.store.undispatched('news.ua')).toEqual([]);
    first.dispatcher.close();

    const second = await session(first.name);
    second.apps.register({ id: 'news.ua', accept: ['text/plain'], handler: (p) => void ids.push(p.id) });
    await second.settle();
    expect(ids).toHaveLength(1);
    // Still stored and listed: the inbox shows it.
    expect((await second.store.list('news.ua')).map((p) => p.dedupKey)).toEqual(['crash']);
  });

  it('two tabs with the same app on one database: every push is handed exactly once in total', async () => {
    const name = uniqueDbName();
    const tabA = await session(name);
    const tabB = await session(name);
    const a = recorder();
    const b = recorder();
    tabA.apps.register(a.app);
    tabB.apps.register(b.app);
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    // The owner (A) commits; both tabs learn of each batch (B over the BroadcastChannel).
    tabA.committer.on('committed', (pushes) => tabB.dispatcher.dispatchStored(pushes));
    await Promise.all(keys.map((k) => tabA.committer.enqueue(newPush({ dedupKey: k }))));
    await tabA.settle();
    await tabB.settle();
    expect([...a.seen, ...b.seen].sort()).toEqual([...keys].sort());
    expect(a.seen.filter((k) => b.seen.includes(k))).toEqual([]);
  });

  it.each([
    ['a type the app does not accept', { contentType: 'application/pdf' }, {}],
    ['a sender outside allowFrom', { from: 'sip:mallory@example.com' }, { allowFrom: ['sip:boss@example.com'] }],
    ['an unverified sender for an app with allowFrom', { from: 'sip:boss@example.com', senderUnverified: true }, { allowFrom: ['sip:boss@example.com'] }],
    ['a MESSAGE push over the app\'s maxBytes', { content: new Uint8Array(11), size: 11 }, { maxBytes: 10 }],
  ] as const)('does not hand a stored push the app refuses now: %s', async (_name, push, spec) => {
    const s = await session();
    const refused: string[] = [];
    const dispatcher = new Dispatcher({ store: s.store, apps: s.apps, limits: LIMITS, onRefused: (p, reason) => refused.push(`${p.dedupKey}: ${reason}`) });
    s.dispatcher.close();
    s.committer.on('committed', (pushes) => dispatcher.dispatchStored(pushes));
    const { app, seen } = recorder({ ...(spec as Partial<PushApp>) });
    s.apps.register(app);
    await s.committer.enqueue(newPush({ dedupKey: 'refused', ...push }));
    await s.committer.enqueue(newPush({ dedupKey: 'fine', from: 'sip:boss@example.com' }));
    await s.committer.idle();
    await dispatcher.idle();
    expect(seen).toEqual(['fine']);
    expect(refused).toEqual([expect.stringMatching(/^refused: /)]);
    expect((await s.store.undispatched('news.ua')).map((p) => p.dedupKey)).toEqual(['refused']);
  });

  it('an MSRP push is not held to the app\'s MESSAGE size limit at hand-over', async () => {
    const s = await session();
    const { app, seen } = recorder({ maxBytes: 10 });
    s.apps.register(app);
    await s.committer.enqueue(newPush({ dedupKey: 'big-file', via: 'msrp', content: new Uint8Array(0), size: 5_000_000 }));
    await s.settle();
    expect(seen).toEqual(['big-file']);
  });

  it('hands the copy withContent prepares (an MSRP push with its Blob); a failed preparation leaves the push undispatched', async () => {
    const store = await PushStore.open(uniqueDbName());
    stores.push(store);
    const committer = await GroupCommitter.create({ store });
    const apps = new AppRegistry();
    const errors: unknown[] = [];
    let failNext = true;
    const dispatcher = new Dispatcher({
      store,
      apps,
      limits: LIMITS,
      onError: (e) => errors.push(e),
      withContent: (p) => {
        if (p.dedupKey === 'b' && failNext) {
          failNext = false;
          throw new Error('content missing');
        }
        return { ...p, blob: new Blob([p.dedupKey]) };
      },
    });
    committer.on('committed', (pushes) => dispatcher.dispatchStored(pushes));
    dispatcher.start();
    const got: Array<[string, string]> = [];
    apps.register({ id: 'news.ua', accept: ['*/*'], handler: async (p) => void got.push([p.dedupKey, await p.blob!.text()]) });
    await Promise.all(['a', 'b', 'c'].map((k) => committer.enqueue(newPush({ dedupKey: k }))));
    await committer.idle();
    await dispatcher.idle();
    expect(got).toEqual([['a', 'a'], ['c', 'c']]);
    expect(errors.map((e) => (e as Error).message)).toEqual(['content missing']);
    expect((await store.undispatched('news.ua')).map((p) => p.dedupKey)).toEqual(['b']);
    // The next replay (the app registering again) hands it.
    dispatcher.replay('news.ua');
    await dispatcher.idle();
    expect(got.map(([k]) => k)).toEqual(['a', 'c', 'b']);
    // The Blob is never stored.
    expect((await store.list('news.ua')).every((p) => p.blob === undefined)).toBe(true);
  });
});
