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
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

export class KamailioNotInstalledError extends Error {
  constructor(detail: string) {
    super(
      `Kamailio not installed: apt-get install kamailio kamailio-websocket-modules kamailio-extra-modules kamailio-presence-modules kamailio-sqlite-modules kamailio-tls-modules sqlite3 (${detail})`,
    );
    this.name = 'KamailioNotInstalledError';
  }
}

const HERE = dirname(fileURLToPath(import.meta.url));
export const TEMPLATE_PATH = join(HERE, 'kamailio.cfg');
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
const MAIN_SCHEMA_FILES = ['standard-create.sql', 'auth_db-create.sql', 'msilo-create.sql', 'presence-create.sql'];
const LOCATION_SCHEMA_FILES = ['standard-create.sql', 'usrloc-create.sql'];
const SCHEMA_FILES = [...new Set([...MAIN_SCHEMA_FILES, ...LOCATION_SCHEMA_FILES])];

export function kamailioBinary(options: Pick<KamailioOptions, 'kamailioBin'> = {}): string {
  return options.kamailioBin ?? process.env.KAMAILIO_BIN ?? '/usr/sbin/kamailio';
}

/** Null when Kamailio and every module the config needs are installed, else why not. */
export function kamailioMissing(options: Pick<KamailioOptions, 'kamailioBin' | 'modulesDir' | 'schemaDir'> = {}): string | null {
  const bin = kamailioBinary(options);
  if (!existsSync(bin)) return `no binary at ${bin}`;
  const modulesDir = options.modulesDir ?? process.env.KAMAILIO_MODULES ?? DEFAULT_MODULES_DIR;
  const missing = Object.entries(REQUIRED_MODULES).filter(([mod]) => !existsSync(join(modulesDir, mod)));
  if (missing.length > 0) return `missing modules in ${modulesDir}: ${missing.map(([m, p]) => `${m} (${p})`).join(', ')}`;
  const schemaDir = options.schemaDir ?? process.env.KAMAILIO_SCHEMA_DIR ?? DEFAULT_SCHEMA_DIR;
  const noSchema = SCHEMA_FILES.filter((f) => !existsSync(join(schemaDir, f)));
  if (noSchema.length > 0) return `missing SQLite schema files in ${schemaDir}: ${noSchema.join(', ')}`;
  if (spawnSync('sqlite3', ['-version']).status !== 0) return 'no sqlite3 command';
  return null;
}

export function ha1(user: string, realm: string, password: string): string {
  return createHash('md5').update(`${user}:${realm}:${password}`).digest('hex');
}

/** `psa` -> `psa@domain`; `sip:psa@domain` -> `psa@domain`. */
export function normaliseIdentity(identity: string, domain: string): string {
  const bare = identity.trim().replace(/^sips?:/i, '');
  return bare.includes('@') ? bare : `${bare}@${domain}`;
}

/** POSIX ERE matching exactly the given identities (dots and other specials bracketed). */
export function sendersRegex(identities: string[]): string {
  if (identities.length === 0) return '^$';
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === '\\' ? '' : `[${c}]`)).replace(/"/g, '');
  return `^(${identities.map(esc).join('|')})$`;
}

async function freeTcpPort(host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function udpPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const sock = createSocket('udp4');
    sock.once('error', () => resolveFree(false));
    sock.bind(port, host, () => sock.close(() => resolveFree(true)));
  });
}

/** A port free on TCP (and UDP when asked). */
export async function freePort(host = '127.0.0.1', udpToo = false): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freeTcpPort(host);
    if (!udpToo || (await udpPortFree(host, port))) return port;
  }
  throw new Error('no free port found');
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolveOk) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolveOk(ok);
    };
    socket.setTimeout(500);
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host);
  });
}

function substdef(name: string, value: string | number): string {
  const text = String(value);
  if (text.includes('!') || text.includes('\n')) throw new Error(`${name} must not contain '!' or newlines: ${text}`);
  return `#!substdef "!${name}!${text}!g"`;
}

