import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CpimError,
  createCpim,
  getContentHeader,
  getCpimHeader,
  getCpimHeaders,
  IMDN_NS,
  parseCpim,
  serializeCpim,
  type CpimErrorCode,
} from './index.ts';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const crlf = (lines: string[]) => lines.join('\r\n');

const IMDN_PUSH = crlf([
  'From: Push Sender <sip:psa@example.com>',
  'To: <sip:alice@example.com>',
  'DateTime: 2024-05-01T10:00:00Z',
  'NS: imdn <urn:ietf:params:imdn>',
  'imdn.Message-ID: 34jk324j',
  'imdn.Disposition-Notification: positive-delivery, negative-delivery',
  '',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Length: 5',
  '',
  'hello',
]);

describe('parseCpim: valid bodies', () => {
  const cases: Array<{
    name: string;
    input: string | Uint8Array;
    from?: string;
    to?: string[];
    messageId?: string;
    disposition?: string;
    contentType?: string;
    content: string | Uint8Array;
  }> = [
    {
      name: 'IMDN push with Content-Length',
      input: IMDN_PUSH,
      from: 'Push Sender <sip:psa@example.com>',
      to: ['<sip:alice@example.com>'],
      messageId: '34jk324j',
      disposition: 'positive-delivery, negative-delivery',
      contentType: 'text/plain; charset=utf-8',
      content: 'hello',
    },
    {
      name: 'no Content-Length: the content runs to the end, CRLFs included',
      input: crlf(['From: <sip:a@x>', '', 'Content-Type: text/plain', '', 'line1\r\nline2\r\n']),
      from: '<sip:a@x>',
      to: [],
      contentType: 'text/plain',
      content: 'line1\r\nline2\r\n',
    },
    {
      name: 'Content-Length shorter than the bytes present: the rest is ignored',
      input: crlf(['From: <sip:a@x>', '', 'Content-Type: text/plain', 'Content-Length: 2', '', 'abcdef']),
      contentType: 'text/plain',
      content: 'ab',
    },
    {
      name: 'bare LF line endings are accepted',
      input: 'To: <sip:b@x>\nTo: <sip:c@x>\n\nContent-Type: application/json\n\n{}',
      to: ['<sip:b@x>', '<sip:c@x>'],
      contentType: 'application/json',
      content: '{}',
    },
    {
      name: 'no message headers at all',
      input: crlf(['', 'Content-Type: text/plain', '', 'x']),
      to: [],
      contentType: 'text/plain',
      content: 'x',
    },
    {
      name: 'empty content',
      input: crlf(['From: <sip:a@x>', '', 'Content-Type: text/plain', '', '']),
      contentType: 'text/plain',
      content: '',
    },
    {
      name: 'folded MIME header',
      input: crlf(['From: <sip:a@x>', '', 'Content-Type: text/plain;', ' charset=utf-8', '', 'x']),
      contentType: 'text/plain; charset=utf-8',
      content: 'x',
    },
    {
      name: 'namespace declared under another prefix',
      input: crlf(['NS: d <urn:ietf:params:imdn>', 'd.Message-ID: abc', '', 'Content-Type: text/plain', '', 'x']),
      messageId: 'abc',
      contentType: 'text/plain',
      content: 'x',
    },
    {
      name: 'prefix used before its NS declaration does not resolve',
      input: crlf(['imdn.Message-ID: early', 'NS: imdn <urn:ietf:params:imdn>', 'imdn.Message-ID: late', '', 'Content-Type: text/plain', '', 'x']),
      messageId: 'late',
      contentType: 'text/plain',
      content: 'x',
    },
    {
      name: 'undeclared prefix is ignored, not an error',
      input: crlf(['foo.Bar: baz', '', 'Content-Type: text/plain', '', 'x']),
      contentType: 'text/plain',
      content: 'x',
    },
    {
      name: 'binary content with CRLFCRLF inside is kept byte for byte',
      input: new Uint8Array([...new TextEncoder().encode('From: <sip:a@x>\r\n\r\nContent-Type: image/png\r\n\r\n'), 0, 13, 10, 13, 10, 255]),
      contentType: 'image/png',
      content: new Uint8Array([0, 13, 10, 13, 10, 255]),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const msg = parseCpim(c.input);
      if ('from' in c) expect(getCpimHeader(msg, 'From')).toBe(c.from);
      if (c.to) expect(getCpimHeaders(msg, 'To')).toEqual(c.to);
      expect(getCpimHeader(msg, 'Message-ID', IMDN_NS)).toBe(c.messageId);
      if (c.disposition) expect(getCpimHeader(msg, 'Disposition-Notification', IMDN_NS)).toBe(c.disposition);
      expect(getContentHeader(msg, 'content-type')).toBe(c.contentType);
      expect(msg.content).toEqual(typeof c.content === 'string' ? new TextEncoder().encode(c.content) : c.content);
    });
  }
});

