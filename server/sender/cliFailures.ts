/**
 * The one line the sender CLI (cli.ts) prints on stderr when a push fails: what went wrong and
 * which flag or setting changes it. Pure text, no I/O: cli.ts gathers the facts (the result,
 * the error, the push apps registered at the target when the core lets it know them) and
 * prints the line.
 *
 *   push failed: 404 Not Found: sip:bob@localhost is not registered at the core; ...
 *   push failed: connection refused at ws://127.0.0.1:8066: no SIP/IP Core listens there; ...
 */

/** What a failure line may name: the push as given and where its settings came from. */
export interface FailureContext {
  to: string;
  app?: string;
  server: string;
  /** Where `server` came from: the flag, the environment, or the built-in default. */
  serverSetting: ServerSetting;
  /** The digest user in effect (--auth-user, else the user part of --from). */
  authUser: string;
  from: string;
  /** A --password was given. */
  hasPassword: boolean;
  /** Timer F / B in effect, milliseconds. */
  timeoutMs: number;
  /** The push apps registered for `to`, when known (the embedded core's GET /bindings). */
  registeredApps?: readonly string[];
}

export type ServerSetting = '--server' | 'SIP_PUSH_SERVER' | 'default';

/** The setting to change for the core's URL, as the user gave it. */
function serverFlag(ctx: FailureContext): string {
  return ctx.serverSetting === 'SIP_PUSH_SERVER' ? 'SIP_PUSH_SERVER (or --server)' : '--server';
}

/** A final response other than 2xx (or a local 408/503): status, reason, cause and fix. */
export function resultFailure(status: number, reason: string, ctx: FailureContext): string {
  return `push failed: ${status} ${reason}: ${statusHint(status, reason, ctx)}`;
}

function statusHint(status: number, reason: string, ctx: FailureContext): string {
  switch (status) {
    case 401:
    case 407:
      return ctx.hasPassword
        ? `the core refused digest user ${ctx.authUser} with this password; check --password and --auth-user (npm start prints both)`
        : `the core wants a digest password; add --password (digest user ${ctx.authUser}; another with --auth-user)`;
    case 403:
      if (/does not match from/i.test(reason)) return `digest user ${ctx.authUser} may only push as itself; make --from and --auth-user name the same user`;
      return `${ctx.from} may not push to ${ctx.to} here; check --from (an allowed push sender) and --to`;
    case 404:
      return `${ctx.to} is not registered at the core; open the web client as that user so it registers, or check --to`;
    case 408:
      if (/did not connect/i.test(reason)) return 'the receiver could not reach our MSRP endpoint; check --msrp-host and --msrp-port (the receiver connects to them), or raise --timeout';
      return `no final answer within ${ctx.timeoutMs} ms; check that the receiver is online, or raise --timeout`;
    case 413:
    case 513:
      return 'the content is above a size limit of the core or the receiver; send it as a --file (above --message-max it goes over MSRP)';
    case 415:
      return 'the receiver does not take this content type; check --type (and --app: each app accepts its own types)';
    case 480:
      if (/gruu/i.test(reason)) return `the receiver instance ${ctx.to} names is not registered now; push to its AoR, or check --to`;
      if (ctx.app === undefined) return `${ctx.to} is registered but cannot take pushes now; check that the receiver is running, or check --to`;
      return `${ctx.to} has no contact with push app ${ctx.app} registered${appList(ctx.registeredApps)}; check --app${ctx.registeredApps ? '' : ", or register the app in the receiver's page"}`;
    case 486:
    case 600:
    case 603:
      return 'the receiver declined it; try again later, or check --app';
    case 488:
    case 606:
      return 'the receiver refused the offer; check --type, --app and the size of --file against what the app accepts';
    case 503:
      if (/connection to core lost/i.test(reason)) return `the connection to ${ctx.server} closed before the answer; check that the core is still running`;
      return 'the core or the receiver cannot take it now; try again later, or run with --verbose to see the SIP exchange';
    default:
      return 'run again with --verbose to see the SIP exchange';
  }
}

