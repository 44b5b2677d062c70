import { describe, expect, it } from 'vitest';
import type { PushApp } from '../types.ts';
import { AppRegistry } from './registry.ts';

const app = (overrides: Partial<PushApp> = {}): PushApp => ({ id: 'news.ua', accept: ['text/plain'], handler: () => {}, ...overrides });

describe('AppRegistry', () => {
  it('registers, finds (case-insensitively), lists and unregisters', () => {
    const registry = new AppRegistry();
    const changes: string[][] = [];
    registry.on('changed', ({ ids }) => changes.push(ids));
    const offNews = registry.register(app());
    registry.register(app({ id: 'mms.ua', accept: ['application/vnd.wap.mms-message'], allowFrom: ['sip:mmsc@example.com'], maxBytes: 300 }));
    expect(registry.ids()).toEqual(['news.ua', 'mms.ua']);
    expect(registry.get('NEWS.UA')?.id).toBe('news.ua');
    expect(registry.specs()).toEqual([
      { id: 'news.ua', accept: ['text/plain'] },
      { id: 'mms.ua', accept: ['application/vnd.wap.mms-message'], allowFrom: ['sip:mmsc@example.com'], maxBytes: 300 },
    ]);
    offNews();
    expect(registry.ids()).toEqual(['mms.ua']);
    expect(registry.get('news.ua')).toBeUndefined();
    offNews(); // idempotent
    expect(changes).toEqual([['news.ua'], ['news.ua', 'mms.ua'], ['mms.ua']]);
  });

  it('registering an ID twice replaces the app; the old unregister function then does nothing', () => {
    const registry = new AppRegistry();
    const changes: string[][] = [];
    const registered: string[] = [];
    registry.on('changed', ({ ids }) => changes.push(ids));
    registry.on('registered', (a) => registered.push(a.accept.join()));
    const first = () => {};
    const second = () => {};
    const offFirst = registry.register(app({ handler: first }));
    registry.register(app({ handler: second, accept: ['application/json'] }));
    expect(registry.get('news.ua')!.handler).toBe(second);
    offFirst();
    expect(registry.get('news.ua')!.handler).toBe(second);
    expect(changes).toEqual([['news.ua']]); // the set of IDs did not change on replacement
    expect(registered).toEqual(['text/plain', 'application/json']);
  });

  it('keeps a copy: later changes to the caller\'s object do not leak in', () => {
    const registry = new AppRegistry();
    const spec = app({ accept: ['text/plain'] });
    registry.register(spec);
    spec.accept.push('image/png');
    expect(registry.get('news.ua')!.accept).toEqual(['text/plain']);
  });

  it.each([
    ['an ID that is not a token', app({ id: 'news ua' }), /not a valid RFC 3840 token/],
    ['an empty ID', app({ id: '' }), /not a valid RFC 3840 token/],
    ['an ID with a comma', app({ id: 'a,b' }), /not a valid RFC 3840 token/],
    ['empty accept', app({ accept: [] }), /accept must list at least one content type/],
    ['a bad content type', app({ accept: ['text'] }), /"text" is not a content type/],
    ['a bad allowFrom entry', app({ allowFrom: ['alice'] }), /allowFrom entry "alice" is not a SIP URI/],
    ['a negative maxBytes', app({ maxBytes: -1 }), /maxBytes must be a non-negative integer/],
    ['no handler', { id: 'news.ua', accept: ['text/plain'] } as unknown as PushApp, /handler must be a function/],
  ])('rejects %s with a clear message', (_label, bad, message) => {
    const registry = new AppRegistry();
    expect(() => registry.register(bad)).toThrow(message);
    expect(registry.ids()).toEqual([]);
  });

  it('accepts wildcards and parameters in accept', () => {
    const registry = new AppRegistry();
    expect(() => registry.register(app({ accept: ['*/*', 'image/*', 'text/plain; charset=utf-8', 'application/vnd.oma.push+xml'] }))).not.toThrow();
  });
});