describe('parseCpim: errors carry a stable code and status 400', () => {
  const cases: Array<{ name: string; input: string; code: CpimErrorCode }> = [
    { name: 'no blank line after message headers', input: 'From: <sip:a@x>\r\n', code: 'CPIM_ERR_UNTERMINATED' },
    { name: 'empty body', input: '', code: 'CPIM_ERR_UNTERMINATED' },
    { name: 'no blank line after MIME headers', input: 'From: <sip:a@x>\r\n\r\nContent-Type: text/plain\r\n', code: 'CPIM_ERR_UNTERMINATED' },
    { name: 'MIME headers not terminated at all', input: 'From: <sip:a@x>\r\n\r\nContent-Type: text/plain', code: 'CPIM_ERR_UNTERMINATED' },
    { name: 'header line without colon', input: 'From <sip:a@x>\r\n\r\nContent-Type: text/plain\r\n\r\n', code: 'CPIM_ERR_HEADER' },
    { name: 'header name with a space', input: 'Bad Name: x\r\n\r\nContent-Type: text/plain\r\n\r\n', code: 'CPIM_ERR_HEADER' },
    { name: 'folded message header', input: 'Subject: a\r\n b\r\n\r\nContent-Type: text/plain\r\n\r\n', code: 'CPIM_ERR_HEADER' },
    { name: 'folded first MIME line', input: '\r\n continued\r\n\r\n', code: 'CPIM_ERR_HEADER' },
    { name: 'NS without URI', input: 'NS: imdn urn:ietf:params:imdn\r\n\r\nContent-Type: text/plain\r\n\r\n', code: 'CPIM_ERR_NAMESPACE' },
    { name: 'Content-Length not a number', input: '\r\nContent-Type: text/plain\r\nContent-Length: five\r\n\r\nhello', code: 'CPIM_ERR_CONTENT_LENGTH' },
    { name: 'Content-Length beyond the content', input: '\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello', code: 'CPIM_ERR_CONTENT_LENGTH' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      let error: unknown;
      try {
        parseCpim(c.input);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CpimError);
      expect((error as CpimError).code).toBe(c.code);
      expect((error as CpimError).status).toBe(400);
    });
  }
});

describe('serializeCpim', () => {
  it('writes the IMDN push of RFC 5438 form, which parses back', () => {
    const msg = createCpim({
      from: 'Push Sender <sip:psa@example.com>',
      to: '<sip:alice@example.com>',
      dateTime: '2024-05-01T10:00:00Z',
      namespaces: { imdn: IMDN_NS },
      headers: [
        { name: 'imdn.Message-ID', value: '34jk324j' },
        { name: 'imdn.Disposition-Notification', value: 'positive-delivery, negative-delivery' },
      ],
      contentType: 'text/plain; charset=utf-8',
      content: 'hello',
    });
    expect(text(serializeCpim(msg, { contentLength: true }))).toBe(IMDN_PUSH);
    expect(text(serializeCpim(msg))).toBe(IMDN_PUSH.replace('Content-Length: 5\r\n', ''));
  });

  it('rewrites an existing Content-Length', () => {
    const msg = createCpim({ contentType: 'text/plain', contentHeaders: [{ name: 'Content-Length', value: '99' }], content: 'abc' });
    expect(text(serializeCpim(msg, { contentLength: true }))).toBe('\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc');
  });

  it('writes a Date in UTC', () => {
    const msg = createCpim({ dateTime: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), contentType: 'text/plain', content: '' });
    expect(getCpimHeader(msg, 'DateTime')).toBe('2024-01-02T03:04:05.000Z');
  });

  it.each([
    ['CR/LF in a value', { name: 'Subject', value: 'a\r\nInjected: yes' }],
    ['invalid name', { name: 'Bad Name', value: 'x' }],
  ])('refuses %s', (_label, header) => {
    const msg = createCpim({ headers: [header], contentType: 'text/plain', content: '' });
    expect(() => serializeCpim(msg)).toThrow(CpimError);
  });

  it('round-trips arbitrary headers and content (property)', () => {
    const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);
    const value = fc.stringMatching(/^[!-~]([ -~]{0,30}[!-~])?$/);
    fc.assert(
      fc.property(
        fc.array(fc.record({ name, value }), { maxLength: 6 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.boolean(),
        (headers, content, withLength) => {
          const msg = { headers: headers.filter((h) => h.name.toUpperCase() !== 'NS'), contentHeaders: [{ name: 'Content-Type', value: 'application/octet-stream' }], content };
          const parsed = parseCpim(serializeCpim(msg, { contentLength: withLength }));
          expect(parsed.headers).toEqual(msg.headers);
          expect(parsed.content).toEqual(content);
        },
      ),
    );
  });
});
