/**
 * Launcher for the Kamailio SIP/IP Core (deploy/kamailio/kamailio.cfg).
 *
 * `startKamailio(options)` writes a runtime config (the template with a block of KSP_*
 * defines in front), creates two SQLite databases from Kamailio's own schema files (the main
 * one for subscribers, msilo and presence; one for usrloc's write-back of the bindings),
 * provisions users (ha1 = md5(user:realm:password)), starts Kamailio in the foreground (-DD -E, stderr
 * to a log file), waits until its ports accept connections and returns a handle whose
 * `stop()` sends SIGTERM and waits for the process to exit.
 *
 * As a script (`npm run core:kamailio`, i.e. `tsx deploy/kamailio/launch.ts`) it reads the
 * same options from the environment or from a JSON file given with `--config <file>`;
 * `--check` only reports whether Kamailio and everything the config needs are installed.
 *
 * This file orchestrates; each step lives in its own module: install.ts (is everything
 * installed), runtimeConfig.ts (options -> config text, pure), database.ts (the SQLite
 * databases and users) and kamailioProcess.ts (ports, spawn, readiness, stop). Their public
 * names are re-exported here, where e2e/, scripts/ and the tests import them.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase, createLocationDatabase } from './database.ts';
import { KamailioNotInstalledError, kamailioBinary, kamailioMissing, modulesDirOf, schemaDirOf } from './install.ts';
import { checkConfig, freePort, spawnKamailio, waitUntilReady } from './kamailioProcess.ts';
import { normaliseIdentity, renderConfig, renderTlsConfig } from './runtimeConfig.ts';

// The launcher's public surface stays importable from here (e2e/, scripts/, tests).
export { createDatabase, createLocationDatabase, ha1 } from './database.ts';
export { DEFAULT_MODULES_DIR, DEFAULT_SCHEMA_DIR, KamailioNotInstalledError, kamailioBinary, kamailioMissing } from './install.ts';
export { freePort } from './kamailioProcess.ts';
export { normaliseIdentity, renderConfig, sendersRegex, TEMPLATE_PATH } from './runtimeConfig.ts';

export interface KamailioTlsOptions {
  /** PEM certificate file (chain). */
  cert: string;
  /** PEM private key file. */
  key: string;
  /** Port for WebSocket over TLS (wss); 0 or absent picks a free one. */
  wssPort?: number;
}

export interface KamailioOptions {
  /** Address to bind (and to advertise). Default 127.0.0.1. */
  host?: string;
  /** WebSocket (ws) port; 0 or absent picks a free port. */
  wsPort?: number;
  /** SIP port for UDP and TCP; 0 or absent picks a free port. */
  sipPort?: number;
  /** SIP domain and digest realm. Default `sip-push.test`. */
  domain?: string;
  /** Users to provision: name -> password. */
  users?: Record<string, string>;
  /** Identities allowed to send MESSAGE/INVITE to receivers: `psa` or `psa@domain`. */
  pushSenders?: string[];
  /** Enables wss on its own port (tls.so from the kamailio-tls-modules package). */
  tls?: KamailioTlsOptions;
  /** Where config, database, pid and log go. Default: a fresh temp dir, removed by stop(). */
  runtimeDir?: string;
  /**
   * A restart: reuse the databases a previous run left in `runtimeDir` (subscribers, the
   * messages msilo stores, the bindings usrloc wrote back) instead of creating them afresh;
   * `users` are not provisioned again. Needs `runtimeDir`; without databases there, they are created.
   */
  keepDatabases?: boolean;
  /** Default: env KAMAILIO_BIN, else /usr/sbin/kamailio. */
  kamailioBin?: string;
  /** Default: env KAMAILIO_MODULES, else the Debian module directory. */
  modulesDir?: string;
  /** Default: env KAMAILIO_SCHEMA_DIR, else /usr/share/kamailio/db_sqlite. */
  schemaDir?: string;
  /** Secret for nonces (auth module). Default: env KAMAILIO_SECRET, else random. */
  secret?: string;
  /** Kamailio debug level (-1..3). Default 2 (NOTICE and above... plus INFO). */
  debugLevel?: number;
  /** usrloc timer: how often (s) expired and lost-connection bindings are purged. Default 5. */
  usrlocTimerInterval?: number;
  /** Seconds of WebSocket idleness before Kamailio sends a Ping. Default 30. */
  wsKeepaliveTimeout?: number;
  /** Give up waiting for the ports after this many ms. Default 15000. */
  startTimeoutMs?: number;
  /** Forward Kamailio's log lines here as well as to the log file. */
  onLog?: (line: string) => void;
}