function appList(apps: readonly string[] | undefined): string {
  if (apps === undefined) return '';
  return apps.length === 0 ? ' (it registered no push apps)' : ` (registered apps: ${apps.join(', ')})`;
}

/** Why the connection to the core failed, from the cause SipTransport attaches. */
export interface ConnectCause {
  /** The socket error's code (ECONNREFUSED, ENOTFOUND...). */
  code?: string;
  /** An HTTP server answered the upgrade with this status. */
  httpStatus?: number;
  message?: string;
}

/** The core could not be reached at `ctx.server`. */
export function connectFailure(cause: ConnectCause | undefined, ctx: FailureContext): string {
  const url = ctx.server;
  const flag = serverFlag(ctx);
  const fixUrl = `point ${flag} at the core's SIP WebSocket URL (npm start prints it)`;
  const code = cause?.code;
  if (cause?.httpStatus !== undefined) {
    return `push failed: ${url} is an HTTP server, not a SIP WebSocket (it answered the upgrade with HTTP ${cause.httpStatus}); ${fixUrl}`;
  }
  if (code === 'ECONNREFUSED') {
    const fix = ctx.serverSetting === 'default' ? 'start the core (npm start), or give --server' : `start the core (npm start), or check ${flag}`;
    return `push failed: connection refused at ${url}: no SIP/IP Core listens there; ${fix}`;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `push failed: cannot resolve the host of ${url}; check ${flag}`;
  const message = cause?.message ?? '';
  if (/subprotocol/i.test(message)) return `push failed: ${url} is a WebSocket server that does not speak SIP (${message}); ${fixUrl}`;
  if (/handshake has timed out/i.test(message) || code === 'ETIMEDOUT') {
    return `push failed: no WebSocket handshake from ${url} within ${ctx.timeoutMs} ms; check ${flag} (and any firewall on the way)`;
  }
  return `push failed: cannot connect to ${url}: ${code ?? (message || 'unknown error')}; check ${flag} and that the core is running`;
}

/** Our MSRP endpoint could not listen: a taken --msrp-port, or a --msrp-host not on this machine. */
export function msrpListenFailure(code: string | undefined, detail: string): string {
  if (code === 'EADDRINUSE') return `push failed: ${detail}: the port is in use (our MSRP endpoint, which the receiver connects to); give another --msrp-port, or 0 for a free one`;
  if (code === 'EADDRNOTAVAIL') return `push failed: ${detail}: not an address of this machine; check --msrp-host`;
  return `push failed: ${detail}; check --msrp-host and --msrp-port`;
}

/** A --file that cannot be sent (a usage error): the path, what is wrong with it, the fix. */
export function fileProblem(path: string, code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return `--file ${path}: no such file; check the path`;
    case 'EISDIR':
      return `--file ${path}: is a directory; give the path of a file`;
    case 'EACCES':
    case 'EPERM':
      return `--file ${path}: not readable (permission denied); make it readable, or give another file`;
    case 'ENOTDIR':
      return `--file ${path}: a part of the path is not a directory; check the path`;
    default:
      return `--file ${path}: cannot be read (${code ?? 'unknown error'}); check the path and its permissions`;
  }
}

/** What a --via failure line may name: the service, where the token came from, the push. */
export interface ViaFailureContext {
  via: string;
  tokenSetting: '--token' | 'SIP_PUSH_PSA_TOKEN' | 'none';
  file?: string;
  /** Known once the service queued the push. */
  pushId?: string;
}

/** The flag that sets each field of the API's submit body, for its 400s. */
const FLAG_OF_FIELD: Record<string, string> = {
  target: '--to',
  app: '--app',
  contentType: '--type',
  content: '--text',
  upload: '--file',
  pushId: '--push-id',
  expiresInSeconds: '--expires-in',
  deliverBefore: '--expires-in',
  priority: '--priority',
  mode: '--mode',
};

