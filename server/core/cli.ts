/**
 * `npm run core -- --host 127.0.0.1 --ws-port 8066 --sip-port 5060 --domain localhost --user alice:secret`
 * Starts the embedded core, prints where it listens, stops cleanly on SIGINT/SIGTERM.
 * Authenticated by default: with no --user, users alice and psa get passwords generated for
 * this run (printed); `--no-auth` runs it open to anyone.
 *
 * A port that is taken is one line naming it, what it is for and the flag that changes it
 * (listenFailure, which `npm start` uses too with its environment variables); exit status 1.
 * A usage error is one line too, exit status 2.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { startCore, type CoreOptions } from './index.ts';

const USAGE = `Usage: npm run core -- [--host 127.0.0.1] [--ws-port 8066] [--sip-port 5060|off] [--domain localhost] [--realm R] [--user name:password]... [--no-auth]`;
const SEE_HELP = 'see npm run core -- --help';

/** A port a command listens on: the number, what it is for, and how to choose another. */
export interface PortUse {
  port: number;
  /** What listens there, e.g. `SIP over WebSocket`. */
  what: string;
  /** The setting with a placeholder, e.g. `SIP_PUSH_WS_PORT=<port>` or `--ws-port <port>`. */
  setting: string;
}

/**
 * One line for a failure to start listening: a taken port (EADDRINUSE from Node, or Vite's
 * "Port N is already in use") or one that needs privileges, named with what it is for and
 * the setting that changes it; any other error as its message.
 */
export function listenFailure(error: unknown, uses: readonly PortUse[]): string {
  const e = error as { code?: unknown; port?: unknown; address?: unknown } | null;
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const vitePort = /^Port (\d+) is already in use/.exec(message)?.[1];
  const port = typeof e?.port === 'number' ? e.port : vitePort !== undefined ? Number(vitePort) : undefined;
  const matching = uses.filter((use) => use.port === port);
  if (port === undefined || matching.length === 0) return message;
  if (matching.length > 1) {
    return `Port ${port} is given to ${matching.map((use) => use.what).join(' and ')}: set ${matching.map((use) => use.setting).join(' or ')} to another port`;
  }
  const { what, setting } = matching[0]!;
  if (code === 'EADDRINUSE' || vitePort !== undefined) return `Port ${port} (${what}) is in use: stop the other process or set ${setting}`;
  if (code === 'EACCES') return `Port ${port} (${what}) needs privileges to listen on: set ${setting} (above 1023)`;
  return `Port ${port} (${what}): ${message}; set ${setting} to use another`;
}

/** The ports startCore binds with these options, and the flags that change them. */
function corePorts(options: CoreOptions): PortUse[] {
  const uses: PortUse[] = [{ port: options.wsPort ?? 8066, what: 'SIP over WebSocket', setting: '--ws-port <port>' }];
  if (options.sipPort !== null) uses.push({ port: options.sipPort ?? 5060, what: 'SIP over TCP and UDP', setting: '--sip-port <port|off>' });
  return uses;
}

/** Users when none are given: the receiver and the push sender of the quick start. */
export const GENERATED_USERS = ['alice', 'psa'] as const;

export function parseArgs(argv: readonly string[]): CoreOptions {
  const options: CoreOptions = {};
  const users: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const [name, inline] = flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    const port = (v: string): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name}: ${v} is not a port`);
      return n;
    };
    switch (name) {
      case '--host': options.host = value(); break;
      case '--ws-port': options.wsPort = port(value()); break;
      case '--sip-port': { const v = value(); options.sipPort = v === 'off' ? null : port(v); break; }
      case '--domain': options.domain = value(); break;
      case '--realm': options.realm = value(); break;
      case '--user': {
        const v = value();
        const colon = v.indexOf(':');
        if (colon <= 0) throw new Error(`--user expects name:password, got ${v}`);
        users[v.slice(0, colon)] = v.slice(colon + 1);
        break;
      }
      case '--no-auth': options.noAuth = true; break;
      case '--help': case '-h': console.log(USAGE); process.exit(0);
      default: throw new Error(`Unknown option ${flag}`);
    }
  }
  if (Object.keys(users).length > 0 && options.noAuth) throw new Error('--user and --no-auth contradict each other');
  if (Object.keys(users).length > 0) options.users = users;
  else if (!options.noAuth) options.users = Object.fromEntries(GENERATED_USERS.map((user) => [user, randomBytes(12).toString('base64url')]));
  return options;
}

async function main(): Promise<void> {
  let options: CoreOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`core: ${error instanceof Error ? error.message : String(error)}; ${SEE_HELP}`);
    process.exit(2);
  }
  let core;
  try {
    core = await startCore(options);
  } catch (error) {
    // startCore has closed whatever it had opened: nothing is left listening.
    console.error(`core: ${listenFailure(error, corePorts(options))}`);
    process.exit(1);
  }
  console.log(`SIP/IP Core for domain ${core.domain}`);
  console.log(`  SIP over WebSocket: ${core.wsUrl}`);
  if (core.tcpPort !== null) console.log(`  SIP over TCP/UDP:   ${options.host ?? '127.0.0.1'}:${core.tcpPort}`);
  console.log(`  Bindings:           ${core.httpUrl}/bindings`);
  if (options.users) console.log(`  Digest users:       ${Object.entries(options.users).map(([user, password]) => `${user} / ${password}`).join(', ')}`);
  else console.log('  Authentication OFF (--no-auth): anyone can register or push as anyone');
  const stop = (signal: string) => {
    console.log(`${signal}: stopping`);
    core.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`core: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
