/**
 * The one interface the queue talks to: PostgreSQL's SQL dialect (the same statements on
 * PGlite and on a PostgreSQL 15+ server), parameters as $1..$n, rows as plain objects.
 * Implementations: pgliteSql (embedded, pglite.ts) and postgresSql (a `pg` Pool, postgres.ts).
 *
 * Values cross as JavaScript values: text as string, bytea as Uint8Array (pg gives a Buffer,
 * which is one), timestamptz as Date, jsonb parsed. int8 (bigint) differs by driver (pg: a
 * string, PGlite: a number), so readers convert with Number().
 */
export interface SqlResult<Row> {
  rows: Row[];
  /** Rows inserted, updated or deleted (or returned by a SELECT). */
  rowCount: number;
}

export interface SqlClient {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<Row>>;
}

export interface Sql extends SqlClient {
  /** Which engine: for messages and tests; never for choosing SQL. */
  readonly engine: 'pglite' | 'postgres';
  /** Run `fn` in one transaction (BEGIN ... COMMIT, ROLLBACK when it throws) on one connection. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
