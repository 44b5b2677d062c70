/**
 * A client of the service's HTTP API (server.ts), for the CLI's --via mode and for tests:
 * submit, upload a file (streamed from disk), read, cancel, and follow a push's status over
 * the event stream until it is settled. Errors keep the API's code, field and message so a
 * caller can print them as they are.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { canTransition, type CancelResult, type DeliveryStatus, type StatusChange } from '../../queue/index.ts';
import type { PushView } from './summary.ts';
import { summaryStatus, type SummaryStatus } from './summary.ts';
import { PushApiError } from './pushApiError.ts';
import { createSseParser as createStreamParser } from './sseParser.ts';

export { PushApiError } from './pushApiError.ts';

/** No HTTP answer at all: the cause's code (ECONNREFUSED, ENOTFOUND...) when there is one. */
export class PushApiUnreachable extends Error {
  override name = 'PushApiUnreachable';
  constructor(
    readonly url: string,
    readonly code: string | undefined,
    options?: ErrorOptions,
  ) {
    super(`cannot reach ${url}${code ? ` (${code})` : ''}`, options);
  }
}

export interface PushApiClientOptions {
  /** The service's base URL, e.g. http://127.0.0.1:8077. */
  url: string;
  token?: string;
}

export interface PushApiClient {
  submit(body: Record<string, unknown>): Promise<PushView>;
  /** Stream a file to POST /v1/uploads. */
  upload(path: string, contentType?: string): Promise<{ uploadId: string; size: number }>;
  get(pushId: string): Promise<PushView>;
  cancel(pushId: string): Promise<{ push: PushView; cancel: CancelResult }>;
  /** Open GET /v1/events; resolves once the service answered (it is subscribed from then on). */
  events(options?: { pushId?: string; lastEventId?: number; signal?: AbortSignal }): Promise<AsyncIterable<StatusChange>>;
}

export function createPushApiClient(options: PushApiClientOptions): PushApiClient {
  const base = options.url.replace(/\/+$/, '');
  const auth: Record<string, string> = options.token ? { Authorization: `Bearer ${options.token}` } : {};

  async function request(path: string, init: RequestInit & { duplex?: 'half' } = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      const cause = (err as { cause?: { code?: string } }).cause;
      throw new PushApiUnreachable(base, cause?.code, { cause: err });
    }
    if (response.ok) return response;
    const text = await response.text().catch(() => '');
    let error: { code?: unknown; field?: unknown; message?: unknown } | undefined;
    try {
      error = (JSON.parse(text) as { error?: typeof error }).error;
    } catch {
      // not the API's JSON: below
    }
    if (typeof error?.message !== 'string') throw new PushApiError(response.status, 'PSA_ERR_HTTP', `HTTP ${response.status} ${response.statusText} from ${base}${path}, which does not look like the push service's API`);
    throw new PushApiError(response.status, String(error.code), error.message, typeof error.field === 'string' ? error.field : undefined);
  }
  const json = async <T>(response: Promise<Response>): Promise<T> => (await (await response).json()) as T;

  return {
    async submit(body) {
      return (await json<{ push: PushView }>(request('/v1/pushes', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }))).push;
    },
    async upload(path, contentType = 'application/octet-stream') {
      const { size } = await stat(path);
      const body = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
      return json(request('/v1/uploads', { method: 'POST', headers: { 'Content-Type': contentType, 'Content-Length': String(size) }, body, duplex: 'half' }));
    },
    async get(pushId) {
      return (await json<{ push: PushView }>(request(`/v1/pushes/${encodeURIComponent(pushId)}`))).push;
    },
    async cancel(pushId) {
      return json(request(`/v1/pushes/${encodeURIComponent(pushId)}`, { method: 'DELETE' }));
    },
    async events({ pushId, lastEventId, signal } = {}) {
      const query = new URLSearchParams(pushId !== undefined ? { pushId } : {}).toString();
      const response = await request(`/v1/events${query ? `?${query}` : ''}`, {
        headers: { Accept: 'text/event-stream', ...(lastEventId !== undefined ? { 'Last-Event-ID': String(lastEventId) } : {}) },
        ...(signal ? { signal } : {}),
      });
      return statusChanges(response.body!);
    },
  };
}

