/**
 * The gateway's answer to a request it cannot read: a badmessage-response (WAP-247-PAP
 * section 9.x) carrying the PAP code of the failure (2000 Bad Request unless the error says
 * otherwise, e.g. 3002 for an unknown version), a one-line desc, and the offending fragment of
 * the request, cut to a named limit and cleared of characters XML cannot carry.
 */
import { hasIllegalXmlChar } from '../xml/text.ts';
import { PapError } from './errors.ts';
import type { PapBadMessageResponse } from './model.ts';

export interface BadMessageOptions {
  /** Longest bad-message-fragment written, in characters (default 256). */
  maxFragmentChars?: number;
  /** The request's control entity: its start is the fragment when the error names none. */
  document?: string;
}

export const DEFAULT_MAX_FRAGMENT_CHARS = 256;

/** The badmessage-response for an error thrown while reading a request (a PapError, or anything else: 2000). */
export function badMessageResponseFor(error: unknown, options: BadMessageOptions = {}): PapBadMessageResponse {
  const max = options.maxFragmentChars ?? DEFAULT_MAX_FRAGMENT_CHARS;
  const pap = error instanceof PapError ? error : undefined;
  const response: PapBadMessageResponse = {
    kind: 'badmessage-response',
    code: pap?.status ?? 2000,
    desc: oneLine(pap?.message ?? 'The request could not be read as a PAP message'),
  };
  const fragment = pap?.fragment ?? options.document;
  if (fragment !== undefined && fragment.trim() !== '' && max > 0) response.badMessageFragment = clean(fragment.trim()).slice(0, max).replace(/[\uD800-\uDBFF]$/, '');
  return response;
}

function oneLine(text: string): string {
  return clean(text).replace(/\s+/g, ' ').trim();
}

function clean(text: string): string {
  if (!hasIllegalXmlChar(text)) return text;
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD');
}
