/**
 * `npm start`: the whole stack on embedded defaults, with Node alone. Starts the embedded
 * SIP/IP Core and the web client (Vite dev server), then prints the URLs to open and a
 * sender command ready to paste. Ports come from the environment:
 *   SIP_PUSH_WS_PORT (8066), SIP_PUSH_SIP_PORT (5060, or "off"), SIP_PUSH_CLIENT_PORT (5173).
 */
import { createServer } from 'vite';
import { startCore } from '../server/core/index.ts';

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name}=${raw} is not a port number`);
  return port;
}

function explain(error: unknown, what: string, envName: string): never {
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE') console.error(`start: ${what} port is already in use; set ${envName} to another port`);
  else console.error(`start: could not start ${what}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const wsPort = portFromEnv('SIP_PUSH_WS_PORT', 8066);
const sipPortRaw = process.env.SIP_PUSH_SIP_PORT;
const sipPort = sipPortRaw === 'off' ? null : portFromEnv('SIP_PUSH_SIP_PORT', 5060);
const clientPort = portFromEnv('SIP_PUSH_CLIENT_PORT', 5173);

const core = await startCore({ wsPort, sipPort }).catch((error: unknown) => explain(error, 'the SIP/IP Core (WebSocket or SIP)', 'SIP_PUSH_WS_PORT / SIP_PUSH_SIP_PORT'));
const vite = await createServer({ server: { port: clientPort, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' }).catch((error: unknown) =>
  explain(error, 'the web client', 'SIP_PUSH_CLIENT_PORT'),
);
await vite.listen().catch((error: unknown) => explain(error, 'the web client', 'SIP_PUSH_CLIENT_PORT'));

const clientUrl = `http://127.0.0.1:${clientPort}/`;
// public/config.json points at ws://127.0.0.1:8066; on another port the client gets its config in the URL.
const openUrl =
  wsPort === 8066
    ? clientUrl
    : `${clientUrl}?config=${encodeURIComponent(JSON.stringify({ server: core.wsUrl, aor: 'sip:alice@localhost', displayName: 'Alice', uaprofUrl: '/uaprof.rdf', apps: [{ id: 'news.ua', accept: ['text/plain', 'application/json', 'image/*'] }, { id: 'mms.ua', accept: ['*/*'] }] }))}`;
const serverFlag = wsPort === 8066 ? '' : ` --server ${core.wsUrl}`;

console.log(`
SIP Push Web is running (embedded defaults)

  Web client (Push Receiver Agent):  ${openUrl}
  SIP/IP Core, SIP over WebSocket:   ${core.wsUrl}
${core.tcpPort !== null ? `  SIP/IP Core, SIP over TCP/UDP:     127.0.0.1:${core.tcpPort}\n` : ''}  Registrations at the core:         ${core.httpUrl}/bindings

Open the web client; it registers as sip:alice@localhost with apps news.ua and mms.ua.
Then push to it from another terminal (the Push Sender Agent CLI):

  npm run push --${serverFlag} --to sip:alice@localhost --app news.ua --type text/plain --data "Hello from SIP Push"
  npm run push --${serverFlag} --to sip:alice@localhost --app news.ua --file public/uaprof.rdf --type text/plain

Press Ctrl+C to stop.
`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.allSettled([vite.close(), core.close()]);
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
