/**
 * Test sender CLI: one push (or a quick load trial of MESSAGE pushes) through a SIP/IP Core.
 * Small content goes as a SIP MESSAGE (flow 5.4.1); a --file above --message-max bytes (or
 * --mode msrp) goes as an INVITE and an MSRP file transfer over WebSocket (flow 5.4.2). That
 * choice and the sending are send.ts's (planSend, send); this module parses the arguments,
 * calls it (or runs the load trial of --count MESSAGE pushes) and prints the outcome.
 *
 *   npm run push -- --to sip:alice@localhost --app news.ua --data "hello"
 *   npm run push -- --to sip:alice@localhost --app news.ua --file video.mp4
 *
 * With --via <service URL> it is a client of the Push Sender Agent service instead (issue 12):
 * it submits through the service's HTTP API (a --file uploaded first, streamed), then follows
 * the push's status changes on the event stream, one line each, until every delivery is
 * delivered or final (--wait-for displayed: final), and exits 0 when delivered or displayed.
 *
 *   npm run push -- --via http://127.0.0.1:8077 --to sip:alice@localhost --app news.ua --text "hello" --report
 *
 * Exit status: 0 on 2xx (--via: delivered or displayed), 1 on any other final status or a
 * transport failure, 2 on usage errors. A failure prints one line on stderr naming the cause and the flag or setting that fixes it
 * (cliFailures.ts); never the usage text after a runtime error.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isValidAppId, type SipHeader } from '../../src/protocol/sip/index.ts';
import { connectFailure, fileProblem, msrpListenFailure, resultFailure, viaFailure, viaOutcomeFailure, type ConnectCause, type FailureContext, type ServerSetting, type ViaFailureContext } from './cliFailures.ts';
import { guessContentType } from './contentType.ts';
import { createPushApiClient, followPush, type WaitFor } from './service/http/client.ts';
import { percentile, runLoad } from './load.ts';
import type { TransferProgress } from './msrp/endpoint.ts';
import type { LargePushRequest, LargePushResult } from './msrp/pushLarge.ts';
import { createPushSender, type PushRequest, type PushSender } from './pushSender.ts';
import { DEFAULT_MAX_UNACKNOWLEDGED_CHUNKS } from './msrp/endpoint.ts';
import { DEFAULT_MESSAGE_MAX, planSend, send, type SendPlan, type SendResult } from './send.ts';
import { DEFAULT_TIMEOUT_MS, SenderError, validateExtraHeader } from './sipClient.ts';

export { DEFAULT_MESSAGE_MAX } from './send.ts';

export const USAGE =
  'usage: npm run push -- --to <sip-uri> [--app <id>] [--type <mime>] (--data <text> | --file <path>) ' +
  '[--from <sip-uri>] [--server <ws-url>] [--auth-user <user>] [--password <pw>] [--header "Name: value"]... ' +
  '[--mode auto|message|msrp] [--message-max bytes] [--msrp-port port] [--msrp-host addr] [--msrp-window chunks] ' +
  '[--count N] [--concurrency K] [--timeout ms] [--verbose] [--help]\n' +
  '       npm run push -- --via <service-url> [--token <token>] --to <target> --app <id> (--text <text> | --file <path>) [--type <mime>] ' +
  '[--report] [--expires-in s] [--priority low|normal|high] [--push-id id] [--mode auto|message|msrp] [--no-wait] [--wait-for delivered|displayed] [--timeout ms]';

const HELP = `${USAGE}

Sends a push through a SIP/IP Core over WebSocket (subprotocol sip): a SIP MESSAGE for small
content, an INVITE and an MSRP file transfer (subprotocol msrp, the receiver connects to us)
for a --file above --message-max bytes.

  --to <sip-uri>        recipient AoR or GRUU (required)
  --app <id>            push application ID; adds Accept-Contact: *;+g.oma.pusheventapp="<id>";require;explicit
  --type <mime>         content type (default: from the --file extension, text/plain for --data)
  --data <text>         body as UTF-8 text
  --file <path>         body from a file (bytes as they are)
  --mode <mode>         auto (default): MSRP for a --file above --message-max bytes, else MESSAGE;
                        message: always MESSAGE; msrp: always MSRP (needs --file)
  --message-max <bytes> largest --file sent as a MESSAGE in auto mode (default ${DEFAULT_MESSAGE_MAX})
  --msrp-port <port>    port of our MSRP WebSocket endpoint (default 0: a random free port)
  --msrp-host <addr>    address it binds and puts in a=path (default 127.0.0.1)
  --msrp-window <n>     most MSRP chunks sent and not yet answered (default ${DEFAULT_MAX_UNACKNOWLEDGED_CHUNKS}; 0: no window)
  --from <sip-uri>      sender address (default sip:psa@localhost)
  --server <ws-url>     core WebSocket URL (default $SIP_PUSH_SERVER or ws://127.0.0.1:8066)
  --auth-user <user>    digest user (default: user part of --from)
  --password <pw>       digest password, used when the core answers 401/407
  --header "N: v"       extra header, repeatable
  --count N             send N pushes (default 1) ...
  --concurrency K       ... with K in flight (default 1)
  --timeout <ms>        Timer F/B: give up after this long without a final response (default 32000);
                        for MSRP also how long the receiver has to connect, and to send its REPORT
  --verbose             print every SIP message sent and received on stderr

Through the Push Sender Agent service (npm run psa) instead of straight to the core:

  --via <url>           the service's HTTP API (such as http://127.0.0.1:8077)
  --token <token>       its bearer token (default $SIP_PUSH_PSA_TOKEN; npm run psa prints it)
  --to <target>         an AoR, or a target as JSON: '{"aor":"sip:a@d","terminals":"all"}',
                        '{"gruu":"..."}', '{"aor":"...","instance":"urn:uuid:..."}' or an array of these
  --text <text>         body as UTF-8 text (--data works too); --file <path> is uploaded first
  --report              ask for delivery and display reports (IMDN)
  --expires-in <s>      never delivered after this many seconds
  --priority <p>        low, normal (default) or high
  --push-id <id>        your own push ID (default: the service makes one)
  --no-wait             exit once the service has queued the push
  --wait-for <status>   delivered (default): until no delivery waits; displayed: until each is final
  --timeout <ms>        stop waiting after this long (the push stays queued at the service)

Exit status: 0 on 2xx (--via: delivered or displayed), 1 on another final status or a transport
failure, 2 on usage errors.`;

/** A usage error: exit status 2, one line on stderr; `seeHelp` adds a pointer to --help. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly seeHelp = true,
  ) {
    super(message);
  }
}

const SEE_HELP = 'see npm run push -- --help';

export type CliMode = 'message' | 'msrp';

export interface CliConfig {
  server: string;
  /** Where `server` came from, for the failure lines. */
  serverSetting: ServerSetting;
  from: string;
  authUser?: string;
  password?: string;
  /**
   * What this run sends: `push` for message, `large` for msrp. The plan of send.ts (planSend),
   * made while parsing so that a file error is a usage error; main hands it to send().
   */
  mode: CliMode;
  push?: PushRequest;
  large?: LargePushRequest;
  msrpPort: number;
  msrpHost: string;
  msrpWindow: number;
  count: number;
  concurrency: number;
  timeoutMs?: number;
  verbose: boolean;
}

