/**
 * UAProf documents for the directory (OMA SIP Push 5.3.6, spec section 5.3.1 function 2): the
 * profile at a terminal's advertised URL is fetched over http or https with a timeout and a
 * size limit, parsed with the project's codec (src/protocol/uaprof) into ReceiverCapabilities,
 * and cached by URL under the HTTP caching rules that matter here (RFC 9111):
 *
 * ```
 *   (none) --get--> fetching --200 parsed--> fresh (until max-age, else defaultMaxAgeMs)
 *   fetching --error, too large, timeout, not parseable--> failed (kept errorTtlMs, then fetched again)
 *   fresh --max-age passed--> stale --get--> revalidating (If-None-Match / If-Modified-Since)
 *   revalidating --304--> fresh (same document, new age) | --200--> fresh (new document) | --error--> stale kept, error returned
 * ```
 * `no-store` is not cached; `no-cache` is revalidated on every get. Concurrent gets of one URL
 * share one request. Errors are results with a one-line text (TerminalEntry.capabilitiesError),
 * never thrown.
 */
import { parseUaprof, type UaprofProfile } from '../../../../src/protocol/uaprof/index.ts';
import type { ReceiverCapabilities } from '../types.ts';
import { positiveOption } from './errors.ts';

export type UaprofResult = { ok: true; capabilities: ReceiverCapabilities } | { ok: false; error: string };

export type UaprofFetcher = (url: string) => Promise<UaprofResult>;

export interface UaprofCacheOptions {
  /** Whole fetch (connect, headers, body), ms (default 5000). */
  timeoutMs?: number;
  /** Largest document, bytes (default 65536); a larger one is aborted. */
  maxBytes?: number;
  /** Freshness when the server gives no max-age, ms (default 300000). */
  defaultMaxAgeMs?: number;
  /** How long a failure is remembered before the URL is fetched again, ms (default 60000). */
  errorTtlMs?: number;
  /** Most URLs cached (default 1000); the least recently used goes first. */
  maxEntries?: number;
  /** Epoch ms (tests). */
  now?: () => number;
}

export const DEFAULT_UAPROF_CACHE_OPTIONS = {
  timeoutMs: 5000,
  maxBytes: 64 * 1024,
  defaultMaxAgeMs: 300_000,
  errorTtlMs: 60_000,
  maxEntries: 1000,
} as const;

export interface UaprofCache {
  get: UaprofFetcher;
  /** How many HTTP requests were made (tests, diagnostics). */
  readonly requests: number;
  readonly size: number;
}

interface Entry {
  result: UaprofResult;
  /** Epoch ms until which the entry is used without asking the server. */
  freshUntil: number;
  etag?: string;
  lastModified?: string;
}

export function createUaprofCache(options: UaprofCacheOptions = {}): UaprofCache {
  const d = DEFAULT_UAPROF_CACHE_OPTIONS;
  const timeoutMs = positiveOption(options.timeoutMs, d.timeoutMs, 'uaprof.timeoutMs');
  const maxBytes = positiveOption(options.maxBytes, d.maxBytes, 'uaprof.maxBytes');
  const defaultMaxAgeMs = options.defaultMaxAgeMs ?? d.defaultMaxAgeMs;
  const errorTtlMs = positiveOption(options.errorTtlMs, d.errorTtlMs, 'uaprof.errorTtlMs');
  const maxEntries = positiveOption(options.maxEntries, d.maxEntries, 'uaprof.maxEntries');
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<UaprofResult>>();
  let requests = 0;

  const remember = (url: string, entry: Entry) => {
    entries.delete(url);
    entries.set(url, entry);
    while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
  };

  const load = async (url: string, cached: Entry | undefined): Promise<UaprofResult> => {
    const headers: Record<string, string> = { accept: 'application/rdf+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1' };
    if (cached?.result.ok && cached.etag) headers['if-none-match'] = cached.etag;
    if (cached?.result.ok && cached.lastModified) headers['if-modified-since'] = cached.lastModified;
    requests++;
    const fetched = await fetchLimited(url, headers, timeoutMs, maxBytes);
    if (!fetched.ok) {
      // Keep a stale document when revalidation fails; remember the failure otherwise.
      if (!cached?.result.ok) remember(url, { result: fetched, freshUntil: now() + errorTtlMs });
      return fetched;
    }
    const { status, header, body } = fetched;
    const control = parseCacheControl(header('cache-control'));
    const freshFor = control.noCache ? 0 : (control.maxAgeSec !== undefined ? control.maxAgeSec * 1000 : defaultMaxAgeMs);
    if (status === 304 && cached?.result.ok) {
      remember(url, { ...cached, freshUntil: now() + freshFor });
      return cached.result;
    }
    if (status !== 200) {
      const result: UaprofResult = { ok: false, error: `UAProf ${url} answered HTTP ${status}: the terminal advertises a profile its server does not give` };
      remember(url, { result, freshUntil: now() + errorTtlMs });
      return result;
    }
    let profile: UaprofProfile;
    try {
      profile = parseUaprof(new TextDecoder().decode(body));
    } catch (error) {
      const result: UaprofResult = { ok: false, error: `UAProf ${url} is not a usable profile: ${error instanceof Error ? error.message : String(error)}` };
      remember(url, { result, freshUntil: now() + errorTtlMs });
      return result;
    }
    const result: UaprofResult = { ok: true, capabilities: capabilitiesOf(profile) };
    if (!control.noStore) {
      const entry: Entry = { result, freshUntil: now() + freshFor };
      const etag = header('etag');
      const lastModified = header('last-modified');
      if (etag) entry.etag = etag;
      if (lastModified) entry.lastModified = lastModified;
      remember(url, entry);
    }
    return result;
  };

  const get: UaprofFetcher = async (url) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { ok: false, error: `UAProf URL ${JSON.stringify(url)} is not a URL: the terminal must advertise an absolute http or https URL` };
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return { ok: false, error: `UAProf URL ${url} uses ${parsed.protocol.slice(0, -1)}: only http and https profiles are fetched` };
    }
    const cached = entries.get(url);
    if (cached && cached.freshUntil > now()) {
      remember(url, cached);
      return cached.result;
    }
    const pending = inFlight.get(url);
    if (pending) return pending;
    const loading = load(url, cached).finally(() => inFlight.delete(url));
    inFlight.set(url, loading);
    return loading;
  };

  return {
    get,
    get requests() {
      return requests;
    },
    get size() {
      return entries.size;
    },
  };
}

