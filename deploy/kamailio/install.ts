/**
 * Is Kamailio installed with everything the config needs? The binary, the modules it loads
 * (and the Debian package of each) and the SQLite schema files the databases are made from.
 * `--check` and startKamailio both ask kamailioMissing().
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export class KamailioNotInstalledError extends Error {
  constructor(detail: string) {
    super(
      `Kamailio not installed: apt-get install kamailio kamailio-websocket-modules kamailio-extra-modules kamailio-presence-modules kamailio-sqlite-modules kamailio-tls-modules sqlite3 (${detail})`,
    );
    this.name = 'KamailioNotInstalledError';
  }
}

export const DEFAULT_MODULES_DIR = '/usr/lib/x86_64-linux-gnu/kamailio/modules';
export const DEFAULT_SCHEMA_DIR = '/usr/share/kamailio/db_sqlite';
/** Modules the config loads, and the Debian package that ships each one. */
const REQUIRED_MODULES: Record<string, string> = {
  'tm.so': 'kamailio',
  'registrar.so': 'kamailio',
  'auth_db.so': 'kamailio',
  'nathelper.so': 'kamailio',
  'msilo.so': 'kamailio',
  'xhttp.so': 'kamailio',
  'websocket.so': 'kamailio-websocket-modules',
  'msrp.so': 'kamailio-extra-modules',
  'presence.so': 'kamailio-presence-modules',
  'presence_reginfo.so': 'kamailio-presence-modules',
  'pua_reginfo.so': 'kamailio-presence-modules',
  'db_sqlite.so': 'kamailio-sqlite-modules',
  // Loaded only with a certificate (wss), but required here so that `--check` and the
  // test suite (which runs wss) fail loudly when it is missing.
  'tls.so': 'kamailio-tls-modules',
};
/** Schema files of the main database (subscribers, msilo, presence). */
export const MAIN_SCHEMA_FILES = ['standard-create.sql', 'auth_db-create.sql', 'msilo-create.sql', 'presence-create.sql'];
/** Schema files of usrloc's database (bindings). */
export const LOCATION_SCHEMA_FILES = ['standard-create.sql', 'usrloc-create.sql'];
const SCHEMA_FILES = [...new Set([...MAIN_SCHEMA_FILES, ...LOCATION_SCHEMA_FILES])];

/** Where the three come from: the option, else the environment, else the Debian default. */
export interface KamailioInstallPaths {
  /** Default: env KAMAILIO_BIN, else /usr/sbin/kamailio. */
  kamailioBin?: string;
  /** Default: env KAMAILIO_MODULES, else the Debian module directory. */
  modulesDir?: string;
  /** Default: env KAMAILIO_SCHEMA_DIR, else /usr/share/kamailio/db_sqlite. */
  schemaDir?: string;
}

export function kamailioBinary(options: Pick<KamailioInstallPaths, 'kamailioBin'> = {}): string {
  return options.kamailioBin ?? process.env.KAMAILIO_BIN ?? '/usr/sbin/kamailio';
}

export function modulesDirOf(options: Pick<KamailioInstallPaths, 'modulesDir'>): string {
  return options.modulesDir ?? process.env.KAMAILIO_MODULES ?? DEFAULT_MODULES_DIR;
}

export function schemaDirOf(options: Pick<KamailioInstallPaths, 'schemaDir'>): string {
  return options.schemaDir ?? process.env.KAMAILIO_SCHEMA_DIR ?? DEFAULT_SCHEMA_DIR;
}

/** Null when Kamailio and every module the config needs are installed, else why not. */
export function kamailioMissing(options: KamailioInstallPaths = {}): string | null {
  const bin = kamailioBinary(options);
  if (!existsSync(bin)) return `no binary at ${bin}`;
  const modulesDir = modulesDirOf(options);
  const missing = Object.entries(REQUIRED_MODULES).filter(([mod]) => !existsSync(join(modulesDir, mod)));
  if (missing.length > 0) return `missing modules in ${modulesDir}: ${missing.map(([m, p]) => `${m} (${p})`).join(', ')}`;
  const schemaDir = schemaDirOf(options);
  const noSchema = SCHEMA_FILES.filter((f) => !existsSync(join(schemaDir, f)));
  if (noSchema.length > 0) return `missing SQLite schema files in ${schemaDir}: ${noSchema.join(', ')}`;
  if (spawnSync('sqlite3', ['-version']).status !== 0) return 'no sqlite3 command';
  return null;
}
