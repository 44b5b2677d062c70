/**
 * The queue's behaviour, one suite run on each engine (queue.pglite.test.ts,
 * queue.postgres.test.ts): the same SQL must do the same on both. Time is a variable the
 * tests move (the queue's clock), so leases, backoff and expiry need no sleeps; jitter is
 * off (random() = 0) so delays are exact.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF } from '../backoff.ts';
import { openPushQueue, type EnqueueRequest, type PushQueue, type PushQueueOptions } from '../queue.ts';
import type { Sql } from '../sql.ts';

export const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);

/** Empty the queue's tables (the schema stays). */
export async function resetQueue(sql: Sql): Promise<void> {
  await sql.query('truncate psa_events, psa_deliveries, psa_pushes restart identity cascade');
}

export function push(pushId: string, overrides: Partial<EnqueueRequest> = {}): EnqueueRequest {
  return {
    pushId,
    target: { aor: 'sip:alice@localhost' },
    app: 'news.ua',
    contentType: 'text/plain',
    content: new TextEncoder().encode(`content of ${pushId}`),
    terminals: ['sip:alice@localhost'],
    ...overrides,
  };
}

/** A test clock: `clock.now` is what the queue reads. */
export interface TestClock {
  now: number;
}

export function queueContract(engine: string, getSql: () => Sql): void {
  describe(`push queue on ${engine}`, () => {
    let clock: TestClock;
    let queue: PushQueue;
    const open = (options: PushQueueOptions = {}) => openPushQueue(getSql(), { clock: () => clock.now, random: () => 0, leaseMs: 30_000, ...options });

    beforeEach(async () => {
      clock = { now: T0 };
      queue = await open();
      await resetQueue(getSql());
    });

    describe('enqueue', () => {
      it('stores the push with one pending delivery per terminal, due now, and logs each', async () => {
        const state = await queue.enqueue(push('p1', { terminals: ['gruu:a', 'gruu:b'], priority: 5, reportRequested: true, deliverBefore: T0 + 60_000 }));
        expect(state).toMatchObject({
          pushId: 'p1',
          target: { aor: 'sip:alice@localhost' },
          app: 'news.ua',
          contentType: 'text/plain',
          contentSize: 13,
          reportRequested: true,
          priority: 5,
          deliverBefore: T0 + 60_000,
          createdAt: T0,
        });
        expect(state.deliveries).toEqual([
          { terminal: 'gruu:a', status: 'pending', attempts: 0, nextAttemptAt: T0, inFlight: false, updatedAt: T0 },
          { terminal: 'gruu:b', status: 'pending', attempts: 0, nextAttemptAt: T0, inFlight: false, updatedAt: T0 },
        ]);
        const changes = await queue.changesSince(0);
        expect(changes.map((c) => [c.pushId, c.terminal, c.from, c.to, c.reason])).toEqual([
          ['p1', 'gruu:a', undefined, 'pending', 'enqueued'],
          ['p1', 'gruu:b', undefined, 'pending', 'enqueued'],
        ]);
      });

      it('refuses a second submit with the same push ID, naming it, and keeps the first', async () => {
        await queue.enqueue(push('dup'));
        const second = queue.enqueue(push('dup', { app: 'other.ua', terminals: ['x'] }));
        await expect(second).rejects.toMatchObject({ code: 'QUEUE_ERR_PUSH_ID_TAKEN', status: 409 });
        await expect(second).rejects.toThrow(/Push ID "dup" was already submitted \(at 2030-01-01T12:00:00.000Z\); a push ID is used once/);
        const state = await queue.getPush('dup');
        expect(state?.app).toBe('news.ua');
        expect(state?.deliveries.map((d) => d.terminal)).toEqual(['sip:alice@localhost']);
        expect(await queue.changesSince(0)).toHaveLength(1);
      });

      it.each([
        [{ pushId: '' }, 'pushId'],
        [{ pushId: 'x'.repeat(257) }, 'pushId'],
        [{ app: '' }, 'app'],
        [{ contentType: '' }, 'contentType'],
        [{ terminals: [] }, 'terminals must list at least one'],
        [{ terminals: ['a', 'a'] }, 'terminals must not repeat'],
        [{ priority: 1.5 }, 'priority'],
        [{ deliverBefore: T0 }, 'deliverBefore is already past'],
        [{ deliverAfter: T0 + 10, deliverBefore: T0 + 5 }, 'deliverAfter must come before deliverBefore'],
        [{ content: { file: '', size: 1 } }, 'content must be bytes or { file, size }'],
        [{ content: { file: '/x', size: -1 } }, 'content.size'],
      ] as [Partial<EnqueueRequest>, string][])('refuses %o naming %s', async (overrides, message) => {
        await expect(queue.enqueue(push('bad', overrides))).rejects.toMatchObject({ code: 'QUEUE_ERR_INPUT', status: 400, message: expect.stringContaining(message) });
        expect(await queue.getPush('bad')).toBeUndefined();
      });
    });

    describe('claim', () => {
      it('hands out due deliveries with their content, highest priority first, each once', async () => {
        const bytes = new Uint8Array([0, 1, 2, 255]);
        await queue.enqueue(push('low', { content: bytes, contentType: 'application/octet-stream' }));
        await queue.enqueue(push('high', { priority: 9, content: { file: '/var/spool/psa/high.bin', size: 123456 }, deliverBefore: T0 + 1000 }));
        const claims = await queue.claim('w1', { limit: 5 });
        expect(claims.map((c) => c.pushId)).toEqual(['high', 'low']);
        expect(claims[0]).toMatchObject({
          terminal: 'sip:alice@localhost',
          attempt: 1,
          worker: 'w1',
          leaseUntil: T0 + 30_000,
          push: { contentFile: { file: '/var/spool/psa/high.bin', size: 123456 }, priority: 9, deliverBefore: T0 + 1000 },
        });
        expect(claims[0]!.push.content).toBeUndefined();
        expect([...claims[1]!.push.content!]).toEqual([0, 1, 2, 255]);
        expect(claims[0]!.leaseToken).not.toBe(claims[1]!.leaseToken);
        expect(await queue.claim('w2')).toEqual([]);
        expect((await queue.getPush('low'))?.deliveries[0]?.inFlight).toBe(true);
      });

      it('respects limit', async () => {
        for (let i = 0; i < 5; i++) await queue.enqueue(push(`p${i}`));
        expect(await queue.claim('w1', { limit: 2 })).toHaveLength(2);
        expect(await queue.claim('w2', { limit: 10 })).toHaveLength(3);
      });

      it('holds a push back until deliverAfter', async () => {
        await queue.enqueue(push('later', { deliverAfter: T0 + 5000 }));
        expect(await queue.claim('w1')).toEqual([]);
        clock.now = T0 + 5000;
        expect((await queue.claim('w1')).map((c) => c.pushId)).toEqual(['later']);
      });

      it("gives a delivery whose lease ran out to another worker, and refuses the first worker's late outcome", async () => {
        await queue.enqueue(push('p'));
        const [first] = await queue.claim('w1');
        clock.now = T0 + 29_999;
        expect(await queue.claim('w2')).toEqual([]);
        clock.now = T0 + 30_000;
        const [second] = await queue.claim('w2');
        expect(second).toMatchObject({ pushId: 'p', worker: 'w2', attempt: 1 });
        expect(await queue.recordAttempt(first!, { kind: 'sip', status: 200 })).toEqual({ recorded: false, reason: 'lease-lost' });
        expect(await queue.extendLease(first!)).toBe(false);
        const result = await queue.recordAttempt(second!, { kind: 'sip', status: 200, reason: 'OK' });
        expect(result).toMatchObject({ recorded: true, delivery: { status: 'delivered', attempts: 1, lastSipStatus: 200, inFlight: false } });
        expect(await queue.recordAttempt(second!, { kind: 'sip', status: 200 })).toEqual({ recorded: false, reason: 'lease-lost' });
        const delivered = (await queue.changesSince(0)).filter((c) => c.to === 'delivered');
        expect(delivered).toHaveLength(1);
      });

      it('extendLease keeps a long send', async () => {
        await queue.enqueue(push('big'));
        const [claim] = await queue.claim('w1');
        clock.now = T0 + 20_000;
        expect(await queue.extendLease(claim!, 60_000)).toBe(true);
        clock.now = T0 + 70_000;
        expect(await queue.claim('w2')).toEqual([]);
        expect((await queue.recordAttempt(claim!, { kind: 'sip', status: 200 })).recorded).toBe(true);
      });
    });

    describe('recordAttempt', () => {
      it('200 delivers; 202 is accepted, then reports bring delivered and displayed', async () => {
        await queue.enqueue(push('a', { terminals: ['t1', 't2'] }));
        const [c1, c2] = await queue.claim('w');
        const r1 = await queue.recordAttempt(c1!, { kind: 'sip', status: 200, reason: 'OK' });
        expect(r1).toMatchObject({ recorded: true, change: { pushId: 'a', terminal: 't1', from: 'pending', to: 'delivered', reason: '200 OK', sipStatus: 200, attempts: 1, at: T0 } });
        expect(await queue.recordAttempt(c2!, { kind: 'sip', status: 202, reason: 'Accepted' })).toMatchObject({ delivery: { status: 'accepted' } });
        clock.now += 1000;
        expect(await queue.report('a', 't2', 'delivered', { reason: 'IMDN delivered' })).toMatchObject({ applied: true, change: { from: 'accepted', to: 'delivered', at: T0 + 1000 } });
        expect(await queue.report('a', 't2', 'displayed')).toMatchObject({ applied: true, change: { from: 'delivered', to: 'displayed' } });
        expect(await queue.report('a', 't2', 'delivered')).toEqual({ applied: false, status: 'displayed' });
        expect(await queue.claim('w')).toEqual([]);
      });

      it('480 retries with backoff, 503 honours Retry-After, and maxAttempts ends it undeliverable', async () => {
        queue = await open({ backoff: { maxAttempts: 3 } });
        await queue.enqueue(push('r'));
        let [claim] = await queue.claim('w');
        let result = await queue.recordAttempt(claim!, { kind: 'sip', status: 480, reason: 'Temporarily Unavailable' });
        expect(result).toMatchObject({ recorded: true, delivery: { status: 'pending', attempts: 1, nextAttemptAt: T0 + DEFAULT_BACKOFF.initialDelayMs, lastSipStatus: 480 }, change: { from: 'pending', to: 'pending', reason: '480 Temporarily Unavailable' } });
        expect(await queue.claim('w')).toEqual([]);
        clock.now = T0 + 1000;
        [claim] = await queue.claim('w');
        expect(claim?.attempt).toBe(2);
        result = await queue.recordAttempt(claim!, { kind: 'sip', status: 503, retryAfterSeconds: 10 });
        expect(result).toMatchObject({ delivery: { attempts: 2, nextAttemptAt: T0 + 1000 + 10_000 } });
        clock.now = T0 + 11_000;
        [claim] = await queue.claim('w');
        result = await queue.recordAttempt(claim!, { kind: 'transport', reason: 'connection refused' });
        expect(result).toMatchObject({ delivery: { status: 'undeliverable', attempts: 3, reason: 'retries exhausted after 3 attempts (last: connection refused)' } });
      });

      it('a retry that would come after deliverBefore expires the delivery', async () => {
        await queue.enqueue(push('short', { deliverBefore: T0 + 1500 }));
        let [claim] = await queue.claim('w');
        await queue.recordAttempt(claim!, { kind: 'sip', status: 408 });
        clock.now = T0 + 1000;
        [claim] = await queue.claim('w');
        const result = await queue.recordAttempt(claim!, { kind: 'sip', status: 408, reason: 'Request Timeout' });
        expect(result).toMatchObject({ delivery: { status: 'expired', reason: 'deliver-before passed before the next attempt (last: 408 Request Timeout)' } });
      });

      it('404 and no contact park the delivery until wake(); no contact is not an attempt', async () => {
        await queue.enqueue(push('p404', { terminals: ['sip:bob@localhost'] }));
        await queue.enqueue(push('pnone', { terminals: ['sip:bob@localhost', 'sip:carol@localhost'] }));
        const claims = await queue.claim('w');
        expect(claims).toHaveLength(3);
        for (const claim of claims) {
          const outcome = claim.pushId === 'p404' ? ({ kind: 'sip', status: 404 } as const) : ({ kind: 'no-contact' } as const);
          await queue.recordAttempt(claim, outcome);
        }
        const none = await queue.getDelivery('pnone', 'sip:bob@localhost');
        expect(none).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: T0 + DEFAULT_BACKOFF.parkDelayMs, reason: 'no matching contact' });
        expect(await queue.getDelivery('p404', 'sip:bob@localhost')).toMatchObject({ attempts: 1, nextAttemptAt: T0 + DEFAULT_BACKOFF.parkDelayMs });
        clock.now = T0 + 10;
        expect(await queue.claim('w')).toEqual([]);
        expect(await queue.wake(['sip:bob@localhost'])).toBe(2);
        expect((await queue.claim('w')).map((c) => c.pushId).sort()).toEqual(['p404', 'pnone']);
      });

      it('a delivery parked for want of a contact waits until its deliver-before, not just the park delay: a contact that appears in time gets it', async () => {
        await queue.enqueue(push('soon', { deliverBefore: T0 + 60_000 }));
        const [claim] = await queue.claim('w');
        const parked = await queue.recordAttempt(claim!, { kind: 'no-contact' });
        expect(parked).toMatchObject({ delivery: { status: 'pending', reason: 'no matching contact' } });
        clock.now = T0 + 30_000;
        expect(await queue.wake(['sip:alice@localhost'])).toBe(1);
        const [again] = await queue.claim('w');
        expect(again?.pushId).toBe('soon');
        expect(await queue.recordAttempt(again!, { kind: 'sip', status: 200 })).toMatchObject({ delivery: { status: 'delivered' } });
      });

      it('an IMDN that overtook the 200 is kept; the late response still counts the attempt', async () => {
        await queue.enqueue(push('fast'));
        const [claim] = await queue.claim('w');
        expect(await queue.report('fast', 'sip:alice@localhost', 'delivered', { reason: 'IMDN delivered' })).toMatchObject({ applied: true });
        const result = await queue.recordAttempt(claim!, { kind: 'sip', status: 202 });
        expect(result).toEqual({ recorded: true, delivery: expect.objectContaining({ status: 'delivered', attempts: 1, reason: 'IMDN delivered', lastSipStatus: 202, inFlight: false }) });
        expect((await queue.changesSince(0)).map((c) => c.to)).toEqual(['pending', 'delivered']);
      });

      it('4xx other than 404, 408, 480, 486 is undeliverable at once', async () => {
        await queue.enqueue(push('forbidden'));
        const [claim] = await queue.claim('w');
        expect(await queue.recordAttempt(claim!, { kind: 'sip', status: 403, reason: 'Forbidden' })).toMatchObject({ delivery: { status: 'undeliverable', reason: '403 Forbidden' } });
      });

      it('a receiver that found it expired ends it expired (a send); a terminal found unable to take it ends undeliverable without a send', async () => {
        await queue.enqueue(push('late'));
        const [late] = await queue.claim('w');
        expect(await queue.recordAttempt(late!, { kind: 'expired', reason: '410 Gone (expired at the receiver)' })).toMatchObject({
          delivery: { status: 'expired', reason: '410 Gone (expired at the receiver)', attempts: 1 },
        });
        await queue.enqueue(push('unfit'));
        const [unfit] = await queue.claim('w');
        expect(await queue.recordAttempt(unfit!, { kind: 'refused', reason: 'capabilities mismatch: image/png not accepted' })).toMatchObject({
          delivery: { status: 'undeliverable', reason: 'capabilities mismatch: image/png not accepted', attempts: 0 },
        });
      });
    });

    describe('releaseSettledContent', () => {
      it('hands out the content file of a push once every delivery is settled, and each file once', async () => {
        await queue.enqueue(push('big', { content: { file: '/content/big.bin', size: 100_000 }, terminals: ['t1', 't2'] }));
        await queue.enqueue(push('inline'));
        const claims = await queue.claim('w', { limit: 5 });
        const big = claims.filter((c) => c.pushId === 'big');
        await queue.recordAttempt(big[0]!, { kind: 'sip', status: 200 });
        expect(await queue.releaseSettledContent()).toEqual([]); // t2 still in flight
        await queue.recordAttempt(big[1]!, { kind: 'sip', status: 403 });
        expect(await queue.releaseSettledContent()).toEqual(['/content/big.bin']);
        expect(await queue.releaseSettledContent()).toEqual([]);
      });
    });

    describe('unsettledTargets', () => {
      it('lists the targets and open terminal keys of pushes not yet settled, oldest first', async () => {
        await queue.enqueue(push('open', { target: { aorOf: { 'instance:x': 'sip:bob@localhost' } }, terminals: ['instance:x', 'aor:sip:carol@localhost'] }));
        await queue.enqueue(push('done'));
        const [claim] = (await queue.claim('w', { limit: 5 })).filter((c) => c.pushId === 'done');
        await queue.recordAttempt(claim!, { kind: 'sip', status: 200 });
        expect(await queue.unsettledTargets()).toEqual([{ pushId: 'open', target: { aorOf: { 'instance:x': 'sip:bob@localhost' } }, terminals: ['aor:sip:carol@localhost', 'instance:x'] }]);
      });
    });

    describe('batches (group commit)', () => {
      it('enqueueMany stores each good push in one transaction and refuses only the bad one and the repeated ID', async () => {
        await queue.enqueue(push('old'));
        const results = await queue.enqueueMany([
          push('b1', { content: new Uint8Array([0, 1, 255]) }),
          push('b2', { terminals: ['t2', 't1'], deliverBefore: T0 + 60_000, priority: 2 }),
          push('old'),
          push('b1'),
          push('bad', { terminals: [] }),
          push('b3', { content: { file: '/data/b3.bin', size: 10 } }),
        ]);
        expect(results.map((r) => (r instanceof Error ? (r as { code: string }).code : r.pushId))).toEqual(['b1', 'b2', 'QUEUE_ERR_PUSH_ID_TAKEN', 'QUEUE_ERR_PUSH_ID_TAKEN', 'QUEUE_ERR_INPUT', 'b3']);
        for (const id of ['b1', 'b2', 'b3']) expect(await queue.getPush(id)).toEqual(results.find((r) => !(r instanceof Error) && r.pushId === id));
        expect([...(await getSql().query<{ content: Uint8Array }>("select content from psa_pushes where push_id = 'b1'")).rows[0]!.content]).toEqual([0, 1, 255]);
      });

      it('recordAttempts records each claim under its own lease, refusing a lost one, in one transaction', async () => {
        for (const id of ['r1', 'r2', 'r3']) await queue.enqueue(push(id));
        const claims = await queue.claim('w', { limit: 3 });
        const lost = { ...claims[2]!, leaseToken: '00000000-0000-4000-8000-000000000000' };
        const results = await queue.recordAttempts([
          { claim: claims[0]!, outcome: { kind: 'sip', status: 200 } },
          { claim: claims[1]!, outcome: { kind: 'sip', status: 480 } },
          { claim: lost, outcome: { kind: 'sip', status: 200 } },
        ]);
        expect(results).toEqual([
          { recorded: true, delivery: expect.objectContaining({ status: 'delivered', attempts: 1 }), change: expect.objectContaining({ pushId: claims[0]!.pushId, to: 'delivered' }) },
          { recorded: true, delivery: expect.objectContaining({ status: 'pending', attempts: 1 }), change: expect.objectContaining({ pushId: claims[1]!.pushId, from: 'pending', to: 'pending' }) },
          { recorded: false, reason: 'lease-lost' },
        ]);
        expect((await queue.getPush(claims[2]!.pushId))?.deliveries[0]).toMatchObject({ status: 'pending', attempts: 0, inFlight: true });
      });
    });

    describe('report', () => {
      it('refuses an unknown delivery and a move the state machine forbids', async () => {
        await expect(queue.report('nope', 't', 'delivered')).rejects.toMatchObject({ code: 'QUEUE_ERR_NOT_FOUND', status: 404 });
        await queue.enqueue(push('x'));
        await expect(queue.report('x', 'sip:alice@localhost', 'pending')).rejects.toMatchObject({ code: 'QUEUE_ERR_INPUT' });
        await queue.cancel('x');
        expect(await queue.report('x', 'sip:alice@localhost', 'delivered')).toEqual({ applied: false, status: 'cancelled' });
      });
    });

    describe('expireDue', () => {
      it('expires pending and accepted deliveries past deliverBefore, not leased ones; claim never hands out an expired one', async () => {
        await queue.enqueue(push('acc', { deliverBefore: T0 + 100 }));
        await queue.enqueue(push('leased', { deliverBefore: T0 + 100 }));
        await queue.enqueue(push('parked', { deliverBefore: T0 + 100 }));
        await queue.enqueue(push('forever'));
        const claims = await queue.claim('w', { limit: 10 });
        const byId = new Map(claims.map((c) => [c.pushId, c]));
        await queue.recordAttempt(byId.get('acc')!, { kind: 'sip', status: 202 });
        // Parked (no contact yet): pending until deliver-before, when expireDue ends it.
        expect(await queue.recordAttempt(byId.get('parked')!, { kind: 'no-contact' })).toMatchObject({ delivery: { status: 'pending' } });
        await queue.recordAttempt(byId.get('forever')!, { kind: 'no-contact' });
        await queue.enqueue(push('pend', { deliverBefore: T0 + 100 }));
        clock.now = T0 + 100;
        expect(await queue.claim('w2')).toEqual([]);
        const changes = await queue.expireDue();
        expect(changes.map((c) => [c.pushId, c.from, c.to, c.reason]).sort()).toEqual([
          ['acc', 'accepted', 'expired', 'deliver-before passed'],
          ['parked', 'pending', 'expired', 'deliver-before passed'],
          ['pend', 'pending', 'expired', 'deliver-before passed'],
        ]);
        expect((await queue.getDelivery('leased', 'sip:alice@localhost'))?.status).toBe('pending');
        clock.now = T0 + 30_000;
        expect((await queue.expireDue()).map((c) => c.pushId)).toEqual(['leased']);
        expect(await queue.expireDue()).toEqual([]);
      });
    });

    describe('cancel', () => {
      it('cancels what is not yet sent, lists what is in flight or past pending, and an in-flight retry ends cancelled', async () => {
        await queue.enqueue(push('c', { terminals: ['t1', 't2', 't3', 't4'] }));
        const claims = await queue.claim('w', { limit: 3 });
        const [c1, c2, c3] = claims;
        await queue.recordAttempt(c1!, { kind: 'sip', status: 202 });
        const result = await queue.cancel('c');
        expect(result).toEqual({ cancelled: ['t4'], inFlight: [c2!.terminal, c3!.terminal].sort(), unchanged: [{ terminal: c1!.terminal, status: 'accepted' }] });
        expect(await queue.recordAttempt(c2!, { kind: 'sip', status: 480 })).toMatchObject({ delivery: { status: 'cancelled', reason: 'cancelled while in flight (last: 480)' } });
        expect(await queue.recordAttempt(c3!, { kind: 'sip', status: 200 })).toMatchObject({ delivery: { status: 'delivered' } });
        expect((await queue.getPush('c'))?.cancelledAt).toBe(T0);
        expect(await queue.claim('w')).toEqual([]);
        await expect(queue.addTerminals('c', ['t5'])).rejects.toMatchObject({ code: 'QUEUE_ERR_ILLEGAL_TRANSITION' });
      });

      it('refuses an unknown push ID', async () => {
        await expect(queue.cancel('missing')).rejects.toMatchObject({ code: 'QUEUE_ERR_NOT_FOUND', message: 'No push with ID "missing"' });
      });
    });

    describe('addTerminals and changesSince', () => {
      it('adds new terminals once, due now, and lists changes after an event ID in order, limited', async () => {
        await queue.enqueue(push('fan', { terminals: ['t1'] }));
        clock.now = T0 + 5;
        expect(await queue.addTerminals('fan', ['t1', 't2', 't3'])).toEqual(['t2', 't3']);
        expect((await queue.getPush('fan'))?.deliveries.map((d) => [d.terminal, d.status])).toEqual([
          ['t1', 'pending'],
          ['t2', 'pending'],
          ['t3', 'pending'],
        ]);
        const all = await queue.changesSince(0);
        expect(all.map((c) => c.eventId)).toEqual([1, 2, 3]);
        expect(all.map((c) => c.reason)).toEqual(['enqueued', 'terminal added', 'terminal added']);
        expect((await queue.changesSince(1, 1)).map((c) => c.eventId)).toEqual([2]);
        expect(await queue.changesSince(3)).toEqual([]);
        await expect(queue.changesSince(-1)).rejects.toMatchObject({ code: 'QUEUE_ERR_INPUT' });
      });
    });
  });
}
