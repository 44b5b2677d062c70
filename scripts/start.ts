/**
 * `npm start`: the whole stack with Node alone. Starts the embedded SIP/IP Core, the Push
 * Sender Agent service (server/sender/service, its queue in .runtime/psa-queue) and the web
 * client (Vite dev server), then prints the URLs to open and sender commands ready to paste.
 * Ports come from the environment:
 *   SIP_PUSH_WS_PORT (8066), SIP_PUSH_SIP_PORT (5060, or "off"), SIP_PUSH_PSA_PORT (8077),
 *   SIP_PUSH_CLIENT_PORT (5173).
 *
 * The embedded core authenticates (digest): credentials for the receiver (alice) and the push
 * sender (psa) are generated at every start and printed. The client's URL carries the
 * receiver's in its fragment (`#config=`, never the query string: a fragment is not sent to
 * any server), which the page moves into its settings and removes from the address bar and
 * history; the sender command carries the sender's. `npm start -- --no-auth` runs the core
 * open to anyone (trials only: anyone can then register or push as anyone).
 *
 * `npm start -- --core kamailio`: the web client only, against the Kamailio core started with
 * `npm run core:kamailio` in another terminal (same KAMAILIO_* environment; see
 * scripts/kamailioStack.ts). The printed URL carries the receiver's credentials, the printed
 * sender command the push sender's.
 *
 * A port that is taken ends the start with one line naming the port, what it is for and the
 * variable that changes it (exit status 1, nothing left listening); a bad setting is one line
 * too (exit status 2).
 */
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { createServer } from 'vite';
import { optionsFromEnv } from '../deploy/kamailio/launch.ts';
import { listenFailure, type PortUse } from '../server/core/cli.ts';
import { startCore } from '../server/core/index.ts';
import { startPushService, type RunningPushService } from '../server/sender/service/index.ts';
import { kamailioStack, senderFlags } from './kamailioStack.ts';

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`start: ${name}=${raw} is not a port number: set it to 0 (any free port) through 65535${name === 'SIP_PUSH_SIP_PORT' ? ', or off' : ''}`);
    process.exit(2);
  }
  return port;
}

/** One line naming what could not start (for a taken port: which, what for, the variable to set), then exit 1. */
async function explain(error: unknown, what: string, ports: readonly PortUse[]): Promise<never> {
  const line = listenFailure(error, ports);
  console.error(`start: ${line === (error instanceof Error ? error.message : String(error)) ? `could not start ${what}: ${line}` : line}`);
  await psa?.close();
  await viteServer?.close();
  await closeCore();
  process.exit(1);
}

/**
 * The web client's URL with the fields to set over its /config.json in the fragment
 * (`#config=`, see src/ui/config/load.ts): credentials never travel in a query string, which
 * servers log and Referer headers carry.
 */
function configuredUrl(clientUrl: string, overrides: Record<string, string | boolean>): string {
  return Object.keys(overrides).length === 0 ? clientUrl : `${clientUrl}#config=${encodeURIComponent(JSON.stringify(overrides))}`;
}

/** A password for this run: 12 random bytes, URL-safe. */
function generatedPassword(): string {
  return randomBytes(12).toString('base64url');
}

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000);
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port), hostname);
  });
}

const { values } = parseArgs({ options: { core: { type: 'string', default: 'embedded' }, 'no-auth': { type: 'boolean', default: false } } });
if (values.core !== 'embedded' && values.core !== 'kamailio') {
  console.error(`start: --core must be embedded or kamailio, not ${values.core}`);
  process.exit(2);
}
const clientPort = portFromEnv('SIP_PUSH_CLIENT_PORT', 5173);
const clientUrl = `http://127.0.0.1:${clientPort}/`;
const clientPorts: PortUse[] = [{ port: clientPort, what: 'the web client', setting: 'SIP_PUSH_CLIENT_PORT=<port>' }];
const psaPort = portFromEnv('SIP_PUSH_PSA_PORT', 8077);
const psaPorts: PortUse[] = [{ port: psaPort, what: 'the Push Sender Agent API', setting: 'SIP_PUSH_PSA_PORT=<port>' }];

