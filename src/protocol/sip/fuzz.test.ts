/**
 * Fuzzing the SIP codec (issue 9): valid messages mutated the ways a careless or hostile peer
 * would (server/testing/fuzz.ts), soup and random bytes, into parseSipMessage (one datagram or
 * WebSocket message) and into SipStreamFramer fed random slices (TCP). Each input ends in a
 * message or a SipError (CodecError with its code and the status a server answers: 400, 505,
 * 513), never another exception and never a hang; what parses survives serialize and parse
 * again, and valid messages round-trip. Seeded by FUZZ_SEED, bounded by FUZZ_BUDGET_MS.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertCodecRefusal, FUZZ_BUDGET_MS, FuzzTally, fuzzInputs, fuzzParameters, quickly, slicesOf, type FuzzInput } from '../../../server/testing/fuzz.ts';
import { SIP_VOCABULARY, sipBytesArb, sipMessageArb } from '../../../server/testing/fuzzMessages.ts';
import { bytesOf } from '../../testing/codecAssertions.ts';
import { SipError } from './errors.ts';
import { canonicalHeaderName, DEFAULT_SIP_LIMITS, parseSipMessage, serializeSipMessage, type SipMessage } from './message.ts';
import { SipFramingError, SipStreamFramer } from './streamFramer.ts';

const tally = new FuzzTally('sip codec');
afterAll(() => console.log(tally.line()));

/** The only refusal the SIP codec may report: a SipError with the status a server answers (400, 505, 513). */
function expectSipError(error: unknown, input: unknown): asserts error is SipError {
  assertCodecRefusal(error, SipError, 'SIP', [400, 505, 513], input);
}

type Outcome = { message: SipMessage } | { error: SipError };

function parse(input: FuzzInput): Outcome {
  try {
    return { message: quickly(() => parseSipMessage(input.bytes)) };
  } catch (error) {
    expectSipError(error, input);
    return { error };
  }
}

/**
 * The message without its Content-Length lines (the serializer writes its own), values without
 * leading white space: a folded line's value keeps the space its continuation began with
 * (`CSeq:` CRLF SP `1 BYE` reads ` 1 BYE`), which every header reader ignores and the
 * serialized form drops.
 */
function normalForm(m: SipMessage): SipMessage {
  return { ...m, headers: m.headers.filter((h) => canonicalHeaderName(h.name) !== 'content-length').map((h) => ({ name: h.name, value: h.value.trim() })) };
}

const inputs = fuzzInputs(sipBytesArb('UDP'), SIP_VOCABULARY);

describe('parseSipMessage: fuzzed input', () => {
  it('ends in a message or a SipError (400/505/513), quickly, as bytes and as text; a parsed message survives serialize and parse', () => {
    fc.assert(
      fc.property(inputs, (input: FuzzInput) => {
        tally.tried();
        const outcome = parse(input);
        if ('message' in outcome) {
          const again = parseSipMessage(serializeSipMessage(outcome.message));
          expect(normalForm(again)).toEqual(normalForm(outcome.message));
        }
        // The same input as a string (a WebSocket text frame, decoded with replacement characters).
        try {
          quickly(() => parseSipMessage(new TextDecoder().decode(input.bytes)));
        } catch (error) {
          expectSipError(error, input);
        }
      }),
      fuzzParameters(20_000),
    );
  });
});

describe('SipStreamFramer: fuzzed streams in random slices', () => {
  /** Messages until the first error, feeding the slices in order. */
  function frame(slices: Uint8Array[]): { messages: SipMessage[]; error?: SipError } {
    const framer = new SipStreamFramer();
    const messages: SipMessage[] = [];
    for (const slice of slices) {
      try {
        messages.push(...quickly(() => framer.push(slice)));
      } catch (error) {
        expectSipError(error, `a stream in ${slices.length} slices`);
        expect(error).toBeInstanceOf(SipFramingError);
        // What the failing push framed before the bad message still counts (SipFramingError.framed).
        messages.push(...(error as SipFramingError).framed);
        return { messages, error };
      }
    }
    return { messages };
  }

  const stream = fc.array(fc.tuple(inputs, fc.constantFrom('', '', '\r\n', '\r\n\r\n')), { minLength: 1, maxLength: 4 });

  it('yields messages or throws a SipError, and the slicing changes neither the messages framed nor the error', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 24 }), (parts, cuts) => {
        tally.tried(parts.length);
        const bytes = bytesOf(...parts.flatMap(([input, keepAlive]) => [input.bytes, keepAlive]));
        const whole = frame([bytes]);
        const sliced = frame(slicesOf(bytes, cuts));
        expect(sliced.error?.code).toBe(whole.error?.code);
        expect(sliced.messages).toEqual(whole.messages);
        // A message the framer yields is one parseSipMessage accepts on its own.
        for (const m of sliced.messages) expect(normalForm(parseSipMessage(serializeSipMessage(m)))).toEqual(normalForm(m));
      }),
      fuzzParameters(5_000),
    );
  });
});

describe('round trip of generated valid messages', () => {
  it('parse(serialize(m)) is m with its Content-Length, whole and through the framer in random slices', () => {
    fc.assert(
      fc.property(fc.array(sipMessageArb('TCP'), { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 16 }), (messages, cuts) => {
        tally.tried(messages.length);
        const expected = messages.map((m) => ({ ...m, headers: [...m.headers, { name: 'Content-Length', value: String(m.body.length) }] }));
        const wire = messages.map(serializeSipMessage);
        expect(wire.map((b) => parseSipMessage(b))).toEqual(expected);
        const framer = new SipStreamFramer();
        const stream = bytesOf(...wire.flatMap((b) => [b, '\r\n']));
        expect(slicesOf(stream, cuts).flatMap((s) => framer.push(s))).toEqual(expected);
        expect(framer.pending).toBe(0);
      }),
      fuzzParameters(3_000, FUZZ_BUDGET_MS / 2),
    );
  });

  it('the generated messages stay within the default limits (so the round trip tests what it says)', () => {
    fc.assert(
      fc.property(sipBytesArb('WS'), (bytes) => {
        expect(bytes.length).toBeLessThan(DEFAULT_SIP_LIMITS.maxMessageBytes);
      }),
      fuzzParameters(200, 500),
    );
  });
});

describe('defects the fuzzing found (regression tests)', () => {
  // Found by the parse property (a `number` mutation of the status code): `SIP/2.0 000 OK`
  // parsed as status 0, which serializeSipMessage writes as `SIP/2.0 0 OK`, a status line no
  // parser takes (RFC 3261 sections 7.2, 21: Status-Code is 3DIGIT, 1xx to 6xx).
  it('a status line with a code below 100 is refused (400), or what is parsed serializes to a status line that parses', () => {
    for (const status of ['000', '042', '099']) {
      const text = `SIP/2.0 ${status} OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKs${status}\r\nCall-ID: s${status}\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n`;
      const outcome = parse({ bytes: new TextEncoder().encode(text), origin: `status ${status}` });
      if ('message' in outcome) expect(normalForm(parseSipMessage(serializeSipMessage(outcome.message))), status).toEqual(normalForm(outcome.message));
    }
  });
});
