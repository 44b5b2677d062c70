import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addressOfRecord,
  formatNameAddr,
  formatParams,
  formatUri,
  formatVia,
  parseCSeq,
  parseNameAddr,
  parseParams,
  parseUri,
  parseVia,
  quote,
  splitHostPort,
  unquote,
  type NameAddr,
} from './headers.ts';
import { SipError } from './errors.ts';
import { expectCodecError } from '../../testing/codecAssertions.ts';

const expectSipError = (fn: () => unknown, code: string): void => void expectCodecError(fn, SipError, code, 400);

const map = (entries: [string, string | null][]) => new Map(entries);

describe('parseParams', () => {
  it.each([
    { text: '', want: [] },
    { text: ';tag=1', want: [['tag', '1']] },
    { text: 'tag=1;lr', want: [['tag', '1'], ['lr', null]] },
    { text: ';Expires=60;Q=0.5', want: [['expires', '60'], ['q', '0.5']] },
    { text: ' ; a = b ; c ', want: [['a', 'b'], ['c', null]] },
    { text: ';d="x;y";e', want: [['d', '"x;y"'], ['e', null]] },
    { text: ';d="say \\"hi;\\" now";e=1', want: [['d', '"say \\"hi;\\" now"'], ['e', '1']] },
    { text: ';+g.oma.pusheventapp="news.ua,mms.ua";+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";reg-id=1', want: [['+g.oma.pusheventapp', '"news.ua,mms.ua"'], ['+sip.instance', '"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"'], ['reg-id', '1']] },
    { text: ';empty=', want: [['empty', '']] },
  ] as { text: string; want: [string, string | null][] }[])('parseParams($text)', ({ text, want }) => {
    expect(parseParams(text)).toEqual(map(want));
  });

  it('formatParams writes what parseParams read', () => {
    const text = ';tag=1;lr;d="x;y";+g.oma.pusheventapp="news.ua,mms.ua"';
    expect(formatParams(parseParams(text))).toBe(text);
  });

  it.each([
    { value: '"a \\"b\\" c"', want: 'a "b" c' },
    { value: '"x\\\\y"', want: 'x\\y' },
    { value: 'token', want: 'token' },
    { value: null, want: undefined },
    { value: undefined, want: undefined },
  ])('unquote($value)', ({ value, want }) => expect(unquote(value)).toBe(want));

  it('quote and unquote are inverse', () => {
    fc.assert(fc.property(fc.string(), (s) => unquote(quote(s)) === s));
  });
});

describe('parseNameAddr / formatNameAddr', () => {
  it.each([
    {
      value: '"Alice Smith" <sip:alice@example.com;transport=ws>;tag=1928301774',
      want: { displayName: 'Alice Smith', uri: 'sip:alice@example.com;transport=ws', params: map([['tag', '1928301774']]) },
    },
    { value: 'Bob <sip:bob@b.example>', want: { displayName: 'Bob', uri: 'sip:bob@b.example', params: map([]) } },
    { value: '<sip:bob@b.example>', want: { uri: 'sip:bob@b.example', params: map([]) } },
    { value: '  "a <b> ;c" <sip:x@y>;expires=0 ', want: { displayName: 'a <b> ;c', uri: 'sip:x@y', params: map([['expires', '0']]) } },
    // addr-spec: the parameters belong to the header (RFC 3261 section 20.10)
    { value: 'sip:carol@c.example;tag=887s', want: { uri: 'sip:carol@c.example', params: map([['tag', '887s']]) } },
    { value: 'sip:carol@c.example', want: { uri: 'sip:carol@c.example', params: map([]) } },
    { value: '*', want: { uri: '*', params: map([]) } },
    {
      value: '<sip:alice@h;transport=ws>;+g.oma.pusheventapp="news.ua,mms.ua";+sip.instance="<urn:uuid:1>";reg-id=1;+g.oma.uaprof="<http://h/uaprof.rdf>";expires=600',
      want: {
        uri: 'sip:alice@h;transport=ws',
        params: map([
          ['+g.oma.pusheventapp', '"news.ua,mms.ua"'],
          ['+sip.instance', '"<urn:uuid:1>"'],
          ['reg-id', '1'],
          ['+g.oma.uaprof', '"<http://h/uaprof.rdf>"'],
          ['expires', '600'],
        ]),
      },
    },
  ] as { value: string; want: NameAddr }[])('parseNameAddr($value)', ({ value, want }) => {
    expect(parseNameAddr(value)).toEqual(want);
  });

  it('rejects an unterminated <uri>', () => expectSipError(() => parseNameAddr('<sip:a@b;tag=1'), 'SIP_ERR_HEADER'));

  it.each([
    { addr: { displayName: 'Alice "A" Smith', uri: 'sip:a@b', params: map([['tag', 'x']]) }, want: '"Alice \\"A\\" Smith" <sip:a@b>;tag=x' },
    { addr: { uri: 'sip:a@b', params: map([['lr', null]]) }, want: '<sip:a@b>;lr' },
  ] as { addr: NameAddr; want: string }[])('formatNameAddr -> $want', ({ addr, want }) => {
    expect(formatNameAddr(addr)).toBe(want);
    expect(parseNameAddr(want)).toEqual(addr);
  });
});

