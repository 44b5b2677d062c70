/**
 * The Push Sender Agent service's HTTP JSON API (issue 12): node:http, no framework. Routes:
 *
 *   POST   /v1/pushes            submit (JSON, submitBody.ts)          -> 202 {push}
 *   POST   /v1/uploads           raw body, streamed to disk            -> 201 {uploadId, size}
 *   GET    /v1/pushes/:pushId                                          -> 200 {push}
 *   DELETE /v1/pushes/:pushId    cancel                                -> 200 {push, cancel}
 *   GET    /v1/receivers                                               -> 200 {receivers}
 *   GET    /v1/receivers/:aor    (URL-encoded AoR)                     -> 200 {receiver}
 *   GET    /v1/events[?pushId=][&lastEventId=]  Server-Sent Events (sse.ts)
 *   GET    /v1/health            no auth                               -> 200 {sip, queue}
 *   GET    /console[/app.js|/app.css]  the operator console (`console` hook), no data, no auth
 *
 * Every other answer is `{"error": {"code", "field"?, "message"}}` (apiError.ts). Everything
 * but /v1/health needs `Authorization: Bearer <token>` unless `auth: false`; the token is
 * compared in constant time and never logged. No CORS headers: the console is served from
 * the same origin. Every limit is an option below, with its default.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PushService } from '../types.ts';
import { ApiError, fieldError, toApiError } from './apiError.ts';
import { mountPathsOverlap } from './mountPath.ts';
import { serveEventStream } from './sse.ts';
import { parseSubmitBody, DEFAULT_SUBMIT_LIMITS } from './submitBody.ts';
import { pushView } from './summary.ts';
import { openUploadStore, type UploadStore } from './uploads.ts';

export interface PushApiOptions {
  /** Address to listen on (default 127.0.0.1: the API is for the provider's own machine). */
  host?: string;
  /** Port (default 8077; 0 for a free one). */
  port?: number;
  /** The bearer token; required unless `auth` is false. */
  token?: string;
  /** false: no Authorization needed (--no-auth). Default true. */
  auth?: boolean;
  /** Largest JSON request body, bytes (default 1 MiB). */
  maxJsonBytes?: number;
  /** Largest upload, bytes (default 100 MiB). */
  maxUploadBytes?: number;
  /** Where uploads are streamed (default .runtime/psa-uploads). */
  uploadDir?: string;
  /** An upload no push used is removed after this long (default 1 h). */
  uploadTtlMs?: number;
  /** Event streams open at once; one more is answered 503 (default 100). */
  maxSseClients?: number;
  /** Time to receive a whole request, upload bodies included; past it 408 (default 5 min). */
  requestTimeoutMs?: number;
  /** A comment line on every idle event stream this often (default 15 s). */
  sseHeartbeatMs?: number;
  /** The reconnection delay event streams announce (`retry:`, default 3 s). */
  sseRetryMs?: number;
  /** Changes waiting for a slow event stream before it is dropped (default 10,000). */
  sseMaxQueuedEvents?: number;
  /** changesSince page size when replaying after a Last-Event-ID (default 500). */
  sseReplayPageSize?: number;
  /** Most entries in a push's `target` array (default 100). */
  maxTargets?: number;
  /** Largest `expiresInSeconds` (default 30 days). */
  maxExpiresInSeconds?: number;
  /** Epoch ms (default Date.now). */
  clock?: () => number;
  /** Where 500s are reported (default console.error); never given a token. */
  log?: (line: string) => void;
  /**
   * PAP gateway hook (issue 13, server/sender/pap): requests to exactly `path` go to `handler`,
   * which does its own authentication (Basic) and answers (PAP XML); the API's Bearer check
   * and JSON errors do not apply there.
   */
  pap?: { path: string; handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> };
  /**
   * Operator console hook (issue 13, server/sender/console): requests to `path` and below go to
   * `handler`, which serves the page shell and its script without a token (they hold no data)
   * and answers 404 for anything else under `path`. The page reads everything from /v1 with the
   * Bearer token, so the API's check applies to all it shows.
   */
  console?: { path: string; handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> };
}

