import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  chooseTransactionId,
  encodeRequest,
  endLineOccursIn,
  MsrpError,
  parseMsrpMessage,
  randomIdent,
  serializeRequest,
  serializeResponse,
  type ByteRange,
  type MsrpMessage,
  type MsrpRequest,
  type MsrpResponse,
} from './index.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

const ident = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9.\-+%=]{3,31}$/);
const uri = fc
  .tuple(fc.constantFrom('msrp', 'msrps'), fc.stringMatching(/^[a-z0-9]{1,10}\.(?:invalid|example\.com)$/), fc.integer({ min: 1, max: 65535 }), ident)
  .map(([scheme, host, port, session]) => `${scheme}://${host}:${port}/${session};ws`);
const path = fc.array(uri, { minLength: 1, maxLength: 3 });
const count = fc.integer({ min: 0, max: 2 ** 40 });
const byteRange: fc.Arbitrary<ByteRange> = fc
  .tuple(fc.integer({ min: 1, max: 2 ** 40 }), fc.option(count, { nil: '*' as const }), fc.option(count, { nil: '*' as const }))
  .map(([start, len, extra]) => {
    const end = len === '*' ? '*' : start - 1 + len;
    const total = extra === '*' ? '*' : (end === '*' ? start : end) + extra;
    return { start, end, total };
  });
const headerText = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/);
const extraHeaders = fc.array(
  fc.record({
    name: fc.stringMatching(/^X-[A-Za-z0-9-]{1,12}$/),
    value: fc.oneof(headerText, fc.constant('héllo wörld ✓')),
  }),
  { maxLength: 3 },
);
const flag = fc.constantFrom('$' as const, '+' as const, '#' as const);
/** Bodies full of CR, LF and dashes, to tempt the end-line. */
const body = fc.oneof(
  fc.uint8Array({ maxLength: 400 }),
  fc.array(fc.constantFrom(13, 10, 45, 36, 43, 35, 97), { maxLength: 200 }).map((a) => Uint8Array.from(a)),
);

const request: fc.Arbitrary<MsrpRequest> = fc
  .record(
    {
      transactionId: ident,
      method: fc.constantFrom('SEND', 'REPORT', 'AUTH'),
      toPath: path,
      fromPath: path,
      messageId: ident,
      byteRange,
      successReport: fc.constantFrom('yes' as const, 'no' as const),
      failureReport: fc.constantFrom('yes' as const, 'no' as const, 'partial' as const),
      status: fc.record({ namespace: fc.constant('000'), code: fc.integer({ min: 100, max: 999 }), reason: headerText }),
      extraHeaders,
      flag,
      content: fc.record({ contentType: fc.constantFrom('text/plain', 'message/cpim', 'application/octet-stream'), body }),
    },
    { requiredKeys: ['transactionId', 'method', 'toPath', 'fromPath', 'extraHeaders', 'flag'] },
  )
  .map(({ content, ...rest }) => ({ kind: 'request' as const, ...rest, ...(content ?? {}) }))
  .filter((r) => !r.body || !endLineOccursIn(r.body, r.transactionId));

const response: fc.Arbitrary<MsrpResponse> = fc.record(
  {
    kind: fc.constant('response' as const),
    transactionId: ident,
    code: fc.integer({ min: 100, max: 999 }),
    comment: headerText,
    toPath: path,
    fromPath: path,
    extraHeaders,
    flag,
  },
  { requiredKeys: ['kind', 'transactionId', 'code', 'toPath', 'fromPath', 'extraHeaders', 'flag'] },
);

const copy = (m: MsrpMessage): MsrpMessage => (m.body ? { ...m, body: Uint8Array.from(m.body) } : m);

describe('serializer round trip', () => {
  it('parse(serializeRequest(m)) equals m', () => {
    fc.assert(fc.property(request, (m) => {
        expect(copy(parseMsrpMessage(serializeRequest(m), { maxChunkBytes: 1000, maxNonSendBodyBytes: 1000 }))).toEqual(m);
      }), {
      numRuns: 500,
    });
  });

  it('parse(serializeResponse(m)) equals m', () => {
    fc.assert(fc.property(response, (m) => {
        expect(parseMsrpMessage(serializeResponse(m))).toEqual(m);
      }), { numRuns: 300 });
  });

  it('writes the RFC 4975 layout', () => {
    const wire = serializeRequest({
      method: 'SEND',
      transactionId: 'a786hjs2',
      toPath: ['msrp://b.example.com:12763/kjhd37s2s20w2a;tcp'],
      fromPath: ['msrp://a.example.com:7654/jshA7weztas;tcp'],
      messageId: '87652491',
      byteRange: { start: 1, end: 5, total: 5 },
      failureReport: 'yes',
      extraHeaders: [{ name: 'Content-Disposition', value: 'inline' }],
      contentType: 'text/plain',
      body: enc.encode('Hello'),
    });
    expect(dec.decode(wire)).toBe(
      [
        'MSRP a786hjs2 SEND',
        'To-Path: msrp://b.example.com:12763/kjhd37s2s20w2a;tcp',
        'From-Path: msrp://a.example.com:7654/jshA7weztas;tcp',
        'Message-ID: 87652491',
        'Failure-Report: yes',
        'Byte-Range: 1-5/5',
        'Content-Disposition: inline',
        'Content-Type: text/plain',
        '',
        'Hello',
        '-------a786hjs2$',
        '',
      ].join('\r\n'),
    );
    expect(dec.decode(serializeResponse({ transactionId: 'a786hjs2', code: 200, comment: 'OK', toPath: ['msrp://a/x;tcp'], fromPath: ['msrp://b/y;tcp'] }))).toBe(
      'MSRP a786hjs2 200 OK\r\nTo-Path: msrp://a/x;tcp\r\nFrom-Path: msrp://b/y;tcp\r\n-------a786hjs2$\r\n',
    );
  });
});

