import { describe, expect, it } from 'vitest';
import { dedupKey } from './dedupKey.ts';

describe('dedupKey', () => {
  it.each([
    [{ messageId: '34jk324j', callId: 'c1', cseq: 7 }, 'imdn:34jk324j'],
    [{ callId: 'c1@host', cseq: 7 }, 'sip:c1@host:7'],
    [{ messageId: undefined, callId: 'c1', cseq: 1 }, 'sip:c1:1'],
    [{ messageId: '', callId: 'c1', cseq: 1 }, 'sip:c1:1'],
  ])('%o -> %s', (facts, key) => {
    expect(dedupKey(facts)).toBe(key);
  });

  it('the same Message-ID under another Call-ID and CSeq (a re-send) gives the same key', () => {
    expect(dedupKey({ messageId: 'm', callId: 'a', cseq: 1 })).toBe(dedupKey({ messageId: 'm', callId: 'b', cseq: 2 }));
  });
});