/** An error of a --via run: the service unreachable, a refused token, a refused field, a wait that timed out. */
export function viaFailure(err: unknown, ctx: ViaFailureContext): string {
  const e = err as { name?: string; status?: number; code?: string; field?: string; message?: string; kind?: string; timeoutMs?: number };
  if (e.kind === 'timeout') {
    const id = ctx.pushId ?? '(unknown)';
    return `push failed: push ${id} is still ${(e as { status?: string }).status ?? 'waiting'} after ${e.timeoutMs} ms; it stays queued at the service (follow it with GET /v1/pushes/${id}, or cancel it with DELETE); raise --timeout to wait longer`;
  }
  if (e.name === 'PushApiUnreachable') {
    if (e.code === 'ECONNREFUSED') return `push failed: connection refused at ${ctx.via}: no push service listens there; start it (npm run psa), or check --via`;
    if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return `push failed: cannot resolve the host of ${ctx.via}; check --via`;
    return `push failed: cannot reach ${ctx.via} (${e.code ?? 'no answer'}); check --via and that the service is running`;
  }
  if (e.name === 'PushApiError') {
    if (e.status === 401) {
      return ctx.tokenSetting === 'none'
        ? `push failed: the service at ${ctx.via} wants a token (401); give --token or set SIP_PUSH_PSA_TOKEN (npm run psa prints it)`
        : `push failed: the service at ${ctx.via} refused the token from ${ctx.tokenSetting} (401); check it against the one npm run psa printed`;
    }
    if (e.code === 'PSA_ERR_HTTP') return `push failed: ${e.message}; check --via`;
    if (e.code === 'PSA_ERR_STREAM') return `push failed: ${e.message}; check that the service still runs, then read the push with GET /v1/pushes/${ctx.pushId ?? '<pushId>'}`;
    const flag = e.field !== undefined ? FLAG_OF_FIELD[e.field.replace(/[.[].*$/, '')] : undefined;
    const where = e.field !== undefined ? ` ${e.field}${flag ? ` (${flag})` : ''}` : '';
    return `push failed: ${e.status}${where}: ${e.message}`;
  }
  if (ctx.file !== undefined && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) && e.name !== 'AbortError') return `push failed: ${fileProblem(ctx.file, e.code)}`;
  return `push failed: ${e.message ?? String(err)}`;
}

/** A push that ended other than delivered or displayed: which terminal, why, and what to change. */
export function viaOutcomeFailure(result: { status: string; deliveries: readonly { terminal: string; status: string; reason?: string }[] }, ctx: ViaFailureContext): string {
  const id = ctx.pushId ?? '(unknown)';
  const ok = result.deliveries.filter((d) => d.status === 'delivered' || d.status === 'displayed').length;
  const failed = result.deliveries.find((d) => d.status === 'undeliverable' || d.status === 'expired' || d.status === 'cancelled');
  const head = result.status === 'partial' ? `push ${id} reached ${ok} of ${result.deliveries.length} terminals` : `push ${id} ${result.status}`;
  if (!failed) return `push failed: ${head}; follow it with GET /v1/pushes/${id}`;
  const reason = failed.reason ? ` (${failed.reason})` : '';
  switch (failed.status) {
    case 'undeliverable':
      return `push failed: ${head}: ${failed.terminal} undeliverable${reason}; check --to and --app (GET /v1/receivers lists who is registered with which apps)`;
    case 'expired':
      return `push failed: ${head}: expired before ${failed.terminal} took it${reason}; the receiver was not online in time: raise --expires-in, or check that it registers`;
    default:
      return `push failed: ${head}: cancelled (DELETE /v1/pushes/${id}) before it reached ${failed.terminal}; send it again if it is still wanted`;
  }
}
