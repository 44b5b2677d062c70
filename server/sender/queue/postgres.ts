/** A PostgreSQL server (15 or later) through a `pg` Pool: what several service instances share. */
import pg from 'pg';
import type { Sql, SqlClient, SqlResult } from './sql.ts';

function client(db: pg.Pool | pg.PoolClient): SqlClient {
  return {
    async query<Row>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
      const result = await db.query(text, [...params]);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
    },
  };
}

/** Wrap a Pool. close() ends it. */
export function postgresSql(pool: pg.Pool): Sql {
  return {
    engine: 'postgres',
    ...client(pool),
    async transaction(fn) {
      const connection = await pool.connect();
      let broken: Error | undefined;
      try {
        await connection.query('BEGIN');
        const result = await fn(client(connection));
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await connection.query('ROLLBACK');
        } catch (rollbackError) {
          // The connection itself failed: drop it from the pool rather than reuse it.
          broken = rollbackError as Error;
        }
        throw error;
      } finally {
        connection.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

export interface PostgresOptions {
  /** Connections in the pool (default 10). */
  max?: number;
  /** Name shown in pg_stat_activity (default sip-push-queue). */
  applicationName?: string;
  /** An idle pooled connection failed (server restart, pg_terminate_backend); the pool replaces it. Default: ignored. */
  onIdleError?: (error: Error) => void;
}

/** A pool for `connectionString` (postgres://user:password@host:port/database). */
export function openPostgres(connectionString: string, options: PostgresOptions = {}): Sql {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10, application_name: options.applicationName ?? 'sip-push-queue' });
  // Without a listener, an idle connection the server drops would crash the process.
  pool.on('error', (error) => options.onIdleError?.(error));
  return postgresSql(pool);
}
