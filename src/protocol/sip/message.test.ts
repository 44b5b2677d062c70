import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  canonicalHeaderName,
  DEFAULT_SIP_LIMITS,
  encodeUtf8,
  getHeader,
  getHeaders,
  getHeaderValues,
  hasHeader,
  isUtf8,
  parseSipMessage,
  prependHeader,
  removeFirstValue,
  removeHeader,
  serializeHead,
  serializeSipMessage,
  setHeader,
  splitHeaderValues,
  bodyText,
  type SipHeader,
  type SipMessage,
  type SipRequest,
} from './message.ts';
import { SipError } from './errors.ts';
import { bytesOf, expectCodecError } from '../../testing/codecAssertions.ts';

const expectSipError = (fn: () => unknown, code: string, status: number): void => void expectCodecError(fn, SipError, code, status);

const CRLF = '\r\n';
const lines = (...l: string[]): string => l.join(CRLF);

const MESSAGE_REQ = lines(
  'MESSAGE sip:alice@example.com SIP/2.0',
  'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK776sgdkse',
  'Max-Forwards: 70',
  'From: <sip:psa@example.com>;tag=49583',
  'To: <sip:alice@example.com>',
  'Call-ID: asd88asd77a@1.2.3.4',
  'CSeq: 1 MESSAGE',
  'Accept-Contact: *;+g.oma.pusheventapp="news.ua";require;explicit',
  'Content-Type: text/plain',
  'Content-Length: 5',
  '',
  'hello',
);

