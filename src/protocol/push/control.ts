/**
 * Push control information (OMA SIP Push section 5.2) as SIP headers, on the push MESSAGE and
 * on the MSRP push INVITE, plus the IMDN message IDs the Push Sender Agent puts on a push:
 *
 *   Push-ID: "news-2026-12-02#17"                  <- provider push ID: quoted-string (RFC 3261
 *                                                     25.1, quoted-pair escaping), <= 256 chars
 *   Push-Deliver-Before: 2026-12-02T17:30:00.000Z  <- RFC 3339 instant: never dispatched after it
 *   Push-Deliver-After: 2026-12-02T17:00:00.000Z   <- RFC 3339 instant: not sent before it
 *   Priority: urgent                               <- RFC 3261 20.26 (non-urgent | normal | urgent)
 *   Push-Message-ID: psa.WyJwMSIsImFvcjpzaXA6YUBiIl0     <- INVITE only: the imdn.Message-ID and
 *   Push-Disposition-Notification: display                 imdn.Disposition-Notification a CPIM
 *                                                           body would carry (RFC 5438 6.3)
 *
 * A receiver that finds a malformed value answers 400 naming the header (PushControlError
 * carries `header` and status 400); a push past Push-Deliver-Before is answered
 * `410 Gone` with `Push-Report-Reason: expired`. Pure: no DOM, no Node types.
 */
import { CodecError } from '../errors.ts';
import { parseDispositionNotification } from '../imdn/imdn.ts';
import type { SipHeader } from '../sip/message.ts';

export const PUSH_ID_HEADER = 'Push-ID';
export const PUSH_DELIVER_BEFORE_HEADER = 'Push-Deliver-Before';
export const PUSH_DELIVER_AFTER_HEADER = 'Push-Deliver-After';
export const PRIORITY_HEADER = 'Priority';
export const PUSH_MESSAGE_ID_HEADER = 'Push-Message-ID';
export const PUSH_DISPOSITION_NOTIFICATION_HEADER = 'Push-Disposition-Notification';
/**
 * On an IMDN negative-delivery MESSAGE and on a 410 answer: why the push was discarded.
 * A free token; the ones in use are PUSH_REPORT_REASONS.
 */
export const PUSH_REPORT_REASON_HEADER = 'Push-Report-Reason';
export const PUSH_REPORT_REASONS = { expired: 'expired', refusedByApp: 'refused-by-app' } as const;

/** Longest Push-ID value (unquoted, in UTF-16 code units). */
export const MAX_PUSH_ID_LENGTH = 256;
/** Longest Push-Message-ID value: a reportMessageId of the longest push ID and a GRUU fits. */
export const MAX_PUSH_MESSAGE_ID_LENGTH = 4096;

export type PushPriority = 'non-urgent' | 'normal' | 'urgent';
export const PUSH_PRIORITIES: readonly PushPriority[] = ['non-urgent', 'normal', 'urgent'];

export interface PushControl {
  pushId?: string;
  /** Epoch milliseconds. */
  deliverBefore?: number;
  /** Epoch milliseconds. */
  deliverAfter?: number;
  priority?: PushPriority;
  /** INVITE only: imdn Message-ID the reports about this push carry in <message-id>. */
  reportMessageId?: string;
  /** INVITE only: a display notification was asked for. */
  displayRequested?: boolean;
}

export type PushControlErrorCode =
  | 'PUSH_ERR_PUSH_ID'
  | 'PUSH_ERR_DELIVER_BEFORE'
  | 'PUSH_ERR_DELIVER_AFTER'
  | 'PUSH_ERR_PRIORITY'
  | 'PUSH_ERR_MESSAGE_ID'
  | 'PUSH_ERR_DISPOSITION';

/** A malformed control header: `header` names it, `status` is what a receiver answers (400). */
export class PushControlError extends CodecError<PushControlErrorCode, 400> {
  override name = 'PushControlError';
  readonly header: string;

  constructor(code: PushControlErrorCode, header: string, message: string) {
    super(code, 400, message);
    this.header = header;
  }
}

/** RFC 3339 date-time (section 5.6): full-date "T" full-time, with Z or a numeric offset. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$/;
/** RFC 3261 25.1 token. */
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
/** Characters a quoted-string cannot carry even escaped (CR, LF) or that we refuse to (other controls). */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;
/** Latest instant Date.toISOString writes as a 4-digit year (RFC 3339 has no other). */
const MAX_INSTANT = 253402300799999;