export const PUSH_API_DEFAULTS = {
  host: '127.0.0.1',
  port: 8077,
  auth: true,
  maxJsonBytes: 1024 * 1024,
  maxUploadBytes: 100 * 1024 * 1024,
  uploadDir: '.runtime/psa-uploads',
  uploadTtlMs: 3_600_000,
  maxSseClients: 100,
  requestTimeoutMs: 300_000,
  sseHeartbeatMs: 15_000,
  sseRetryMs: 3_000,
  sseMaxQueuedEvents: 10_000,
  sseReplayPageSize: 500,
  maxTargets: DEFAULT_SUBMIT_LIMITS.maxTargets,
  maxExpiresInSeconds: DEFAULT_SUBMIT_LIMITS.maxExpiresInSeconds,
} as const;

export interface PushApi {
  /** Open the upload directory and listen; resolves with the base URL (`http://127.0.0.1:8077`). */
  listen(): Promise<{ url: string }>;
  /** Stop listening, end the event streams, remove unused uploads. */
  close(): Promise<void>;
  /** The node:http server (for tests and for main.ts's logging of the address). */
  readonly server: http.Server;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, param: string | undefined, url: URL) => Promise<void>;
interface Route {
  pattern: RegExp;
  methods: Partial<Record<'GET' | 'POST' | 'DELETE', Handler>>;
  /** The field the path's one (URL-encoded) parameter names. */
  param?: 'pushId' | 'aor';
  /** The body must be application/json. */
  json?: boolean;
  /** No Authorization needed. */
  public?: boolean;
}

