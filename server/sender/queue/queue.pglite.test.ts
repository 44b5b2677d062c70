/**
 * The queue on PGlite (the embedded default), in a data directory on disk: the shared
 * contract, then a restart (close, reopen the same directory) that loses nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from './pglite.ts';
import { openPushQueue } from './queue.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.ts';
import type { Sql } from './sql.ts';
import { T0, push, queueContract, resetQueue } from './testing/queueContract.ts';

let dataDir: string;
let sql: Sql;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sip-push-pglite-'));
  sql = await openPglite(dataDir);
}, 120_000);

afterAll(async () => {
  await sql?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

queueContract('PGlite', () => sql);

describe('PGlite restart', () => {
  it('a restart loses nothing: queued, leased and finished deliveries and the event log survive close and reopen', async () => {
    const clock = { now: T0 };
    let queue = await openPushQueue(sql, { clock: () => clock.now, random: () => 0, leaseMs: 30_000 });
    await resetQueue(sql);
    const bytes = new Uint8Array(4096).map((_, i) => i % 251);
    await queue.enqueue(push('kept', { content: bytes, deliverBefore: T0 + 3_600_000, priority: 3 }));
    await queue.enqueue(push('leased'));
    await queue.enqueue(push('done'));
    const claims = await queue.claim('before-restart', { limit: 2 });
    expect(claims.map((c) => c.pushId)).toEqual(['kept', 'leased']);
    await queue.recordAttempt(claims[0]!, { kind: 'sip', status: 480 });
    const [done] = await queue.claim('before-restart');
    await queue.recordAttempt(done!, { kind: 'sip', status: 200 });
    const before = { kept: await queue.getPush('kept'), leased: await queue.getPush('leased'), done: await queue.getPush('done'), events: await queue.changesSince(0) };

    await queue.close();
    sql = await openPglite(dataDir);
    queue = await openPushQueue(sql, { clock: () => clock.now, random: () => 0, leaseMs: 30_000 });

    expect(await queue.getPush('kept')).toEqual(before.kept);
    expect(await queue.getPush('leased')).toEqual(before.leased);
    expect(await queue.getPush('done')).toEqual(before.done);
    expect(await queue.changesSince(0)).toEqual(before.events);
    await expect(queue.enqueue(push('done'))).rejects.toMatchObject({ code: 'QUEUE_ERR_PUSH_ID_TAKEN' });
    // The lease taken before the restart still holds; once it runs out the delivery is sent again, once.
    clock.now = T0 + 1000;
    expect((await queue.claim('after-restart')).map((c) => c.pushId)).toEqual(['kept']);
    clock.now = T0 + 30_000;
    const [again] = await queue.claim('after-restart');
    expect(again).toMatchObject({ pushId: 'leased', attempt: 1 });
    expect(await queue.claim('after-restart')).toEqual([]);
    const [keptAgain] = claims;
    expect([...(await sql.query<{ content: Uint8Array }>("select content from psa_pushes where push_id = 'kept'")).rows[0]!.content]).toEqual([...bytes]);
    expect(keptAgain?.push.content?.byteLength).toBe(4096);
  }, 60_000);
});

describe('schema upgrade', () => {
  it('a queue at version 1 is brought to the current version with what it holds', async () => {
    const old = await openPglite();
    try {
      await old.query('create table psa_schema (version integer not null)');
      await old.query('insert into psa_schema (version) values (1)');
      for (const statement of MIGRATIONS[0]!.split(';').map((s) => s.trim()).filter(Boolean)) await old.query(statement);
      await old.query(
        `insert into psa_pushes (push_id, target, app, content_type, content_file, content_size, report_requested, created_at, updated_at)
         values ('v1-push', '{}', 'news.ua', 'video/mp4', '/content/v1.bin', 5, false, now(), now())`,
      );
      const queue = await openPushQueue(old);
      expect((await old.query<{ version: number }>('select version from psa_schema')).rows).toEqual([{ version: SCHEMA_VERSION }]);
      expect(await queue.getPush('v1-push')).toMatchObject({ pushId: 'v1-push', contentFile: '/content/v1.bin' });
      expect(await queue.releaseSettledContent()).toEqual(['/content/v1.bin']);
    } finally {
      await old.close();
    }
  }, 60_000);
});
