/**
 * The body of every push of the bench, sipp's and the service's alike: a token naming the
 * path, round and receiver, padded to the same size, so the receiver can time each arrival
 * and the two paths carry the same bytes.
 *
 *   fanout <path> <round> <index> xxxxxxxx...
 */
import type { FanoutPath } from './options.ts';

export interface PushToken {
  path: FanoutPath;
  round: number;
  index: number;
}

const PREFIX = 'fanout ';
/** Padding character; the token's fields are separated by single spaces. */
const PAD = 'x';

export function pushBody(token: PushToken, bytes: number): string {
  const head = `${PREFIX}${token.path} ${token.round} ${token.index} `;
  if (head.length > bytes) throw new RangeError(`a ${bytes}-byte body cannot hold the token "${head.trim()}": give more body bytes`);
  return head + PAD.repeat(bytes - head.length);
}

/** The token at the start of a body, or undefined when the body is not one of the bench's. */
export function parsePushToken(body: string): PushToken | undefined {
  if (!body.startsWith(PREFIX)) return undefined;
  const [path, round, index] = body.slice(PREFIX.length).split(' ', 3);
  if (path !== 'sipp' && path !== 'service') return undefined;
  const r = Number(round);
  const i = Number(index);
  if (!Number.isSafeInteger(r) || !Number.isSafeInteger(i) || r < 1 || i < 0) return undefined;
  return { path, round: r, index: i };
}

/** The map key of a token (which push to which receiver). */
export const tokenKey = (t: PushToken): string => `${t.path} ${t.round} ${t.index}`;