describe('transaction ID and the end-line (RFC 4975 section 7.1.1)', () => {
  const paths = { toPath: ['msrp://a/x;ws'], fromPath: ['msrp://b/y;ws'] };

  it('skips a random ID whose end-line is in the body, and reports the chosen one', () => {
    const body = enc.encode('payload\r\n-------taken001$\r\nmore -------taken002 and more');
    const ids = ['taken001', 'taken002', 'free0003'];
    const { bytes, transactionId } = encodeRequest({ method: 'SEND', ...paths, contentType: 'text/plain', body }, { randomId: () => ids.shift()! });
    expect(transactionId).toBe('free0003');
    const m = parseMsrpMessage(bytes);
    expect(m.transactionId).toBe('free0003');
    expect(m.body).toEqual(body);
  });

  it('refuses a given ID whose end-line is in the body', () => {
    const body = enc.encode('x-------abcd1234y');
    expect(() => serializeRequest({ method: 'SEND', transactionId: 'abcd1234', ...paths, contentType: 'a/b', body })).toThrow(
      expect.objectContaining({ code: 'MSRP_ERR_END_LINE_IN_BODY' }),
    );
  });

  it('gives up after repeated collisions instead of looping', () => {
    const body = enc.encode('-------same0001');
    expect(() => chooseTransactionId(body, { randomId: () => 'same0001' })).toThrow(MsrpError);
  });

  it('never puts the chosen end-line in the body (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (b) => {
        const { bytes, transactionId } = encodeRequest({ method: 'SEND', ...paths, contentType: 'a/b', body: b });
        expect(endLineOccursIn(b, transactionId)).toBe(false);
        expect(parseMsrpMessage(bytes).body).toEqual(b);
      }),
    );
  });

  it('finds the pattern anywhere, including at both ends', () => {
    expect(endLineOccursIn(enc.encode('-------abcd'), 'abcd')).toBe(true);
    expect(endLineOccursIn(enc.encode('x--------abcd'), 'abcd')).toBe(true);
    expect(endLineOccursIn(enc.encode('------abcd'), 'abcd')).toBe(false);
    expect(endLineOccursIn(enc.encode('-------abc'), 'abcd')).toBe(false);
  });

  it('randomIdent makes idents of the asked length', () => {
    for (let i = 0; i < 50; i++) expect(randomIdent(12)).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(new Set(Array.from({ length: 100 }, () => randomIdent())).size).toBe(100);
  });
});

describe('serializer refuses what the wire cannot carry', () => {
  const ok = { method: 'SEND', transactionId: 'abcd1234', toPath: ['msrp://a/x;ws'], fromPath: ['msrp://b/y;ws'] };
  it.each([
    ['body without Content-Type', { ...ok, body: new Uint8Array(1) }, 'MSRP_ERR_INVALID_MESSAGE'],
    ['lower-case method', { ...ok, method: 'send' }, 'MSRP_ERR_INVALID_MESSAGE'],
    ['bad transaction ID', { ...ok, transactionId: 'a b' }, 'MSRP_ERR_TRANSACTION_ID'],
    ['bad Message-ID', { ...ok, messageId: '456' }, 'MSRP_ERR_MESSAGE_ID'],
    ['empty To-Path', { ...ok, toPath: [] }, 'MSRP_ERR_INVALID_MESSAGE'],
    ['CRLF in a header', { ...ok, extraHeaders: [{ name: 'X', value: 'a\r\nTo-Path: evil' }] }, 'MSRP_ERR_INVALID_MESSAGE'],
    ['known header as extra', { ...ok, extraHeaders: [{ name: 'byte-range', value: '1-1/1' }] }, 'MSRP_ERR_INVALID_MESSAGE'],
    ['bad flag', { ...ok, flag: '!' as '$' }, 'MSRP_ERR_INVALID_MESSAGE'],
  ])('%s', (_name, init, code) => {
    expect(() => serializeRequest(init)).toThrow(expect.objectContaining({ code }));
  });

  it('refuses a response body', () => {
    const res = { transactionId: 'abcd1234', code: 200, toPath: ['msrp://a/x;ws'], fromPath: ['msrp://b/y;ws'], body: new Uint8Array(1) };
    expect(() => serializeResponse(res)).toThrow(expect.objectContaining({ code: 'MSRP_ERR_INVALID_MESSAGE' }));
  });
});
