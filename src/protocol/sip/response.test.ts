import { describe, expect, it } from 'vitest';
import { createResponse, newBranch, randomToken, reasonPhrase } from './response.ts';
import { encodeUtf8, getHeader, getHeaders, getHeaderValues, parseSipMessage, serializeSipMessage, type SipRequest } from './message.ts';
import { parseNameAddr } from './headers.ts';

const REQUEST = [
  'MESSAGE sip:alice@example.com SIP/2.0',
  'Via: SIP/2.0/WS proxy2.example.com;branch=z9hG4bK3;received=10.0.0.2',
  'v: SIP/2.0/TCP proxy1.example.com;branch=z9hG4bK2, SIP/2.0/UDP psa.example.com;branch=z9hG4bK1',
  'Max-Forwards: 68',
  'f: "Push Sender" <sip:psa@example.com>;tag=49583',
  't: <sip:alice@example.com>',
  'i: call-1@psa',
  'CSeq: 7 MESSAGE',
  'Accept-Contact: *;+g.oma.pusheventapp="news.ua";require;explicit',
  'Content-Type: text/plain',
  'Content-Length: 2',
  '',
  'hi',
].join('\r\n');
const request = () => parseSipMessage(REQUEST) as SipRequest;

describe('createResponse (RFC 3261 section 8.2.6)', () => {
  it('copies every Via value in order, From, To, Call-ID and CSeq; nothing else', () => {
    const res = createResponse(request(), 200, { toTag: 'abc' });
    expect(res).toMatchObject({ kind: 'response', status: 200, reason: 'OK' });
    expect(getHeaderValues(res, 'via')).toEqual([
      'SIP/2.0/WS proxy2.example.com;branch=z9hG4bK3;received=10.0.0.2',
      'SIP/2.0/TCP proxy1.example.com;branch=z9hG4bK2',
      'SIP/2.0/UDP psa.example.com;branch=z9hG4bK1',
    ]);
    expect(res.headers.map((h) => h.name)).toEqual(['Via', 'Via', 'From', 'To', 'Call-ID', 'CSeq']);
    expect(getHeader(res, 'from')).toBe('"Push Sender" <sip:psa@example.com>;tag=49583');
    expect(getHeader(res, 'to')).toBe('<sip:alice@example.com>;tag=abc');
    expect(getHeader(res, 'call-id')).toBe('call-1@psa');
    expect(getHeader(res, 'cseq')).toBe('7 MESSAGE');
    expect(res.body).toHaveLength(0);
  });

  it.each([
    { status: 100, toTag: 'abc', want: undefined },
    { status: 180, toTag: 'abc', want: 'abc' },
    { status: 200, toTag: 'abc', want: 'abc' },
    { status: 404, toTag: 'x1', want: 'x1' },
    { status: 503, toTag: undefined, want: 'random' },
    { status: 400, toTag: undefined, want: 'random' },
    { status: 100, toTag: undefined, want: undefined },
  ])('$status with toTag $toTag: To tag $want', ({ status, toTag, want }) => {
    const res = createResponse(request(), status, toTag === undefined ? {} : { toTag });
    const tag = parseNameAddr(getHeader(res, 'to')!).params.get('tag');
    if (want === 'random') expect(tag).toMatch(/^[a-z0-9]{4,}$/);
    else expect(tag ?? undefined).toBe(want);
  });

  it('keeps the To tag the request already has', () => {
    const req = request();
    req.headers = req.headers.map((h) => (h.name === 't' ? { name: 't', value: '<sip:alice@example.com>;tag=dialog1' } : h));
    expect(getHeader(createResponse(req, 200, { toTag: 'other' }), 'to')).toBe('<sip:alice@example.com>;tag=dialog1');
  });

  it('answers a request whose To is malformed without throwing', () => {
    const req = request();
    req.headers = req.headers.map((h) => (h.name === 't' ? { name: 't', value: '<sip:alice@example.com' } : h));
    expect(getHeader(createResponse(req, 400), 'to')).toBe('<sip:alice@example.com');
  });

  it('adds extra headers after the copied ones, a body, and a custom reason', () => {
    const res = createResponse(request(), 415, {
      reason: 'Unsupported Media Type (news.ua)',
      headers: [{ name: 'Accept', value: 'text/plain, application/json' }],
      body: encodeUtf8('nope'),
      toTag: 't',
    });
    expect(res.reason).toBe('Unsupported Media Type (news.ua)');
    expect(res.headers.at(-1)).toEqual({ name: 'Accept', value: 'text/plain, application/json' });
    const wire = parseSipMessage(serializeSipMessage(res));
    expect(wire).toMatchObject({ kind: 'response', status: 415 });
    expect(getHeaders(wire, 'via')).toHaveLength(2);
    expect(getHeader(wire, 'content-length')).toBe('4');
  });

  it.each([
    [100, 'Trying'],
    [200, 'OK'],
    [413, 'Request Entity Too Large'],
    [415, 'Unsupported Media Type'],
    [513, 'Message Too Large'],
    [299, 'OK'],
    [499, 'Error'],
  ] as [number, string][])('reasonPhrase(%i) = %s', (status, want) => expect(reasonPhrase(status)).toBe(want));

  it('randomToken and newBranch', () => {
    expect(randomToken()).toMatch(/^[a-z0-9]{16}$/);
    expect(randomToken(5)).toHaveLength(5);
    expect(newBranch()).toMatch(/^z9hG4bK[a-z0-9]{20}$/);
    expect(newBranch()).not.toBe(newBranch());
  });
});
