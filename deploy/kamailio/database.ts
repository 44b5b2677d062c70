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

function runSql(dbPath: string, sql: string): void {
  const result = spawnSync('sqlite3', [dbPath], { input: sql, encoding: 'utf8' });
  if (result.error) throw new KamailioNotInstalledError(`sqlite3: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`creating ${dbPath} failed: ${result.stderr}`);
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