describe('parseSipMessage: valid messages', () => {
  const cases: { name: string; input: string | Uint8Array; check: (m: SipMessage) => void }[] = [
    {
      name: 'request with body',
      input: MESSAGE_REQ,
      check: (m) => {
        expect(m.kind).toBe('request');
        const r = m as SipRequest;
        expect(r.method).toBe('MESSAGE');
        expect(r.uri).toBe('sip:alice@example.com');
        expect(r.headers).toHaveLength(9);
        expect(r.headers[0]).toEqual({ name: 'Via', value: 'SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK776sgdkse' });
        expect(bodyText(m)).toBe('hello');
      },
    },
    {
      name: 'response with reason phrase containing spaces',
      input: lines('SIP/2.0 415 Unsupported Media Type', 'Accept: text/plain', 'Content-Length: 0', '', ''),
      check: (m) => {
        expect(m).toMatchObject({ kind: 'response', status: 415, reason: 'Unsupported Media Type' });
        expect(getHeader(m, 'accept')).toBe('text/plain');
        expect(m.body).toHaveLength(0);
      },
    },
    {
      name: 'response with empty reason phrase',
      input: lines('SIP/2.0 200 ', 'Content-Length: 0', '', ''),
      check: (m) => expect(m).toMatchObject({ kind: 'response', status: 200, reason: '' }),
    },
    {
      name: 'reason phrase with non-ASCII text, including U+2028 (UTF8-NONASCII is allowed)',
      input: lines('SIP/2.0 480 Nicht erreichbar \u2028\u00e9', 'Content-Length: 0', '', ''),
      check: (m) => expect(m).toMatchObject({ kind: 'response', status: 480, reason: 'Nicht erreichbar \u2028\u00e9' }),
    },
    {
      name: 'compact header names (RFC 3261 section 7.3.3)',
      input: lines('MESSAGE sip:a@b SIP/2.0', 'v: SIP/2.0/UDP h;branch=z9hG4bK1', 'f: <sip:x@y>;tag=1', 't: <sip:a@b>', 'i: abc', 'm: <sip:x@h>', 'c: text/plain', 'a: *;+g.oma.pusheventapp="news.ua"', 'l: 2', '', 'hi'),
      check: (m) => {
        expect(getHeader(m, 'Via')).toBe('SIP/2.0/UDP h;branch=z9hG4bK1');
        expect(getHeader(m, 'From')).toBe('<sip:x@y>;tag=1');
        expect(getHeader(m, 'Call-ID')).toBe('abc');
        expect(getHeader(m, 'Contact')).toBe('<sip:x@h>');
        expect(getHeader(m, 'Content-Type')).toBe('text/plain');
        expect(getHeader(m, 'Accept-Contact')).toBe('*;+g.oma.pusheventapp="news.ua"');
        expect(bodyText(m)).toBe('hi');
      },
    },
    {
      name: 'header folding joins continuation lines with one space (RFC 3261 section 7.3.1)',
      input: lines('OPTIONS sip:a@b SIP/2.0', 'Subject: I know you\'re there,', '   pick up the phone', '\tand talk to me!', 'Content-Length: 0', '', ''),
      check: (m) => expect(getHeader(m, 'subject')).toBe("I know you're there, pick up the phone and talk to me!"),
    },
    {
      name: 'white space around the colon',
      input: lines('OPTIONS sip:a@b SIP/2.0', 'Call-ID   :   xyz  ', 'Content-Length: 0', '', ''),
      check: (m) => expect(m.headers[0]).toEqual({ name: 'Call-ID', value: 'xyz' }),
    },
    {
      name: 'CRLF keep-alives before the start line are skipped (RFC 5626 section 3.5.1)',
      input: '\r\n\r\n\r\n' + MESSAGE_REQ,
      check: (m) => expect(m).toMatchObject({ kind: 'request', method: 'MESSAGE' }),
    },
    {
      name: 'Content-Length counts bytes, not characters (UTF-8 body)',
      input: lines('MESSAGE sip:a@b SIP/2.0', 'Content-Type: text/plain;charset=utf-8', 'Content-Length: 9', '', 'h\u00e9llo\u2603'),
      check: (m) => {
        expect(m.body).toHaveLength(9);
        expect(bodyText(m)).toBe('h\u00e9llo\u2603');
      },
    },
    {
      name: 'binary body with CRLFCRLF and invalid UTF-8 inside',
      input: bytesOf('MESSAGE sip:a@b SIP/2.0\r\nContent-Type: image/png\r\nContent-Length: 8\r\n\r\n', new Uint8Array([0x89, 0x50, 13, 10, 13, 10, 0xff, 0x00])),
      check: (m) => expect(Array.from(m.body)).toEqual([0x89, 0x50, 13, 10, 13, 10, 0xff, 0x00]),
    },
    {
      name: 'bytes after Content-Length are ignored (RFC 3261 section 18.3)',
      input: lines('MESSAGE sip:a@b SIP/2.0', 'Content-Length: 3', '', 'abcdef'),
      check: (m) => expect(bodyText(m)).toBe('abc'),
    },
    {
      name: 'no Content-Length: the body is the rest of the datagram',
      input: lines('MESSAGE sip:a@b SIP/2.0', 'Content-Type: text/plain', '', 'rest of it'),
      check: (m) => expect(bodyText(m)).toBe('rest of it'),
    },
    {
      name: 'no blank line: a bodiless message ending in CRLF',
      input: 'OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n',
      check: (m) => {
        expect(getHeader(m, 'call-id')).toBe('x');
        expect(m.body).toHaveLength(0);
      },
    },
    {
      name: 'extension method and unusual request URI',
      input: lines('X-PING tel:+1-201-555-0123 SIP/2.0', 'Content-Length: 0', '', ''),
      check: (m) => expect(m).toMatchObject({ kind: 'request', method: 'X-PING', uri: 'tel:+1-201-555-0123' }),
    },
  ];
  it.each(cases)('$name', ({ input, check }) => check(parseSipMessage(input)));
});