/** Parse argv (without node and script); returns 'help' for --help, throws UsageError. */
export function parseCli(argv: string[], env: Record<string, string | undefined> = process.env): CliConfig | ViaConfig | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        to: { type: 'string' },
        app: { type: 'string' },
        type: { type: 'string' },
        data: { type: 'string' },
        file: { type: 'string' },
        from: { type: 'string' },
        server: { type: 'string' },
        'auth-user': { type: 'string' },
        password: { type: 'string' },
        header: { type: 'string', multiple: true },
        count: { type: 'string' },
        concurrency: { type: 'string' },
        timeout: { type: 'string' },
        mode: { type: 'string' },
        'message-max': { type: 'string' },
        'msrp-port': { type: 'string' },
        'msrp-host': { type: 'string' },
        'msrp-window': { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        via: { type: 'string' },
        token: { type: 'string' },
        text: { type: 'string' },
        report: { type: 'boolean' },
        'expires-in': { type: 'string' },
        priority: { type: 'string' },
        'push-id': { type: 'string' },
        'no-wait': { type: 'boolean' },
        'wait-for': { type: 'string' },
      },
    }));
  } catch (err) {
    // Node's messages run on with advice about '--'; the first sentence names the argument.
    const message = err instanceof Error ? err.message : String(err);
    throw new UsageError(message.split(/\.\s/)[0]!.replace(/\.$/, ''));
  }
  if (values.help) return 'help';
  if (values.via !== undefined) return parseVia(values, env);
  for (const flag of VIA_ONLY) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} applies with --via <service URL> only${flag === 'text' ? '; without it give --data' : ''}`);
  }
  if (!values.to) throw new UsageError('missing --to <sip-uri>');
  if (!/^sips?:[^\s<>"]+$/i.test(values.to)) throw new UsageError(`--to ${values.to}: not a sip: or sips: URI`);
  if (values.app !== undefined && !isValidAppId(values.app)) {
    throw new UsageError(`--app ${values.app}: not an RFC 3840 token (letters, digits and - . % * _ + \` ' ~)`);
  }
  if (values.data !== undefined && values.file !== undefined) throw new UsageError('give either --data or --file, not both');
  if (values.data === undefined && values.file === undefined) throw new UsageError('missing --data <text> or --file <path>');
  const modeFlag = values.mode ?? 'auto';
  if (modeFlag !== 'auto' && modeFlag !== 'message' && modeFlag !== 'msrp') throw new UsageError(`--mode ${modeFlag}: expected auto, message or msrp`);
  const messageMax = values['message-max'] === undefined ? DEFAULT_MESSAGE_MAX : nonNegativeInt('--message-max', values['message-max']);
  const msrpPort = values['msrp-port'] === undefined ? 0 : nonNegativeInt('--msrp-port', values['msrp-port']);
  if (msrpPort > 65535) throw new UsageError(`--msrp-port ${msrpPort}: expected 0 to 65535`);
  const msrpWindow = values['msrp-window'] === undefined ? DEFAULT_MAX_UNACKNOWLEDGED_CHUNKS : nonNegativeInt('--msrp-window', values['msrp-window']);
  const msrpHost = values['msrp-host'] ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:-]+$/.test(msrpHost)) throw new UsageError(`--msrp-host ${msrpHost}: expected an IP address or host name`);
  if (modeFlag === 'msrp' && values.file === undefined) throw new UsageError('--mode msrp needs --file <path>');
  const content = values.file !== undefined ? { file: values.file } : { body: values.data! };
  let plan: SendPlan;
  try {
    plan = planSend({ ...content, ...(values.type !== undefined ? { contentType: values.type } : {}), ...(values.app !== undefined ? { app: values.app } : {}) }, values.to, { mode: modeFlag, messageMax });
  } catch (err) {
    if (!(err instanceof SenderError)) throw err;
    if (err.code !== 'SENDER_ERR_FILE') throw new UsageError(err.message);
    throw new UsageError(fileProblem(values.file!, (err.cause as NodeJS.ErrnoException | undefined)?.code), false);
  }
  const request = plan.mode === 'msrp' ? plan.large : plan.push;
  const contentType = request.contentType!;
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*;.*)?$/.test(contentType)) {
    throw new UsageError(`--type ${contentType}: not a media type (type/subtype)`);
  }
  const headers: SipHeader[] = [];
  for (const line of values.header ?? []) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header ${line}: expected "Name: value"`);
    const header = { name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() };
    try {
      validateExtraHeader(header);
    } catch (err) {
      throw new UsageError(`--header ${line}: ${(err as Error).message}`);
    }
    headers.push(header);
  }
  if (headers.length) request.headers = headers;
  const serverSetting: ServerSetting = values.server !== undefined ? '--server' : env.SIP_PUSH_SERVER ? 'SIP_PUSH_SERVER' : 'default';
  const config: CliConfig = {
    server: values.server ?? (env.SIP_PUSH_SERVER || 'ws://127.0.0.1:8066'),
    serverSetting,
    from: values.from ?? 'sip:psa@localhost',
    ...plan,
    msrpPort,
    msrpHost,
    msrpWindow,
    count: positiveInt('--count', values.count, 1),
    concurrency: positiveInt('--concurrency', values.concurrency, 1),
    verbose: values.verbose ?? false,
  };
  if (config.mode === 'msrp' && (config.count > 1 || config.concurrency > 1)) throw new UsageError('--count and --concurrency apply to MESSAGE pushes only');
  if (!/^wss?:\/\/\S+$/i.test(config.server)) {
    const setting = serverSetting === 'SIP_PUSH_SERVER' ? `SIP_PUSH_SERVER=${config.server}` : `--server ${config.server}`;
    throw new UsageError(`${setting}: expected a ws:// or wss:// URL`);
  }
  if (!/^sips?:[^\s<>"]+$/i.test(config.from)) throw new UsageError(`--from ${config.from}: not a sip: or sips: URI`);
  if (values.timeout !== undefined) config.timeoutMs = positiveInt('--timeout', values.timeout, 0);
  if (config.large && config.timeoutMs !== undefined) {
    config.large.connectTimeoutMs = config.timeoutMs;
    config.large.reportTimeoutMs = config.timeoutMs;
  }
  if (values['auth-user'] !== undefined) config.authUser = values['auth-user'];
  if (values.password !== undefined) config.password = values.password;
  return config;
}

function positiveInt(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UsageError(`${flag} ${raw}: expected a positive integer`);
  return Number(raw);
}

function nonNegativeInt(flag: string, raw: string): number {
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new UsageError(`${flag} ${raw}: expected a non-negative integer`);
  return Number(raw);
}

/** A run through the service (--via): what to submit and how long to follow it. */
export interface ViaConfig {
  via: string;
  token?: string;
  /** Where the token came from, for the failure lines. */
  tokenSetting: ViaFailureContext['tokenSetting'];
  /** The submit body (content or, with `file`, the upload added at run time). */
  body: Record<string, unknown>;
  /** Uploaded first (POST /v1/uploads), then named by the push. */
  file?: string;
  wait: boolean;
  waitFor: WaitFor;
  timeoutMs?: number;
}

const VIA_ONLY = ['token', 'text', 'report', 'expires-in', 'priority', 'push-id', 'no-wait', 'wait-for'] as const;
const DIRECT_ONLY = ['server', 'from', 'auth-user', 'password', 'header', 'count', 'concurrency', 'message-max', 'msrp-port', 'msrp-host', 'msrp-window', 'verbose'] as const;

type ParsedValues = Record<string, string | boolean | string[] | undefined>;

function parseVia(values: ParsedValues, env: Record<string, string | undefined>): ViaConfig {
  const str = (flag: string) => values[flag] as string | undefined;
  for (const flag of DIRECT_ONLY) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} does not apply with --via: the service sends with its own settings`);
  }
  const via = str('via')!;
  if (!/^https?:\/\/[^\s/]+/i.test(via)) throw new UsageError(`--via ${via}: expected the service's http:// or https:// URL (npm run psa prints it)`);
  const to = str('to');
  if (!to) throw new UsageError('missing --to <target>');
  let target: unknown = to;
  if (/^[[{]/.test(to)) {
    try {
      target = JSON.parse(to);
    } catch {
      throw new UsageError(`--to ${to}: not JSON; give an AoR, or a target such as '{"aor":"sip:alice@example.com","terminals":"all"}'`);
    }
  } else if (!/^sips?:[^\s<>"]+$/i.test(to)) throw new UsageError(`--to ${to}: not a sip: or sips: URI`);
  const app = str('app');
  if (app === undefined) throw new UsageError('missing --app <id>: the service pushes to an application');
  if (!isValidAppId(app)) throw new UsageError(`--app ${app}: not an RFC 3840 token (letters, digits and - . % * _ + \` ' ~)`);
  if (str('text') !== undefined && str('data') !== undefined) throw new UsageError('give either --text or --data, not both');
  const text = str('text') ?? str('data');
  const file = str('file');
  if (text !== undefined && file !== undefined) throw new UsageError('give either --text or --file, not both');
  if (text === undefined && file === undefined) throw new UsageError('missing --text <text> or --file <path>');
  if (file !== undefined) {
    try {
      if (!statSync(file).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
      accessSync(file, constants.R_OK);
    } catch (err) {
      throw new UsageError(fileProblem(file, (err as NodeJS.ErrnoException).code), false);
    }
  }
  const contentType = str('type') ?? (file !== undefined ? guessContentType(file) : 'text/plain');
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*;.*)?$/.test(contentType)) throw new UsageError(`--type ${contentType}: not a media type (type/subtype)`);
  const body: Record<string, unknown> = { target, app, contentType };
  if (text !== undefined) body.content = text;
  if (values.report) body.report = true;
  if (str('expires-in') !== undefined) body.expiresInSeconds = positiveInt('--expires-in', str('expires-in'), 0);
  const priority = str('priority');
  if (priority !== undefined && priority !== 'low' && priority !== 'normal' && priority !== 'high') throw new UsageError(`--priority ${priority}: expected low, normal or high`);
  if (priority !== undefined) body.priority = priority;
  const mode = str('mode');
  if (mode !== undefined && mode !== 'auto' && mode !== 'message' && mode !== 'msrp') throw new UsageError(`--mode ${mode}: expected auto, message or msrp`);
  if (mode !== undefined) body.mode = mode;
  const pushId = str('push-id');
  if (pushId !== undefined) {
    if (pushId === '') throw new UsageError('--push-id is empty: give an ID, or leave it out and the service makes one');
    body.pushId = pushId;
  }
  const waitFor = str('wait-for') ?? 'delivered';
  if (waitFor !== 'delivered' && waitFor !== 'displayed') throw new UsageError(`--wait-for ${waitFor}: expected delivered or displayed`);
  if (values['no-wait'] && str('wait-for') !== undefined) throw new UsageError('give either --no-wait or --wait-for, not both');
  const token = str('token') ?? (env.SIP_PUSH_PSA_TOKEN || undefined);
  const config: ViaConfig = {
    via: via.replace(/\/+$/, ''),
    tokenSetting: str('token') !== undefined ? '--token' : token !== undefined ? 'SIP_PUSH_PSA_TOKEN' : 'none',
    body,
    wait: !values['no-wait'],
    waitFor,
  };
  if (token !== undefined) config.token = token;
  if (file !== undefined) config.file = file;
  if (str('timeout') !== undefined) config.timeoutMs = positiveInt('--timeout', str('timeout'), 0);
  return config;
}

function statusLine(result: SendResult): string {
  return `${result.status} ${result.reason} (${Math.round(result.elapsedMs)} ms)`;
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

function largeStatusLine(result: LargePushResult): string {
  const seconds = result.elapsedMs / 1000;
  const rate = seconds > 0 ? `, ${mb(result.bytesSent / seconds)} MB/s` : '';
  const from = result.firstByte > 1 ? ` from byte ${result.firstByte}` : '';
  return `${result.status} ${result.reason} (${Math.round(result.elapsedMs)} ms; MSRP ${result.bytesSent} of ${result.totalBytes} bytes${from}${rate})`;
}

/** Progress lines rewritten in place (`\r`), for a TTY: at most 10 a second, and the last one. */
function progressPrinter(progress: (text: string) => void): (p: TransferProgress) => void {
  const startedAt = performance.now();
  let shownAt = 0;
  return (p) => {
    const now = performance.now();
    if (now - shownAt < 100 && p.bytesAcked < p.totalBytes - (p.firstByte - 1)) return;
    shownAt = now;
    progress(progressLine(p, startedAt));
  };
}

function progressLine(p: TransferProgress, startedAt: number): string {
  const total = p.totalBytes - (p.firstByte - 1);
  const pct = total > 0 ? Math.floor((p.bytesAcked * 100) / total) : 100;
  const seconds = (performance.now() - startedAt) / 1000;
  const rate = seconds > 0 ? p.bytesAcked / seconds : 0;
  const left = rate > 0 ? Math.ceil((total - p.bytesAcked) / rate) : 0;
  return `\r${pct}% ${mb(p.bytesAcked)}/${mb(total)} MB ${mb(rate)} MB/s ${left}s left   `;
}

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Progress text for a TTY (no newline added); absent when stderr is not a TTY. */
  progress?: (text: string) => void;
}

const defaultIo = (): CliIo => {
  const io: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) };
  if (process.stderr.isTTY) io.progress = (text) => process.stderr.write(text);
  return io;
};

/** Run the CLI; resolves with the exit status. */
export async function main(argv: string[], io: CliIo = defaultIo(), env = process.env): Promise<number> {
  let config: CliConfig | ViaConfig | 'help';
  try {
    config = parseCli(argv, env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`push: ${err.message}${err.seeHelp ? `; ${SEE_HELP}` : ''}`);
    return 2;
  }
  if (config === 'help') {
    io.out(HELP);
    return 0;
  }
  if ('via' in config) return via(config, io);
  let sender;
  try {
    sender = createPushSender({
      server: config.server,
      from: config.from,
      ...(config.authUser !== undefined ? { authUser: config.authUser } : {}),
      ...(config.password !== undefined ? { password: config.password } : {}),
      ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
      msrp: { port: config.msrpPort, host: config.msrpHost, maxUnacknowledgedChunks: config.msrpWindow },
      ...(config.verbose ? { trace: (dir: 'send' | 'recv', text: string) => io.err(`${dir === 'send' ? '>>>' : '<<<'}\n${text}`) } : {}),
    });
  } catch (err) {
    io.err(`push: ${(err as Error).message}; ${SEE_HELP}`);
    return 2;
  }
  const context = failureContext(config);
  try {
    await sender.connect();
    if (config.count > 1) return await trial(config, sender, io);
    const { large, push } = config;
    const request = large ? { ...large, ...(io.progress ? { onProgress: progressPrinter(io.progress) } : {}) } : push!;
    const result = await send(request, request.to, { sender, mode: config.mode });
    if (result.msrp && io.progress) io.progress('\n');
    io.out(result.msrp ? largeStatusLine(result.msrp) : statusLine(result));
    if (result.ok) return 0;
    if (result.status === 480 && context.app !== undefined) {
      const apps = await registeredApps(config.server, context.to);
      if (apps) context.registeredApps = apps;
    }
    io.err(resultFailure(result.status, result.reason, context));
    return 1;
  } catch (err) {
    io.err(failureLine(err, context));
    return 1;
  } finally {
    await sender.close();
  }
}

/**
 * A push through the service: upload the --file, submit, then print each status change of
 * each delivery (`aor:sip:alice@localhost: delivered (SIP 200)`) until it is settled.
 */
async function via(config: ViaConfig, io: CliIo): Promise<number> {
  const client = createPushApiClient({ url: config.via, ...(config.token !== undefined ? { token: config.token } : {}) });
  const context: ViaFailureContext = { via: config.via, tokenSetting: config.tokenSetting, ...(config.file !== undefined ? { file: config.file } : {}) };
  const signal = config.timeoutMs !== undefined ? AbortSignal.timeout(config.timeoutMs) : undefined;
  try {
    const body = { ...config.body };
    if (config.file !== undefined) {
      const { uploadId, size } = await client.upload(config.file, String(config.body.contentType));
      io.out(`uploaded ${config.file} (${size} bytes)`);
      body.upload = uploadId;
    }
    const push = await client.submit(body);
    context.pushId = push.pushId;
    io.out(`push ${push.pushId} queued for ${push.deliveries.length} ${push.deliveries.length === 1 ? 'terminal' : 'terminals'}`);
    if (!config.wait) return 0;
    const result = await followPush(client, push.pushId, {
      waitFor: config.waitFor,
      ...(signal ? { signal } : {}),
      onChange: (c) => io.out(`${c.terminal}: ${c.to}${c.reason ? ` (${c.reason})` : ''}${c.sipStatus !== undefined ? ` (SIP ${c.sipStatus})` : ''}`),
    });
    io.out(`push ${push.pushId}: ${result.status}`);
    if (result.status === 'delivered' || result.status === 'displayed') return 0;
    io.err(viaOutcomeFailure(result, context));
    return 1;
  } catch (err) {
    if (signal?.aborted) {
      const state = await client.get(context.pushId!).catch(() => undefined);
      io.err(viaFailure({ kind: 'timeout', timeoutMs: config.timeoutMs!, ...(state ? { status: state.status } : {}) }, context));
    } else io.err(viaFailure(err, context));
    return 1;
  }
}

/** What the failure lines may name (cliFailures.ts). */
function failureContext(config: CliConfig): FailureContext {
  const request = config.large ?? config.push!;
  const fromUser = /^sips?:([^@;?]+)@/i.exec(config.from)?.[1];
  return {
    to: request.to,
    ...(request.app !== undefined ? { app: request.app } : {}),
    server: config.server,
    serverSetting: config.serverSetting,
    authUser: config.authUser ?? fromUser ?? '(none)',
    from: config.from,
    hasPassword: config.password !== undefined,
    timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
}

/** The one line for an error thrown while sending (the core unreachable, our MSRP port taken...). */
function failureLine(err: unknown, context: FailureContext): string {
  if (err instanceof SenderError) {
    if (err.code === 'SENDER_ERR_CONNECT') return connectFailure(err.cause as ConnectCause | undefined, context);
    const cause = err.cause as NodeJS.ErrnoException | undefined;
    if (/cannot listen for MSRP/.test(err.message)) return msrpListenFailure(cause?.code, err.message.replace(/: \w+$/, ''));
  }
  return `push failed: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * The push apps registered for `aor`, when the core tells: the embedded core answers
 * GET /bindings?aor= on its WebSocket port (server/core/http.ts). Undefined from any other
 * core, or when it does not answer within 3 s: the failure line then says what to check.
 */
async function registeredApps(server: string, aor: string): Promise<string[] | undefined> {
  try {
    const url = new URL(server);
    url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
    url.pathname = '/bindings';
    url.search = new URLSearchParams({ aor }).toString();
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    if (!response.ok) return undefined;
    const bindings: unknown = await response.json();
    if (!Array.isArray(bindings)) return undefined;
    const apps = new Set<string>();
    for (const binding of bindings) {
      const pushApps: unknown = (binding as { pushApps?: unknown } | null)?.pushApps;
      if (!Array.isArray(pushApps)) return undefined;
      for (const app of pushApps) if (typeof app === 'string') apps.add(app);
    }
    return [...apps].sort();
  } catch {
    return undefined;
  }
}

/** The quick load trial (--count above 1): MESSAGE pushes only. */
async function trial(config: CliConfig, sender: PushSender, io: CliIo): Promise<number> {
  const push = config.push!;
  const report = await runLoad({ count: config.count, concurrency: config.concurrency }, () => sender.sendPush(push));
  const perStatus = Object.entries(report.statuses)
    .map(([status, n]) => `${status === '0' ? 'error' : status} x${n}`)
    .join(', ');
  const rate = report.elapsedMs > 0 ? Math.round((report.sent * 1000) / report.elapsedMs) : 0;
  const p = (q: number) => percentile(report.latenciesMs, q).toFixed(1);
  io.out(`${report.sent} pushes in ${Math.round(report.elapsedMs)} ms (${rate}/s, ${config.concurrency} in flight): ${perStatus}; latency p50 ${p(50)} ms, p99 ${p(99)} ms`);
  if (report.failed === 0) return 0;
  const firstError = report.firstError instanceof Error ? `; ${report.firstError.message}` : '';
  io.err(`push failed: ${report.failed} of ${report.sent} pushes failed (${perStatus})${firstError}`);
  return 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(`push failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}
