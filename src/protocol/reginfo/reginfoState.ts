/**
 * A subscriber's view of one reg-event subscription (RFC 3680 section 4.4 / 5.2): applyReginfo
 * folds each NOTIFY's document into it, honouring `version` and full versus partial state, and
 * says what changed; expireContacts drops contacts whose `expires` ran out with no NOTIFY
 * saying so. Each contact's view carries what a push sender wants from it: the push
 * application IDs (`+g.oma.pusheventapp`), the UAProf URL (`+g.oma.uaprof`, or Kamailio's
 * `uaprof` URI parameter), `+sip.instance` and the GRUUs. Pure, immutable: every call returns
 * a new view and never changes the one given.
 *
 * ```
 * version rules (per subscription; a new subscription starts from no view):
 *   no view      + full             -> applied
 *   no view      + partial          -> needs-full (nothing to apply a delta to)
 *   version <= view's               -> stale (repeated or out of order: ignored)
 *   full                            -> applied (replaces the view)
 *   partial, version = view's + 1   -> applied (merged)
 *   partial, version > view's + 1   -> gap: needs-full (refresh the subscription for full state)
 * ```
 */
import { parseFeatureValue, PUSH_EVENT_APP_TAG, SIP_INSTANCE_TAG } from '../sip/featureTags.ts';
import type { ContactEvent, ReginfoContact, ReginfoDocument, ReginfoTempGruu, RegistrationState } from './reginfo.ts';

/**
 * Contact parameter carrying the UAProf URL in RFC 3840 string form (`+g.oma.uaprof="<url>"`),
 * the same name the agent registers with (src/agent/sip/sipEndpoint.ts UAPROF_CONTACT_PARAM).
 */
export const UAPROF_CONTACT_PARAM = '+g.oma.uaprof';
/** Kamailio 5.6 drops Contact header parameters, so the PRA may also put the URL in the URI. */
export const UAPROF_URI_PARAM = 'uaprof';

/** One active contact as the subscriber knows it. */
export interface ContactView {
  id: string;
  uri: string;
  /** The last event reported for it (registered, refreshed...). */
  event: ContactEvent;
  /** Epoch ms when it expires unless refreshed, from `expires` on receipt; null when not given. */
  expiresAt: number | null;
  /** `urn:uuid:...` from `+sip.instance`, without quotes and angle brackets. */
  instanceId: string | null;
  pubGruu: string | null;
  tempGruus: ReginfoTempGruu[];
  /** Push application IDs from `+g.oma.pusheventapp` (empty when not announced). */
  pushAppIds: string[];
  /** Whether the contact announced its push applications at all (Kamailio's reginfo never does). */
  announcesPushApps: boolean;
  uaprofUrl: string | null;
  /** The document's contact, as received. */
  contact: ReginfoContact;
}

export interface RegistrationView {
  aor: string;
  id: string;
  state: RegistrationState;
  /** Active contacts by id. */
  contacts: ReadonlyMap<string, ContactView>;
}

export interface ReginfoView {
  version: number;
  /** By AoR. */
  registrations: ReadonlyMap<string, RegistrationView>;
}

export interface ContactChange {
  kind: 'added' | 'updated' | 'removed';
  aor: string;
  /** For removed: the contact as it was, with event the reason it went (expired, unregistered...). */
  contact: ContactView;
}

export type ApplyOutcome = 'applied' | 'stale' | 'needs-full';

export interface ApplyResult {
  outcome: ApplyOutcome;
  /** The view after the document (the same object when nothing was applied). */
  view: ReginfoView | null;
  /** True when the subscriber should ask for full state (refresh the subscription). */
  needFullState: boolean;
  changes: ContactChange[];
}

export interface ApplyOptions {
  /** Epoch ms the NOTIFY arrived: `expires` counts from here. */
  now: number;
  /**
   * Apply a full-state document whatever its version. Kamailio 5.6 (pua_reginfo) writes
   * version="0" in every body, so on that core every NOTIFY after the first would be stale;
   * a full-state document is self-contained, so applying it again is safe on an ordered
   * transport. Partial documents still follow the version rules.
   */
  ignoreFullStateVersion?: boolean;
}

/** Fold one document into the view (see the table above). */
export function applyReginfo(view: ReginfoView | null, doc: ReginfoDocument, options: ApplyOptions): ApplyResult {
  const unchanged = (outcome: ApplyOutcome, needFullState: boolean): ApplyResult => ({ outcome, view, needFullState, changes: [] });
  if (doc.state === 'full') {
    if (view !== null && doc.version <= view.version && !options.ignoreFullStateVersion) return unchanged('stale', false);
    const next = new Map<string, RegistrationView>();
    for (const r of doc.registrations) next.set(r.aor, mergeRegistration(undefined, r, options.now, true));
    const result: ReginfoView = { version: doc.version, registrations: next };
    return { outcome: 'applied', view: result, needFullState: false, changes: diff(view, result) };
  }
  if (view === null) return unchanged('needs-full', true);
  if (doc.version <= view.version) return unchanged('stale', false);
  if (doc.version > view.version + 1) return unchanged('needs-full', true);
  const next = new Map(view.registrations);
  for (const r of doc.registrations) next.set(r.aor, mergeRegistration(view.registrations.get(r.aor), r, options.now, false));
  const result: ReginfoView = { version: doc.version, registrations: next };
  return { outcome: 'applied', view: result, needFullState: false, changes: diff(view, result, doc) };
}