async function* statusChanges(body: ReadableStream<Uint8Array>): AsyncGenerator<StatusChange> {
  const parser = createSseParser();
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    for (const event of parser.feed(decoder.decode(chunk, { stream: true }))) {
      if (event.event === 'status') yield JSON.parse(event.data) as StatusChange;
    }
  }
}

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * The event stream parser (sseParser.ts) with its events as the CLI reads them: `retry` is
 * left out (the caller decides when to reconnect).
 */
export function createSseParser(): { feed(text: string): SseEvent[] } {
  const parser = createStreamParser();
  return {
    feed(text) {
      const events: SseEvent[] = [];
      for (const item of parser.feed(text)) {
        if (item.kind === 'event') events.push({ event: item.type, data: item.data, ...(item.id !== '' && { id: item.id }) });
      }
      return events;
    },
  };
}

export type WaitFor = 'delivered' | 'displayed';

export interface FollowOptions {
  /** delivered (default): until no delivery is pending or accepted; displayed: until every one is final. */
  waitFor?: WaitFor;
  /** Each status change applied, in order (the first call of each terminal has `from` undefined). */
  onChange?: (change: { terminal: string; from?: DeliveryStatus; to: DeliveryStatus; reason?: string; sipStatus?: number }) => void;
  signal?: AbortSignal;
  /** Reconnections in a row without news before giving up (default 3). */
  maxReconnects?: number;
}

export interface FollowResult {
  status: SummaryStatus;
  deliveries: { terminal: string; status: DeliveryStatus; reason?: string }[];
}

const FINAL: readonly DeliveryStatus[] = ['displayed', 'undeliverable', 'expired', 'cancelled'];

/**
 * Follow one push until it is done: subscribe to its events, then read its state (so nothing
 * between the two is missed), then apply each change that moves a delivery forward (statuses
 * only ever move forward, so a change the state already shows, or one that arrives late, is
 * dropped). A dropped stream is reopened with the last event ID seen.
 */
export async function followPush(client: PushApiClient, pushId: string, options: FollowOptions = {}): Promise<FollowResult> {
  const waitFor = options.waitFor ?? 'delivered';
  const deliveries = new Map<string, { terminal: string; status: DeliveryStatus; reason?: string }>();
  const apply = (c: { terminal: string; to: DeliveryStatus; reason?: string; sipStatus?: number }) => {
    const current = deliveries.get(c.terminal);
    if (current && (current.status === c.to || !canTransition(current.status, c.to))) return;
    deliveries.set(c.terminal, { terminal: c.terminal, status: c.to, ...(c.reason !== undefined ? { reason: c.reason } : {}) });
    options.onChange?.({ terminal: c.terminal, ...(current ? { from: current.status } : {}), to: c.to, ...(c.reason !== undefined ? { reason: c.reason } : {}), ...(c.sipStatus !== undefined ? { sipStatus: c.sipStatus } : {}) });
  };
  const done = () => {
    const all = [...deliveries.values()];
    if (all.length === 0) return false;
    return all.every((d) => (waitFor === 'displayed' ? FINAL.includes(d.status) : d.status !== 'pending' && d.status !== 'accepted'));
  };
  const result = (): FollowResult => {
    const all = [...deliveries.values()];
    return { status: summaryStatus(all), deliveries: all };
  };

  let lastEventId: number | undefined;
  let failures = 0;
  for (;;) {
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const stream = await client.events({ pushId, ...(lastEventId !== undefined ? { lastEventId } : {}), signal: abort.signal });
      for (const d of (await client.get(pushId)).deliveries) apply({ terminal: d.terminal, to: d.status, ...(d.reason !== undefined ? { reason: d.reason } : {}) });
      if (done()) return result();
      for await (const change of stream) {
        lastEventId = change.eventId;
        failures = 0;
        apply(change);
        if (done()) return result();
      }
      // The service ended the stream (a restart, a slow reader dropped): reconnect.
      if (++failures > (options.maxReconnects ?? 3)) throw new PushApiError(0, 'PSA_ERR_STREAM', `the service ended the event stream of push ${pushId} ${failures} times in a row`);
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason ?? err;
      if (err instanceof PushApiError && err.code === 'PSA_ERR_STREAM') throw err;
      if (!(err instanceof PushApiUnreachable) && !(err instanceof TypeError)) throw err;
      if (++failures > (options.maxReconnects ?? 3)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500 * failures));
    } finally {
      abort.abort();
      options.signal?.removeEventListener('abort', onAbort);
    }
  }
}
