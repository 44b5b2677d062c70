import { describe, expect, it } from 'vitest';
import { isMediaRange, isSipUriWithUser, validateConfig } from './validate.ts';

const ORIGIN = 'http://127.0.0.1:5199';
const base = {
  server: 'ws://127.0.0.1:8066',
  aor: 'sip:alice@localhost',
  apps: [{ id: 'news.ua', accept: ['text/plain', 'image/*'] }],
};

function errorsOf(raw: unknown): Record<string, string> {
  const result = validateConfig(raw, { origin: ORIGIN });
  if (result.ok) throw new Error(`expected errors for ${JSON.stringify(raw)}`);
  return result.errors;
}

describe('validateConfig', () => {
  it('accepts the shipped default configuration and normalises it', () => {
    const result = validateConfig(
      { ...base, displayName: ' Alice ', authUser: '', uaprofUrl: '/uaprof.rdf', apps: [{ id: ' mms.ua ', accept: ['*/*'], allowFrom: [], maxBytes: 1024 }] },
      { origin: ORIGIN },
    );
    expect(result).toEqual({
      ok: true,
      config: {
        server: 'ws://127.0.0.1:8066',
        aor: 'sip:alice@localhost',
        displayName: 'Alice',
        uaprofUrl: 'http://127.0.0.1:5199/uaprof.rdf',
        apps: [{ id: 'mms.ua', accept: ['*/*'], maxBytes: 1024 }],
      },
    });
  });

  it('keeps every valid optional field', () => {
    const result = validateConfig({
      server: 'wss://sip.example.com/ws',
      aor: 'sips:bob@example.com',
      authUser: 'bob',
      password: ' secret ',
      displayName: 'Bob',
      uaprofUrl: 'https://example.com/p.rdf',
      apps: [{ id: 'a', accept: 'text/plain, application/vnd.foo+json', allowFrom: 'sip:x@example.com, sips:y@[::1]:5061', maxBytes: '2048' }],
    });
    expect(result.ok && result.config).toEqual({
      server: 'wss://sip.example.com/ws',
      aor: 'sips:bob@example.com',
      authUser: 'bob',
      password: ' secret ',
      displayName: 'Bob',
      uaprofUrl: 'https://example.com/p.rdf',
      apps: [{ id: 'a', accept: ['text/plain', 'application/vnd.foo+json'], allowFrom: ['sip:x@example.com', 'sips:y@[::1]:5061'], maxBytes: 2048 }],
    });
  });

  it('accepts a configuration without apps (empty list)', () => {
    const { apps: _apps, ...noApps } = base;
    expect(validateConfig(noApps)).toEqual({ ok: true, config: { server: base.server, aor: base.aor, apps: [] } });
  });

  const cases: Array<[string, unknown, string, RegExp]> = [
    ['not an object', 'nope', 'config', /JSON object/],
    ['array document', [], 'config', /JSON object/],
    ['server missing', { ...base, server: undefined }, 'server', /Required/],
    ['server blank', { ...base, server: '  ' }, 'server', /Required/],
    ['server not a string', { ...base, server: 8066 }, 'server', /text/],
    ['server not a URL', { ...base, server: 'localhost:8066' }, 'server', /ws:\/\/|URL/],
    ['server http', { ...base, server: 'http://127.0.0.1:8066' }, 'server', /ws:\/\//],
    ['aor missing', { ...base, aor: undefined }, 'aor', /Required/],
    ['aor tel URI', { ...base, aor: 'tel:+15551234' }, 'aor', /sip:/],
    ['aor without user', { ...base, aor: 'sip:localhost' }, 'aor', /user/],
    ['aor empty user', { ...base, aor: 'sip:@localhost' }, 'aor', /user/],
    ['aor bad host', { ...base, aor: 'sip:alice@bad host' }, 'aor', /sip:/],
    ['authUser not a string', { ...base, authUser: 1 }, 'authUser', /text/],
    ['authUser with space', { ...base, authUser: 'a b' }, 'authUser', /spaces/],
    ['password not a string', { ...base, password: true }, 'password', /text/],
    ['displayName with quote', { ...base, displayName: 'A "B"' }, 'displayName', /quotes/],
    ['displayName not a string', { ...base, displayName: {} }, 'displayName', /text/],
    ['uaprofUrl javascript:', { ...base, uaprofUrl: 'javascript:alert(1)' }, 'uaprofUrl', /http/],
    ['uaprofUrl not a string', { ...base, uaprofUrl: 5 }, 'uaprofUrl', /text/],
    ['apps not a list', { ...base, apps: { id: 'x' } }, 'apps', /list/],
    ['app not an object', { ...base, apps: ['news.ua'] }, 'apps.0', /object/],
    ['app id missing', { ...base, apps: [{ accept: ['text/plain'] }] }, 'apps.0.id', /Required/],
    ['app id not a string', { ...base, apps: [{ id: 3, accept: ['text/plain'] }] }, 'apps.0.id', /text/],
    ['app id not a token', { ...base, apps: [{ id: 'news ua', accept: ['text/plain'] }] }, 'apps.0.id', /token/],
    ['app id with comma', { ...base, apps: [{ id: 'a,b', accept: ['text/plain'] }] }, 'apps.0.id', /token/],
    ['app id duplicate', { ...base, apps: [{ id: 'a', accept: ['*/*'] }, { id: 'a', accept: ['*/*'] }] }, 'apps.1.id', /Duplicate/],
    ['accept missing', { ...base, apps: [{ id: 'a' }] }, 'apps.0.accept', /list/],
    ['accept empty', { ...base, apps: [{ id: 'a', accept: [] }] }, 'apps.0.accept', /at least one/],
    ['accept blank string', { ...base, apps: [{ id: 'a', accept: ' , ' }] }, 'apps.0.accept', /at least one/],
    ['accept not type/subtype', { ...base, apps: [{ id: 'a', accept: ['text'] }] }, 'apps.0.accept', /text/],
    ['accept */plain', { ...base, apps: [{ id: 'a', accept: ['*/plain'] }] }, 'apps.0.accept', /\*\/plain/],
    ['accept with parameters', { ...base, apps: [{ id: 'a', accept: ['text/plain;charset=utf-8'] }] }, 'apps.0.accept', /type\/subtype/],
    ['accept non-string item', { ...base, apps: [{ id: 'a', accept: [1] }] }, 'apps.0.accept', /list/],
    ['allowFrom not a list', { ...base, apps: [{ id: 'a', accept: ['*/*'], allowFrom: 7 }] }, 'apps.0.allowFrom', /list/],
    ['allowFrom not SIP', { ...base, apps: [{ id: 'a', accept: ['*/*'], allowFrom: ['mailto:x@y'] }] }, 'apps.0.allowFrom', /mailto/],
    ['maxBytes zero', { ...base, apps: [{ id: 'a', accept: ['*/*'], maxBytes: 0 }] }, 'apps.0.maxBytes', /positive/],
    ['maxBytes negative', { ...base, apps: [{ id: 'a', accept: ['*/*'], maxBytes: -5 }] }, 'apps.0.maxBytes', /positive/],
    ['maxBytes fraction', { ...base, apps: [{ id: 'a', accept: ['*/*'], maxBytes: 1.5 }] }, 'apps.0.maxBytes', /whole/],
    ['maxBytes text', { ...base, apps: [{ id: 'a', accept: ['*/*'], maxBytes: '10k' }] }, 'apps.0.maxBytes', /positive/],
  ];

  it.each(cases)('%s -> error on %s', (_name, raw, field, message) => {
    const errors = errorsOf(raw);
    expect(errors[field]).toMatch(message);
  });

  it('reports every bad field at once, with the index of the app', () => {
    const errors = errorsOf({ server: 'http://x', aor: 'alice', apps: [{ id: 'ok', accept: ['*/*'] }, { id: '', accept: [], maxBytes: -1 }] });
    expect(Object.keys(errors).sort()).toEqual(['aor', 'apps.1.accept', 'apps.1.id', 'apps.1.maxBytes', 'server']);
  });

  it('keeps a relative uaprofUrl relative when no origin is given', () => {
    const result = validateConfig({ ...base, uaprofUrl: '/uaprof.rdf' });
    expect(result.ok && result.config.uaprofUrl).toBe('/uaprof.rdf');
  });
});

describe('helpers', () => {
  it.each([
    ['text/plain', true],
    ['image/*', true],
    ['*/*', true],
    ['application/vnd.oma.push+xml', true],
    ['text', false],
    ['*/plain', false],
    ['text/ plain', false],
    ['', false],
  ])('isMediaRange(%j) = %s', (value, expected) => expect(isMediaRange(value)).toBe(expected));

  it.each([
    ['sip:alice@localhost', true],
    ['sips:alice@example.com:5061;transport=tls', true],
    ['sip:alice@127.0.0.1', true],
    ['sip:localhost', false],
    ['sip:alice@', false],
    ['<sip:alice@localhost>', false],
    ['alice@localhost', false],
  ])('isSipUriWithUser(%j) = %s', (value, expected) => expect(isSipUriWithUser(value)).toBe(expected));
});
