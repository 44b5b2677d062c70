import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SipFramingError, SipStreamFramer } from './streamFramer.ts';
import { encodeUtf8, getHeader, serializeSipMessage, type SipMessage } from './message.ts';
import { SipError } from './errors.ts';
import { bytesOf, expectCodecError } from '../../testing/codecAssertions.ts';

const expectSipError = (fn: () => unknown, code: string, status: number): void => void expectCodecError(fn, SipError, code, status);

const MESSAGES: SipMessage[] = [
  {
    kind: 'request',
    method: 'MESSAGE',
    uri: 'sip:alice@example.com',
    headers: [
      { name: 'Via', value: 'SIP/2.0/TCP psa.example.com;branch=z9hG4bK1' },
      { name: 'Call-ID', value: 'c1' },
      { name: 'CSeq', value: '1 MESSAGE' },
      { name: 'Content-Type', value: 'text/plain;charset=utf-8' },
    ],
    body: encodeUtf8('h\u00e9llo \u2603\r\n\r\nstill the body'),
  },
  {
    kind: 'response',
    status: 200,
    reason: 'OK',
    headers: [
      { name: 'Via', value: 'SIP/2.0/TCP psa.example.com;branch=z9hG4bK1' },
      { name: 'Call-ID', value: 'c1' },
    ],
    body: new Uint8Array(0),
  },
  {
    kind: 'request',
    method: 'MESSAGE',
    uri: 'sip:alice@example.com',
    headers: [
      { name: 'Call-ID', value: 'c2' },
      { name: 'c', value: 'image/png' },
    ],
    body: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 13, 10, 0xff, 0x00, 13, 10]),
  },
];

/** What parsing yields for each message: its headers plus the Content-Length the serializer wrote. */
const EXPECTED = MESSAGES.map((m) => ({ ...m, headers: [...m.headers, { name: 'Content-Length', value: String(m.body.length) }] }));

/** The three messages on one stream, with CRLF keep-alives (RFC 5626 section 3.5.1) before, between and after. */
const STREAM = bytesOf('\r\n\r\n', serializeSipMessage(MESSAGES[0]!), '\r\n\r\n', serializeSipMessage(MESSAGES[1]!), '\r\n', serializeSipMessage(MESSAGES[2]!), '\r\n\r\n');

function feed(framer: SipStreamFramer, chunks: Uint8Array[]): SipMessage[] {
  return chunks.flatMap((c) => framer.push(c));
}

describe('SipStreamFramer: slice boundaries', () => {
  it('the whole stream at once', () => {
    const framer = new SipStreamFramer();
    expect(framer.push(STREAM)).toEqual(EXPECTED);
    expect(framer.pending).toBe(0);
  });

  it('every split point of the stream into two slices', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const framer = new SipStreamFramer();
      const got = feed(framer, [STREAM.subarray(0, cut), STREAM.subarray(cut)]);
      expect(got, `cut at ${cut}`).toEqual(EXPECTED);
      expect(framer.pending).toBe(0);
    }
  });

  it('every pair of split points (three slices)', () => {
    // Every boundary pair around the keep-alives and message edges is covered; step 3 keeps it quick.
    for (let a = 0; a <= STREAM.length; a += 3) {
      for (let b = a; b <= STREAM.length; b += 5) {
        const got = feed(new SipStreamFramer(), [STREAM.subarray(0, a), STREAM.subarray(a, b), STREAM.subarray(b)]);
        expect(got, `cuts at ${a}, ${b}`).toEqual(EXPECTED);
      }
    }
  });

  it('byte by byte, each message emitted exactly when its last byte arrives', () => {
    const framer = new SipStreamFramer();
    const got: SipMessage[] = [];
    const emittedAt: number[] = [];
    for (let i = 0; i < STREAM.length; i++) {
      const out = framer.push(STREAM.subarray(i, i + 1));
      if (out.length > 0) emittedAt.push(i);
      got.push(...out);
    }
    expect(got).toEqual(EXPECTED);
    const ends: number[] = [];
    let at = 4;
    for (const [i, m] of MESSAGES.entries()) {
      at += serializeSipMessage(m).length;
      ends.push(at - 1);
      at += i === 0 ? 4 : 2;
    }
    expect(emittedAt).toEqual(ends);
  });

  it('random slicings (fast-check)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: STREAM.length - 1 }), { maxLength: 20 }), (cuts) => {
        const points = [0, ...cuts.sort((x, y) => x - y), STREAM.length];
        const chunks = points.slice(1).map((end, i) => STREAM.subarray(points[i]!, end));
        expect(feed(new SipStreamFramer(), chunks)).toEqual(EXPECTED);
      }),
      { numRuns: 300 },
    );
  });

  it('does not keep a reference to the caller’s chunk', () => {
    const framer = new SipStreamFramer();
    const bytes = serializeSipMessage(MESSAGES[0]!);
    const chunk = bytes.slice(0, 20);
    framer.push(chunk);
    chunk.fill(0);
    expect(framer.push(bytes.subarray(20))).toEqual([EXPECTED[0]]);
  });

  it('keep-alives alone produce nothing and leave nothing pending', () => {
    const framer = new SipStreamFramer();
    expect(framer.push(encodeUtf8('\r\n\r\n\r\n'))).toEqual([]);
    expect(framer.pending).toBe(0);
  });

  it('reads the compact Content-Length (l)', () => {
    const out = new SipStreamFramer().push(encodeUtf8('MESSAGE sip:a@b SIP/2.0\r\nl: 3\r\nCall-ID: x\r\n\r\nabcOPTIONS sip:a@b SIP/2.0\r\nl:0\r\n\r\n'));
    expect(out.map((m) => getHeader(m, 'call-id') ?? m.kind)).toEqual(['x', 'request']);
    expect(out[0]!.body).toEqual(encodeUtf8('abc'));
  });
});

