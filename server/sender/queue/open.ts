/**
 * Where the queue lives, from one setting (`SIP_PUSH_QUEUE_URL` for the service):
 *
 *   postgres://user:password@host:5432/db   a PostgreSQL server (also postgresql://); several
 *                                           service instances may share it
 *   memory:                                 PGlite in memory (tests, trials: lost on exit)
 *   anything else                           PGlite in that data directory (created when absent)
 */
import { openPglite } from './pglite.ts';
import { openPostgres, type PostgresOptions } from './postgres.ts';
import type { Sql } from './sql.ts';

export const QUEUE_URL_ENV = 'SIP_PUSH_QUEUE_URL';

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

export async function openQueueDatabase(location: string, postgres: PostgresOptions = {}): Promise<Sql> {
  if (isPostgresUrl(location)) return openPostgres(location, postgres);
  return openPglite(location === 'memory:' ? undefined : location);
}