export interface KamailioHandle {
  /** ws://host:wsPort */
  wsUrl: string;
  /** wss://host:wssPort when tls was given. */
  wssUrl?: string;
  host: string;
  sipPort: number;
  wsPort: number;
  wssPort?: number;
  domain: string;
  /** The provisioned users (name -> password). */
  users: Record<string, string>;
  /** Normalised push sender identities (user@domain). */
  pushSenders: string[];
  runtimeDir: string;
  configPath: string;
  dbPath: string;
  /** usrloc's bindings (tables location, location_attrs), written back every usrlocTimerInterval. */
  locationDbPath: string;
  logFile: string;
  pid: number;
  /** Current content of the log file. */
  readLog(): string;
  /** SIGTERM, wait for exit (SIGKILL after 5 s). Idempotent. */
  stop(): Promise<void>;
}

const HERE = dirname(fileURLToPath(import.meta.url));

export async function startKamailio(options: KamailioOptions = {}): Promise<KamailioHandle> {
  const bin = kamailioBinary(options);
  const missing = kamailioMissing(options);
  if (missing) throw new KamailioNotInstalledError(missing);
  const modulesDir = modulesDirOf(options);
  const schemaDir = schemaDirOf(options);
  if (options.tls && !existsSync(join(modulesDir, 'tls.so'))) {
    throw new KamailioNotInstalledError(`wss needs tls.so: apt-get install kamailio-tls-modules`);
  }

  const host = options.host ?? '127.0.0.1';
  const domain = options.domain ?? 'sip-push.test';
  const users = { ...(options.users ?? {}) };
  const pushSenders = (options.pushSenders ?? []).map((id) => normaliseIdentity(id, domain));
  const sipPort = options.sipPort || (await freePort(host, true));
  const wsPort = options.wsPort || (await freePort(host));
  const wssPort = options.tls ? options.tls.wssPort || (await freePort(host)) : undefined;

  const ownDir = !options.runtimeDir;
  const runtimeDir = resolve(options.runtimeDir ?? mkdtempSync(join(tmpdir(), 'kamailio-sip-push-')));
  mkdirSync(runtimeDir, { recursive: true });
  const dbPath = join(runtimeDir, 'kamailio.sqlite');
  const locationDbPath = join(runtimeDir, 'location.sqlite');
  const configPath = join(runtimeDir, 'kamailio.cfg');
  const logFile = join(runtimeDir, 'kamailio.log');
  const pidFile = join(runtimeDir, 'kamailio.pid');
  if (options.keepDatabases && ownDir) throw new Error('keepDatabases needs the runtimeDir of the run whose databases it keeps');
  const keep = options.keepDatabases === true && existsSync(dbPath) && existsSync(locationDbPath);
  if (!keep) {
    for (const db of [dbPath, locationDbPath]) for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
    createDatabase(dbPath, schemaDir, domain, users);
    createLocationDatabase(locationDbPath, schemaDir);
  }

  let tlsConfigPath: string | undefined;
  if (options.tls) {
    tlsConfigPath = join(runtimeDir, 'tls.cfg');
    writeFileSync(tlsConfigPath, renderTlsConfig(resolve(options.tls.cert), resolve(options.tls.key)));
  }
  const secret = options.secret ?? process.env.KAMAILIO_SECRET ?? randomBytes(16).toString('hex');
  writeFileSync(
    configPath,
    renderConfig({
      host,
      sipPort,
      wsPort,
      ...(wssPort ? { wssPort } : {}),
      domain,
      modulesDir,
      dbPath,
      locationDbPath,
      runtimeDir,
      secret,
      pushSenders,
      debugLevel: options.debugLevel ?? 2,
      usrlocTimerInterval: options.usrlocTimerInterval ?? 5,
      wsKeepaliveTimeout: options.wsKeepaliveTimeout ?? 30,
      ...(tlsConfigPath ? { tlsConfigPath } : {}),
    }),
  );

  checkConfig(bin, configPath);

  const proc = spawnKamailio({
    bin,
    configPath,
    pidFile,
    runtimeDir,
    logFile,
    ...(options.onLog ? { onLog: options.onLog } : {}),
    ...(ownDir ? { removeOnStop: runtimeDir } : {}),
  });
  // Ready when the SIP/TCP port and the WebSocket port(s) accept connections.
  await waitUntilReady(proc, host, [sipPort, wsPort, ...(wssPort ? [wssPort] : [])], options.startTimeoutMs ?? 15000);

  return {
    wsUrl: `ws://${host}:${wsPort}`,
    ...(wssPort ? { wssUrl: `wss://${host}:${wssPort}`, wssPort } : {}),
    host,
    sipPort,
    wsPort,
    domain,
    users,
    pushSenders,
    runtimeDir,
    configPath,
    dbPath,
    locationDbPath,
    logFile,
    pid: proc.child.pid ?? -1,
    readLog: proc.readLog,
    stop: proc.stop,
  };
}

