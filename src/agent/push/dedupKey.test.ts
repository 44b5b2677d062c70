import { describe, expect, it } from 'vitest';
import { dedupKey, type DedupFacts } from './dedupKey.ts';

const BASE: DedupFacts = { fromAor: 'sip:psa@example.com', appId: 'news.ua', callId: 'c1', cseq: 7 };

describe('dedupKey', () => {
  it.each([
    [{ ...BASE, messageId: '34jk324j' }, 'imdn:["sip:psa@example.com","news.ua","34jk324j"]'],
    [{ ...BASE, callId: 'c1@host' }, 'sip:["sip:psa@example.com","news.ua","c1@host",7]'],
    [{ ...BASE, messageId: undefined, cseq: 1 }, 'sip:["sip:psa@example.com","news.ua","c1",1]'],
    [{ ...BASE, messageId: '', cseq: 1 }, 'sip:["sip:psa@example.com","news.ua","c1",1]'],
  ])('%o -> %s', (facts, key) => {
    expect(dedupKey(facts)).toBe(key);
  });

  it('the same Message-ID under another Call-ID and CSeq (a re-send) gives the same key', () => {
    expect(dedupKey({ ...BASE, messageId: 'm', callId: 'a', cseq: 1 })).toBe(dedupKey({ ...BASE, messageId: 'm', callId: 'b', cseq: 2 }));
  });

  // Issue 9 item 2: an ID alone let one sender suppress another's pushes.
  it.each([
    ['another sender, same Message-ID', { messageId: 'm1' }, { messageId: 'm1', fromAor: 'sip:other@example.com' }],
    ['another app, same Message-ID', { messageId: 'm1' }, { messageId: 'm1', appId: 'mms.ua' }],
    ['another sender, same Call-ID and CSeq', {}, { fromAor: 'sip:other@example.com' }],
    ['another app, same Call-ID and CSeq', {}, { appId: 'mms.ua' }],
  ] as [string, Partial<DedupFacts>, Partial<DedupFacts>][])('%s: a different key', (_name, a, b) => {
    expect(dedupKey({ ...BASE, ...a })).not.toBe(dedupKey({ ...BASE, ...b }));
  });

  it('parts cannot run into each other', () => {
    expect(dedupKey({ ...BASE, fromAor: 'sip:a@x', appId: 'b' })).not.toBe(dedupKey({ ...BASE, fromAor: 'sip:a@x","b', appId: '' }));
  });
});
