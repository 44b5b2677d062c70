/**
 * Fuzzing the MSRP codec (issue 9): valid messages mutated the ways a careless or hostile peer
 * would (server/testing/fuzz.ts), soup and random bytes, into parseMsrpMessage (one WebSocket
 * message) and into MsrpStreamParser fed random slices. Each input ends in a message or an
 * MsrpError (status 400 or 413, its transaction ID an `ident` when known), never another
 * exception and never a hang; a request it reads, whole or up to its error, can be answered; valid
 * messages round-trip byte for byte. Seeded by FUZZ_SEED, bounded by FUZZ_BUDGET_MS.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assertCodecRefusal, FUZZ_BUDGET_MS, FuzzTally, fuzzInputs, fuzzParameters, quickly, slicesOf, type FuzzInput } from '../../../server/testing/fuzz.ts';
import { MSRP_VOCABULARY, msrpBytesArb } from '../../../server/testing/fuzzMessages.ts';
import { bytesOf } from '../../testing/codecAssertions.ts';
import { MsrpError } from './errors.ts';
import { isIdent } from './message.ts';
import { parseMsrpMessage } from './messageParser.ts';
import type { MsrpFlag, MsrpHead, MsrpMessage } from './model.ts';
import { MsrpStreamParser } from './parser.ts';
import { encodeRequest, serializeRequest, serializeResponse } from './serializer.ts';
import { makeReport, makeResponse } from './helpers.ts';

const tally = new FuzzTally('msrp codec');
afterAll(() => console.log(tally.line()));

/** The one failure the parser may report: an MsrpError, 400 or 413, with a well-formed transaction ID when it names one. */
function expectMsrpError(error: unknown, input: unknown): asserts error is MsrpError {
  assertCodecRefusal(error, MsrpError, 'MSRP', [400, 413], input);
  if (error.transactionId !== undefined) expect(isIdent(error.transactionId), error.transactionId).toBe(true);
  if (error.head) expect(error.head.transactionId).toBe(error.transactionId);
}

/**
 * What a receiver sends back for a request the parser read (whole, or its head before an
 * error): a transaction response, and a REPORT for a SEND with a Message-ID (RFC 4975 section
 * 7.1.2). Both are built from the request's paths and must be writable whatever the request held.
 */
function answersTo(head: MsrpHead): Uint8Array[] {
  if (head.kind !== 'request' || head.toPath.length === 0 || head.fromPath.length === 0) return [];
  const out: Uint8Array[] = [];
  const response = makeResponse({ ...head, method: 'NICKNAME' }, 400, 'Bad Request');
  if (response) out.push(serializeResponse(response));
  if (head.messageId !== undefined) out.push(encodeRequest(makeReport(head, 400)).bytes);
  return out;
}

/** The bytes of a parsed valid message, written back by the serializer. */
function reserialize(m: MsrpMessage): Uint8Array {
  if (m.kind === 'response') {
    const { body: _body, ...response } = m;
    return serializeResponse(response);
  }
  return serializeRequest(m);
}

const inputs = fuzzInputs(msrpBytesArb(), MSRP_VOCABULARY);

describe('parseMsrpMessage: fuzzed input', () => {
  it('ends in a message or an MsrpError (400/413), quickly; a request read, whole or up to its error, can be answered', () => {
    fc.assert(
      fc.property(inputs, (input: FuzzInput) => {
        tally.tried();
        let head: MsrpHead | undefined;
        try {
          head = quickly(() => parseMsrpMessage(input.bytes));
        } catch (error) {
          expectMsrpError(error, input);
          head = error.head;
        }
        if (head) for (const bytes of answersTo(head)) expect(() => parseMsrpMessage(bytes)).not.toThrow();
      }),
      fuzzParameters(20_000),
    );
  });
});

