import { afterEach, describe, expect, it } from 'vitest';
import { startUaprofServer, TEST_UAPROF, type UaprofServer } from '../../../testing/uaprofServer.ts';
import { createUaprofCache, parseCacheControl } from './uaprofCache.ts';

let server: UaprofServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const EXPECTED = { acceptTypes: TEST_UAPROF.acceptTypes, maxMessageBytes: 1300, pushApps: ['news.ua'] };

describe('UAProf cache', () => {
  it('fetches and parses into capabilities; a fresh entry is not fetched again', async () => {
    server = await startUaprofServer({ cacheControl: 'max-age=60' });
    const cache = createUaprofCache();
    expect(await cache.get(server.url)).toEqual({ ok: true, capabilities: EXPECTED });
    expect(await cache.get(server.url)).toEqual({ ok: true, capabilities: EXPECTED });
    expect(server.requests).toHaveLength(1);
  });

  it('ETag: once max-age has passed, a conditional GET; 304 keeps the document', async () => {
    server = await startUaprofServer({ etag: '"v1"', cacheControl: 'max-age=10' });
    let now = 1_000_000;
    const cache = createUaprofCache({ now: () => now });
    await cache.get(server.url);
    now += 9_999;
    await cache.get(server.url);
    expect(server.requests).toHaveLength(1);
    now += 2;
    expect(await cache.get(server.url)).toEqual({ ok: true, capabilities: EXPECTED });
    expect(server.requests.at(-1)).toEqual({ ifNoneMatch: '"v1"', status: 304 });
    // The 304 made it fresh again for max-age.
    now += 5_000;
    await cache.get(server.url);
    expect(server.requests).toHaveLength(2);
  });

  it('Last-Modified without ETag: If-Modified-Since; a changed document replaces the cached one', async () => {
    const lastModified = 'Wed, 02 Dec 2026 17:00:00 GMT';
    server = await startUaprofServer({ lastModified, cacheControl: 'no-cache' });
    const cache = createUaprofCache();
    await cache.get(server.url);
    await cache.get(server.url);
    expect(server.requests.at(-1)).toEqual({ ifModifiedSince: lastModified, status: 304 });
    server.state.lastModified = 'Thu, 03 Dec 2026 17:00:00 GMT';
    server.state.description = { ...TEST_UAPROF, appIds: ['mms.ua'] };
    expect(await cache.get(server.url)).toMatchObject({ ok: true, capabilities: { pushApps: ['mms.ua'] } });
  });

  it('no-store is not cached', async () => {
    server = await startUaprofServer({ cacheControl: 'no-store' });
    const cache = createUaprofCache();
    await cache.get(server.url);
    await cache.get(server.url);
    expect(server.requests).toHaveLength(2);
  });

  it('concurrent gets of one URL share one request', async () => {
    server = await startUaprofServer();
    const cache = createUaprofCache();
    await Promise.all([cache.get(server.url), cache.get(server.url), cache.get(server.url)]);
    expect(server.requests).toHaveLength(1);
  });

  it('maxBytes: exactly at the limit is fine, one byte more is aborted with a clear error', async () => {
    server = await startUaprofServer({ bodyBytes: 2000 });
    expect(await createUaprofCache({ maxBytes: 2000 }).get(server.url)).toMatchObject({ ok: false, error: expect.stringMatching(/not a usable profile/) });
    expect(await createUaprofCache({ maxBytes: 1999 }).get(server.url)).toEqual({ ok: false, error: `UAProf ${server.url} is larger than 1999 bytes (uaprof.maxBytes); not fetched` });
    server.state.bodyBytes = 5_000_000;
    expect(await createUaprofCache({ maxBytes: 1000 }).get(server.url)).toMatchObject({ ok: false, error: expect.stringMatching(/larger than 1000 bytes/) });
  });

  it('timeoutMs: a stalled server gives a timeout error', async () => {
    server = await startUaprofServer({ stall: true });
    const started = Date.now();
    const result = await createUaprofCache({ timeoutMs: 100 }).get(server.url);
    expect(result).toEqual({ ok: false, error: `UAProf ${server.url} not fetched within 100 ms (uaprof.timeoutMs); the profile server is slow or unreachable` });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('failures are remembered errorTtlMs, then tried again', async () => {
    server = await startUaprofServer({ description: TEST_UAPROF });
    let now = 0;
    const cache = createUaprofCache({ now: () => now, errorTtlMs: 1000 });
    server.state.bodyBytes = 10; // not a profile
    expect((await cache.get(server.url)).ok).toBe(false);
    expect((await cache.get(server.url)).ok).toBe(false);
    expect(server.requests).toHaveLength(1);
    delete server.state.bodyBytes;
    now += 1001;
    expect((await cache.get(server.url)).ok).toBe(true);
  });

  it.each([
    ['ftp://example.com/u.rdf', /uses ftp: only http and https/],
    ['file:///etc/passwd', /uses file: only http and https/],
    ['not a url', /is not a URL/],
  ])('refuses %s without a request', async (url, error) => {
    expect(await createUaprofCache().get(url)).toEqual({ ok: false, error: expect.stringMatching(error) });
  });

  it('connection refused is an error result', async () => {
    server = await startUaprofServer();
    const url = server.url;
    await server.close();
    server = undefined;
    expect(await createUaprofCache().get(url)).toEqual({ ok: false, error: expect.stringMatching(/^UAProf .* not fetched: ECONNREFUSED/) });
  });

  it('parses Cache-Control', () => {
    expect(parseCacheControl('public, max-age=120')).toEqual({ maxAgeSec: 120, noStore: false, noCache: false });
    expect(parseCacheControl('no-store')).toMatchObject({ noStore: true });
    expect(parseCacheControl(null)).toEqual({ noStore: false, noCache: false });
  });
});
