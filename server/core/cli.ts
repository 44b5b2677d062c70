/**
 * `npm run core -- --host 127.0.0.1 --ws-port 8066 --sip-port 5060 --domain localhost --user alice:secret`
 * Starts the embedded core, prints where it listens, stops cleanly on SIGINT/SIGTERM.
 * Authenticated by default: with no --user, users alice and psa get passwords generated for
 * this run (printed); `--no-auth` runs it open to anyone.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { startCore, type CoreOptions } from './index.ts';

const USAGE = `Usage: npm run core -- [--host 127.0.0.1] [--ws-port 8066] [--sip-port 5060|off] [--domain localhost] [--realm R] [--user name:password]... [--no-auth]`;

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
      default: throw new Error(`Unknown option ${flag}\n${USAGE}`);
    }
  }
  if (Object.keys(users).length > 0 && options.noAuth) throw new Error(`--user and --no-auth contradict each other\n${USAGE}`);
  if (Object.keys(users).length > 0) options.users = users;
  else if (!options.noAuth) options.users = Object.fromEntries(GENERATED_USERS.map((user) => [user, randomBytes(12).toString('base64url')]));
  return options;
}

async function main(): Promise<void> {
  let options: CoreOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
  const core = await startCore(options);
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
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
