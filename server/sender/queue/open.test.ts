import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUEUE_DIR, describeQueueLocation, isPostgresUrl, openQueueDatabase, queueLocation } from './open.ts';

describe('queue location', () => {
  it('comes from SIP_PUSH_QUEUE_URL, else the default PGlite directory', () => {
    expect(queueLocation({})).toBe(DEFAULT_QUEUE_DIR);
    expect(queueLocation({ SIP_PUSH_QUEUE_URL: ' ' })).toBe(DEFAULT_QUEUE_DIR);
    expect(queueLocation({ SIP_PUSH_QUEUE_URL: 'postgres://psa@db:5432/psa' })).toBe('postgres://psa@db:5432/psa');
  });

  it.each([
    ['postgres://u@h/db', true],
    ['postgresql://u@h/db', true],
    ['POSTGRES://u@h/db', true],
    ['memory:', false],
    ['/var/lib/psa/queue', false],
    ['postgres-data', false],
  ])('%s is a PostgreSQL URL: %s', (location, expected) => {
    expect(isPostgresUrl(location)).toBe(expected);
  });

  it('never shows a password', () => {
    expect(describeQueueLocation('postgres://psa:s3cret@db.example:5432/psa')).toBe('PostgreSQL at postgres://psa:***@db.example:5432/psa');
    expect(describeQueueLocation('memory:')).toBe('PGlite in memory');
    expect(describeQueueLocation('.runtime/psa-queue')).toBe('PGlite in .runtime/psa-queue');
  });
});

describe('openQueueDatabase', () => {
  it('opens PGlite in a directory whose parents do not exist yet (a fresh clone has no .runtime/)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'psa-open-'));
    try {
      const sql = await openQueueDatabase(join(root, 'not', 'yet', 'psa-queue'));
      expect((await sql.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
      await sql.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
