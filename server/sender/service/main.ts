/**
 * `npm run psa`: the Push Sender Agent service (index.ts) from flags and the environment.
 *
 *   --core <ws url>        the core's SIP-over-WebSocket URL (SIP_PUSH_CORE_URL; default ws://127.0.0.1:8066)
 *   --aor <sip uri>        the service's identity (SIP_PUSH_PSA_AOR; default sip:psa@localhost)
 *   --auth-user <user>     digest user (default the AoR's user part)
 *   --password <pw>        digest password (SIP_PUSH_PSA_PASSWORD; prefer the variable: flags show in ps)
 *   --host <addr>          API address (default 127.0.0.1)
 *   --port <n>             API port (SIP_PUSH_PSA_PORT; default 8077; 0 = any free one)
 *   --token <t>            API bearer token (SIP_PUSH_PSA_TOKEN; default one generated and printed)
 *   --no-auth              API open to anyone who can reach it (trials only)
 *   --queue <location>     postgres://..., memory:, or a directory (SIP_PUSH_QUEUE_URL; default .runtime/psa-queue)
 *   --content-dir <dir>    where MSRP contents are kept (default .runtime/psa-content)
 *
 * Prints one line with the API URL (and the token when generated) once it listens. A bad flag
 * is one line and exit status 2; a start that fails (port taken, queue unreachable) one line
 * and exit status 1. SIGINT / SIGTERM close it cleanly (un-REGISTER, leases released by
 * finishing the sends in flight).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startPushService, type RunningPushService } from './index.ts';

function fail(status: 1 | 2, line: string): never {
  console.error(`psa: ${line}`);
  process.exit(status);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      core: { type: 'string' },
      aor: { type: 'string' },
      'auth-user': { type: 'string' },
      password: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      token: { type: 'string' },
      'no-auth': { type: 'boolean', default: false },
      queue: { type: 'string' },
      'content-dir': { type: 'string' },
    },
  });
} catch (err) {
  fail(2, `${err instanceof Error ? err.message : String(err)}; see the flags at the top of server/sender/service/main.ts or the README's "Push Sender Agent service"`);
}
const flags = parsed.values;
const env = process.env;
const core = flags.core ?? env.SIP_PUSH_CORE_URL ?? 'ws://127.0.0.1:8066';
if (!/^wss?:\/\/[^\s/]+/.test(core)) fail(2, `--core ${core} is not a WebSocket URL: give ws://host:port of the core`);
const aor = flags.aor ?? env.SIP_PUSH_PSA_AOR ?? 'sip:psa@localhost';
if (!/^sips?:[^\s@]+@[^\s]+$/.test(aor)) fail(2, `--aor ${aor} is not a SIP AoR: give sip:user@domain`);
const portText = flags.port ?? env.SIP_PUSH_PSA_PORT ?? '8077';
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(2, `--port ${portText} is not a port number: give 0 (any free port) through 65535`);
const noAuth = flags['no-auth'] === true;
if (noAuth && (flags.token ?? env.SIP_PUSH_PSA_TOKEN)) fail(2, '--no-auth and a token were both given: drop one');
const generated = !noAuth && !(flags.token ?? env.SIP_PUSH_PSA_TOKEN);
const token = noAuth ? undefined : (flags.token ?? env.SIP_PUSH_PSA_TOKEN ?? randomBytes(18).toString('base64url'));
const password = flags.password ?? env.SIP_PUSH_PSA_PASSWORD;

let running: RunningPushService;
try {
  running = await startPushService({
    core: { server: core, aor, ...(flags['auth-user'] !== undefined && { authUser: flags['auth-user'] }), ...(password !== undefined && { password }) },
    api: { host: flags.host ?? '127.0.0.1', port, ...(noAuth ? { auth: false } : { token: token! }) },
    ...((flags.queue ?? env.SIP_PUSH_QUEUE_URL) !== undefined && { queue: flags.queue ?? env.SIP_PUSH_QUEUE_URL! }),
    ...(flags['content-dir'] !== undefined && { contentDir: flags['content-dir'] }),
  });
} catch (err) {
  const e = err as { code?: string; port?: number; message?: string };
  if (e?.code === 'EADDRINUSE') fail(1, `port ${e.port ?? port} (the HTTP API) is in use: stop the other process or set --port / SIP_PUSH_PSA_PORT`);
  if (e?.code === 'EACCES') fail(1, `port ${e.port ?? port} (the HTTP API) needs privileges: set --port above 1023`);
  fail(1, `could not start: ${e?.message ?? String(err)}`);
}

console.log(`psa: API ${running.apiUrl} (queue: ${running.queueDescription}; SIP: ${running.registration.status.phase} as ${aor} at ${core})`);
if (noAuth) console.log('psa: authentication OFF (--no-auth): anyone who reaches the API can push');
else if (generated) console.log(`psa: API token (generated for this run; set SIP_PUSH_PSA_TOKEN to keep one): ${token}`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await running.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