describe('MsrpStreamParser: fuzzed streams in random slices', () => {
  interface Event {
    head: MsrpHead;
    body: number[];
    flag: MsrpFlag;
  }

  /** Complete messages (head, body bytes, flag) until the first error, feeding the slices in order. */
  function stream(slices: Uint8Array[]): { messages: Event[]; error?: MsrpError } {
    const messages: Event[] = [];
    let current: { head: MsrpHead; body: number[] } | undefined;
    const parser = new MsrpStreamParser({
      onHead: (head) => (current = { head: structuredClone(head), body: [] }),
      onBodyData: (data) => current!.body.push(...data),
      onEnd: (flag) => messages.push({ ...current!, flag }),
    });
    for (const slice of slices) {
      try {
        quickly(() => parser.push(slice));
      } catch (error) {
        expectMsrpError(error, `a stream in ${slices.length} slices`);
        // A failed parser stays failed: the same error again, until reset().
        expect(() => parser.push(new Uint8Array([77]))).toThrow(error);
        return { messages, error };
      }
    }
    return { messages };
  }

  it('reports messages or throws an MsrpError, and the slicing changes neither the messages nor the error', () => {
    fc.assert(
      fc.property(fc.array(inputs, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 24 }), (parts, cuts) => {
        tally.tried(parts.length);
        const bytes = bytesOf(...parts.map((p) => p.bytes));
        const whole = stream([bytes]);
        const sliced = stream(slicesOf(bytes, cuts));
        expect(sliced.error?.code).toBe(whole.error?.code);
        expect(sliced.error?.transactionId).toBe(whole.error?.transactionId);
        expect(sliced.messages).toEqual(whole.messages);
      }),
      fuzzParameters(5_000),
    );
  });
});

describe('round trip of generated valid messages', () => {
  it('serialize(parse(bytes)) is the same bytes, each alone and as a stream in random slices', () => {
    fc.assert(
      fc.property(fc.array(msrpBytesArb(), { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 16 }), (wire, cuts) => {
        tally.tried(wire.length);
        const parsed = wire.map((b) => parseMsrpMessage(b));
        expect(parsed.map(reserialize)).toEqual(wire);
        const messages: MsrpMessage[] = [];
        let head: MsrpHead | undefined;
        let body: number[] | undefined;
        const parser = new MsrpStreamParser({
          onHead: (h, hasBody) => {
            head = h;
            body = hasBody ? [] : undefined;
          },
          onBodyData: (data) => body!.push(...data),
          onEnd: (flag) => messages.push({ ...head!, flag, ...(body ? { body: Uint8Array.from(body) } : {}) } as MsrpMessage),
        });
        for (const slice of slicesOf(bytesOf(...wire), cuts)) parser.push(slice);
        expect(parser.idle).toBe(true);
        expect(messages).toEqual(parsed);
      }),
      fuzzParameters(3_000, FUZZ_BUDGET_MS / 2),
    );
  });
});

describe('defects the fuzzing found (regression tests)', () => {
  const send = (fromPath: string) =>
    new TextEncoder().encode(
      `MSRP tx1234 SEND\r\nTo-Path: msrp://rx.invalid:2855/rxSess;ws\r\nFrom-Path: ${fromPath}\r\nMessage-ID: msg1234\r\nByte-Range: 1-2/2\r\nContent-Type: text/plain\r\n\r\nhi\r\n-------tx1234$\r\n`,
    );

  // Found by the parse property (a byte flip of the `s` of `msrp` into a vertical tab): the
  // parser took a path URI holding white space other than SP/HTAB as one URI, and the serializer
  // refused it as the response's To-Path, so no response to the SEND could be written.
  it('a SEND whose From-Path URI holds white space other than SP/HTAB is refused by the parser, or its response can be written', () => {
    for (const fromPath of ['m\vrp://127.0.0.1:9/txSess;ws', 'msrp://127.0.0.1:9/tx\u00a0Sess;ws']) {
      let head: MsrpHead | undefined;
      try {
        head = parseMsrpMessage(send(fromPath));
      } catch (error) {
        expectMsrpError(error, fromPath);
        head = error.head;
      }
      if (head?.kind === 'request' && head.fromPath.length > 0) expect(() => serializeResponse(makeResponse(head, 200)!), JSON.stringify(fromPath)).not.toThrow();
    }
  });
});
