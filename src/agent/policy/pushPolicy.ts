/**
 * Push policy (pure): which app a push is for, and whether that app takes it.
 *
 * Checks, in this order (the first that fails answers):
 *   1. an app is addressed and registered          else 404 Not Found
 *   2. the sender's AoR is in the app's allowFrom  else 403 Forbidden (trusting the core: the
 *      asserted identity, and an unverified sender never passes)
 *   3. the content type is in the app's accept     else 415 Unsupported Media Type + Accept
 *   4. size <= app.maxBytes ?? limits.maxMessageBytes  else 413 Request Entity Too Large
 * When a request names several app IDs (Accept-Contact), the first registered one is taken.
 */
import { addressOfRecord } from '../../protocol/sip/headers.ts';
import type { SipHeader } from '../../protocol/sip/message.ts';
import type { AgentLimits, PushAppSpec, StoredPush } from '../types.ts';

export interface PushFacts {
  /** App IDs the request addresses, in order (from Accept-Contact +g.oma.pusheventapp). */
  appIds: readonly string[];
  /** Sender AoR, `sip:user@host`. */
  fromAor: string;
  /** True when the agent trusts its core and the core asserted no identity: allowFrom cannot be met. */
  senderUnverified?: boolean;
  /** Content type of the push content (inside CPIM when wrapped), parameters allowed. */
  contentType: string;
  /** Content size in bytes. */
  size: number;
}

export type PolicyDecision<T extends PushAppSpec = PushAppSpec> =
  | { accept: true; app: T }
  | { accept: false; status: 403 | 404 | 413 | 415; reason: string; headers: SipHeader[]; appId?: string };

/** Anything that finds an app by ID: an AppRegistry, or a Map in tests. */
export interface AppLookup<T extends PushAppSpec> {
  get(id: string): T | undefined;
}

export function decidePush<T extends PushAppSpec>(facts: PushFacts, apps: AppLookup<T>, limits: Pick<AgentLimits, 'maxMessageBytes'>): PolicyDecision<T> {
  if (facts.appIds.length === 0) {
    return { accept: false, status: 404, reason: 'No push application addressed', headers: [] };
  }
  let app: T | undefined;
  for (const id of facts.appIds) {
    app = apps.get(id);
    if (app) break;
  }
  if (!app) {
    const named = facts.appIds.join(', ');
    return { accept: false, status: 404, reason: `Push application ${named} not registered`, headers: [], appId: facts.appIds[0]! };
  }
  if (app.allowFrom && app.allowFrom.length > 0 && facts.senderUnverified) {
    return { accept: false, status: 403, reason: `Sender not authenticated by the core (no P-Asserted-Identity); ${app.id} takes pushes only from its allowed senders`, headers: [], appId: app.id };
  }
  if (app.allowFrom && app.allowFrom.length > 0 && !app.allowFrom.some((allowed) => sameAor(allowed, facts.fromAor))) {
    return { accept: false, status: 403, reason: `Sender ${facts.fromAor} not allowed for ${app.id}`, headers: [], appId: app.id };
  }
  if (!app.accept.some((range) => mediaTypeMatches(range, facts.contentType))) {
    return {
      accept: false,
      status: 415,
      reason: `Content type ${bareMediaType(facts.contentType) || '(none)'} not accepted by ${app.id}`,
      headers: [{ name: 'Accept', value: app.accept.join(', ') }],
      appId: app.id,
    };
  }
  const max = app.maxBytes ?? limits.maxMessageBytes;
  if (facts.size > max) {
    return { accept: false, status: 413, reason: `Content of ${facts.size} bytes exceeds ${max} for ${app.id}`, headers: [], appId: app.id };
  }
  return { accept: true, app };
}

/**
 * Whether a stored push may be handed to this app now (issue 10: at hand-over time as well as
 * at receipt). The app that takes it may not be the spec it was accepted under: a push stored
 * under a declared `*\/*` app, or in another tab, or before the app's policy changed. The same
 * checks as at receipt, on what was stored: sender (`from` is the identity the intake
 * trusted), content type, and for MESSAGE pushes the size (an MSRP push's size was bounded
 * by the transfer limits, not the app's MESSAGE limit).
 */
export function handOverDecision<T extends PushAppSpec>(app: T, push: Pick<StoredPush, 'from' | 'contentType' | 'size' | 'via' | 'senderUnverified'>, limits: Pick<AgentLimits, 'maxMessageBytes'>): PolicyDecision<T> {
  const facts: PushFacts = { appIds: [app.id], fromAor: push.from, senderUnverified: push.senderUnverified ?? false, contentType: push.contentType, size: push.via === 'msrp' ? 0 : push.size };
  return decidePush(facts, { get: () => app }, limits);
}

/** `Text/Plain; charset=utf-8` -> `text/plain` (parameters dropped, lower case). */
export function bareMediaType(contentType: string): string {
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** Whether a media range (`*\/*`, `image/*`, `text/plain`; parameters ignored) covers a content type. */
export function mediaTypeMatches(range: string, contentType: string): boolean {
  const wanted = bareMediaType(range);
  const actual = bareMediaType(contentType);
  const slash = actual.indexOf('/');
  if (slash <= 0 || slash === actual.length - 1) return false; // not a type/subtype
  if (wanted === '*/*' || wanted === '*') return true;
  if (wanted.endsWith('/*')) return actual.slice(0, slash) === wanted.slice(0, -2);
  return wanted === actual;
}

/**
 * AoR equality for allowFrom: scheme and host compare case-insensitively, the user part
 * exactly (RFC 3261 section 19.1.4); port, parameters and headers are ignored. An entry that
 * does not parse as a SIP URI only matches itself.
 */
export function sameAor(a: string, b: string): boolean {
  return normaliseAor(a) === normaliseAor(b);
}

function normaliseAor(text: string): string {
  try {
    return addressOfRecord(text.trim());
  } catch {
    return text.trim();
  }
}
