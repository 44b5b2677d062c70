/**
 * Test sender CLI: one MESSAGE push (or a quick load trial) through a SIP/IP Core.
 *
 *   npm run push -- --to sip:alice@localhost --app news.ua --data "hello"
 *
 * Exit status: 0 on 2xx, 1 on any other final status or a transport failure, 2 on usage errors.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isValidAppId, type SipHeader } from '../../src/protocol/sip/index.ts';
import { guessContentType } from './contentType.ts';
import { percentile, runLoad } from './load.ts';
import { createPushSender, type PushRequest, type PushResult } from './pushSender.ts';
import { SenderError, validateExtraHeader } from './sipClient.ts';

export const USAGE =
  'usage: npm run push -- --to <sip-uri> [--app <id>] [--type <mime>] (--data <text> | --file <path>) ' +
  '[--from <sip-uri>] [--server <ws-url>] [--auth-user <user>] [--password <pw>] [--header "Name: value"]... ' +
  '[--count N] [--concurrency K] [--timeout ms] [--verbose] [--help]';

const HELP = `${USAGE}

Sends a SIP MESSAGE push through a SIP/IP Core over WebSocket (subprotocol sip).

  --to <sip-uri>        recipient AoR or GRUU (required)
  --app <id>            push application ID; adds Accept-Contact: *;+g.oma.pusheventapp="<id>";require;explicit
  --type <mime>         content type (default: from the --file extension, text/plain for --data)
  --data <text>         body as UTF-8 text
  --file <path>         body from a file (bytes as they are)
  --from <sip-uri>      sender address (default sip:psa@localhost)
  --server <ws-url>     core WebSocket URL (default $SIP_PUSH_SERVER or ws://127.0.0.1:8066)
  --auth-user <user>    digest user (default: user part of --from)
  --password <pw>       digest password, used when the core answers 401/407
  --header "N: v"       extra header, repeatable
  --count N             send N pushes (default 1) ...
  --concurrency K       ... with K in flight (default 1)
  --timeout <ms>        Timer F: give up after this long without a final response (default 32000)
  --verbose             print every SIP message sent and received on stderr

Exit status: 0 on 2xx, 1 on another final status or a transport failure, 2 on usage errors.`;

export class UsageError extends Error {}

export interface CliConfig {
  server: string;
  from: string;
  authUser?: string;
  password?: string;
  push: PushRequest;
  count: number;
  concurrency: number;
  timeoutMs?: number;
  verbose: boolean;
}

/** Parse argv (without node and script); returns 'help' for --help, throws UsageError. */
export function parseCli(argv: string[], env: Record<string, string | undefined> = process.env): CliConfig | 'help' {
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
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    // Node's messages run on with advice about '--'; the first sentence names the argument.
    const message = err instanceof Error ? err.message : String(err);
    throw new UsageError(message.split(/\.\s/)[0]!.replace(/\.$/, ''));
  }
  if (values.help) return 'help';
  if (!values.to) throw new UsageError('missing --to <sip-uri>');
  if (!/^sips?:[^\s<>"]+$/i.test(values.to)) throw new UsageError(`--to ${values.to}: not a sip: or sips: URI`);
  if (values.app !== undefined && !isValidAppId(values.app)) {
    throw new UsageError(`--app ${values.app}: not an RFC 3840 token (letters, digits and - . % * _ + \` ' ~)`);
  }
  if (values.data !== undefined && values.file !== undefined) throw new UsageError('give either --data or --file, not both');
  if (values.data === undefined && values.file === undefined) throw new UsageError('missing --data <text> or --file <path>');
  let body: string | Uint8Array;
  let contentType = values.type;
  if (values.file !== undefined) {
    try {
      body = new Uint8Array(readFileSync(values.file));
    } catch (err) {
      throw new UsageError(`--file ${values.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    contentType ??= guessContentType(values.file);
  } else {
    body = values.data!;
    contentType ??= 'text/plain';
  }
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
  const config: CliConfig = {
    server: values.server ?? env.SIP_PUSH_SERVER ?? 'ws://127.0.0.1:8066',
    from: values.from ?? 'sip:psa@localhost',
    push: { to: values.to, contentType, body, ...(values.app !== undefined ? { app: values.app } : {}), ...(headers.length ? { headers } : {}) },
    count: positiveInt('--count', values.count, 1),
    concurrency: positiveInt('--concurrency', values.concurrency, 1),
    verbose: values.verbose ?? false,
  };
  if (!/^wss?:\/\/\S+$/i.test(config.server)) throw new UsageError(`--server ${config.server}: expected a ws:// or wss:// URL`);
  if (!/^sips?:[^\s<>"]+$/i.test(config.from)) throw new UsageError(`--from ${config.from}: not a sip: or sips: URI`);
  if (values.timeout !== undefined) config.timeoutMs = positiveInt('--timeout', values.timeout, 0);
  if (values['auth-user'] !== undefined) config.authUser = values['auth-user'];
  if (values.password !== undefined) config.password = values.password;
  return config;
}

function positiveInt(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UsageError(`${flag} ${raw}: expected a positive integer`);
  return Number(raw);
}

function statusLine(result: PushResult): string {
  return `${result.status} ${result.reason} (${Math.round(result.elapsedMs)} ms)`;
}

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Run the CLI; resolves with the exit status. */
export async function main(argv: string[], io: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) }, env = process.env): Promise<number> {
  let config: CliConfig | 'help';
  try {
    config = parseCli(argv, env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`push: ${err.message}`);
    io.err(USAGE);
    return 2;
  }
  if (config === 'help') {
    io.out(HELP);
    return 0;
  }
  let sender;
  try {
    sender = createPushSender({
      server: config.server,
      from: config.from,
      ...(config.authUser !== undefined ? { authUser: config.authUser } : {}),
      ...(config.password !== undefined ? { password: config.password } : {}),
      ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
      ...(config.verbose ? { trace: (dir: 'send' | 'recv', text: string) => io.err(`${dir === 'send' ? '>>>' : '<<<'}\n${text}`) } : {}),
    });
  } catch (err) {
    io.err(`push: ${(err as Error).message}`);
    io.err(USAGE);
    return 2;
  }
  const push = config.push;
  try {
    await sender.connect();
    if (config.count === 1) {
      const result = await sender.sendPush(push);
      io.out(statusLine(result));
      if (result.ok) return 0;
      io.err(`push failed: ${result.status} ${result.reason}`);
      return 1;
    }
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
  } catch (err) {
    io.err(`push failed: ${err instanceof SenderError || err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await sender.close();
  }
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