/** Options for the CLI: a JSON file (--config) overridden by environment variables. */
export function optionsFromEnv(env: NodeJS.ProcessEnv, argv: string[]): KamailioOptions {
  const configIndex = argv.indexOf('--config');
  const file = configIndex >= 0 ? argv[configIndex + 1] : env.KAMAILIO_CONFIG;
  const fromFile: KamailioOptions = file ? (JSON.parse(readFileSync(file, 'utf8')) as KamailioOptions) : {};
  const opts: KamailioOptions = { ...fromFile };
  if (env.KAMAILIO_HOST) opts.host = env.KAMAILIO_HOST;
  if (env.KAMAILIO_SIP_PORT) opts.sipPort = Number(env.KAMAILIO_SIP_PORT);
  if (env.KAMAILIO_WS_PORT) opts.wsPort = Number(env.KAMAILIO_WS_PORT);
  if (env.KAMAILIO_DOMAIN) opts.domain = env.KAMAILIO_DOMAIN;
  if (env.KAMAILIO_USERS) {
    // "alice:secret,bob:secret2"
    opts.users = Object.fromEntries(
      env.KAMAILIO_USERS.split(',')
        .filter(Boolean)
        .map((pair) => {
          const i = pair.indexOf(':');
          return [pair.slice(0, i), pair.slice(i + 1)];
        }),
    );
  }
  if (env.KAMAILIO_PUSH_SENDERS) opts.pushSenders = env.KAMAILIO_PUSH_SENDERS.split(',').filter(Boolean);
  if (env.KAMAILIO_TLS_CERT && env.KAMAILIO_TLS_KEY) {
    opts.tls = { cert: env.KAMAILIO_TLS_CERT, key: env.KAMAILIO_TLS_KEY, ...(env.KAMAILIO_WSS_PORT ? { wssPort: Number(env.KAMAILIO_WSS_PORT) } : {}) };
  }
  if (env.KAMAILIO_RUNTIME_DIR) opts.runtimeDir = env.KAMAILIO_RUNTIME_DIR;
  opts.runtimeDir ??= join(HERE, '.runtime');
  opts.sipPort ??= 5060;
  opts.wsPort ??= 8080;
  opts.users ??= { psa: 'psa-secret', alice: 'alice-secret', bob: 'bob-secret' };
  opts.pushSenders ??= ['psa'];
  return opts;
}

async function main(): Promise<void> {
  if (process.argv.includes('--check')) {
    // `npm run core:kamailio -- --check`: exit 1 with the reason when Kamailio cannot run here.
    const missing = kamailioMissing();
    if (missing) throw new KamailioNotInstalledError(missing);
    process.stdout.write(`Kamailio ready to run: ${kamailioBinary()}\n`);
    return;
  }
  const opts = optionsFromEnv(process.env, process.argv.slice(2));
  const core = await startKamailio({ ...opts, onLog: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(
    `Kamailio SIP/IP Core ready\n  WebSocket: ${core.wsUrl}${core.wssUrl ? `\n  Secure WebSocket: ${core.wssUrl}` : ''}\n  SIP UDP/TCP: ${core.host}:${core.sipPort}\n  domain: ${core.domain}\n  users: ${Object.keys(core.users).join(', ')}\n  push senders: ${core.pushSenders.join(', ')}\n  runtime: ${core.runtimeDir}\n`,
  );
  const shutdown = () => {
    void core.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