/** The headers for `c`, in a fixed order; absent fields write nothing. Throws PushControlError on values the wire cannot carry. */
export function buildPushControlHeaders(c: PushControl): SipHeader[] {
  const out: SipHeader[] = [];
  if (c.pushId !== undefined) {
    checkPushId(c.pushId);
    out.push({ name: PUSH_ID_HEADER, value: `"${c.pushId.replace(/(["\\])/g, '\\$1')}"` });
  }
  if (c.deliverBefore !== undefined) out.push({ name: PUSH_DELIVER_BEFORE_HEADER, value: formatInstant(c.deliverBefore, PUSH_DELIVER_BEFORE_HEADER, 'PUSH_ERR_DELIVER_BEFORE') });
  if (c.deliverAfter !== undefined) out.push({ name: PUSH_DELIVER_AFTER_HEADER, value: formatInstant(c.deliverAfter, PUSH_DELIVER_AFTER_HEADER, 'PUSH_ERR_DELIVER_AFTER') });
  if (c.priority !== undefined) {
    if (!PUSH_PRIORITIES.includes(c.priority)) throw new PushControlError('PUSH_ERR_PRIORITY', PRIORITY_HEADER, `Priority must be one of ${PUSH_PRIORITIES.join(', ')}; got ${String(c.priority)}`);
    out.push({ name: PRIORITY_HEADER, value: c.priority });
  }
  if (c.reportMessageId !== undefined) {
    checkMessageId(c.reportMessageId);
    out.push({ name: PUSH_MESSAGE_ID_HEADER, value: c.reportMessageId });
  }
  if (c.displayRequested) out.push({ name: PUSH_DISPOSITION_NOTIFICATION_HEADER, value: 'display' });
  return out;
}

/**
 * Read the control headers through `getHeader` (first value of a header by name, case-insensitive,
 * as src/protocol/sip getHeader). Absent headers leave their field out. Throws PushControlError
 * (status 400, `header` set) on a malformed value.
 */
export function parsePushControl(getHeader: (name: string) => string | undefined): PushControl {
  const c: PushControl = {};
  const pushId = getHeader(PUSH_ID_HEADER);
  if (pushId !== undefined) c.pushId = parsePushId(pushId.trim());
  const before = getHeader(PUSH_DELIVER_BEFORE_HEADER);
  if (before !== undefined) c.deliverBefore = parseInstant(before, PUSH_DELIVER_BEFORE_HEADER, 'PUSH_ERR_DELIVER_BEFORE');
  const after = getHeader(PUSH_DELIVER_AFTER_HEADER);
  if (after !== undefined) c.deliverAfter = parseInstant(after, PUSH_DELIVER_AFTER_HEADER, 'PUSH_ERR_DELIVER_AFTER');
  const priority = getHeader(PRIORITY_HEADER);
  if (priority !== undefined) {
    const p = parsePriority(priority);
    if (p !== undefined) c.priority = p;
  }
  const messageId = getHeader(PUSH_MESSAGE_ID_HEADER);
  if (messageId !== undefined) {
    const id = messageId.trim();
    checkMessageId(id);
    c.reportMessageId = id;
  }
  const disposition = getHeader(PUSH_DISPOSITION_NOTIFICATION_HEADER);
  if (disposition !== undefined) {
    let requests;
    try {
      requests = parseDispositionNotification(disposition);
    } catch {
      throw new PushControlError('PUSH_ERR_DISPOSITION', PUSH_DISPOSITION_NOTIFICATION_HEADER, `Malformed ${PUSH_DISPOSITION_NOTIFICATION_HEADER}: ${truncate(disposition)}; write a list of tokens such as display`);
    }
    c.displayRequested = requests.includes('display');
  }
  return c;
}

function checkPushId(id: string): void {
  if (id === '') throw new PushControlError('PUSH_ERR_PUSH_ID', PUSH_ID_HEADER, 'Empty Push-ID; leave the header out or give an ID');
  if (id.length > MAX_PUSH_ID_LENGTH) throw new PushControlError('PUSH_ERR_PUSH_ID', PUSH_ID_HEADER, `Push-ID is ${id.length} characters; at most ${MAX_PUSH_ID_LENGTH} are allowed`);
  if (CONTROL.test(id)) throw new PushControlError('PUSH_ERR_PUSH_ID', PUSH_ID_HEADER, 'Push-ID holds a control character (CR, LF...); use printable characters only');
}

