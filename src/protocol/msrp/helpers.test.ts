import { describe, expect, it } from 'vitest';
import {
  chunkPlan,
  DEFAULT_CHUNK_SIZE,
  failureReportWanted,
  formatMsrpUri,
  makeReport,
  makeResponse,
  msrpUriEquals,
  parseMsrpMessage,
  parseMsrpUri,
  pathEndpoint,
  sameSession,
  serializeRequest,
  serializeResponse,
  successReportWanted,
  type MsrpRequest,
} from './index.ts';

const send: MsrpRequest = {
  kind: 'request',
  transactionId: 'tid12345',
  method: 'SEND',
  toPath: ['msrp://pra7x.invalid:2855/recv5e55;ws'],
  fromPath: ['msrp://relay.example.com:9000;ws', 'msrp://psa.example.com:8443/send5e55;ws'],
  messageId: 'msg00001',
  byteRange: { start: 1, end: 100, total: 300 },
  successReport: 'yes',
  contentType: 'image/png',
  extraHeaders: [],
  body: new Uint8Array(100),
  flag: '+',
};

describe('chunkPlan', () => {
  it.each([
    [0, 10, 1, [{ start: 1, end: 0, total: 0 }]],
    [1, 10, 1, [{ start: 1, end: 1, total: 1 }]],
    [10, 10, 1, [{ start: 1, end: 10, total: 10 }]],
    [11, 10, 1, [{ start: 1, end: 10, total: 11 }, { start: 11, end: 11, total: 11 }]],
    [25, 10, 6, [{ start: 6, end: 15, total: 25 }, { start: 16, end: 25, total: 25 }]],
    [25, 10, 26, []],
  ])('total %i, chunk %i, from %i', (total, size, first, plan) => {
    expect(chunkPlan(total, size, first)).toEqual(plan);
  });

  it('covers a large file contiguously', () => {
    const plan = chunkPlan(50 * 1024 * 1024 + 7, DEFAULT_CHUNK_SIZE);
    expect(plan[0]!.start).toBe(1);
    expect(plan.at(-1)!.end).toBe(50 * 1024 * 1024 + 7);
    for (let i = 1; i < plan.length; i++) expect(plan[i]!.start).toBe((plan[i - 1]!.end as number) + 1);
  });

  it('rejects nonsense', () => {
    expect(() => chunkPlan(-1, 10)).toThrow(RangeError);
    expect(() => chunkPlan(10, 0)).toThrow(RangeError);
    expect(() => chunkPlan(10, 5, 0)).toThrow(RangeError);
    expect(() => chunkPlan(10, 5, 12)).toThrow(RangeError);
  });

  it('keeps a default chunk with its headers under a 64 KB WebSocket frame', () => {
    const wire = serializeRequest({ ...send, body: new Uint8Array(DEFAULT_CHUNK_SIZE), transactionId: undefined });
    expect(wire.length).toBeLessThan(65535);
  });
});

describe('makeResponse (RFC 4975 sections 7.1.2, 7.2)', () => {
  it('answers hop by hop, with the default reason', () => {
    expect(makeResponse(send, 200)).toEqual({
      kind: 'response',
      transactionId: 'tid12345',
      code: 200,
      comment: 'OK',
      toPath: ['msrp://relay.example.com:9000;ws'],
      fromPath: ['msrp://pra7x.invalid:2855/recv5e55;ws'],
    });
    expect(makeResponse(send, 413, 'Too big')?.comment).toBe('Too big');
    expect(parseMsrpMessage(serializeResponse(makeResponse(send, 481)!))).toMatchObject({ code: 481, comment: 'Session Does Not Exist' });
  });

  it.each([
    [undefined, 200, true],
    [undefined, 413, true],
    ['yes', 200, true],
    ['no', 200, false],
    ['no', 413, false],
    ['partial', 200, false],
    ['partial', 415, true],
  ] as const)('Failure-Report %s, status %i: response due %s', (failureReport, code, due) => {
    expect(makeResponse({ ...send, failureReport }, code) !== null).toBe(due);
  });

  it('never answers a REPORT; always answers other methods', () => {
    expect(makeResponse({ ...send, method: 'REPORT' }, 200)).toBeNull();
    expect(makeResponse({ ...send, method: 'FOO', failureReport: 'no' }, 501)?.code).toBe(501);
  });
});