describe('parseVia / formatVia', () => {
  it.each([
    { value: 'SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds', want: { protocol: 'SIP/2.0/UDP', transport: 'UDP', host: 'pc33.atlanta.com', params: map([['branch', 'z9hG4bK776asdhds']]) } },
    { value: 'SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK56sdasks;rport', want: { protocol: 'SIP/2.0/WSS', transport: 'WSS', host: 'df7jal23ls0d.invalid', params: map([['branch', 'z9hG4bK56sdasks'], ['rport', null]]) } },
    { value: 'SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK1;received=192.0.2.7;rport=40000', want: { protocol: 'SIP/2.0/TCP', transport: 'TCP', host: '192.0.2.1', port: 5060, params: map([['branch', 'z9hG4bK1'], ['received', '192.0.2.7'], ['rport', '40000']]) } },
    { value: 'SIP/2.0/ws [2001:db8::1]:8080;branch=z9hG4bK2', want: { protocol: 'SIP/2.0/WS', transport: 'WS', host: '[2001:db8::1]', port: 8080, params: map([['branch', 'z9hG4bK2']]) } },
    // RFC 3261 section 7.3.1 allows white space around the slashes.
    { value: ' SIP / 2.0 / UDP  first.example.com: 4000 ;branch=z9hG4bK3', want: null },
    { value: 'SIP / 2.0 / UDP first.example.com ; branch=z9hG4bK3', want: { protocol: 'SIP/2.0/UDP', transport: 'UDP', host: 'first.example.com', params: map([['branch', 'z9hG4bK3']]) } },
  ])('parseVia($value)', ({ value, want }) => {
    if (want === null) {
      expectSipError(() => parseVia(value), 'SIP_ERR_HEADER');
      return;
    }
    expect(parseVia(value)).toEqual(want);
  });

  it.each(['', 'SIP/2.0 host', 'SIP/2.0/UDP', 'HTTP/1.1/TCP host', 'SIP/2.0/UDP host:0', 'SIP/2.0/UDP host:70000'])('parseVia rejects %j', (value) => {
    expect(() => parseVia(value)).toThrow(SipError);
  });

  it('formatVia writes what parseVia read', () => {
    for (const text of ['SIP/2.0/UDP h;branch=z9hG4bK1', 'SIP/2.0/WS [::1]:5060;branch=z9hG4bK2;rport=5;received=1.2.3.4', 'SIP/2.0/TLS h:5061;rport']) {
      expect(formatVia(parseVia(text))).toBe(text);
    }
  });
});

describe('parseCSeq', () => {
  it.each([
    { value: '1 MESSAGE', want: { seq: 1, method: 'MESSAGE' } },
    { value: '  4711   INVITE ', want: { seq: 4711, method: 'INVITE' } },
    { value: '2147483647 REGISTER', want: { seq: 2147483647, method: 'REGISTER' } },
    // Methods are case-sensitive (RFC 3261 section 7.1): kept as written, so `1 message` never matches MESSAGE.
    { value: '1 message', want: { seq: 1, method: 'message' } },
    { value: '3 X-Ext.1', want: { seq: 3, method: 'X-Ext.1' } },
  ])('parseCSeq($value)', ({ value, want }) => expect(parseCSeq(value)).toEqual(want));

  it.each(['', 'MESSAGE', '1', 'one MESSAGE', '1 MESSAGE extra', '-1 MESSAGE', '12345678901 MESSAGE'])('rejects %j', (value) => {
    expectSipError(() => parseCSeq(value), 'SIP_ERR_HEADER');
  });
});

describe('parseUri / formatUri / addressOfRecord', () => {
  it.each([
    { text: 'sip:alice@example.com', want: { scheme: 'sip', user: 'alice', host: 'example.com', params: map([]) } },
    { text: 'SIPS:Alice@Example.COM:5061', want: { scheme: 'sips', user: 'Alice', host: 'example.com', port: 5061, params: map([]) } },
    { text: 'sip:example.com;transport=ws;lr', want: { scheme: 'sip', host: 'example.com', params: map([['transport', 'ws'], ['lr', null]]) } },
    { text: 'sip:alice:secret@h', want: { scheme: 'sip', user: 'alice:secret', host: 'h', params: map([]) } },
    { text: 'sip:a@[2001:db8::1]:5060;gr=urn:uuid:f81d?subject=x&priority=urgent', want: { scheme: 'sip', user: 'a', host: '[2001:db8::1]', port: 5060, params: map([['gr', 'urn:uuid:f81d']]), headers: 'subject=x&priority=urgent' } },
  ])('parseUri($text)', ({ text, want }) => expect(parseUri(text)).toEqual(want));

  it.each(['', 'alice@example.com', 'tel:+123', 'http://example.com', 'sip:', 'sip:alice@', 'sip:a@b@c', 'sip:a@h:port'])('parseUri rejects %j', (text) => {
    expectSipError(() => parseUri(text), 'SIP_ERR_URI');
  });

  it.each(['sip:alice@example.com', 'sips:h:5061', 'sip:a@h;transport=ws;lr', 'sip:a@[::1]:5060;gr?x=y'])('formatUri(parseUri(%j)) round-trips', (text) => {
    expect(formatUri(parseUri(text))).toBe(text);
  });

  it.each([
    { text: 'sip:alice@example.com', want: 'sip:alice@example.com' },
    { text: 'sip:alice@Example.com:5060;transport=ws?x=y', want: 'sip:alice@example.com' },
    { text: 'sips:bob@h', want: 'sips:bob@h' },
    { text: 'sip:registrar.example', want: 'sip:registrar.example' },
  ])('addressOfRecord($text) = $want', ({ text, want }) => expect(addressOfRecord(text)).toBe(want));

  it.each([
    { text: 'h', want: { host: 'h' } },
    { text: 'h:1', want: { host: 'h', port: 1 } },
    { text: '[::1]', want: { host: '[::1]' } },
    { text: '[::1]:65535', want: { host: '[::1]', port: 65535 } },
  ])('splitHostPort($text)', ({ text, want }) => expect(splitHostPort(text)).toEqual(want));
});
