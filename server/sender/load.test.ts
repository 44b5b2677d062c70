import { afterEach, describe, expect, it } from 'vitest';
import { startFakeCore, type FakeCore } from '../testing/fakeCore.ts';
import { percentile, runLoad } from './load.ts';
import { createPushSender, type PushResult, type PushSender } from './pushSender.ts';

const result = (status: number): PushResult => ({ status, reason: '', ok: status >= 200 && status < 300, elapsedMs: 0 });

describe('runLoad, closed loop', () => {
  it('runs count pushes with at most concurrency in flight and counts statuses', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const report = await runLoad({ count: 50, concurrency: 8 }, async (i) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await Promise.resolve();
      await new Promise((r) => setImmediate(r));
      inFlight--;
      if (i % 10 === 3) throw new Error(`boom ${i}`);
      return result(i % 5 === 0 ? 404 : 200);
    });
    expect(maxInFlight).toBe(8);
    expect(report.sent).toBe(50);
    // i % 5 === 0: 10 pushes answered 404; i % 10 === 3: 5 pushes threw.
    expect(report.statuses).toEqual({ 200: 35, 404: 10, 0: 5 });
    expect(report.ok).toBe(35);
    expect(report.failed).toBe(15);
    expect((report.firstError as Error).message).toBe('boom 3');
    expect(report.latenciesMs).toHaveLength(50);
    expect(report.latenciesMs.every((ms) => ms >= 0)).toBe(true);
    expect(report.elapsedMs).toBeGreaterThan(0);
  });

  it('handles count 0 and concurrency above count', async () => {
    expect((await runLoad({ count: 0, concurrency: 4 }, async () => result(200))).sent).toBe(0);
    expect((await runLoad({ count: 3, concurrency: 64 }, async () => result(200))).ok).toBe(3);
  });

  it('rejects nonsense specs', async () => {
    await expect(runLoad({ count: 1, concurrency: 0 }, async () => result(200))).rejects.toThrow(RangeError);
    await expect(runLoad({ count: -1, concurrency: 1 }, async () => result(200))).rejects.toThrow(RangeError);
    await expect(runLoad({ count: 1, ratePerSecond: 0 }, async () => result(200))).rejects.toThrow(RangeError);
  });
});

describe('runLoad, open loop', () => {
  it('starts pushes at the given rate without waiting for earlier ones', async () => {
    const started: number[] = [];
    const t0 = performance.now();
    const report = await runLoad({ count: 20, ratePerSecond: 1000 }, async (i) => {
      started.push(i);
      // Push 0 only finishes after all others started: the loop is open.
      if (i === 0) await new Promise<void>((resolve) => {
        const check = () => (started.length === 20 ? resolve() : setImmediate(check));
        check();
      });
      return result(200);
    });
    expect(report).toMatchObject({ sent: 20, ok: 20, failed: 0, statuses: { 200: 20 } });
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // Push 19 is due 19 ms after the start.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(18);
    expect(report.latenciesMs[0]).toBeGreaterThanOrEqual(report.latenciesMs[19]!);
  });
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const samples = [5, 1, 4, 2, 3];
    expect(percentile(samples, 50)).toBe(3);
    expect(percentile(samples, 100)).toBe(5);
    expect(percentile(samples, 0)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('runLoad with the sender', () => {
  let core: FakeCore | undefined;
  let sender: PushSender | undefined;
  afterEach(async () => {
    await sender?.close();
    await core?.close();
  });

  it('drives many pushes through one socket', async () => {
    core = await startFakeCore((r) => r.reply(Number(r.request.body[0]) % 7 === 0 ? 486 : 200));
    sender = createPushSender({ server: core.url, from: 'sip:psa@localhost' });
    await sender.connect();
    const s = sender;
    const report = await runLoad({ count: 500, concurrency: 64 }, (i) =>
      s.sendPush({ to: 'sip:alice@localhost', app: 'news.ua', contentType: 'application/octet-stream', body: new Uint8Array([i % 256]) }),
    );
    const busy = Array.from({ length: 500 }, (_, i) => i % 256).filter((b) => b % 7 === 0).length;
    expect(report).toMatchObject({ sent: 500, ok: 500 - busy, failed: busy, statuses: { 200: 500 - busy, 486: busy } });
    expect(core.received).toHaveLength(500);
  });
});
