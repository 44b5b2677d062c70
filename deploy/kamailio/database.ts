/**
 * The two SQLite databases Kamailio runs on, created with the sqlite3 command from Kamailio's
 * own schema files: the main one (subscribers with their digest hashes, msilo, presence) and
 * usrloc's (bindings written back every usrlocTimerInterval).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KamailioNotInstalledError, LOCATION_SCHEMA_FILES, MAIN_SCHEMA_FILES } from './install.ts';

/** The digest hash auth_db compares against: md5(user:realm:password). */
export function ha1(user: string, realm: string, password: string): string {
  return createHash('md5').update(`${user}:${realm}:${password}`).digest('hex');
}

function sqlQuote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * Run SQL with the sqlite3 command and return what it printed. Throws when sqlite3 fails
 * (exit status not 0, e.g. "database is locked" once `busyTimeoutMs` has passed), with its
 * stderr: a failed read is never taken for an empty result.
 */
function sqlite(dbPath: string, sql: string, busyTimeoutMs?: number): string {
  const args = busyTimeoutMs === undefined ? [dbPath] : ['-cmd', `.timeout ${busyTimeoutMs}`, dbPath];
  const result = spawnSync('sqlite3', args, { input: sql, encoding: 'utf8' });
  if (result.error) throw new KamailioNotInstalledError(`sqlite3: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`sqlite3 on ${dbPath} exited ${result.status}: ${result.stderr.trim()} (SQL: ${sql.slice(0, 200).trim()})`);
  return result.stdout;
}

function runSql(dbPath: string, sql: string): void {
  sqlite(dbPath, sql);
}

/**
 * `SELECT COUNT(*) FROM <table>` on one of Kamailio's databases (e.g. msilo's `silo`), waiting
 * up to `busyTimeoutMs` for a lock Kamailio holds. Throws when sqlite3 fails (a locked
 * database included): pollers retry on a throw and never read a failure as 0.
 */
export function countRows(dbPath: string, table: string, options: { busyTimeoutMs?: number } = {}): number {
  const out = sqlite(dbPath, `SELECT COUNT(*) FROM ${table};`, options.busyTimeoutMs ?? 2000).trim();
  if (!/^\d+$/.test(out)) throw new Error(`sqlite3 on ${dbPath}: COUNT(*) of ${table} printed ${JSON.stringify(out)}`);
  return Number(out);
}

function schemaSql(schemaDir: string, files: string[]): string {
  return `PRAGMA journal_mode=WAL;\n${files.map((file) => readFileSync(join(schemaDir, file), 'utf8')).join('\n')}\n`;
}

/** Create usrloc's database (tables version, location, location_attrs). */
export function createLocationDatabase(dbPath: string, schemaDir: string): void {
  runSql(dbPath, schemaSql(schemaDir, LOCATION_SCHEMA_FILES));
}

/** Create the main SQLite database from Kamailio's schema files and provision the users. */
export function createDatabase(dbPath: string, schemaDir: string, domain: string, users: Record<string, string>): void {
  let sql = schemaSql(schemaDir, MAIN_SCHEMA_FILES);
  for (const [user, password] of Object.entries(users)) {
    sql += `INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES (${sqlQuote(user)}, ${sqlQuote(domain)}, '', ${sqlQuote(
      ha1(user, domain, password),
    )}, ${sqlQuote(ha1(`${user}@${domain}`, domain, password))});\n`;
  }
  runSql(dbPath, sql);
}
