/** Assertions and inputs the codec tests share (not part of the bundle). */
import { expect } from 'vitest';
import type { CodecError } from '../protocol/errors.ts';

/**
 * `fn` throws an instance of `type` with this code and status (CodecError's contract:
 * protocol/errors.ts); returns the error for further checks.
 */
export function expectCodecError<E extends CodecError>(fn: () => unknown, type: abstract new (...args: never[]) => E, code: string, status: number): E {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(type);
  expect((caught as E).code).toBe(code);
  expect((caught as E).status).toBe(status);
  return caught as E;
}

/** Bytes of the parts in order, strings as UTF-8: test input written as text and bytes mixed. */
export function bytesOf(...parts: (Uint8Array | string)[]): Uint8Array {
  const bufs = parts.map((p) => (typeof p === 'string' ? new TextEncoder().encode(p) : p));
  const out = new Uint8Array(bufs.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of bufs) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