let psa: RunningPushService | undefined;
/** The web client once it listens (closed by explain() when a later part fails). */
let viteServer: { close(): Promise<void> } | undefined;
/**
 * The Push Sender Agent service beside the core (issue 12): registered as the push sender,
 * its API on 127.0.0.1 with a token generated for this run (none with --no-auth).
 */
async function startService(server: string, identity: { aor: string; authUser?: string; password?: string }, receiverAor: string, open: boolean): Promise<string> {
  const token = open ? undefined : generatedPassword();
  psa = await startPushService({
    core: { server, ...identity },
    api: { port: psaPort, ...(token ? { token } : { auth: false }) },
    // The PAP gateway takes the API token as password; --no-auth opens it too (as npm run psa does).
    // Result notifications to an initiator on this machine (README's example: 127.0.0.1:8090) are
    // allowed in this trial setup; npm run psa allows loopback only with --pap-notify-host.
    pap: { ...(token ? {} : { auth: false }), notify: { allowHosts: ['127.0.0.1', 'localhost'] } },
    log: (line) => console.log(line),
  }).catch((error: unknown) => explain(error, 'the Push Sender Agent service', psaPorts));
  const auth = token ? ` -H "Authorization: Bearer ${token}"` : '';
  // The PAP example addresses WAPPUSH=alice/TYPE=USER, which maps to sip:alice@<the service's domain>.
  const receiverUser = /^sips?:([^@;]+)@/.exec(receiverAor)?.[1] ?? 'alice';
  return `
  Push Sender Agent service (HTTP API): ${psa.apiUrl}${token ? `  (token: ${token})` : '  (no token: --no-auth)'}
  Operator console:                     ${psa.consoleUrl === null ? 'off' : `${psa.consoleUrl}${token ? `#token=${token}` : ''}`}

Push through the service (it reports delivered, then displayed when you open the push):

  curl -s -X POST ${psa.apiUrl}/v1/pushes${auth} -H 'Content-Type: application/json' \\
    -d '{"target": "${receiverAor}", "app": "news.ua", "contentType": "text/plain", "content": "Hello through the service", "report": true}'
  npm run push -- --via ${psa.apiUrl}${token ? ` --token ${token}` : ''} --to ${receiverAor} --app news.ua --text "Hello" --report

  Push Proxy Gateway (PAP over HTTP):   ${psa.apiUrl}/pap${token ? `  (Basic: any user name, the token as password)` : ''}

A Service Indication (a link card in the wml.ua inbox), with a push-id new each time:

  sed "s/readme-si-1/si-$(date +%s)/${receiverUser === 'alice' ? '' : `; s/WAPPUSH=alice/WAPPUSH=${receiverUser}/`}" server/sender/pap/examples/service-indication.multipart | \\
    curl -s${token ? ` -u pi:${token}` : ''} -H 'Content-Type: multipart/related; boundary=asdlfkjiurwghasf; type="application/xml"' --data-binary @- ${psa.apiUrl}/pap
`;
}

