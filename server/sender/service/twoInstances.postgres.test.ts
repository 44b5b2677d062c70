/**
 * Two service instances on one PostgreSQL queue (issue 12, store and forward): 1,000 pushes
 * submitted through both, claimed by both workers (FOR UPDATE SKIP LOCKED with leases), each
 * received exactly once (counted at the receivers by Push-ID) and each reported delivered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHeader } from '../../../src/protocol/sip/index.ts';
import { startTestCore, type TestCore } from '../../testing/coreHarness.ts';
import { startPostgres, type TestPostgres } from '../../testing/postgres.ts';
import type { SipUa } from '../../testing/sipUa.ts';
import { until } from '../../testing/until.ts';
import { startPushService, type RunningPushService } from './index.ts';

const RECEIVERS = 20;
const PUSHES = 1000;
let pg: TestPostgres;
let core: TestCore;
let dir: string;
const instances: RunningPushService[] = [];
const receivers: SipUa[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'psa-two-'));
  pg = await startPostgres();
  core = await startTestCore({});
  for (let i = 0; i < RECEIVERS; i++) {
    const ua = await core.ua({ aor: `sip:r${i}@localhost` });
    ua.autoAnswer.set('MESSAGE', 200);
    await ua.register({ contactParams: `;+g.oma.pusheventapp="news.ua";+sip.instance="<urn:uuid:${crypto.randomUUID()}>"`, expires: 600 });
    receivers.push(ua);
  }
  for (const name of ['a', 'b']) {
    instances.push(
      await startPushService({
        core: { server: core.wsUrl, aor: 'sip:psa@localhost' },
        api: { port: 0, auth: false, uploadDir: join(dir, `uploads-${name}`) },
        queue: pg.url,
        contentDir: join(dir, 'content'),
        workerId: `instance-${name}`,
        worker: { pollIntervalMs: 20 },
        log: () => {},
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  for (const instance of instances) await instance.close();
  for (const ua of receivers) await ua.close();
  await core?.close();
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('two service instances on one PostgreSQL queue', () => {
  it('1,000 pushes submitted through both are each sent once, by one instance or the other, and each reported delivered', async () => {
    const submit = async (i: number) => {
      const instance = instances[i % 2]!;
      const res = await fetch(`${instance.apiUrl}/v1/pushes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pushId: `two-${i}`, target: `sip:r${i % RECEIVERS}@localhost`, app: 'news.ua', contentType: 'text/plain', content: `push ${i}` }),
      });
      expect(res.status).toBe(202);
    };
    for (let i = 0; i < PUSHES; i += 50) await Promise.all(Array.from({ length: 50 }, (_, k) => submit(i + k)));
    const received = () => receivers.flatMap((ua) => ua.requests.filter((r) => r.method === 'MESSAGE').map((r) => getHeader(r, 'push-id')));
    await until(() => received().length >= PUSHES, 60_000);
    const ids = received();
    expect(ids).toHaveLength(PUSHES);
    expect(new Set(ids).size).toBe(PUSHES);
    // Every delivery reported delivered once, in the shared log both instances read.
    const deliveredEvents = async () => (await instances[0]!.service.changesSince(0, 10_000)).filter((c) => c.to === 'delivered');
    await until(async () => (await deliveredEvents()).length >= PUSHES, 30_000); // the last outcomes are being recorded
    const delivered = await deliveredEvents();
    expect(new Set(delivered.map((c) => c.pushId)).size).toBe(PUSHES);
    expect(delivered).toHaveLength(PUSHES);
    // Both workers sent some: the sender's own Via (a random host per instance's connection) tells them apart.
    const senders = new Map<string, number>();
    for (const ua of receivers) {
      for (const r of ua.requests.filter((m) => m.method === 'MESSAGE')) {
        const via = r.headers.filter((h) => h.name.toLowerCase() === 'via').map((h) => h.value).join(',').split(',').at(-1)!;
        const host = /SIP\/2\.0\/WSS? ([^;\s]+)/i.exec(via)?.[1] ?? 'unknown';
        senders.set(host, (senders.get(host) ?? 0) + 1);
      }
    }
    expect([...senders.keys()]).toHaveLength(2);
    console.log(`two instances: ${[...senders.values()].join(' / ')} pushes sent by each`);
  }, 120_000);
});