/** The runtime config: KSP_* defines followed by the template. */
export function renderConfig(args: {
  host: string;
  sipPort: number;
  wsPort: number;
  wssPort?: number;
  domain: string;
  modulesDir: string;
  dbPath: string;
  locationDbPath: string;
  runtimeDir: string;
  secret: string;
  pushSenders: string[];
  debugLevel: number;
  usrlocTimerInterval: number;
  wsKeepaliveTimeout: number;
  tlsConfigPath?: string;
  template?: string;
}): string {
  const lines = [
    '#!KAMAILIO',
    '# Generated by deploy/kamailio/launch.ts - edit deploy/kamailio/kamailio.cfg instead.',
    '#!define KSP_CONFIGURED',
    substdef('KSP_HOST', args.host),
    substdef('KSP_SIP_PORT', args.sipPort),
    substdef('KSP_WS_PORT', args.wsPort),
    substdef('KSP_WSS_PORT', args.wssPort ?? 0),
    substdef('KSP_DOMAIN', args.domain),
    substdef('KSP_MPATH', args.modulesDir.endsWith('/') ? args.modulesDir : `${args.modulesDir}/`),
    substdef('KSP_DBURL', `sqlite:///${args.dbPath}`),
    substdef('KSP_UL_DBURL', `sqlite:///${args.locationDbPath}`),
    substdef('KSP_RUNDIR', args.runtimeDir),
    substdef('KSP_SECRET', args.secret),
    `#!define KSP_SENDERS_RE "${sendersRegex(args.pushSenders)}"`,
    substdef('KSP_DEBUG', args.debugLevel),
    substdef('KSP_UL_TIMER', args.usrlocTimerInterval),
    substdef('KSP_WS_KA_TIMEOUT', args.wsKeepaliveTimeout),
  ];
  if (args.tlsConfigPath) {
    lines.push('#!define WITH_TLS', substdef('KSP_TLS_CFG', args.tlsConfigPath));
  }
  const template = (args.template ?? readFileSync(TEMPLATE_PATH, 'utf8')).replace(/^#!KAMAILIO\s*\n/, '');
  return `${lines.join('\n')}\n\n${template}`;
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

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolveExit) => {
    const timer = setTimeout(() => resolveExit(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveExit(true);
    });
  });
}

export async function startKamailio(options: KamailioOptions = {}): Promise<KamailioHandle> {
  const bin = kamailioBinary(options);
  const missing = kamailioMissing(options);
  if (missing) throw new KamailioNotInstalledError(missing);
  const modulesDir = options.modulesDir ?? process.env.KAMAILIO_MODULES ?? DEFAULT_MODULES_DIR;
  const schemaDir = options.schemaDir ?? process.env.KAMAILIO_SCHEMA_DIR ?? DEFAULT_SCHEMA_DIR;
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
  for (const db of [dbPath, locationDbPath]) for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  createDatabase(dbPath, schemaDir, domain, users);
  createLocationDatabase(locationDbPath, schemaDir);

  let tlsConfigPath: string | undefined;
  if (options.tls) {
    tlsConfigPath = join(runtimeDir, 'tls.cfg');
    writeFileSync(
      tlsConfigPath,
      `[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\ncertificate = ${resolve(options.tls.cert)}\nprivate_key = ${resolve(
        options.tls.key,
      )}\n\n[client:default]\nverify_certificate = no\nrequire_certificate = no\n`,
    );
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

  const check = spawnSync(bin, ['-c', '-f', configPath], { encoding: 'utf8' });
  if (check.status !== 0) {
    throw new Error(`kamailio rejected ${configPath}:\n${(check.stderr || check.stdout).split('\n').slice(-25).join('\n')}`);
  }

  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(bin, ['-DD', '-E', '-f', configPath, '-P', pidFile, '-w', runtimeDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: false,
  });
  let pending = '';
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    if (options.onLog) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) options.onLog(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  const readLog = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        if (!(await waitForExit(child, 5000))) {
          child.kill('SIGKILL');
          await waitForExit(child, 2000);
        }
      }
      await new Promise<void>((r) => log.end(() => r()));
      if (ownDir) rmSync(runtimeDir, { recursive: true, force: true });
    })();
    return stopped;
  };

  // Ready when both the SIP/TCP port and the WebSocket port accept connections.
  const deadline = Date.now() + (options.startTimeoutMs ?? 15000);
  const ports = [sipPort, wsPort, ...(wssPort ? [wssPort] : [])];
  for (;;) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      const tail = readLog().split('\n').slice(-30).join('\n');
      await stop();
      throw new Error(`kamailio exited during start (${spawnError?.message ?? `code ${child.exitCode} ${child.signalCode ?? ''}`}):\n${tail}`);
    }
    const ready = await Promise.all(ports.map((p) => canConnect(host, p)));
    if (ready.every(Boolean)) break;
    if (Date.now() > deadline) {
      const tail = readLog().split('\n').slice(-30).join('\n');
      await stop();
      throw new Error(`kamailio did not open ports ${ports.join(', ')} within ${options.startTimeoutMs ?? 15000} ms:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

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
    pid: child.pid ?? -1,
    readLog,
    stop,
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
