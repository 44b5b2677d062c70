/**
 * The console's reader of GET /v1/events. EventSource cannot send an Authorization header, so
 * the stream is read with fetch() and the service's incremental parser
 * (server/sender/service/http/sseParser.ts, which the CLI's client uses too); `retry:` from the
 * service sets how long the follower waits before reconnecting.
 */

import { createSseParser } from '../../service/http/sseParser.ts';

export type StreamState =
  /** Connecting (first time or again). */
  | { phase: 'connecting'; attempt: number }
  /** The service answered: subscribed from now on. */
  | { phase: 'open' }
  /** Dropped; reconnecting after `retryMs`. */
  | { phase: 'waiting'; retryMs: number; error: string }
  /** 401: the token is wrong (or was rotated by a restart); not retried. */
  | { phase: 'unauthorized'; message: string }
  | { phase: 'stopped' };

export interface FollowEventsOptions {
  /** Default `/v1/events` (same origin). */
  url?: string;
  token: string | null;
  /** Each `event: status` data, parsed. */
  onEvent: (data: unknown, id: string) => void;
  onState: (state: StreamState) => void;
  signal: AbortSignal;
  /** Start after this event ID (replayed by the service); default: live only. */
  lastEventId?: string;
  /** Reconnection delay until the service announces one (`retry:`), ms (default 3000). */
  retryMs?: number;
  fetch?: typeof fetch;
  /** How to wait before reconnecting (tests pass an immediate one). */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

function defaultWait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/**
 * Follow the event stream until `signal` aborts or the service says 401: reconnect after every
 * drop (network error, end of body, 5xx, 503 for too many streams) with `Last-Event-ID` set to
 * the last ID seen, so the service replays what was missed. Resolves when it stops.
 */
export async function followEvents(options: FollowEventsOptions): Promise<void> {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const wait = options.wait ?? defaultWait;
  let retryMs = options.retryMs ?? 3000;
  let lastEventId = options.lastEventId ?? '';
  let attempt = 0;
  while (!options.signal.aborted) {
    attempt += 1;
    options.onState({ phase: 'connecting', attempt });
    let error = 'the stream ended';
    try {
      const headers: Record<string, string> = { Accept: 'text/event-stream' };
      if (options.token) headers.Authorization = `Bearer ${options.token}`;
      if (lastEventId !== '') headers['Last-Event-ID'] = lastEventId;
      const response = await doFetch(options.url ?? '/v1/events', { headers, signal: options.signal, cache: 'no-store' });
      if (response.status === 401) {
        options.onState({ phase: 'unauthorized', message: await errorMessage(response) });
        return;
      }
      if (!response.ok || !response.body) {
        error = `HTTP ${response.status}: ${await errorMessage(response)}`;
      } else {
        options.onState({ phase: 'open' });
        const parser = createSseParser();
        const reader = response.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          for (const item of parser.feed(value)) {
            if (item.kind === 'retry') retryMs = item.ms;
            else {
              if (item.id !== '') lastEventId = item.id;
              if (item.type !== 'status') continue;
              let parsed: unknown;
              try {
                parsed = JSON.parse(item.data);
              } catch {
                continue;
              }
              options.onEvent(parsed, item.id);
            }
          }
        }
      }
    } catch (err) {
      if (options.signal.aborted) break;
      error = err instanceof Error ? err.message : String(err);
    }
    if (options.signal.aborted) break;
    options.onState({ phase: 'waiting', retryMs, error });
    await wait(retryMs, options.signal);
  }
  options.onState({ phase: 'stopped' });
}

async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    if (typeof message === 'string') return message;
  } catch {
    // not the API's JSON
  }
  return response.statusText || `HTTP ${response.status}`;
}
