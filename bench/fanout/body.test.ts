import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePushToken, pushBody, type PushToken } from './body.ts';
import { MIN_BODY_BYTES } from './options.ts';

const token = fc.record({ path: fc.constantFrom('sipp' as const, 'service' as const), round: fc.integer({ min: 1, max: 999 }), index: fc.integer({ min: 0, max: 9_999_999 }) });

describe('push body', () => {
  it('is exactly the size asked, from the smallest allowed (less the CRLF sipp adds), and gives its token back', () => {
    fc.assert(
      fc.property(token, fc.integer({ min: MIN_BODY_BYTES - 2, max: 4096 }), (t: PushToken, bytes) => {
        const body = pushBody(t, bytes);
        expect(new TextEncoder().encode(body).length).toBe(bytes);
        expect(parsePushToken(body)).toEqual(t);
      }),
    );
  });

  it('refuses a size that cannot hold the token', () => {
    expect(() => pushBody({ path: 'service', round: 1, index: 12 }, 19)).toThrow(/a 19-byte body cannot hold the token "fanout service 1 12": give more body bytes/);
  });

  it.each(['', 'hello', 'fanout other 1 2 x', 'fanout sipp 0 2 x', 'fanout sipp 1 -2 x', 'fanout sipp one 2 x'])('is not a bench token: %j', (body) => {
    expect(parsePushToken(body)).toBeUndefined();
  });
});