describe('parseSipMessage: errors carry a code and a status', () => {
  const cases: { name: string; input: string | Uint8Array; code: string; status: number; limits?: typeof DEFAULT_SIP_LIMITS }[] = [
    { name: 'empty start line', input: '\r\nVia: x\r\n\r\n', code: 'SIP_ERR_START_LINE', status: 400 },
    { name: 'request line without version', input: 'MESSAGE sip:a@b\r\n\r\n', code: 'SIP_ERR_START_LINE', status: 400 },
    // Issue 9 item 7: another SIP version is 505 Version Not Supported (RFC 3261 section 21.5.16), not a silent drop or a 400.
    { name: 'request line with another SIP version', input: 'MESSAGE sip:a@b SIP/3.0\r\n\r\n', code: 'SIP_ERR_VERSION', status: 505 },
    { name: 'request line with a bare LF', input: 'MESSAGE sip:a@b SIP/2.0\nVia: x\r\n\r\n', code: 'SIP_ERR_START_LINE', status: 400 },
    // Issue 9 item 7: single-valued headers twice, or From/To with two addresses (RFC 3261 sections 7.3.1, 20).
    { name: 'two From headers', input: 'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@b>;tag=1\r\nFrom: <sip:y@b>;tag=2\r\n\r\n', code: 'SIP_ERR_HEADER', status: 400 },
    { name: 'From and its compact form f', input: 'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@b>;tag=1\r\nf: <sip:y@b>;tag=2\r\n\r\n', code: 'SIP_ERR_HEADER', status: 400 },
    { name: 'two different Content-Lengths', input: 'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nContent-Length: 0\r\nl: 2\r\n\r\nhi', code: 'SIP_ERR_HEADER', status: 400 },
    { name: 'two Call-IDs', input: 'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: a\r\ni: b\r\n\r\n', code: 'SIP_ERR_HEADER', status: 400 },
    { name: 'two CSeqs', input: 'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1 OPTIONS\r\nCSeq: 2 OPTIONS\r\n\r\n', code: 'SIP_ERR_HEADER', status: 400 },
    { name: 'From with two URIs', input: 'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:x@b>;tag=1, <sip:y@b>\r\n\r\n', code: 'SIP_ERR_HEADER', status: 400 },
    { name: 'To with two URIs', input: 'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: sip:x@b, sip:y@b\r\n\r\n', code: 'SIP_ERR_HEADER', status: 400 },
    { name: 'request line with extra spaces', input: 'MESSAGE  sip:a@b SIP/2.0\r\n\r\n', code: 'SIP_ERR_START_LINE', status: 400 },
    { name: 'status line with a two-digit code', input: 'SIP/2.0 20 OK\r\n\r\n', code: 'SIP_ERR_START_LINE', status: 400 },
    // Found by fuzzing: 000 parsed as status 0 and serialized as `SIP/2.0 0`.
    { name: 'status line with code 000', input: 'SIP/2.0 000 OK\r\n\r\n', code: 'SIP_ERR_START_LINE', status: 400 },
    { name: 'status line with code 099', input: 'SIP/2.0 099 OK\r\n\r\n', code: 'SIP_ERR_START_LINE', status: 400 },
    { name: 'status line with code 700', input: 'SIP/2.0 700 Beyond\r\n\r\n', code: 'SIP_ERR_START_LINE', status: 400 },
    { name: 'status line without code', input: 'SIP/2.0 OK\r\n\r\n', code: 'SIP_ERR_START_LINE', status: 400 },
    { name: 'HTTP request', input: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', code: 'SIP_ERR_START_LINE', status: 400 },
    { name: 'header line without colon', input: 'OPTIONS sip:a@b SIP/2.0\r\nVia SIP/2.0/UDP h\r\n\r\n', code: 'SIP_ERR_HEADER', status: 400 },
    { name: 'header line with empty name', input: 'OPTIONS sip:a@b SIP/2.0\r\n: value\r\n\r\n', code: 'SIP_ERR_HEADER', status: 400 },
    { name: 'header name with a space inside', input: 'OPTIONS sip:a@b SIP/2.0\r\nCall ID: x\r\n\r\n', code: 'SIP_ERR_HEADER', status: 400 },
    { name: 'header section not terminated', input: 'OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x', code: 'SIP_ERR_HEADER', status: 400 },
    { name: 'non-numeric Content-Length', input: 'MESSAGE sip:a@b SIP/2.0\r\nContent-Length: five\r\n\r\nhello', code: 'SIP_ERR_CONTENT_LENGTH', status: 400 },
    { name: 'negative Content-Length', input: 'MESSAGE sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n', code: 'SIP_ERR_CONTENT_LENGTH', status: 400 },
    { name: 'Content-Length larger than the body', input: 'MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 6\r\n\r\nhello', code: 'SIP_ERR_CONTENT_LENGTH', status: 400 },
    { name: 'Content-Length one past the UTF-8 byte count', input: 'MESSAGE sip:a@b SIP/2.0\r\nl: 7\r\n\r\n\u2603\u2603', code: 'SIP_ERR_CONTENT_LENGTH', status: 400 },
    { name: 'message above maxMessageBytes', input: MESSAGE_REQ, code: 'SIP_ERR_MESSAGE_TOO_LARGE', status: 513, limits: { maxHeaderBytes: 16384, maxMessageBytes: 100 } },
    { name: 'header section above maxHeaderBytes', input: MESSAGE_REQ, code: 'SIP_ERR_HEADERS_TOO_LARGE', status: 513, limits: { maxHeaderBytes: 100, maxMessageBytes: 65536 } },
  ];
  it.each(cases)('$name -> $code $status', ({ input, code, status, limits }) => {
    expectSipError(() => parseSipMessage(input, limits), code, status);
  });

  it('accepts the same Content-Length twice, a comma inside a quoted display name or a URI, and repeated list headers', () => {
    const m = parseSipMessage('OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP g;branch=z9hG4bK2\r\nFrom: "Doe, John" <sip:x@b;p=a,b>;tag=1\r\nRoute: <sip:r1>\r\nRoute: <sip:r2>\r\nContent-Length: 2\r\nl: 2\r\n\r\nhi');
    expect(bodyText(m)).toBe('hi');
    expect(getHeaders(m, 'route')).toHaveLength(2);
  });

  it('accepts a Content-Length equal to the UTF-8 byte count', () => {
    expect(bodyText(parseSipMessage('MESSAGE sip:a@b SIP/2.0\r\nl: 6\r\n\r\n\u2603\u2603'))).toBe('\u2603\u2603');
  });
});

describe('parseSipMessage: limits at and one past', () => {
  const head = 'MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 4';
  const message = `${head}\r\n\r\nbody`;
  const headBytes = encodeUtf8(head).length;
  const total = encodeUtf8(message).length;

  it('maxMessageBytes is inclusive', () => {
    expect(parseSipMessage(message, { maxHeaderBytes: 1024, maxMessageBytes: total }).body).toHaveLength(4);
    expectSipError(() => parseSipMessage(message, { maxHeaderBytes: 1024, maxMessageBytes: total - 1 }), 'SIP_ERR_MESSAGE_TOO_LARGE', 513);
  });

  it('maxHeaderBytes counts the start line and headers, without the blank line', () => {
    expect(parseSipMessage(message, { maxHeaderBytes: headBytes, maxMessageBytes: 1024 }).body).toHaveLength(4);
    expectSipError(() => parseSipMessage(message, { maxHeaderBytes: headBytes - 1, maxMessageBytes: 1024 }), 'SIP_ERR_HEADERS_TOO_LARGE', 513);
  });

  it('leading keep-alive CRLFs do not count toward maxHeaderBytes', () => {
    expect(parseSipMessage(`\r\n\r\n${message}`, { maxHeaderBytes: headBytes, maxMessageBytes: 1024 }).body).toHaveLength(4);
  });
});

describe('serializeSipMessage', () => {
  it('writes the start line, headers in order, a correct Content-Length and the body', () => {
    const msg: SipRequest = {
      kind: 'request',
      method: 'MESSAGE',
      uri: 'sip:a@b',
      headers: [
        { name: 'Via', value: 'SIP/2.0/WS h;branch=z9hG4bK1' },
        { name: 'l', value: '999' },
        { name: 'Content-Type', value: 'text/plain' },
      ],
      body: encodeUtf8('\u00e9t\u00e9'),
    };
    const text = new TextDecoder().decode(serializeSipMessage(msg));
    expect(text).toBe('MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/WS h;branch=z9hG4bK1\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n\u00e9t\u00e9');
    expect(serializeHead(msg)).toBe(text.slice(0, text.length - 3));
  });

  it('writes a response status line', () => {
    const text = new TextDecoder().decode(serializeSipMessage({ kind: 'response', status: 513, reason: 'Message Too Large', headers: [], body: new Uint8Array(0) }));
    expect(text).toBe('SIP/2.0 513 Message Too Large\r\nContent-Length: 0\r\n\r\n');
  });

  it('keeps binary bodies byte for byte', () => {
    const body = new Uint8Array(256).map((_, i) => i);
    const parsed = parseSipMessage(serializeSipMessage({ kind: 'request', method: 'MESSAGE', uri: 'sip:a@b', headers: [], body }));
    expect(parsed.body).toEqual(body);
  });

  // Generated messages in normal form: no Content-Length among the headers but the last one,
  // which serializeSipMessage always writes. Then parse(serialize(m)) must give m back.
  const token = fc.stringMatching(/^[A-Za-z0-9.!%*_+`'~-]{1,12}$/);
  const headerName = token.filter((n) => canonicalHeaderName(n) !== 'content-length');
  const headerValue = fc
    .string({ unit: 'grapheme', maxLength: 40 })
    .map((v) => v.replace(/[\r\n]/g, ' ').trim())
    .filter((v) => !/[\r\n]/.test(v));
  const header: fc.Arbitrary<SipHeader> = fc.record({ name: headerName, value: headerValue });
  const body = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.string({ unit: 'grapheme', maxLength: 40 }).map(encodeUtf8));
  const request = fc.record({
    kind: fc.constant('request' as const),
    method: token,
    uri: fc.stringMatching(/^[!-~]{1,30}$/),
    headers: fc.array(header, { maxLength: 8 }),
    body,
  });
  const response = fc.record({
    kind: fc.constant('response' as const),
    status: fc.integer({ min: 100, max: 699 }),
    reason: fc.string({ unit: 'grapheme', maxLength: 30 }).map((v) => v.replace(/[\r\n]/g, ' ')),
    headers: fc.array(header, { maxLength: 8 }),
    body,
  });
  const message: fc.Arbitrary<SipMessage> = fc.oneof(request, response).map((m) => ({
    ...m,
    headers: [...m.headers, { name: 'Content-Length', value: String(m.body.length) }],
  }));

  it('round-trips: parse(serialize(m)) equals m', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(parseSipMessage(serializeSipMessage(m))).toEqual(m);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips through the text form when the body is UTF-8', () => {
    fc.assert(
      fc.property(message, (m) => {
        const bytes = serializeSipMessage(m);
        fc.pre(isUtf8(bytes));
        expect(parseSipMessage(new TextDecoder().decode(bytes))).toEqual(m);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('isUtf8 (text or binary WebSocket frame, RFC 7118 section 5.2)', () => {
  it.each([
    { bytes: encodeUtf8('plain ascii'), utf8: true },
    { bytes: encodeUtf8('\u2603 snow'), utf8: true },
    { bytes: new Uint8Array([0xc3]), utf8: false },
    { bytes: new Uint8Array([0xff, 0xfe]), utf8: false },
  ])('$bytes -> $utf8', ({ bytes, utf8 }) => expect(isUtf8(bytes)).toBe(utf8));
});

describe('header helpers', () => {
  const msg = (): { headers: SipHeader[] } => ({
    headers: [
      { name: 'v', value: 'SIP/2.0/WS a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2' },
      { name: 'Via', value: 'SIP/2.0/TCP c;branch=z9hG4bK3' },
      { name: 'Contact', value: '"Doe, John" <sip:j@h;a=b,c>;+g.oma.pusheventapp="news.ua,mms.ua", <sip:k@h>' },
      { name: 'i', value: 'call-1' },
      { name: 'l', value: '0' },
    ],
  });

  it.each([
    { name: 'Via', want: 'SIP/2.0/WS a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2' },
    { name: 'v', want: 'SIP/2.0/WS a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2' },
    { name: 'VIA', want: 'SIP/2.0/WS a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2' },
    { name: 'Call-ID', want: 'call-1' },
    { name: 'call-id', want: 'call-1' },
    { name: 'content-length', want: '0' },
    { name: 'm', want: '"Doe, John" <sip:j@h;a=b,c>;+g.oma.pusheventapp="news.ua,mms.ua", <sip:k@h>' },
    { name: 'To', want: undefined },
  ])('getHeader($name)', ({ name, want }) => {
    expect(getHeader(msg(), name)).toBe(want);
    expect(hasHeader(msg(), name)).toBe(want !== undefined);
  });

  it('getHeaders returns every line, getHeaderValues every value, in order', () => {
    expect(getHeaders(msg(), 'via')).toHaveLength(2);
    expect(getHeaderValues(msg(), 'Via')).toEqual(['SIP/2.0/WS a;branch=z9hG4bK1', 'SIP/2.0/UDP b;branch=z9hG4bK2', 'SIP/2.0/TCP c;branch=z9hG4bK3']);
    expect(getHeaderValues(msg(), 'Contact')).toEqual(['"Doe, John" <sip:j@h;a=b,c>;+g.oma.pusheventapp="news.ua,mms.ua"', '<sip:k@h>']);
  });

  it.each([
    { value: 'a, b,c', want: ['a', 'b', 'c'] },
    { value: '"x,y" <sip:a@b>, <sip:c@d;p=1,2>', want: ['"x,y" <sip:a@b>', '<sip:c@d;p=1,2>'] },
    { value: '"esc \\" , still quoted" <sip:a@b>, c', want: ['"esc \\" , still quoted" <sip:a@b>', 'c'] },
    { value: '*;+g.oma.pusheventapp="news.ua,mms.ua";require, *;audio', want: ['*;+g.oma.pusheventapp="news.ua,mms.ua";require', '*;audio'] },
    { value: ' , a,, ', want: ['a'] },
    { value: '', want: [] },
  ])('splitHeaderValues($value)', ({ value, want }) => expect(splitHeaderValues(value)).toEqual(want));

  it('setHeader replaces every line of the name where the first one was', () => {
    const m = msg();
    setHeader(m, 'Via', 'SIP/2.0/WSS z;branch=z9hG4bKz');
    expect(m.headers.map((h) => h.name)).toEqual(['Via', 'Contact', 'i', 'l']);
    expect(getHeaderValues(m, 'v')).toEqual(['SIP/2.0/WSS z;branch=z9hG4bKz']);
    setHeader(m, 'Content-Length', '5');
    expect(m.headers.map((h) => `${h.name}=${h.value}`).slice(2)).toEqual(['i=call-1', 'Content-Length=5']);
    setHeader(m, 'Expires', '60');
    expect(m.headers.at(-1)).toEqual({ name: 'Expires', value: '60' });
  });

  it('removeHeader removes compact and long forms', () => {
    const m = msg();
    removeHeader(m, 'via');
    expect(m.headers.map((h) => h.name)).toEqual(['Contact', 'i', 'l']);
  });

  it('prependHeader inserts before the first line of the name, else at the top', () => {
    const m = msg();
    prependHeader(m, 'Via', 'SIP/2.0/UDP proxy;branch=z9hG4bKp');
    expect(getHeaderValues(m, 'via')[0]).toBe('SIP/2.0/UDP proxy;branch=z9hG4bKp');
    expect(m.headers[0]!.name).toBe('Via');
    prependHeader(m, 'Record-Route', '<sip:proxy;lr>');
    expect(m.headers[0]).toEqual({ name: 'Record-Route', value: '<sip:proxy;lr>' });
    const n = msg();
    prependHeader(n, 'Contact', '<sip:first@h>');
    expect(n.headers[2]).toEqual({ name: 'Contact', value: '<sip:first@h>' });
  });

  it('removeFirstValue pops the top Via value, then the line when it empties', () => {
    const m = msg();
    expect(removeFirstValue(m, 'Via')).toBe('SIP/2.0/WS a;branch=z9hG4bK1');
    expect(getHeaders(m, 'via')).toEqual(['SIP/2.0/UDP b;branch=z9hG4bK2', 'SIP/2.0/TCP c;branch=z9hG4bK3']);
    expect(removeFirstValue(m, 'v')).toBe('SIP/2.0/UDP b;branch=z9hG4bK2');
    expect(getHeaders(m, 'via')).toEqual(['SIP/2.0/TCP c;branch=z9hG4bK3']);
    expect(removeFirstValue(m, 'via')).toBe('SIP/2.0/TCP c;branch=z9hG4bK3');
    expect(removeFirstValue(m, 'via')).toBeUndefined();
    expect(m.headers.map((h) => h.name)).toEqual(['Contact', 'i', 'l']);
  });
});