describe('SipStreamFramer: errors and limits', () => {
  it('a message without Content-Length is an error on a stream (RFC 3261 section 18.3)', () => {
    expectSipError(() => new SipStreamFramer().push(encodeUtf8('MESSAGE sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\nhello')), 'SIP_ERR_CONTENT_LENGTH', 400);
  });

  it.each(['abc', '-1', '1.5', ''])('an invalid Content-Length %j is an error', (value) => {
    expectSipError(() => new SipStreamFramer().push(encodeUtf8(`MESSAGE sip:a@b SIP/2.0\r\nContent-Length: ${value}\r\n\r\n`)), 'SIP_ERR_CONTENT_LENGTH', 400);
  });

  it('a malformed start line surfaces the parser error', () => {
    expectSipError(() => new SipStreamFramer().push(encodeUtf8('HELLO\r\nContent-Length: 0\r\n\r\n')), 'SIP_ERR_START_LINE', 400);
  });

  const head = 'MESSAGE sip:a@b SIP/2.0\r\nCall-ID: limits\r\nContent-Length: 10';
  const message = encodeUtf8(`${head}\r\n\r\n0123456789`);
  const headBytes = encodeUtf8(head).length;

  const whole = (m: Uint8Array) => [m];
  const byteByByte = (m: Uint8Array) => Array.from(m, (_, i) => m.subarray(i, i + 1));
  describe.each([
    { feeding: 'whole', split: whole },
    { feeding: 'byte by byte', split: byteByByte },
  ])('fed $feeding', ({ split }) => {
    it('maxHeaderBytes: accepted at the limit, refused one past it with 513', () => {
      expect(feed(new SipStreamFramer({ maxHeaderBytes: headBytes }), split(message))).toHaveLength(1);
      expectSipError(() => feed(new SipStreamFramer({ maxHeaderBytes: headBytes - 1 }), split(message)), 'SIP_ERR_HEADERS_TOO_LARGE', 513);
    });

    it('maxMessageBytes: accepted at the limit, refused one past it with 513', () => {
      expect(feed(new SipStreamFramer({ maxMessageBytes: message.length }), split(message))).toHaveLength(1);
      expectSipError(() => feed(new SipStreamFramer({ maxMessageBytes: message.length - 1 }), split(message)), 'SIP_ERR_MESSAGE_TOO_LARGE', 513);
    });

    it('keep-alives before a message at the limits do not count', () => {
      const withPings = bytesOf('\r\n\r\n\r\n', message);
      expect(feed(new SipStreamFramer({ maxHeaderBytes: headBytes, maxMessageBytes: message.length }), split(withPings))).toHaveLength(1);
    });
  });

  it('refuses an endless header section before its end arrives', () => {
    const framer = new SipStreamFramer({ maxHeaderBytes: 64 });
    framer.push(encodeUtf8('MESSAGE sip:a@b SIP/2.0\r\n'));
    expectSipError(() => framer.push(encodeUtf8(`X-Padding: ${'x'.repeat(64)}`)), 'SIP_ERR_HEADERS_TOO_LARGE', 513);
  });

  it('refuses an announced body above maxMessageBytes before the body arrives', () => {
    const framer = new SipStreamFramer({ maxMessageBytes: 1000 });
    expectSipError(() => framer.push(encodeUtf8('MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 5000\r\n\r\n')), 'SIP_ERR_MESSAGE_TOO_LARGE', 513);
  });

  it('waits for the body and reports the pending bytes', () => {
    const framer = new SipStreamFramer();
    expect(framer.push(message.subarray(0, message.length - 1))).toEqual([]);
    expect(framer.pending).toBe(message.length - 1);
    expect(framer.push(message.subarray(message.length - 1))).toHaveLength(1);
    expect(framer.pending).toBe(0);
  });
});

// Found by the core's TCP fuzz property: a valid request and a malformed one in one read.
describe('SipStreamFramer: a framing error keeps what was framed before it', () => {
  it('throws SipFramingError with the valid message framed and the rest from the bad message', () => {
    const good = serializeSipMessage(MESSAGES[0]!);
    const bad = new TextEncoder().encode('OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKbad\r\nContent-Length: x\r\n\r\n');
    const framer = new SipStreamFramer();
    let caught: unknown;
    try {
      framer.push(bytesOf(good, bad));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SipFramingError);
    const error = caught as SipFramingError;
    expect([error.code, error.status]).toEqual(['SIP_ERR_CONTENT_LENGTH', 400]);
    expect(error.framed).toEqual([EXPECTED[0]]);
    expect(new TextDecoder().decode(error.rest)).toBe(new TextDecoder().decode(bad));
  });
});