export function createPushApi(service: PushService, options: PushApiOptions = {}): PushApi {
  const o = { ...PUSH_API_DEFAULTS, ...definedOnly(options) };
  for (const name of ['maxJsonBytes', 'maxUploadBytes', 'uploadTtlMs', 'maxSseClients', 'requestTimeoutMs', 'sseHeartbeatMs', 'sseRetryMs', 'sseMaxQueuedEvents', 'sseReplayPageSize', 'maxTargets', 'maxExpiresInSeconds'] as const) {
    if (!Number.isSafeInteger(o[name]) || o[name] < 1) throw new RangeError(`createPushApi: ${name} ${o[name]} is not a positive integer`);
  }
  if (o.auth && !o.token) throw new Error('createPushApi: no token; give one (SIP_PUSH_PSA_TOKEN), or set auth: false (--no-auth) to serve without authentication');
  const expectedToken = o.auth ? sha256(o.token!) : undefined;
  const consoleMount = options.console;
  if (consoleMount) {
    const p = consoleMount.path;
    if (!p.startsWith('/') || p.endsWith('/') || p === '/v1' || p.startsWith('/v1/')) throw new RangeError(`createPushApi: console path ${JSON.stringify(p)} must be absolute, without a trailing slash, and not under /v1`);
    if (options.pap && mountPathsOverlap(options.pap.path, p)) throw new RangeError(`createPushApi: the console path ${p} takes the PAP gateway's ${options.pap.path}; give them different paths`);
  }
  const clock = options.clock ?? Date.now;
  const log = options.log ?? ((line: string) => console.error(line));
  let uploads: UploadStore | undefined;
  const streams = new Set<http.ServerResponse>();

  const routes: Route[] = [
    { pattern: /^\/v1\/health$/, public: true, methods: { GET: async (_q, res) => send(res, 200, service.health()) } },
    { pattern: /^\/v1\/pushes$/, json: true, methods: { POST: submit } },
    {
      pattern: /^\/v1\/pushes\/([^/]+)$/,
      param: 'pushId',
      methods: {
        GET: async (_q, res, id) => {
          const push = await service.get(id!);
          if (!push) throw notFound(`No push ${JSON.stringify(id)}; check the pushId (the submit answer names it)`, 'pushId');
          send(res, 200, { push: pushView(push) });
        },
        DELETE: async (_q, res, id) => {
          const { push, cancel } = await service.cancel(id!);
          send(res, 200, { push: pushView(push), cancel });
        },
      },
    },
    { pattern: /^\/v1\/uploads$/, methods: { POST: upload } },
    { pattern: /^\/v1\/receivers$/, methods: { GET: async (_q, res) => send(res, 200, { receivers: service.receivers() }) } },
    {
      pattern: /^\/v1\/receivers\/([^/]+)$/,
      param: 'aor',
      methods: {
        GET: async (_q, res, aor) => {
          const receiver = service.receiver(aor!);
          if (!receiver) throw notFound(`The service does not watch ${aor}; push to it once (it is watched from then on), or check the URL-encoded AoR`, 'aor');
          send(res, 200, { receiver });
        },
      },
    },
    { pattern: /^\/v1\/events$/, methods: { GET: events } },
  ];

  async function submit(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readJson(req, o.maxJsonBytes);
    const store = uploads!;
    const { request, uploadId } = parseSubmitBody(body, { now: clock(), upload: (id) => store.lookup(id), limits: { maxTargets: o.maxTargets, maxExpiresInSeconds: o.maxExpiresInSeconds } });
    if (uploadId === undefined) return send(res, 202, { push: pushView(await service.submit(request)) });
    const file = await store.claim(uploadId);
    let push;
    try {
      push = await service.submit({ ...request, content: file });
    } catch (err) {
      await store.unclaim(uploadId, file).catch(() => undefined);
      throw err;
    }
    send(res, 202, { push: pushView(push) });
  }

  async function upload(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const length = req.headers['content-length'];
    const declared = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
    send(res, 201, await uploads!.receive(req, declared));
  }

  async function events(req: http.IncomingMessage, res: http.ServerResponse, _p: string | undefined, url: URL): Promise<void> {
    const header = req.headers['last-event-id'];
    const raw = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('lastEventId') ?? undefined;
    if (raw !== undefined && !/^\d{1,15}$/.test(raw.trim())) throw fieldError('lastEventId', `Last-Event-ID ${JSON.stringify(raw)} is not an event ID; give the id: of the last event received, or none to start live`);
    const pushId = url.searchParams.get('pushId') ?? undefined;
    if (streams.size >= o.maxSseClients) {
      throw new ApiError(503, 'PSA_ERR_UNAVAILABLE', `${o.maxSseClients} event streams are open already (maxSseClients); close one, or start the service with a higher limit`, undefined, { 'Retry-After': '5' });
    }
    streams.add(res);
    res.once('close', () => streams.delete(res));
    await serveEventStream(res, service, {
      ...(raw !== undefined ? { lastEventId: Number(raw.trim()) } : {}),
      ...(pushId !== undefined ? { pushId } : {}),
      retryMs: o.sseRetryMs,
      heartbeatMs: o.sseHeartbeatMs,
      maxQueuedEvents: o.sseMaxQueuedEvents,
      replayPageSize: o.sseReplayPageSize,
    });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = URL.parse(req.url ?? '/', 'http://psa.invalid');
    if (!url) throw new ApiError(404, 'PSA_ERR_NOT_FOUND', `${JSON.stringify(req.url)} is not a URL path; the API is under /v1/`);
    // PAP gateway hook (issue 13): its own auth and answers.
    if (options.pap && url.pathname === options.pap.path) return options.pap.handler(req, res);
    // Operator console hook (issue 13): the page and its script, no data.
    if (consoleMount && (url.pathname === consoleMount.path || url.pathname.startsWith(`${consoleMount.path}/`))) return consoleMount.handler(req, res);
    let param: string | undefined;
    const route = routes.find((r) => {
      const match = r.pattern.exec(url.pathname);
      if (match) param = match[1];
      return match !== null;
    });
    if (!route) throw new ApiError(404, 'PSA_ERR_NOT_FOUND', `No route ${url.pathname}; the API is /v1/pushes, /v1/uploads, /v1/receivers, /v1/events and /v1/health`);
    const handler = route.methods[req.method as keyof Route['methods']];
    const allow = Object.keys(route.methods).join(', ');
    if (!handler) throw new ApiError(405, 'PSA_ERR_METHOD', `${req.method} is not allowed on ${url.pathname}; use ${allow}`, undefined, { Allow: allow });
    if (!route.public && expectedToken) authorize(req.headers.authorization, expectedToken);
    if (route.param) param = decodeParam(param!, route.param);
    if (route.json) requireJson(req);
    await handler(req, res, param, url);
  }

  const server = http.createServer(
    { requestTimeout: o.requestTimeoutMs, headersTimeout: Math.min(60_000, o.requestTimeoutMs), connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(o.requestTimeoutMs / 4))) },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        const apiError = toApiError(err);
        if (!apiError) log(`psa api: 500 on ${req.method} ${(req.url ?? '').split('?')[0]}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        const answer = apiError ?? new ApiError(500, 'PSA_ERR_INTERNAL', 'The service failed while answering; see its log, and retry');
        if (res.headersSent) return void res.end();
        // An unread body is not worth reading (it may be 100 MiB): answer, then close.
        const close: Record<string, string> = req.complete ? {} : { Connection: 'close' };
        send(res, answer.status, answer.body(), { ...answer.headers, ...close });
      });
    },
  );

  return {
    server,
    async listen() {
      uploads = await openUploadStore({ dir: o.uploadDir, maxBytes: o.maxUploadBytes, ttlMs: o.uploadTtlMs });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(o.port, o.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const { address, port } = server.address() as AddressInfo;
      return { url: `http://${address.includes(':') ? `[${address}]` : address}:${port}` };
    },
    async close() {
      for (const res of streams) res.end();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await uploads?.close();
    },
  };
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers });
  res.end(text);
}