/** Drop contacts whose expiry has passed by `now` (no NOTIFY came to say so). */
export function expireContacts(view: ReginfoView, now: number): { view: ReginfoView; changes: ContactChange[] } {
  const changes: ContactChange[] = [];
  const next = new Map<string, RegistrationView>();
  for (const [aor, r] of view.registrations) {
    const contacts = new Map<string, ContactView>();
    for (const [id, c] of r.contacts) {
      if (c.expiresAt !== null && c.expiresAt <= now) changes.push({ kind: 'removed', aor, contact: { ...c, event: 'expired' } });
      else contacts.set(id, c);
    }
    const state: RegistrationState = contacts.size === 0 && r.contacts.size > 0 ? 'terminated' : r.state;
    next.set(aor, contacts.size === r.contacts.size ? r : { ...r, state, contacts });
  }
  return changes.length === 0 ? { view, changes } : { view: { ...view, registrations: next }, changes };
}

/** The active contacts of an AoR not expired by `now`. */
export function liveContacts(view: ReginfoView | null, aor: string, now: number): ContactView[] {
  const r = view?.registrations.get(aor);
  return r ? [...r.contacts.values()].filter((c) => c.expiresAt === null || c.expiresAt > now) : [];
}

function mergeRegistration(before: RegistrationView | undefined, r: ReginfoDocument['registrations'][number], now: number, full: boolean): RegistrationView {
  const contacts = new Map(full || !before ? [] : before.contacts);
  if (r.state === 'terminated' || r.state === 'init') contacts.clear();
  for (const c of r.contacts) {
    if (c.state === 'active' && r.state !== 'terminated') contacts.set(c.id, contactView(c, now));
    else contacts.delete(c.id);
  }
  return { aor: r.aor, id: r.id, state: r.state, contacts };
}

function diff(before: ReginfoView | null, after: ReginfoView, doc?: ReginfoDocument): ContactChange[] {
  const changes: ContactChange[] = [];
  // The reason a contact went, when the document says it.
  const reasons = new Map<string, ContactEvent>();
  for (const r of doc?.registrations ?? []) for (const c of r.contacts) if (c.state === 'terminated') reasons.set(`${r.aor}\n${c.id}`, c.event);
  const aors = new Set([...(before?.registrations.keys() ?? []), ...after.registrations.keys()]);
  for (const aor of aors) {
    const old = before?.registrations.get(aor)?.contacts ?? new Map<string, ContactView>();
    const now = after.registrations.get(aor)?.contacts ?? new Map<string, ContactView>();
    for (const [id, c] of now) {
      const was = old.get(id);
      if (!was) changes.push({ kind: 'added', aor, contact: c });
      else if (was !== c && JSON.stringify(was.contact) !== JSON.stringify(c.contact)) changes.push({ kind: 'updated', aor, contact: c });
    }
    for (const [id, c] of old) {
      if (!now.has(id)) changes.push({ kind: 'removed', aor, contact: { ...c, event: reasons.get(`${aor}\n${id}`) ?? 'unregistered' } });
    }
  }
  return changes;
}

function contactView(c: ReginfoContact, now: number): ContactView {
  const apps = unknownParam(c, PUSH_EVENT_APP_TAG);
  return {
    id: c.id,
    uri: c.uri,
    event: c.event,
    expiresAt: c.expires === undefined ? null : now + c.expires * 1000,
    instanceId: contactInstanceId(c),
    pubGruu: c.pubGruu ?? null,
    tempGruus: c.tempGruus,
    pushAppIds: contactPushAppIds(c),
    announcesPushApps: apps !== undefined,
    uaprofUrl: contactUaprofUrl(c),
    contact: c,
  };
}

function unknownParam(c: ReginfoContact, name: string): ReginfoContact['unknownParams'][number] | undefined {
  const lower = name.toLowerCase();
  return c.unknownParams.find((p) => p.name.toLowerCase() === lower);
}

/** Push application IDs a contact announces (`+g.oma.pusheventapp="news.ua,mms.ua"`, RFC 3840 token list). */
export function contactPushAppIds(c: ReginfoContact): string[] {
  const p = unknownParam(c, PUSH_EVENT_APP_TAG);
  if (p === undefined) return [];
  const value = parseFeatureValue(p.value);
  return value.kind === 'tokens' ? value.values.filter((v) => !v.startsWith('!')) : [];
}

/** The UAProf URL: `+g.oma.uaprof="<url>"`, else a `uaprof` parameter of the contact URI (percent-decoded). */
export function contactUaprofUrl(c: ReginfoContact): string | null {
  const p = unknownParam(c, UAPROF_CONTACT_PARAM);
  if (p !== undefined && p.value !== null) {
    const value = parseFeatureValue(p.value);
    if (value.kind === 'string' && value.value !== '') return value.value;
    const bare = stripQuotes(p.value);
    if (bare !== '') return bare;
  }
  const m = /;uaprof=([^;?>]*)/i.exec(c.uri);
  if (!m || m[1] === '') return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1]!;
  }
}

/** `urn:uuid:...` from `+sip.instance="<urn:uuid:...>"`. */
export function contactInstanceId(c: ReginfoContact): string | null {
  const p = unknownParam(c, SIP_INSTANCE_TAG);
  if (p === undefined || p.value === null) return null;
  const bare = stripQuotes(p.value);
  const inner = bare.startsWith('<') && bare.endsWith('>') ? bare.slice(1, -1) : bare;
  return inner === '' ? null : inner;
}

function stripQuotes(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}