let closeCore: () => Promise<void> = async () => {};
let banner: string;
/** The service starts last (after the web client): a port problem of the core or the client then stops everything before it logs anything. */
let startServiceLater: () => Promise<string>;
if (values.core === 'kamailio') {
  const stack = kamailioStack(optionsFromEnv(process.env, []));
  if (!(await reachable(stack.wsUrl))) {
    console.error(`start: no Kamailio at ${stack.wsUrl}: run \`npm run core:kamailio\` in another terminal first (same KAMAILIO_* settings)`);
    process.exit(1);
  }
  const { receiver, sender } = stack;
  // Kamailio asserts the sender it authenticated (P-Asserted-Identity): the client trusts it.
  const openUrl = configuredUrl(clientUrl, { server: stack.wsUrl, aor: receiver.aor, authUser: receiver.authUser, password: receiver.password, trustAssertedIdentity: true });
  banner = `
SIP Push Web is running on Kamailio

  Web client (Push Receiver Agent):  ${openUrl}
  SIP/IP Core (Kamailio), WebSocket: ${stack.wsUrl}

Open the web client; it registers as ${receiver.aor} (digest user ${receiver.authUser}) with apps news.ua, mms.ua and wml.ua (Service Indication and Service Loading link cards).
Then push to it from another terminal, as the allowed push sender ${sender.aor}:

  npm run push -- ${senderFlags(stack)} --to ${receiver.aor} --app news.ua --type text/plain --data "Hello from SIP Push on Kamailio"

Before the browser registers, Kamailio keeps the push (msilo, 202 Accepted) and delivers it on registration.
`;
  startServiceLater = () => startService(stack.wsUrl, { aor: sender.aor, authUser: sender.authUser, password: sender.password }, receiver.aor, values['no-auth']);
} else {
  const wsPort = portFromEnv('SIP_PUSH_WS_PORT', 8066);
  const sipPort = process.env.SIP_PUSH_SIP_PORT === 'off' ? null : portFromEnv('SIP_PUSH_SIP_PORT', 5060);
  const open = values['no-auth'];
  const users = open ? undefined : { alice: generatedPassword(), psa: generatedPassword() };
  const corePorts: PortUse[] = [{ port: wsPort, what: 'SIP over WebSocket', setting: 'SIP_PUSH_WS_PORT=<port>' }];
  if (sipPort !== null) corePorts.push({ port: sipPort, what: 'SIP over TCP and UDP', setting: 'SIP_PUSH_SIP_PORT=<port|off>' });
  // startCore closes what it opened before it rejects.
  const core = await startCore({ wsPort, sipPort, ...(users ? { users } : { noAuth: true }) }).catch((error: unknown) => explain(error, 'the SIP/IP Core', corePorts));
  closeCore = () => core.close();
  // public/config.json points at ws://127.0.0.1:8066; the link sets only what differs from it.
  const overrides: Record<string, string | boolean> = wsPort === 8066 ? {} : { server: core.wsUrl };
  // The link names its identity: credentials are saved per AoR, so they must never land on
  // another identity this browser used last (src/ui/config/identitySettings.ts).
  if (users) Object.assign(overrides, { aor: 'sip:alice@localhost', authUser: 'alice', password: users.alice, trustAssertedIdentity: true });
  const openUrl = configuredUrl(clientUrl, overrides);
  const serverFlag = (wsPort === 8066 ? '' : ` --server ${core.wsUrl}`) + (users ? ` --from sip:psa@localhost --password ${users.psa}` : '');
  const authLine = users
    ? `  Digest users (generated for this run): alice / ${users.alice} (the web client), psa / ${users.psa} (the sender)\n`
    : '  Authentication OFF (--no-auth): anyone can register or push as anyone\n';
  banner = `
SIP Push Web is running (embedded defaults)

  Web client (Push Receiver Agent):  ${openUrl}
  SIP/IP Core, SIP over WebSocket:   ${core.wsUrl}
${core.tcpPort !== null ? `  SIP/IP Core, SIP over TCP/UDP:     127.0.0.1:${core.tcpPort}\n` : ''}  Registrations at the core:         ${core.httpUrl}/bindings
${authLine}
Open the web client; it registers as sip:alice@localhost with apps news.ua, mms.ua and wml.ua (Service Indication and Service Loading link cards).
Then push to it from another terminal (the Push Sender Agent CLI):

  npm run push --${serverFlag} --to sip:alice@localhost --app news.ua --type text/plain --data "Hello from SIP Push"
  npm run push --${serverFlag} --to sip:alice@localhost --app news.ua --file public/uaprof.rdf --type text/plain
`;
  startServiceLater = () => startService(core.wsUrl, { aor: 'sip:psa@localhost', ...(users && { password: users.psa }) }, 'sip:alice@localhost', open);
}

const vite = await createServer({ server: { port: clientPort, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' }).catch((error: unknown) =>
  explain(error, 'the web client', clientPorts),
);
await vite.listen().catch(async (error: unknown) => {
  await vite.close();
  return explain(error, 'the web client', clientPorts);
});
viteServer = vite;
banner += await startServiceLater();
console.log(`${banner}\nPress Ctrl+C to stop.\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await psa?.close();
  await Promise.allSettled([vite.close(), closeCore()]);
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
