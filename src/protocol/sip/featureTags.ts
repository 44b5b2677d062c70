/**
 * Feature tags as Contact header parameters (RFC 3840 section 9) and the push application
 * tag of OMA SIP Push: `+g.oma.pusheventapp="news.ua,mms.ua"`.
 */
import type { SipParams } from './headers.ts';

export const PUSH_EVENT_APP_TAG = '+g.oma.pusheventapp';
export const SIP_INSTANCE_TAG = '+sip.instance';

/** Base tags of RFC 3840 section 10 that appear without a leading `+`. */
const BASE_TAGS = new Set([
  'audio', 'application', 'data', 'control', 'video', 'text', 'automata', 'class', 'duplex',
  'mobility', 'description', 'events', 'priority', 'methods', 'schemes', 'extensions', 'isfocus', 'actor', 'language', 'type',
]);

/**
 * A feature value: a list of tokens (possibly negated with `!`), a boolean flag, a string
 * (`<...>`) or a numeric range (`#...`). Only what matching needs is modelled.
 */
export type FeatureValue =
  | { kind: 'tokens'; values: string[] }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'string'; value: string }
  | { kind: 'numeric'; raw: string };

/** Feature tag name (lower case, with its `+` when it has one) to value. */
export type FeatureSet = Map<string, FeatureValue>;

/** True for names that are feature tags rather than ordinary parameters (tag, expires, q...). */
export function isFeatureTag(name: string): boolean {
  return name.startsWith('+') || BASE_TAGS.has(name.toLowerCase());
}

/** RFC 3840 token-nobang: what a push application ID may contain. */
const TOKEN_NOBANG = /^[A-Za-z0-9\-.%*_+`'~]+$/;

export function isValidAppId(id: string): boolean {
  return TOKEN_NOBANG.test(id);
}

export function parseFeatureValue(raw: string | null): FeatureValue {
  if (raw === null) return { kind: 'boolean', value: true };
  const inner = raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1) : raw;
  if (inner.startsWith('<') && inner.endsWith('>')) return { kind: 'string', value: inner.slice(1, -1) };
  if (inner.startsWith('#')) return { kind: 'numeric', raw: inner };
  const lower = inner.toUpperCase();
  if (lower === 'TRUE') return { kind: 'boolean', value: true };
  if (lower === 'FALSE') return { kind: 'boolean', value: false };
  return { kind: 'tokens', values: inner.split(',').map((v) => v.trim()).filter((v) => v.length > 0) };
}

/** The feature tags among a Contact's (or Accept-Contact predicate's) parameters. */
export function featureSetFromParams(params: SipParams): FeatureSet {
  const set: FeatureSet = new Map();
  for (const [name, value] of params) {
    if (name === SIP_INSTANCE_TAG) continue; // an instance ID, not a capability (RFC 5626 section 4.1)
    if (isFeatureTag(name)) set.set(name.toLowerCase(), parseFeatureValue(value));
  }
  return set;
}

/** `+g.oma.pusheventapp="news.ua,mms.ua"` as a [name, value] parameter pair. */
export function pushEventAppParam(appIds: readonly string[]): [string, string] {
  for (const id of appIds) {
    if (!isValidAppId(id)) throw new Error(`Push application ID ${JSON.stringify(id)} is not an RFC 3840 token`);
  }
  return [PUSH_EVENT_APP_TAG, `"${appIds.join(',')}"`];
}

/** Push application IDs a Contact announces, from its parsed parameters. */
export function pushAppIdsOf(params: SipParams): string[] {
  const raw = params.get(PUSH_EVENT_APP_TAG);
  if (raw === undefined) return [];
  const value = parseFeatureValue(raw);
  return value.kind === 'tokens' ? value.values.filter((v) => !v.startsWith('!')) : [];
}
