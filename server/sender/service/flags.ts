/**
 * `npm run psa`'s flags and environment, read into a PushServiceConfig (index.ts). Pure: the
 * arguments, the environment and a file reader come in, a config or one usage line comes out;
 * main.ts does the printing and the exit codes.
 *
 *   --core <ws url>        the core's SIP-over-WebSocket URL (SIP_PUSH_CORE_URL; default ws://127.0.0.1:8066)
 *   --aor <sip uri>        the service's identity (SIP_PUSH_PSA_AOR; default sip:psa@localhost)
 *   --auth-user <user>     digest user (default the AoR's user part)
 *   --password <pw>        digest password (SIP_PUSH_PSA_PASSWORD; prefer the variable: flags show in ps)
 *   --host <addr>          API address (default 127.0.0.1)
 *   --port <n>             API port (SIP_PUSH_PSA_PORT; default 8077; 0 = any free one)
 *   --token <t>            API bearer token (SIP_PUSH_PSA_TOKEN; default one generated and printed)
 *   --no-auth              API, console and PAP gateway open to anyone who can reach them (trials only)
 *   --queue <location>     postgres://..., memory:, or a directory (SIP_PUSH_QUEUE_URL; default .runtime/psa-queue)
 *   --content-dir <dir>    where MSRP contents are kept (default .runtime/psa-content)
 *
 * The Push Proxy Gateway (server/sender/pap), served on the API's port:
 *   --pap-path <path>               where (SIP_PUSH_PAP_PATH; default /pap)
 *   --pap-user <user:password>      a Push Initiator's Basic credentials; repeat for more
 *   --pap-users-file <file>         one user:password per line (SIP_PUSH_PAP_USERS_FILE; # comments)
 *   --pap-address <TYPE=template>   address rule, e.g. PLMN=sip:{value}@{domain};user=phone, IPv4=off
 *   --pap-default-app <app>         the app when a push names none (default wml.ua)
 *   --pap-notify-host <host[:port]> a loopback or private host result notifications may go to; repeat
 *   --no-pap                        no gateway
 * Without --pap-user entries the API token is the initiators' password (any user name).
 *
 * The operator console (server/sender/console), a page on the API's port that asks for the token:
 *   --console-path <path>           where (default /console)
 *   --no-console                    not served
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { pushApplicationName, WAP_PUSH_ADDRESS_TYPES, type WapPushAddressType } from '../../../src/protocol/pap/index.ts';
import { consolePath } from '../console/index.ts';
import { checkAddressMapping } from '../pap/addressMapping.ts';
import { mountPath, mountPathsOverlap } from './http/mountPath.ts';
import type { AddressTemplates } from '../pap/addressMapping.ts';
import type { PushServiceConfig } from './index.ts';

export interface PsaFlags {
  config: PushServiceConfig;
  /** The API token, when one is required. */
  token: string | undefined;
  /** The token was generated for this run (main.ts prints it). */
  generatedToken: boolean;
  noAuth: boolean;
}

/** One line naming the bad flag and the fix; main.ts prints it and exits with status 2. */
export class UsageError extends Error {}

const HELP = 'see the flags at the top of server/sender/service/flags.ts or the README\'s "Push Sender Agent service"';

export function parsePsaFlags(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  readText: (path: string) => string,
): PsaFlags {
  let values;
  try {
    values = parseArgs({
      args: [...args],
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
        'pap-path': { type: 'string' },
        'pap-user': { type: 'string', multiple: true },
        'pap-users-file': { type: 'string' },
        'pap-address': { type: 'string', multiple: true },
        'pap-default-app': { type: 'string' },
        'pap-notify-host': { type: 'string', multiple: true },
        'no-pap': { type: 'boolean', default: false },
        'console-path': { type: 'string' },
        'no-console': { type: 'boolean', default: false },
      },
    }).values;
  } catch (err) {
    // node:util's messages run over several lines; the usage error is one.
    throw new UsageError(`${(err instanceof Error ? err.message : String(err)).replace(/\.?\s*\n\s*/g, '. ')}; ${HELP}`);
  }
  const core = values.core ?? env.SIP_PUSH_CORE_URL ?? 'ws://127.0.0.1:8066';
  if (!/^wss?:\/\/[^\s/]+/.test(core)) throw new UsageError(`--core ${core} is not a WebSocket URL: give ws://host:port of the core`);
  const aor = values.aor ?? env.SIP_PUSH_PSA_AOR ?? 'sip:psa@localhost';
  if (!/^sips?:[^\s@]+@[^\s]+$/.test(aor)) throw new UsageError(`--aor ${aor} is not a SIP AoR: give sip:user@domain`);
  const portText = values.port ?? env.SIP_PUSH_PSA_PORT ?? '8077';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`--port ${portText} is not a port number: give 0 (any free port) through 65535`);
  const noAuth = values['no-auth'] === true;
  const givenToken = values.token ?? env.SIP_PUSH_PSA_TOKEN;
  if (noAuth && givenToken) throw new UsageError('--no-auth and a token were both given: drop one');
  if (givenToken !== undefined && givenToken.length < 16) throw new UsageError('the API token is shorter than 16 characters: give a longer --token / SIP_PUSH_PSA_TOKEN, or leave it out to have one generated');
  const token = noAuth ? undefined : (givenToken ?? randomBytes(18).toString('base64url'));
  const password = values.password ?? env.SIP_PUSH_PSA_PASSWORD;
  const queue = values.queue ?? env.SIP_PUSH_QUEUE_URL;

  const config: PushServiceConfig = {
    core: { server: core, aor, ...(values['auth-user'] !== undefined && { authUser: values['auth-user'] }), ...(password !== undefined && { password }) },
    api: { host: values.host ?? '127.0.0.1', port, ...(noAuth ? { auth: false } : { token: token! }) },
    ...(queue !== undefined && { queue }),
    ...(values['content-dir'] !== undefined && { contentDir: values['content-dir'] }),
    pap: papOptions(values, env, noAuth, readText),
    console: consoleOptions(values),
  };
  const papPath = config.pap === false ? undefined : (config.pap?.path ?? '/pap');
  const consoleAt = config.console === false ? undefined : (config.console?.path ?? '/console');
  if (papPath !== undefined && consoleAt !== undefined && mountPathsOverlap(papPath, consoleAt)) {
    throw new UsageError(`the PAP gateway's path ${papPath} and the console's ${consoleAt} take each other's requests: give --pap-path or --console-path another one`);
  }
  return { config, token, generatedToken: !noAuth && givenToken === undefined, noAuth };
}

