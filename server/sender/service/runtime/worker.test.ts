/** The delivery worker over a real queue (PGlite in memory): concurrency, outcomes recorded, retries, stop. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openPglite, openPushQueue, type AttemptOutcome, type Claim, type PushQueue, type Sql } from '../../queue/index.ts';
import { push, resetQueue } from '../../queue/testing/queueContract.ts';
import { until } from '../../../testing/until.ts';
import { createChangeFeed } from './changeFeed.ts';
import { createDeliveryWorker, type DeliveryWorker } from './worker.ts';

let sql: Sql;
let queue: PushQueue;
let worker: DeliveryWorker | undefined;

beforeAll(async () => {
  sql = await openPglite();
  queue = await openPushQueue(sql, { backoff: { initialDelayMs: 10, maxDelayMs: 20 } });
}, 60_000);
afterAll(() => sql?.close());
beforeEach(async () => {
  await worker?.stop();
  worker = undefined;
  await resetQueue(sql);
});

describe('delivery worker', () => {
  it('sends every due delivery once, never more than maxConcurrentSends at a time, and records each', async () => {
    for (let i = 0; i < 12; i++) await queue.enqueue(push(`p${i}`));
    let concurrent = 0;
    let peak = 0;
    const sent: string[] = [];
    const releases: Array<() => void> = [];
    worker = createDeliveryWorker({
      queue,
      workerId: 'w1',
      maxConcurrentSends: 3,
      pollIntervalMs: 20,
      deliver: async (claim: Claim): Promise<AttemptOutcome> => {
        concurrent++;
        peak = Math.max(peak, concurrent);
        sent.push(claim.pushId);
        await new Promise<void>((r) => releases.push(r));
        concurrent--;
        return { kind: 'sip', status: 200, reason: 'OK' };
      },
    });
    worker.start();
    await until(async () => {
      releases.splice(0).forEach((r) => r());
      const states = await Promise.all(Array.from({ length: 12 }, (_, i) => queue.getPush(`p${i}`)));
      return states.every((s) => s?.deliveries[0]?.status === 'delivered');
    }, 10_000);
    expect(peak).toBe(3);
    expect(sent.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `p${i}`).sort());
  });

  it('a send that throws is a transport failure and is retried; a 480 is retried; then delivered', async () => {
    await queue.enqueue(push('flaky'));
    const outcomes: Array<AttemptOutcome | Error> = [new Error('socket hung up'), { kind: 'sip', status: 480 }, { kind: 'sip', status: 200 }];
    worker = createDeliveryWorker({
      queue,
      workerId: 'w1',
      pollIntervalMs: 10,
      deliver: async () => {
        const next = outcomes.shift()!;
        if (next instanceof Error) throw next;
        return next;
      },
    });
    worker.start();
    await until(async () => (await queue.getPush('flaky'))?.deliveries[0]?.status === 'delivered', 10_000);
    expect((await queue.getPush('flaky'))?.deliveries[0]).toMatchObject({ attempts: 3 });
  });

  it('stop() lets the send in flight finish and be recorded, then claims nothing more', async () => {
    await queue.enqueue(push('inflight'));
    let release!: () => void;
    let started = false;
    worker = createDeliveryWorker({
      queue,
      workerId: 'w1',
      pollIntervalMs: 10,
      deliver: async () => {
        started = true;
        await new Promise<void>((r) => (release = r));
        return { kind: 'sip', status: 200 };
      },
    });
    worker.start();
    await until(() => started);
    const stopping = worker.stop();
    release();
    await stopping;
    expect((await queue.getPush('inflight'))?.deliveries[0]?.status).toBe('delivered');
    await queue.enqueue(push('after-stop'));
    worker.kick();
    // Still there for another worker: the stopped one claimed nothing.
    expect((await queue.claim('probe')).map((c) => c.pushId)).toEqual(['after-stop']);
  });

  it('rejects a limit that is not a positive integer, naming it', () => {
    expect(() => createDeliveryWorker({ queue, workerId: 'w', deliver: async () => ({ kind: 'sip', status: 200 }), maxConcurrentSends: 0 })).toThrow(/maxConcurrentSends must be a positive integer/);
  });
});

describe('change feed', () => {
  it('skips the backlog on start, then hands each new change once, in order', async () => {
    await queue.enqueue(push('old'));
    const feed = createChangeFeed({ queue, pollIntervalMs: 10 });
    await feed.start();
    const seen: string[] = [];
    feed.onChange((c) => seen.push(`${c.pushId}:${c.to}`));
    await queue.enqueue(push('new1'));
    feed.poke();
    await queue.enqueue(push('new2'));
    await until(() => seen.length === 2);
    feed.poke();
    await until(async () => (await queue.changesSince(feed.lastEventId)).length === 0);
    expect(seen).toEqual(['new1:pending', 'new2:pending']);
    feed.stop();
  });
});

describe('change feed: holes in the event IDs', () => {
  const change = (eventId: number) => ({ eventId, pushId: `p${eventId}`, terminal: 't', to: 'pending' as const, attempts: 0, at: 0 });

  it('stops at a hole while another connection may still commit it, then hands the late event in order', async () => {
    let log = [change(1)];
    const fake = { changesSince: async (after: number) => log.filter((c) => c.eventId > after) } as unknown as PushQueue;
    const clock = { now: 0 };
    const feed = createChangeFeed({ queue: fake, pollIntervalMs: 60_000, gapWaitMs: 1000, clock: () => clock.now });
    log = [];
    await feed.start();
    const seen: number[] = [];
    feed.onChange((c) => seen.push(c.eventId));
    log = [change(1), change(3)];
    feed.poke();
    await until(() => seen.length === 1);
    feed.poke(); // 2 is missing: held
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([1]);
    log = [change(1), change(2), change(3)]; // the slower transaction committed
    feed.poke();
    await until(() => seen.length === 3);
    expect(seen).toEqual([1, 2, 3]);
    feed.stop();
  });

  it('moves past a hole still there after gapWaitMs (a rolled-back transaction)', async () => {
    const log = [change(1), change(3)];
    const fake = { changesSince: async (after: number) => log.filter((c) => c.eventId > after) } as unknown as PushQueue;
    const clock = { now: 0 };
    const feed = createChangeFeed({ queue: fake, pollIntervalMs: 60_000, gapWaitMs: 1000, clock: () => clock.now });
    await feed.start(); // skips 1 and 3 (the backlog)
    const seen: number[] = [];
    feed.onChange((c) => seen.push(c.eventId));
    log.push(change(5));
    feed.poke();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([]);
    clock.now = 1000;
    feed.poke();
    await until(() => seen.length === 1);
    expect(seen).toEqual([5]);
    feed.stop();
  });
});
