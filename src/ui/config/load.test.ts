import { describe, expect, it, vi } from 'vitest';
import { loadConfig, type ConfigSources } from './load.ts';

const ORIGIN = 'http://127.0.0.1:5199';
const doc = (aor: string) => ({ server: 'ws://127.0.0.1:8066', aor, apps: [{ id: 'news.ua', accept: ['text/plain'] }] });

function sources(over: Partial<{ query: string | null; saved: string | null; fetched: unknown; fetchError: Error }> = {}) {
  const fetchDefault = vi.fn(async () => {
    if (over.fetchError) throw over.fetchError;
    return over.fetched ?? null;
  });
  const s: ConfigSources = { queryParam: () => over.query ?? null, saved: () => over.saved ?? null, fetchDefault };
  return { s, fetchDefault };
}

describe('loadConfig precedence', () => {
  it('uses the query parameter over saved settings and /config.json', async () => {
    const { s, fetchDefault } = sources({ query: JSON.stringify(doc('sip:q@h')), saved: JSON.stringify(doc('sip:s@h')), fetched: doc('sip:d@h') });
    const load = await loadConfig(s, ORIGIN);
    expect(load.status === 'ok' && [load.source, load.config.aor]).toEqual(['query', 'sip:q@h']);
    expect(fetchDefault).not.toHaveBeenCalled();
  });

  it('uses saved settings when there is no query parameter', async () => {
    const { s, fetchDefault } = sources({ saved: JSON.stringify(doc('sip:s@h')), fetched: doc('sip:d@h') });
    const load = await loadConfig(s, ORIGIN);
    expect(load.status === 'ok' && [load.source, load.config.aor]).toEqual(['saved', 'sip:s@h']);
    expect(fetchDefault).not.toHaveBeenCalled();
  });

  it('falls back to /config.json last', async () => {
    const { s } = sources({ fetched: { ...doc('sip:d@h'), uaprofUrl: '/uaprof.rdf' } });
    const load = await loadConfig(s, ORIGIN);
    expect(load.status === 'ok' && [load.source, load.config.aor, load.config.uaprofUrl]).toEqual(['default', 'sip:d@h', `${ORIGIN}/uaprof.rdf`]);
  });

  it('reports a query parameter that is not JSON instead of falling back', async () => {
    const { s, fetchDefault } = sources({ query: '{server:', saved: JSON.stringify(doc('sip:s@h')) });
    const load = await loadConfig(s, ORIGIN);
    expect(load.status).toBe('invalid');
    expect(load.status === 'invalid' && load.source).toBe('query');
    expect(load.status === 'invalid' && load.errors.config).toMatch(/query parameter is not valid JSON/);
    expect(fetchDefault).not.toHaveBeenCalled();
  });

  it('reports an invalid query configuration field by field, keeping the raw document for the form', async () => {
    const raw = { server: 'http://nope', aor: 'sip:a@h' };
    const { s } = sources({ query: JSON.stringify(raw), saved: JSON.stringify(doc('sip:s@h')) });
    const load = await loadConfig(s, ORIGIN);
    expect(load).toEqual({ status: 'invalid', source: 'query', errors: { server: expect.stringMatching(/ws:\/\//) }, raw });
  });

  it('reports invalid saved settings rather than using /config.json', async () => {
    const { s } = sources({ saved: JSON.stringify({ aor: 'x' }), fetched: doc('sip:d@h') });
    const load = await loadConfig(s, ORIGIN);
    expect(load.status === 'invalid' && load.source).toBe('saved');
  });

  it('says the configuration is missing when no source has one', async () => {
    const load = await loadConfig(sources().s, ORIGIN);
    expect(load.status === 'missing' && load.errors.config).toMatch(/No configuration/);
  });

  it('reports a failing /config.json fetch', async () => {
    const load = await loadConfig(sources({ fetchError: new Error('HTTP 500') }).s, ORIGIN);
    expect(load.status === 'invalid' && [load.source, load.errors.config]).toEqual(['default', 'Could not read /config.json: HTTP 500']);
  });

  it('treats an empty query parameter as present (and invalid)', async () => {
    const load = await loadConfig(sources({ query: '', fetched: doc('sip:d@h') }).s, ORIGIN);
    expect(load.status === 'invalid' && load.source).toBe('query');
  });
});

// Issue 9 item 8: `npm start` prints a link with generated credentials in its fragment.
describe('loadConfig: a #config= link fragment', () => {
  const linkSources = (link: string | null, over: Parameters<typeof sources>[0] = {}) => {
    const base = sources(over);
    return { ...base, s: { ...base.s, linkConfig: () => link } };
  };

  it('takes precedence, its fields merged over /config.json when nothing is saved', async () => {
    const { s } = linkSources(JSON.stringify({ authUser: 'alice', password: 'pw', trustAssertedIdentity: true }), { query: JSON.stringify(doc('sip:q@h')), fetched: doc('sip:d@h') });
    const load = await loadConfig(s, ORIGIN);
    expect(load.status === 'ok' && [load.source, load.config.aor, load.config.authUser, load.config.password, load.config.trustAssertedIdentity]).toEqual(['link', 'sip:d@h', 'alice', 'pw', true]);
  });

  it('merges over the saved settings when there are some', async () => {
    const { s, fetchDefault } = linkSources(JSON.stringify({ password: 'new' }), { saved: JSON.stringify({ ...doc('sip:s@h'), authUser: 'sam', password: 'old' }), fetched: doc('sip:d@h') });
    const load = await loadConfig(s, ORIGIN);
    expect(load.status === 'ok' && [load.source, load.config.aor, load.config.authUser, load.config.password]).toEqual(['link', 'sip:s@h', 'sam', 'new']);
    expect(fetchDefault).not.toHaveBeenCalled();
  });

  it.each([
    ['not JSON', '{oops', /link is not valid JSON/],
    ['not an object', '[1,2]', /link must be a JSON object/],
  ])('reports a fragment that is %s', async (_name, link, message) => {
    const load = await loadConfig(linkSources(link, { fetched: doc('sip:d@h') }).s, ORIGIN);
    expect(load.status === 'invalid' && [load.source, load.errors.config]).toEqual(['link', expect.stringMatching(message)]);
  });

  it('reports a field of the link that is wrong', async () => {
    const load = await loadConfig(linkSources(JSON.stringify({ trustAssertedIdentity: 'yes' }), { fetched: doc('sip:d@h') }).s, ORIGIN);
    expect(load.status === 'invalid' && load.errors).toEqual({ trustAssertedIdentity: 'Must be true or false' });
  });
});
