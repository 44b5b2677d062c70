/**
 * PAP result codes and message states (WAP-247-PAP-20010429-a section 9.14 "Status codes" and
 * the %State entity of the PAP DTD; PAP 1.0 is WAP-164-PAP-19991108-a section 9.13). The
 * descriptions follow the specification's names as public PAP implementations spell them
 * (pypap statuscodes.py; Kannel gw/wap_push_ppg.c pap_desc[]). Codes outside the table keep
 * their number and are described by their class (x000), as PAP 9.13 asks a receiver to treat
 * an unrecognised code (Kannel's parse_code does the same).
 */

/** The result codes this gateway knows, with the specification's short description. */
export const PAP_RESULT_CODES = {
  1000: 'OK',
  1001: 'Accepted for Processing',
  2000: 'Bad Request',
  2001: 'Forbidden',
  2002: 'Address Error',
  2003: 'Address Not Found',
  2004: 'Push ID Not Found',
  2005: 'Capabilities Mismatch',
  2006: 'Required Capabilities Not Supported',
  2007: 'Duplicate Push ID',
  2008: 'Cancellation Not Possible',
  3000: 'Internal Server Error',
  3001: 'Not Implemented',
  3002: 'Version Not Supported',
  3003: 'Not Possible',
  3004: 'Capability Matching Not Supported',
  3005: 'Multiple Addresses Not Supported',
  3006: 'Transformation Failure',
  3007: 'Specified Delivery Method Not Possible',
  3008: 'Capabilities Not Available',
  3009: 'Required Network Not Available',
  3010: 'Required Bearer Not Available',
  3011: 'Replacement Not Supported',
  4000: 'Service Failure',
  4001: 'Service Unavailable',
  5000: 'Mobile Client Aborted',
} as const;

/** A code from the table above. */
export type KnownPapResultCode = keyof typeof PAP_RESULT_CODES;

/**
 * Any PAP result code: four digits, first digit the class (1 success, 2 client error, 3 server
 * error, 4 service failure, 5 mobile client abort). Implementation codes (x500-x999) included.
 */
export type PapResultCode = number;

export type PapResultClass = 'success' | 'client-error' | 'server-error' | 'service-failure' | 'client-abort';

const CLASSES: Record<string, PapResultClass> = { '1': 'success', '2': 'client-error', '3': 'server-error', '4': 'service-failure', '5': 'client-abort' };

/** Whether a number is a PAP result code (1000-5999). */
export function isPapResultCode(code: number): boolean {
  return Number.isInteger(code) && code >= 1000 && code <= 5999;
}

/** The class of a result code (its first digit). Throws RangeError for a number that is not a code. */
export function papResultClass(code: PapResultCode): PapResultClass {
  if (!isPapResultCode(code)) throw new RangeError(`${code} is not a PAP result code (1000-5999)`);
  return CLASSES[String(code)[0]!]!;
}

/** The specification's description of a code; an unknown code is described by its class's x000 code. */
export function describePapResult(code: PapResultCode): string {
  const known = (PAP_RESULT_CODES as Record<number, string>)[code];
  if (known !== undefined) return known;
  return PAP_RESULT_CODES[(Math.floor(code / 1000) * 1000) as KnownPapResultCode] ?? 'Unknown';
}

/** Message states (PAP %State; PPG Service section 6): what the PPG knows about one push to one address. */
export type PapMessageState = 'pending' | 'delivered' | 'undeliverable' | 'expired' | 'cancelled' | 'aborted' | 'timeout' | 'unknown';

export const PAP_MESSAGE_STATES: readonly PapMessageState[] = ['pending', 'delivered', 'undeliverable', 'expired', 'cancelled', 'aborted', 'timeout', 'unknown'];

/** Quality of service values (PAP section 9.2.2, quality-of-service element). */
export type PapPriority = 'high' | 'medium' | 'low';
export type PapDeliveryMethod = 'confirmed' | 'preferconfirmed' | 'unconfirmed' | 'notspecified';

export const PAP_PRIORITIES: readonly PapPriority[] = ['high', 'medium', 'low'];
export const PAP_DELIVERY_METHODS: readonly PapDeliveryMethod[] = ['confirmed', 'preferconfirmed', 'unconfirmed', 'notspecified'];
/** replace-method of a push-message that replaces another (PAP 2.x). */
export type PapReplaceMethod = 'pending-only' | 'all';
export const PAP_REPLACE_METHODS: readonly PapReplaceMethod[] = ['pending-only', 'all'];
