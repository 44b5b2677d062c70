/**
 * The queue on a real PostgreSQL server (Debian's postgresql, started in a temporary
 * directory by server/testing/postgres.ts; this file fails, never skips, when it is not
 * installed): the shared contract, then what only a server shows: two workers with their own
 * pools sharing 1,000 pushes, each sent exactly once; a worker that dies holding leases;
 * instances migrating the schema at the same time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../../testing/postgres.ts';
import { openPostgres } from './postgres.ts';
import { openPushQueue, type Claim, type PushQueue } from './queue.ts';
import type { Sql } from './sql.ts';
import { SCHEMA_VERSION } from './schema.ts';
import { T0, push, queueContract, resetQueue } from './testing/queueContract.ts';

let server: TestPostgres;
let sql: Sql;

beforeAll(async () => {
  server = await startPostgres();
  sql = openPostgres(server.url, { max: 4 });
}, 120_000);

afterAll(async () => {
  await sql?.close();
  await server?.stop();
});

queueContract('PostgreSQL', () => sql);

describe('the test server', () => {
  it('fails naming scripts/system-deps.sh when PostgreSQL is not installed', async () => {
    await expect(startPostgres({ binDirs: ['/nonexistent/postgresql/bin'] })).rejects.toThrow('run `bash scripts/system-deps.sh`');
  });
});

describe('PostgreSQL: several service instances on one queue', () => {
  it('two workers, 1,000 queued pushes: each claimed and sent exactly once', async () => {
    await openPushQueue(sql); // the schema, before resetting it
    await resetQueue(sql);
    const total = 1000;
    const ids = Array.from({ length: total }, (_, i) => `bulk-${String(i).padStart(4, '0')}`);
    const started = Date.now();
    // Enqueue through both instances at once, as two service front ends would.
    const a = await openPushQueue(openPostgres(server.url, { max: 3, applicationName: 'worker-a' }));
    const b = await openPushQueue(openPostgres(server.url, { max: 3, applicationName: 'worker-b' }));
    await Promise.all([a, b].map(async (queue, n) => {
      for (let i = n; i < total; i += 2) await queue.enqueue(push(ids[i]!, { priority: i % 3 }));
    }));
    const enqueuedMs = Date.now() - started;

    const sent = new Map<string, string[]>();
    async function work(queue: PushQueue, worker: string): Promise<number> {
      let count = 0;
      for (;;) {
        const claims = await queue.claim(worker, { limit: 10 });
        if (claims.length === 0) return count;
        await Promise.all(claims.map(async (claim) => {
          sent.set(claim.pushId, [...(sent.get(claim.pushId) ?? []), worker]);
          const result = await queue.recordAttempt(claim, { kind: 'sip', status: 200, reason: 'OK' });
          expect(result.recorded).toBe(true);
        }));
        count += claims.length;
      }
    }
    const sendStarted = Date.now();
    const [byA, byB] = await Promise.all([work(a, 'worker-a'), work(b, 'worker-b')]);
    const sendMs = Date.now() - sendStarted;
    console.log(`two workers, ${total} pushes: enqueued in ${enqueuedMs} ms; sent in ${sendMs} ms; worker-a ${byA}, worker-b ${byB}`);

    expect(byA + byB).toBe(total);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
    expect(sent.size).toBe(total);
    expect([...sent.values()].filter((workers) => workers.length !== 1)).toEqual([]);
    const { rows } = await sql.query<{ status: string; attempts: number; n: string }>('select status, attempts, count(*) as n from psa_deliveries group by status, attempts');
    expect(rows.map((r) => [r.status, r.attempts, Number(r.n)])).toEqual([['delivered', 1, total]]);
    const delivered = await sql.query<{ n: string; pushes: string }>("select count(*) as n, count(distinct push) as pushes from psa_events where to_status = 'delivered'");
    expect(delivered.rows[0]).toEqual({ n: String(total), pushes: String(total) });
    await Promise.all([a.close(), b.close()]);
  }, 120_000);

  it('a worker that dies holding leases: its connection dropped, the leases run out, another worker sends each push once', async () => {
    const clock = { now: T0 };
    const options = { clock: () => clock.now, leaseMs: 30_000 };
    const setup = await openPushQueue(sql, options);
    await resetQueue(sql);
    for (let i = 0; i < 20; i++) await setup.enqueue(push(`crash-${i}`));

    const doomedSql = openPostgres(server.url, { max: 1, applicationName: 'doomed-worker' });
    const doomed = await openPushQueue(doomedSql, options);
    const held: Claim[] = await doomed.claim('doomed', { limit: 5 });
    expect(held).toHaveLength(5);
    // The instance dies: the server drops its connection, nothing was recorded.
    const killed = await sql.query<{ killed: boolean }>("select pg_terminate_backend(pid) as killed from pg_stat_activity where application_name = 'doomed-worker'");
    expect(killed.rows.map((r) => r.killed)).toEqual([true]);
    await doomedSql.close().catch(() => undefined);

    const survivor = await openPushQueue(openPostgres(server.url, { max: 2, applicationName: 'survivor' }), options);
    const first = await survivor.claim('survivor', { limit: 50 });
    expect(first).toHaveLength(15);
    expect(first.filter((c) => held.some((h) => h.pushId === c.pushId))).toEqual([]);
    for (const claim of first) await survivor.recordAttempt(claim, { kind: 'sip', status: 200 });
    expect(await survivor.claim('survivor')).toEqual([]);

    clock.now = T0 + 30_000;
    const retaken = await survivor.claim('survivor', { limit: 50 });
    expect(retaken.map((c) => c.pushId).sort()).toEqual(held.map((c) => c.pushId).sort());
    expect(retaken.every((c) => c.attempt === 1)).toBe(true);
    for (const claim of retaken) expect(await survivor.recordAttempt(claim, { kind: 'sip', status: 200 })).toMatchObject({ recorded: true });
    // Had the first worker only been slow, its late outcomes are refused now.
    for (const claim of held) expect(await setup.recordAttempt(claim, { kind: 'sip', status: 200 })).toEqual({ recorded: false, reason: 'lease-lost' });

    const { rows } = await sql.query<{ status: string; attempts: number; n: string }>('select status, attempts, count(*) as n from psa_deliveries group by status, attempts');
    expect(rows.map((r) => [r.status, r.attempts, Number(r.n)])).toEqual([['delivered', 1, 20]]);
    const events = await sql.query<{ n: string }>("select count(*) as n from psa_events where to_status = 'delivered'");
    expect(Number(events.rows[0]!.n)).toBe(20);
    await survivor.close();
  }, 60_000);

  it('instances starting together on a fresh database apply the schema once', async () => {
    const url = await server.createDatabase('fresh_schema');
    const pools = Array.from({ length: 3 }, () => openPostgres(url, { max: 1 }));
    const queues = await Promise.all(pools.map((pool) => openPushQueue(pool)));
    const { rows } = await pools[0]!.query<{ version: number }>('select version from psa_schema');
    expect(rows).toEqual([{ version: SCHEMA_VERSION }]);
    await Promise.all(queues.map((queue) => queue.close()));
  }, 60_000);
});