interface PapFlagValues {
  'pap-path'?: string;
  'pap-user'?: string[];
  'pap-users-file'?: string;
  'pap-address'?: string[];
  'pap-default-app'?: string;
  'pap-notify-host'?: string[];
  'no-pap'?: boolean;
}

function papOptions(values: PapFlagValues, env: Readonly<Record<string, string | undefined>>, noAuth: boolean, readText: (path: string) => string): PushServiceConfig['pap'] {
  const given = ['pap-path', 'pap-user', 'pap-users-file', 'pap-address', 'pap-default-app', 'pap-notify-host'].filter((name) => values[name as keyof PapFlagValues] !== undefined);
  if (values['no-pap'] === true) {
    if (given.length > 0) throw new UsageError(`--no-pap and --${given[0]} were both given: drop one`);
    return false;
  }
  const path = values['pap-path'] ?? env.SIP_PUSH_PAP_PATH;
  if (path !== undefined) usage('--pap-path', () => mountPath(path, 'the PAP gateway', '/pap'));
  const defaultApp = values['pap-default-app'];
  if (defaultApp !== undefined) usage('--pap-default-app', () => pushApplicationName(defaultApp));
  const users = [...(values['pap-user'] ?? [])];
  const usersFile = values['pap-users-file'] ?? env.SIP_PUSH_PAP_USERS_FILE;
  if (usersFile !== undefined) {
    let text: string;
    try {
      text = readText(usersFile);
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new UsageError(`--pap-users-file ${usersFile}: ${code === 'ENOENT' ? 'no such file; check the path' : `cannot be read (${code ?? String(err)})`}`);
    }
    text.split(/\r?\n/).forEach((line, i) => {
      const entry = line.trim();
      if (entry === '' || entry.startsWith('#')) return;
      if (!isCredential(entry)) throw new UsageError(`--pap-users-file ${usersFile}, line ${i + 1}: not user:password; write one name:password per line`);
      users.push(entry);
    });
  }
  for (const entry of values['pap-user'] ?? []) {
    if (!isCredential(entry)) throw new UsageError(`--pap-user: an entry is not user:password; write --pap-user name:password`);
  }
  if (noAuth && users.length > 0) throw new UsageError('--no-auth and PAP users were both given: drop one (--no-auth opens the gateway too)');
  const addressTemplates: Partial<AddressTemplates> = {};
  for (const rule of values['pap-address'] ?? []) {
    const m = /^([A-Za-z0-9]+)=(.+)$/.exec(rule);
    const type = WAP_PUSH_ADDRESS_TYPES.find((t) => t.toLowerCase() === m?.[1]?.toLowerCase());
    if (!m || type === undefined) throw new UsageError(`--pap-address ${JSON.stringify(rule)}: write TYPE=template with TYPE one of ${WAP_PUSH_ADDRESS_TYPES.join(', ')}, e.g. PLMN=sip:{value}@{domain};user=phone or IPv4=off`);
    const template = m[2]!;
    if (template !== 'off') usage(`--pap-address ${type}`, () => checkAddressMapping({ domain: 'example.com', templates: { [type]: template } }));
    addressTemplates[type as WapPushAddressType] = template === 'off' ? null : template;
  }
  const notifyHosts = values['pap-notify-host'] ?? [];
  for (const host of notifyHosts) {
    if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(host)) throw new UsageError(`--pap-notify-host ${host}: write a host or host:port, e.g. 127.0.0.1:8090`);
  }
  return {
    ...(path !== undefined && { path }),
    ...(notifyHosts.length > 0 && { notify: { allowHosts: notifyHosts } }),
    ...(users.length > 0 && { users }),
    ...(noAuth && { auth: false }),
    ...(Object.keys(addressTemplates).length > 0 && { addressTemplates }),
    ...(values['pap-default-app'] !== undefined && { defaultApp: values['pap-default-app'] }),
  };
}

function consoleOptions(values: { 'console-path'?: string; 'no-console'?: boolean }): PushServiceConfig['console'] {
  const path = values['console-path'];
  if (values['no-console'] === true) {
    if (path !== undefined) throw new UsageError('--no-console and --console-path were both given: drop one');
    return false;
  }
  if (path === undefined) return {};
  // The console's own check (one rule for the flag and the option).
  try {
    return { path: consolePath(path) };
  } catch (err) {
    throw new UsageError(`--console-path: ${(err as Error).message}`);
  }
}

/** Run a check that throws a plain Error, as a usage error of `flag` (one line). */
function usage(flag: string, check: () => unknown): void {
  try {
    check();
  } catch (err) {
    throw new UsageError(`${flag}: ${(err instanceof Error ? err.message : String(err)).replace(/\s*[\r\n]+\s*/g, ' ')}`);
  }
}

function isCredential(entry: string): boolean {
  const colon = entry.indexOf(':');
  return colon > 0 && colon < entry.length - 1;
}
