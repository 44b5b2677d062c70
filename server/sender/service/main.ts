/**
 * `npm run psa`: the Push Sender Agent service (index.ts) from flags and the environment
 * (flags.ts lists them). Prints one line with the API URL (and the token when generated) once
 * it listens, and where the PAP gateway is. A bad flag is one line and exit status 2; a start
 * that fails (port taken, queue unreachable) one line and exit status 1. SIGINT / SIGTERM close
 * it cleanly (un-REGISTER, leases released by finishing the sends in flight).
 */
import { readFileSync } from 'node:fs';
import { startPushService, type RunningPushService } from './index.ts';
import { parsePsaFlags, UsageError, type PsaFlags } from './flags.ts';

function fail(status: 1 | 2, line: string): never {
  console.error(`psa: ${line}`);
  process.exit(status);
}

let flags: PsaFlags;
try {
  flags = parsePsaFlags(process.argv.slice(2), process.env, (path) => readFileSync(path, 'utf8'));
} catch (err) {
  if (err instanceof UsageError) fail(2, err.message);
  throw err;
}
const { config, token, generatedToken, noAuth } = flags;
const port = config.api?.port ?? 8077;

let running: RunningPushService;
try {
  running = await startPushService(config);
} catch (err) {
  const e = err as { code?: string; port?: number; message?: string };
  if (e?.code === 'EADDRINUSE') fail(1, `port ${e.port ?? port} (the HTTP API) is in use: stop the other process or set --port / SIP_PUSH_PSA_PORT`);
  if (e?.code === 'EACCES') fail(1, `port ${e.port ?? port} (the HTTP API) needs privileges: set --port above 1023`);
  fail(1, `could not start: ${e?.message ?? String(err)}`);
}

console.log(`psa: API ${running.apiUrl} (queue: ${running.queueDescription}; SIP: ${running.registration.status.phase} as ${config.core.aor} at ${config.core.server})`);
if (config.pap !== false) {
  const who = noAuth ? 'no authentication' : config.pap?.users ? `Basic: ${config.pap.users.length} initiator(s) from --pap-user / --pap-users-file, or the API token as password` : 'Basic, any user name with the API token as password';
  console.log(`psa: PAP gateway ${running.apiUrl}${config.pap?.path ?? '/pap'} (${who})`);
}
if (running.consoleUrl !== null) {
  // The token rides in the fragment, which the browser never sends; the page moves it to sessionStorage.
  console.log(`psa: operator console ${running.consoleUrl}${noAuth ? '' : generatedToken ? `#token=${token}` : ' (it asks for the API token)'}`);
}
if (noAuth) console.log('psa: authentication OFF (--no-auth): anyone who reaches the API or the PAP gateway can push');
else if (generatedToken) console.log(`psa: API token (generated for this run; set SIP_PUSH_PSA_TOKEN to keep one): ${token}`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await running.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
