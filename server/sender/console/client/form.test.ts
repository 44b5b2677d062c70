import { describe, expect, it } from 'vitest';
import { loadToken, TOKEN_KEY, type TokenPlace } from './auth.ts';
import { EMPTY_FORM, errorsFor, fieldOf, submitBody, type ComposeForm } from './form.ts';

const form = (patch: Partial<ComposeForm>): ComposeForm => ({ ...EMPTY_FORM, target: 'sip:alice@d', text: 'hello', ...patch });

describe('compose form -> submit body', () => {
  it('a text push with report, expiry, priority and mode', () => {
    expect(submitBody(form({ expiresInSeconds: ' 60 ', priority: 'high', mode: 'message', pushId: ' my-id ' }))).toEqual({
      pushId: 'my-id',
      target: 'sip:alice@d',
      app: 'news.ua',
      contentType: 'text/plain',
      content: 'hello',
      report: true,
      expiresInSeconds: 60,
      priority: 'high',
      mode: 'message',
    });
  });

  it('the terminal picker: all, one instance, one GRUU', () => {
    expect(submitBody(form({ terminal: 'all' })).target).toEqual({ aor: 'sip:alice@d', terminals: 'all' });
    expect(submitBody(form({ terminal: 'instance:urn:uuid:1' })).target).toEqual({ aor: 'sip:alice@d', instance: 'urn:uuid:1' });
    expect(submitBody(form({ terminal: 'gruu:sip:alice@d;gr=urn:uuid:1' })).target).toEqual({ gruu: 'sip:alice@d;gr=urn:uuid:1' });
  });

  it('a file push names the upload and sends no text', () => {
    const body = submitBody(form({ contentKind: 'file', contentType: 'video/mp4' }), 'up-1');
    expect(body).toMatchObject({ upload: 'up-1', contentType: 'video/mp4' });
    expect(body).not.toHaveProperty('content');
  });

  it('empty fields are left out, so the API says what is missing; an expiry that is not a number goes as typed', () => {
    const body = submitBody(form({ target: ' ', app: '', contentType: '', text: '', expiresInSeconds: '', pushId: '' }));
    expect(body).toEqual({ report: true, priority: 'normal', mode: 'auto' });
    expect(submitBody(form({ expiresInSeconds: 'soon' })).expiresInSeconds).toBe('soon');
    expect(submitBody(form({ expiresInSeconds: '1.5' })).expiresInSeconds).toBe(1.5);
  });
});

describe('API refusal -> the field it is shown next to', () => {
  it.each([
    ['target', 'text', 'target'],
    ['target[0]', 'text', 'target'],
    ['target.aor', 'text', 'target'],
    ['target[2].aor', 'text', 'target'],
    ['target[0].instance', 'text', 'terminal'],
    ['target.gruu', 'text', 'terminal'],
    ['target.terminals', 'text', 'terminal'],
    ['app', 'text', 'app'],
    ['contentType', 'text', 'contentType'],
    ['content', 'text', 'text'],
    ['content', 'file', 'file'],
    ['contentBase64', 'text', 'text'],
    ['upload', 'file', 'file'],
    ['expiresInSeconds', 'text', 'expiresInSeconds'],
    ['deliverBefore', 'text', 'expiresInSeconds'],
    ['pushId', 'text', 'pushId'],
    ['priority', 'text', 'priority'],
    ['mode', 'text', 'mode'],
    ['report', 'text', 'report'],
  ] as const)('%s (%s content) -> %s', (apiField, kind, expected) => {
    expect(fieldOf(apiField, { contentKind: kind })).toBe(expected);
  });

  it('no field, or one the form does not have: a form-level message', () => {
    expect(fieldOf(undefined, { contentKind: 'text' })).toBeUndefined();
    expect(fieldOf('(body)', { contentKind: 'text' })).toBeUndefined();
    expect(errorsFor({ status: 503, code: 'PSA_ERR_UNAVAILABLE', message: 'busy; retry' }, { contentKind: 'text' })).toEqual({ fields: {}, form: 'busy; retry' });
  });

  it('the message goes next to the field as the API wrote it; too large text says to push a file', () => {
    const missing = 'target is missing; give an AoR such as "sip:alice@example.com"';
    expect(errorsFor({ status: 400, code: 'PSA_ERR_INPUT', field: 'target', message: missing }, { contentKind: 'text' })).toEqual({ fields: { target: missing } });
    const large = errorsFor({ status: 413, code: 'PSA_ERR_TOO_LARGE', message: 'The JSON body is larger than 1048576 bytes' }, { contentKind: 'text' });
    expect(large.fields.text).toMatch(/Choose "File"/);
  });
});

describe('the token from the URL fragment', () => {
  function place(hash: string, stored: string | null = null) {
    const store = new Map<string, string>(stored === null ? [] : [[TOKEN_KEY, stored]]);
    const replaced: string[] = [];
    const p: TokenPlace = {
      storage: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => void store.set(k, v), removeItem: (k) => void store.delete(k) },
      location: { hash, pathname: '/console', search: '' },
      history: { state: null, replaceState: (_d, _u, url) => void replaced.push(url ?? '') },
    };
    return { p, store, replaced };
  }

  it('#token= is stored and removed from the address at once', () => {
    const { p, store, replaced } = place('#token=abc%2B1');
    expect(loadToken(p)).toBe('abc+1');
    expect(store.get(TOKEN_KEY)).toBe('abc+1');
    expect(replaced).toEqual(['/console']);
  });

  it('other fragment parameters stay; no fragment reads the stored token; an empty one is not stored', () => {
    const one = place('#token=t&x=1');
    expect(loadToken(one.p)).toBe('t');
    expect(one.replaced).toEqual(['/console#x=1']);
    const two = place('', 'kept');
    expect(loadToken(two.p)).toBe('kept');
    expect(two.replaced).toEqual([]);
    const three = place('#token=', null);
    expect(loadToken(three.p)).toBeNull();
    expect(three.replaced).toEqual(['/console']);
  });
});
