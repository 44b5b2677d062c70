import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../server/core/options.ts';
import { parseSipMessage } from '../../../src/protocol/sip/index.ts';
import { MALFORMED_KINDS, malformedSip, STREAM_ONLY } from './malformedSip.ts';

const text = (kind: (typeof MALFORMED_KINDS)[number]) => Buffer.from(malformedSip(kind, 'UDP', 'localhost')).toString('latin1');

describe('malformedSip', () => {
  it.each(MALFORMED_KINDS.filter((k) => !STREAM_ONLY.has(k)))('%s fits in one datagram', (kind) => {
    expect(malformedSip(kind, 'UDP', 'localhost').byteLength).toBeLessThanOrEqual(65_507);
  });

  it.each([
    { kind: 'double-space-start-line', has: /^MESSAGE {2}sip:/ },
    { kind: 'sip-3.0', has: /^MESSAGE \S+ SIP\/3\.0\r\n/ },
    { kind: 'lower-case-method', has: /^message .*\r\nCSeq: 1 MESSAGE\r\n/s },
    { kind: 'bare-lf', has: /^MESSAGE [^\r]*\n/ },
    { kind: 'two-froms', has: /\r\nFrom: .*\r\nFrom: /s },
    { kind: 'two-content-lengths', has: /Content-Length: 4\r\nContent-Length: 40\r\n/ },
  ] as const)('$kind is what it says', ({ kind, has }) => {
    expect(text(kind)).toMatch(has);
  });

  it('no-call-id has no Call-ID', () => {
    expect(text('no-call-id')).not.toMatch(/Call-ID/i);
  });

  it('the size kinds are past the core limits', () => {
    expect(text('header-section-too-large').indexOf('\r\n\r\n')).toBeGreaterThan(DEFAULT_LIMITS.maxHeaderBytes);
    expect(malformedSip('message-too-large', 'TCP', 'localhost').byteLength).toBeGreaterThan(DEFAULT_LIMITS.maxMessageBytes);
  });

  it('each is built fresh: no two sends are one transaction', () => {
    expect(text('two-froms')).not.toBe(text('two-froms'));
  });

  it('the mutation is the only fault: a kind wrong only in meaning parses as SIP', () => {
    expect(parseSipMessage(malformedSip('cseq-other-method', 'TCP', 'localhost'))).toMatchObject({ kind: 'request', method: 'MESSAGE' });
  });
});