function parsePushId(value: string): string {
  let id: string;
  if (value.startsWith('"')) {
    // quoted-string = DQUOTE *(qdtext / quoted-pair) DQUOTE, and nothing after it.
    let i = 1;
    id = '';
    for (;;) {
      if (i >= value.length) throw new PushControlError('PUSH_ERR_PUSH_ID', PUSH_ID_HEADER, `Push-ID quoted-string is not closed: ${truncate(value)}`);
      const ch = value[i]!;
      if (ch === '"') break;
      if (ch === '\\') {
        if (i + 1 >= value.length) throw new PushControlError('PUSH_ERR_PUSH_ID', PUSH_ID_HEADER, `Push-ID ends inside an escape: ${truncate(value)}`);
        id += value[i + 1]!;
        i += 2;
      } else {
        id += ch;
        i += 1;
      }
    }
    if (i !== value.length - 1) throw new PushControlError('PUSH_ERR_PUSH_ID', PUSH_ID_HEADER, `Text after the Push-ID quoted-string: ${truncate(value)}`);
  } else if (TOKEN.test(value)) {
    id = value; // Lenient on receipt: a bare token is what its quoted form would carry.
  } else {
    throw new PushControlError('PUSH_ERR_PUSH_ID', PUSH_ID_HEADER, `Push-ID must be a quoted-string; got ${truncate(value)}`);
  }
  checkPushId(id);
  return id;
}

function formatInstant(ms: number, header: string, code: PushControlErrorCode): string {
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_INSTANT) throw new PushControlError(code, header, `${header} must be an instant between 1970 and 9999 in epoch milliseconds; got ${ms}`);
  return new Date(Math.floor(ms)).toISOString();
}

function parseInstant(value: string, header: string, code: PushControlErrorCode): number {
  const text = value.trim();
  const ms = RFC3339.test(text) ? Date.parse(text.toUpperCase()) : NaN;
  if (Number.isNaN(ms)) throw new PushControlError(code, header, `${header} must be an RFC 3339 date-time such as 2026-12-02T17:30:00.000Z; got ${truncate(text)}`);
  return ms;
}

/**
 * RFC 3261 20.26: `emergency` counts as urgent (the contract has three levels); another token is
 * an extension we do not know and is ignored; anything else is malformed.
 */
function parsePriority(value: string): PushPriority | undefined {
  const p = value.trim().toLowerCase();
  if ((PUSH_PRIORITIES as readonly string[]).includes(p)) return p as PushPriority;
  if (p === 'emergency') return 'urgent';
  if (TOKEN.test(p)) return undefined;
  throw new PushControlError('PUSH_ERR_PRIORITY', PRIORITY_HEADER, `Priority must be a token such as ${PUSH_PRIORITIES.join(', ')}; got ${truncate(value)}`);
}

function checkMessageId(id: string): void {
  if (!TOKEN.test(id)) throw new PushControlError('PUSH_ERR_MESSAGE_ID', PUSH_MESSAGE_ID_HEADER, `Push-Message-ID must be a token; got ${truncate(id)}`);
  if (id.length > MAX_PUSH_MESSAGE_ID_LENGTH) throw new PushControlError('PUSH_ERR_MESSAGE_ID', PUSH_MESSAGE_ID_HEADER, `Push-Message-ID is ${id.length} characters; at most ${MAX_PUSH_MESSAGE_ID_LENGTH} are allowed`);
}

const REPORT_ID_PREFIX = 'psa.';

/**
 * The imdn.Message-ID of one push to one terminal: `psa.` + base64url(JSON [pushId, terminal]).
 * Deterministic, so a resend carries the same ID and the receiver's dedup drops it; the
 * service reads the push and terminal back from a notification with parseReportMessageId.
 */
export function reportMessageId(pushId: string, terminal: string): string {
  return REPORT_ID_PREFIX + base64url(new TextEncoder().encode(JSON.stringify([pushId, terminal])));
}

/** The push and terminal a reportMessageId names, or undefined for any other ID. */
export function parseReportMessageId(id: string): { pushId: string; terminal: string } | undefined {
  if (!id.startsWith(REPORT_ID_PREFIX)) return undefined;
  const bytes = fromBase64url(id.slice(REPORT_ID_PREFIX.length));
  if (!bytes) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string' || typeof value[1] !== 'string') return undefined;
  return { pushId: value[0], terminal: value[1] };
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** RFC 4648 section 5, without padding. */
function base64url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += ALPHABET[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

function fromBase64url(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 6) / 8));
  let acc = 0;
  let bits = 0;
  let at = 0;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return undefined;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 0xff;
    }
  }
  // Leftover bits must be zero: one encoding per byte string.
  if ((acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

function truncate(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