describe('makeReport (RFC 4975 section 7.1.2)', () => {
  it('reports end to end with Status 000 200 OK', () => {
    const report = makeReport(send, 200, { start: 1, end: 100, total: 300 });
    expect(report).toEqual({
      method: 'REPORT',
      toPath: send.fromPath,
      fromPath: ['msrp://pra7x.invalid:2855/recv5e55;ws'],
      messageId: 'msg00001',
      byteRange: { start: 1, end: 100, total: 300 },
      status: { namespace: '000', code: 200, reason: 'OK' },
    });
    const wire = new TextDecoder().decode(serializeRequest(report));
    expect(wire).toContain('\r\nStatus: 000 200 OK\r\n');
    expect(parseMsrpMessage(new TextEncoder().encode(wire))).toMatchObject({ method: 'REPORT', byteRange: { start: 1, end: 100, total: 300 } });
  });

  it('defaults to the request Byte-Range and reports failures', () => {
    expect(makeReport(send, 413)).toMatchObject({ byteRange: send.byteRange, status: { code: 413, reason: 'Stop Sending Message' } });
  });

  it('needs a Message-ID', () => {
    expect(() => makeReport({ ...send, messageId: undefined })).toThrow(expect.objectContaining({ code: 'MSRP_ERR_MISSING_HEADER' }));
  });

  it('reads the report requests', () => {
    expect(successReportWanted(send)).toBe(true);
    expect(successReportWanted({ ...send, successReport: undefined })).toBe(false);
    expect(failureReportWanted({ ...send, failureReport: undefined })).toBe(true);
    expect(failureReportWanted({ ...send, failureReport: 'no' })).toBe(false);
  });
});

describe('MSRP URIs (RFC 4975 sections 6.1, 9; RFC 7977 section 5)', () => {
  it.each([
    ['msrp://pra7x.invalid:2855/recv5e55;ws', { secure: false, host: 'pra7x.invalid', port: 2855, sessionId: 'recv5e55', transport: 'ws', params: [] }],
    ['msrps://psa.example.com/s3ss+i=d/x;ws', { secure: true, host: 'psa.example.com', sessionId: 's3ss+i=d/x', transport: 'ws', params: [] }],
    ['msrp://bob@192.0.2.1:7394/2s93i9ek2a;tcp', { secure: false, user: 'bob', host: '192.0.2.1', port: 7394, sessionId: '2s93i9ek2a', transport: 'tcp', params: [] }],
    ['msrp://[2001:db8::1]:2855/abc;tcp;foo=bar;baz', { secure: false, host: '[2001:db8::1]', port: 2855, sessionId: 'abc', transport: 'tcp', params: ['foo=bar', 'baz'] }],
    ['msrp://relay.example.com:9000;ws', { secure: false, host: 'relay.example.com', port: 9000, transport: 'ws', params: [] }],
  ])('%s', (text, parsed) => {
    expect(parseMsrpUri(text)).toEqual(parsed);
    expect(formatMsrpUri(parseMsrpUri(text))).toBe(text);
  });

  it.each(['http://a/b;tcp', 'msrp://a/b', 'msrp://a:99999/b;tcp', 'msrp://a/b c;tcp', 'msrp:///b;tcp', 'msrp://a/b;'])('rejects %s', (text) => {
    expect(() => parseMsrpUri(text)).toThrow(expect.objectContaining({ code: 'MSRP_ERR_URI', status: 400 }));
  });

  it('compares as RFC 4975 section 6.1 says', () => {
    expect(msrpUriEquals('msrp://A.Example.com:1/abc;TCP', 'MSRP://a.example.com:1/abc;tcp')).toBe(true);
    expect(msrpUriEquals('msrp://a:1/abc;tcp', 'msrp://a:1/ABC;tcp')).toBe(false);
    expect(msrpUriEquals('msrp://a:2855/abc;tcp', 'msrp://a/abc;tcp')).toBe(false);
    expect(msrpUriEquals('msrp://a/abc;tcp', 'msrps://a/abc;tcp')).toBe(false);
    expect(msrpUriEquals('msrp://u@a/abc;tcp;x', 'msrp://a/abc;tcp')).toBe(true);
  });

  it('matches sessions by session-id alone', () => {
    expect(sameSession('msrp://x1.invalid:2855/recv5e55;ws', 'msrp://10.0.0.1:50000/recv5e55;ws')).toBe(true);
    expect(sameSession('msrp://x1.invalid/recv5e55;ws', 'msrp://x1.invalid/Recv5e55;ws')).toBe(false);
    expect(sameSession('msrp://relay:9000;ws', 'msrp://relay:9000;ws')).toBe(false);
    expect(pathEndpoint(send.fromPath)).toBe('msrp://psa.example.com:8443/send5e55;ws');
  });
});
