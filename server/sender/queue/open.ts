/**
 * Where the queue lives, from one setting (`SIP_PUSH_QUEUE_URL` for the service):
 *
 *   postgres://user:password@host:5432/db   a PostgreSQL server (also postgresql://); several
 *                                           service instances may share it
 *   memory:                                 PGlite in memory (tests, trials: lost on exit)
 *   anything else                           PGlite in that data directory (created when absent)
 *
 * Unset, the queue is PGlite in DEFAULT_QUEUE_DIR (relative to the working directory,
 * gitignored like every `.runtime/`), so a restarted service finds its queue again.
 */
import { openPglite } from './pglite.ts';
import { openPostgres, type PostgresOptions } from './postgres.ts';
import type { Sql } from './sql.ts';

export const QUEUE_URL_ENV = 'SIP_PUSH_QUEUE_URL';

export const DEFAULT_QUEUE_DIR = '.runtime/psa-queue';

/** The queue's location from the environment: SIP_PUSH_QUEUE_URL, else DEFAULT_QUEUE_DIR. */
export function queueLocation(env: Record<string, string | undefined> = process.env): string {
  return env[QUEUE_URL_ENV]?.trim() || DEFAULT_QUEUE_DIR;
}

/** The location with any password replaced, for logs and the service's banner. */
export function describeQueueLocation(location: string): string {
  if (!isPostgresUrl(location)) return location === 'memory:' ? 'PGlite in memory' : `PGlite in ${location}`;
  try {
    const url = new URL(location);
    if (url.password) url.password = '***';
    return `PostgreSQL at ${url.toString()}`;
  } catch {
    return 'PostgreSQL (unparsable URL)';
  }
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

export async function openQueueDatabase(location: string, postgres: PostgresOptions = {}): Promise<Sql> {
  if (isPostgresUrl(location)) return openPostgres(location, postgres);
  return openPglite(location === 'memory:' ? undefined : location);
}
