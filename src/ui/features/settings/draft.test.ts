import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../config/validate.ts';
import { draftFromConfig, draftToRaw } from './draft.ts';

describe('settings draft', () => {
  const config = {
    server: 'ws://127.0.0.1:8066',
    aor: 'sip:alice@localhost',
    authUser: 'alice',
    password: 'pw',
    displayName: 'Alice',
    uaprofUrl: 'http://127.0.0.1:5199/uaprof.rdf',
    apps: [
      { id: 'news.ua', accept: ['text/plain', 'image/*'], allowFrom: ['sip:news@example.com'], maxBytes: 4096 },
      { id: 'mms.ua', accept: ['*/*'] },
    ],
  };

  it('shows lists as comma-separated text and numbers as text', () => {
    const draft = draftFromConfig(config);
    expect(draft.apps.map(({ key: _k, ...a }) => a)).toEqual([
      { id: 'news.ua', accept: 'text/plain, image/*', allowFrom: 'sip:news@example.com', maxBytes: '4096' },
      { id: 'mms.ua', accept: '*/*', allowFrom: '', maxBytes: '' },
    ]);
    expect(new Set(draft.apps.map((a) => a.key)).size).toBe(2);
  });

  it('round-trips a valid configuration through the form unchanged', () => {
    const result = validateConfig(draftToRaw(draftFromConfig(config)));
    expect(result).toEqual({ ok: true, config });
  });

  it('leaves blank optional fields out', () => {
    const draft = { ...draftFromConfig({}), server: ' ws://h ', aor: 'sip:a@h', apps: [{ key: 1, id: 'a', accept: 'text/plain,', allowFrom: ' ', maxBytes: ' ' }] };
    expect(draftToRaw(draft)).toEqual({ server: 'ws://h', aor: 'sip:a@h', apps: [{ id: 'a', accept: ['text/plain'] }] });
  });

  it('accepts an invalid document for fixing, keeping what it can', () => {
    const draft = draftFromConfig({ server: 42, aor: ['x'], apps: [null, { id: 'x', accept: 'text/plain' }] });
    expect(draft.server).toBe('42');
    expect(draft.aor).toBe('');
    expect(draft.apps.map((a) => [a.id, a.accept])).toEqual([
      ['', ''],
      ['x', 'text/plain'],
    ]);
    expect(draftFromConfig(undefined).apps).toEqual([]);
  });

  it('the form reports a bad maxBytes on the right app row', () => {
    const draft = draftFromConfig(config);
    draft.apps[1]!.maxBytes = 'lots';
    const result = validateConfig(draftToRaw(draft));
    expect(result.ok ? {} : result.errors).toEqual({ 'apps.1.maxBytes': expect.stringMatching(/positive/) });
  });
});
