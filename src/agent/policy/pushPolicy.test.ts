import { describe, expect, it } from 'vitest';
import type { PushAppSpec } from '../types.ts';
import { decidePush, mediaTypeMatches, sameAor, type PushFacts } from './pushPolicy.ts';

const news: PushAppSpec = { id: 'news.ua', accept: ['text/plain', 'application/json'], allowFrom: ['sip:psa@Example.COM'], maxBytes: 100 };
const images: PushAppSpec = { id: 'img.ua', accept: ['image/*'] };
const anything: PushAppSpec = { id: 'any.ua', accept: ['*/*; q=0.1'] };
const apps = new Map([news, images, anything].map((a) => [a.id, a]));
const limits = { maxMessageBytes: 1000 };

const base: PushFacts = { appIds: ['news.ua'], fromAor: 'sip:psa@example.com', contentType: 'text/plain', size: 10 };

describe('decidePush', () => {
  const cases: Array<{ name: string; facts: Partial<PushFacts>; accept?: string; status?: number; reason?: string; headers?: Array<{ name: string; value: string }> }> = [
    { name: 'accepted', facts: {}, accept: 'news.ua' },
    { name: 'no app addressed -> 404', facts: { appIds: [] }, status: 404, reason: 'No push application addressed' },
    { name: 'unknown app -> 404 naming it', facts: { appIds: ['mms.ua'] }, status: 404, reason: 'Push application mms.ua not registered' },
    { name: 'several IDs: the first registered one is taken', facts: { appIds: ['mms.ua', 'img.ua', 'news.ua'], contentType: 'image/png' }, accept: 'img.ua' },
    { name: 'sender not in allowFrom -> 403', facts: { fromAor: 'sip:mallory@example.com' }, status: 403, reason: 'Sender sip:mallory@example.com not allowed for news.ua' },
    { name: 'allowFrom compares the host case-insensitively', facts: { fromAor: 'sip:psa@EXAMPLE.com' }, accept: 'news.ua' },
    { name: 'allowFrom compares the user part exactly', facts: { fromAor: 'sip:PSA@example.com' }, status: 403 },
    { name: 'no allowFrom: any sender', facts: { appIds: ['img.ua'], fromAor: 'sip:anyone@else.org', contentType: 'image/gif' }, accept: 'img.ua' },
    { name: 'type not accepted -> 415 with Accept', facts: { contentType: 'image/png' }, status: 415, reason: 'Content type image/png not accepted by news.ua', headers: [{ name: 'Accept', value: 'text/plain, application/json' }] },
    { name: 'parameters ignored (charset)', facts: { contentType: 'Text/Plain; charset=UTF-8' }, accept: 'news.ua' },
    { name: 'type/* matches its subtypes', facts: { appIds: ['img.ua'], contentType: 'image/svg+xml' }, accept: 'img.ua' },
    { name: 'type/* does not match other types', facts: { appIds: ['img.ua'], contentType: 'text/plain' }, status: 415, headers: [{ name: 'Accept', value: 'image/*' }] },
    { name: '*/* matches anything well formed', facts: { appIds: ['any.ua'], contentType: 'application/x-whatever' }, accept: 'any.ua' },
    { name: '*/* does not match a malformed type', facts: { appIds: ['any.ua'], contentType: 'garbage' }, status: 415 },
    { name: 'at the app size limit: accepted', facts: { size: 100 }, accept: 'news.ua' },
    { name: 'one past the app limit -> 413', facts: { size: 101 }, status: 413, reason: 'Content of 101 bytes exceeds 100 for news.ua' },
    { name: 'no app limit: the agent limit applies (at it)', facts: { appIds: ['img.ua'], contentType: 'image/png', size: 1000 }, accept: 'img.ua' },
    { name: 'no app limit: the agent limit applies (past it)', facts: { appIds: ['img.ua'], contentType: 'image/png', size: 1001 }, status: 413 },
    { name: 'order: 403 before 415 and 413', facts: { fromAor: 'sip:x@y', contentType: 'image/png', size: 5000 }, status: 403 },
    { name: 'order: 415 before 413', facts: { contentType: 'image/png', size: 5000 }, status: 415 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const decision = decidePush({ ...base, ...c.facts }, apps, limits);
      if (c.accept) {
        expect(decision).toMatchObject({ accept: true, app: { id: c.accept } });
        return;
      }
      expect(decision.accept).toBe(false);
      if (decision.accept) return;
      expect(decision.status).toBe(c.status);
      if (c.reason) expect(decision.reason).toBe(c.reason);
      if (c.headers) expect(decision.headers).toEqual(c.headers);
      else if (c.status === 415) expect(decision.headers.map((h) => h.name)).toEqual(['Accept']);
      else expect(decision.headers).toEqual([]);
    });
  }
});

describe('mediaTypeMatches', () => {
  it.each([
    ['text/plain', 'text/plain', true],
    ['TEXT/PLAIN', 'text/plain;charset=utf-8', true],
    ['text/plain; charset=utf-8', 'text/plain', true],
    ['text/*', 'text/html', true],
    ['text/*', 'textual/html', false],
    ['*/*', 'a/b', true],
    ['*/*', '', false],
    ['*/*', 'text/', false],
    ['text/plain', 'text/html', false],
  ])('%s covers %s: %s', (range, type, expected) => {
    expect(mediaTypeMatches(range, type)).toBe(expected);
  });
});

describe('sameAor', () => {
  it.each([
    ['sip:a@Example.com', 'sip:a@example.com', true],
    ['sip:a@example.com:5060;transport=ws', 'sip:a@example.com', true],
    ['SIP:a@example.com', 'sip:a@example.com', true],
    ['sip:A@example.com', 'sip:a@example.com', false],
    ['sips:a@example.com', 'sip:a@example.com', false],
    ['not a uri', 'not a uri', true],
  ])('%s vs %s: %s', (a, b, expected) => {
    expect(sameAor(a, b)).toBe(expected);
  });
});
