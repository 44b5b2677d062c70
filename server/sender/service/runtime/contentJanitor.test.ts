import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite, openPushQueue, type PushQueue, type Sql } from '../../queue/index.ts';
import { push } from '../../queue/testing/queueContract.ts';
import { createContentJanitor } from './contentJanitor.ts';

let sql: Sql;
let queue: PushQueue;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'psa-janitor-'));
  sql = await openPglite();
  queue = await openPushQueue(sql);
}, 60_000);
afterAll(async () => {
  await sql?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('content janitor', () => {
  it('removes the file of a settled push, keeps one still to be sent, and takes a file already gone in its stride', async () => {
    const settled = join(dir, 'settled.bin');
    const waiting = join(dir, 'waiting.bin');
    writeFileSync(settled, 'x');
    writeFileSync(waiting, 'y');
    await queue.enqueue(push('settled', { content: { file: settled, size: 1 } }));
    await queue.enqueue(push('waiting', { content: { file: waiting, size: 1 } }));
    await queue.enqueue(push('gone', { content: { file: join(dir, 'never-written.bin'), size: 1 } }));
    for (const claim of await queue.claim('w', { limit: 10 })) {
      if (claim.pushId !== 'waiting') await queue.recordAttempt(claim, { kind: 'sip', status: 200 });
    }
    const janitor = createContentJanitor({ queue });
    expect((await janitor.sweep()).sort()).toEqual([join(dir, 'never-written.bin'), settled].sort());
    expect(existsSync(settled)).toBe(false);
    expect(existsSync(waiting)).toBe(true);
    expect(await janitor.sweep()).toEqual([]);
  });
});
