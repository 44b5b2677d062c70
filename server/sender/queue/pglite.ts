/** The embedded engine: PGlite (PostgreSQL compiled to WebAssembly), in memory or in a data directory. */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Sql, SqlClient, SqlResult } from './sql.ts';

interface PgliteQueryable {
  query<T>(text: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
}

function client(db: PgliteQueryable): SqlClient {
  return {
    async query<Row>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
      const result = await db.query<Row>(text, [...params]);
      return { rows: result.rows, rowCount: result.affectedRows || result.rows.length };
    },
  };
}

/** Wrap an open PGlite. close() closes it. */
export function pgliteSql(db: PGlite): Sql {
  return {
    engine: 'pglite',
    ...client(db),
    transaction: (fn) => db.transaction((tx) => fn(client(tx))),
    close: () => db.close(),
  };
}

/**
 * Open PGlite: `dataDir` a directory on disk (created when absent; what it holds survives a
 * restart), or undefined for memory only. Creating a new database takes seconds (initdb runs
 * in WebAssembly); reopening one is quicker.
 */
export async function openPglite(dataDir?: string): Promise<Sql> {
  // PGlite creates the data directory itself but not its parents (.runtime/ on a fresh clone).
  if (dataDir !== undefined) await mkdir(dirname(resolve(dataDir)), { recursive: true });
  return pgliteSql(await PGlite.create(dataDir));
}