/** What the service uses from a profile. */
export function capabilitiesOf(profile: UaprofProfile): ReceiverCapabilities {
  return { acceptTypes: profile.acceptTypes, maxMessageBytes: profile.maxMessageBytes ?? null, pushApps: profile.appIds };
}

/** `max-age`, `no-store`, `no-cache` of a Cache-Control value (RFC 9111 section 5.2.2). */
export function parseCacheControl(value: string | null): { maxAgeSec?: number; noStore: boolean; noCache: boolean } {
  const out: { maxAgeSec?: number; noStore: boolean; noCache: boolean } = { noStore: false, noCache: false };
  for (const part of (value ?? '').split(',')) {
    const [name, raw] = part.trim().split('=') as [string, string | undefined];
    const key = name.toLowerCase();
    if (key === 'no-store') out.noStore = true;
    else if (key === 'no-cache') out.noCache = true;
    else if (key === 'max-age' && raw !== undefined && /^"?\d+"?$/.test(raw.trim())) out.maxAgeSec = Number(raw.trim().replace(/"/g, ''));
  }
  return out;
}

type Fetched = { ok: true; status: number; header: (name: string) => string | null; body: Uint8Array } | { ok: false; error: string };

/** GET with one deadline for everything and the body read up to `maxBytes` (aborted past it). */
async function fetchLimited(url: string, headers: Record<string, string>, timeoutMs: number, maxBytes: number): Promise<Fetched> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const timeoutError = (): Fetched => ({ ok: false, error: `UAProf ${url} not fetched within ${timeoutMs} ms (uaprof.timeoutMs); the profile server is slow or unreachable` });
  try {
    let response: Response;
    try {
      response = await fetch(url, { headers, signal: controller.signal, redirect: 'follow' });
    } catch (error) {
      if (timedOut) return timeoutError();
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { ok: false, error: `UAProf ${url} not fetched: ${cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))}` };
    }
    const tooLarge = (): Fetched => ({ ok: false, error: `UAProf ${url} is larger than ${maxBytes} bytes (uaprof.maxBytes); not fetched` });
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      controller.abort();
      return tooLarge();
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (response.body) {
      const reader = response.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          size += value.byteLength;
          if (size > maxBytes) {
            controller.abort();
            return tooLarge();
          }
          chunks.push(value);
        }
      } catch (error) {
        if (timedOut) return timeoutError();
        return { ok: false, error: `UAProf ${url} body not read: ${error instanceof Error ? error.message : String(error)}` };
      }
    }
    const body = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      body.set(c, at);
      at += c.byteLength;
    }
    return { ok: true, status: response.status, header: (name) => response.headers.get(name), body };
  } finally {
    clearTimeout(timer);
  }
}
