/**
 * A throwaway PostgreSQL server for tests: initdb into a fresh temporary directory, then
 * `postgres -D dir -k dir -p <free port> -c listen_addresses=127.0.0.1` (loopback only, its
 * Unix socket in the directory), durability off (a test database need not survive a power
 * cut). As root (this machine, CI) the server runs as the `postgres` user, which refuses to
 * run as root otherwise. stop() shuts it down and removes the directory.
 *
 * The binaries come from Debian's `postgresql` package (/usr/lib/postgresql/<version>/bin,
 * newest first), else PATH, else $PG_BIN. When they are missing, startPostgres() throws an
 * error naming scripts/system-deps.sh, which installs them: a test must fail then, not skip.
 */
import { freePort } from '../../deploy/kamailio/launch.ts';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  dataDir: string;
  /** Another database on the same server (created empty); returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Fast shutdown, then the data directory is removed. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Give up waiting for "ready to accept connections" after this long, ms (default 60000). */
  startTimeoutMs?: number;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string>;
  /** Directories to look for initdb and postgres in, instead of the usual search (tests of the missing case). */
  binDirs?: readonly string[];
}

const INSTALL_HINT = 'PostgreSQL server binaries (initdb, postgres) not found: run `bash scripts/system-deps.sh` as root (it installs the Debian package postgresql), or set PG_BIN to their directory';

/** The directory holding initdb and postgres (in `searchDirs`, default the usual places), or undefined. */
export function findPostgresBin(searchDirs?: readonly string[]): string | undefined {
  const hasBinaries = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
  if (searchDirs) return searchDirs.find(hasBinaries);
  const candidates: string[] = [];
  if (process.env['PG_BIN']) candidates.push(process.env['PG_BIN']);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(debian, v, 'bin')));
  }
  candidates.push(...(process.env['PATH'] ?? '').split(':').filter(Boolean));
  return candidates.find(hasBinaries);
}

/** uid and gid of the user to run as: the current one, or `postgres` when we are root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) throw new Error('Running as root, and there is no `postgres` user to run PostgreSQL as: run `bash scripts/system-deps.sh` (the Debian package creates it)');
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Resolves when the server logs that it is ready; rejects when it exits first or the time runs out. */
function ready(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => finish(new Error(`PostgreSQL did not become ready within ${timeoutMs} ms:\n${log}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('database system is ready to accept connections')) finish();
    };
    const onExit = (code: number | null) => finish(new Error(`PostgreSQL exited (code ${code}) before it was ready:\n${log}`));
    function finish(error?: Error) {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      // Keep draining its output so a chatty server never blocks on a full pipe.
      child.stderr?.resume();
      if (error) reject(error);
      else resolve();
    }
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Start a server (see the module comment). Throws, naming scripts/system-deps.sh, when PostgreSQL is not installed. */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<TestPostgres> {
  const bin = findPostgresBin(options.binDirs);
  if (!bin) throw new Error(INSTALL_HINT);
  const user = runAs();
  const dataDir = mkdtempSync(join(tmpdir(), 'sip-push-pg-'));
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true });
  try {
    if (user) chownSync(dataDir, user.uid, user.gid);
    const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
    const init = spawnSync(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'], {
      encoding: 'utf8',
      env,
      cwd: dataDir,
      ...user,
    });
    if (init.status !== 0) throw new Error(`initdb failed (${init.status ?? init.signal}):\n${init.stderr || init.error?.message}`);

    const settings: Record<string, string> = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', ...options.settings };
    for (let tries = 1; ; tries++) {
      const port = await freePort();
      const args = ['-D', dataDir, '-k', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'];
      for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
      const child = spawn(join(bin, 'postgres'), args, { env, cwd: dataDir, stdio: ['ignore', 'ignore', 'pipe'], ...user });
      const killOnExit = () => child.kill('SIGKILL');
      process.once('exit', killOnExit);
      try {
        await ready(child, options.startTimeoutMs ?? 60_000);
      } catch (error) {
        process.off('exit', killOnExit);
        child.kill('SIGKILL');
        // Another process took the port between freePort() and postgres binding it: try another.
        if (tries < 3 && /could not bind|Address already in use/i.test(String(error))) continue;
        throw error;
      }
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      let stopped: Promise<void> | undefined;
      return {
        url,
        port,
        dataDir,
        async createDatabase(name) {
          const { default: pg } = await import('pg');
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          try {
            await client.query(`create database "${name.replaceAll('"', '""')}"`);
          } finally {
            await client.end();
          }
          return `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}`;
        },
        stop() {
          stopped ??= new Promise<void>((resolve) => {
            process.off('exit', killOnExit);
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGINT'); // fast shutdown: disconnect clients, then exit
          }).finally(cleanup);
          return stopped;
        },
      };
    }
  } catch (error) {
    cleanup();
    throw error;
  }
}