function notFound(message: string, field: string): ApiError {
  return new ApiError(404, 'PSA_ERR_NOT_FOUND', message, field);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Constant time: both sides hashed to 32 bytes, so neither the length nor a prefix leaks. */
function authorize(header: string | undefined, expected: Buffer): void {
  const fix = 'send Authorization: Bearer <token> with the token the service printed at start (or its SIP_PUSH_PSA_TOKEN)';
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  if (!match) {
    throw new ApiError(401, 'PSA_ERR_UNAUTHORIZED', `${header === undefined ? 'No Authorization header' : 'The Authorization header is not a Bearer token'}; ${fix}`, undefined, { 'WWW-Authenticate': 'Bearer realm="psa"' });
  }
  if (!timingSafeEqual(sha256(match[1]!), expected)) {
    throw new ApiError(401, 'PSA_ERR_UNAUTHORIZED', `The bearer token is wrong; ${fix}`, undefined, { 'WWW-Authenticate': 'Bearer realm="psa", error="invalid_token"' });
  }
}

function decodeParam(raw: string, field: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw fieldError(field, `${raw} is not URL-encoded correctly; encode the ${field} with encodeURIComponent`);
  }
}

function requireJson(req: http.IncomingMessage): void {
  const type = req.headers['content-type'];
  if (!type || !/^application\/json\s*(;|$)/i.test(type)) {
    throw new ApiError(415, 'PSA_ERR_CONTENT_TYPE', `The body is ${type ?? 'untyped'}; send it as Content-Type: application/json`);
  }
}

/** The request body as JSON, at most `max` bytes (413 past it, before reading it when Content-Length says so). */
async function readJson(req: http.IncomingMessage, max: number): Promise<unknown> {
  const tooLarge = () => new ApiError(413, 'PSA_ERR_TOO_LARGE', `The JSON body is larger than ${max} bytes (maxJsonBytes); send large content as an upload (POST /v1/uploads, then "upload": "<uploadId>")`);
  const length = req.headers['content-length'];
  if (length !== undefined && Number(length) > max) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw tooLarge();
    chunks.push(chunk);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new ApiError(400, 'PSA_ERR_JSON', 'The body is not UTF-8; send JSON encoded as UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError(400, 'PSA_ERR_JSON', `The body is not JSON (${(err as Error).message}); check it with a JSON validator`);
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
