/**
 * Registrar (RFC 3261 section 10.3) with instance-keyed bindings (RFC 5626 section 6) and
 * public GRUUs (RFC 5627 section 6).
 *
 * Contact parameters are kept verbatim: the feature tags (`+g.oma.pusheventapp`), the UAProf
 * URL parameter and `+sip.instance` must reach the proxy's Accept-Contact filter and the
 * /bindings inspection exactly as the user agent sent them.
 */
import {
  createResponse,
  featureSetFromParams,
  getHeader,
  getHeaderValues,
  getHeaders,
  isFeatureTag,
  parseCSeq,
  parseNameAddr,
  parseUri,
  pushAppIdsOf,
  randomToken,
  SipError,
  SIP_INSTANCE_TAG,
  unquote,
  type FeatureSet,
  type SipHeader,
  type SipParams,
  type SipRequest,
  type SipResponse,
} from '../../src/protocol/sip/index.ts';
import type { Flow, TransportName } from './flows.ts';
import type { CoreLimits } from './options.ts';

/** What GET /bindings and RunningCore.bindings() report for one binding. */
export interface BindingInfo {
  aor: string;
  /** The Contact header value as registered, parameters verbatim. */
  contact: string;
  /** The contact URI (the Request-URI of requests sent to this binding). */
  uri: string;
  instanceId: string | null;
  regId: string | null;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** Feature-tag parameters (RFC 3840), name (lower case) -> raw value (quotes kept; null for a flag). */
  featureTags: Record<string, string | null>;
  pushApps: string[];
  pubGruu: string | null;
  transport: TransportName;
  userAgent: string | null;
}

export interface Binding {
  readonly key: string;
  readonly aor: string;
  readonly contact: string;
  readonly uri: string;
  readonly params: SipParams;
  /** Parsed once at registration so the per-request Accept-Contact filter stays cheap. */
  readonly features: FeatureSet;
  readonly instanceId: string | null;
  readonly regId: string | null;
  readonly pubGruu: string | null;
  readonly callId: string;
  readonly cseq: number;
  readonly expiresAt: number;
  readonly flow: Flow;
  readonly userAgent: string | null;
  /** Epoch ms of the first REGISTER of this binding (kept across refreshes; reg event duration-registered). */
  readonly registeredAt: number;
}

/**
 * What happened to a binding, in RFC 3680 section 5.1's terms: `registered` (new, by
 * REGISTER), `refreshed` (REGISTER again), `unregistered` (expires 0 or Contact: *),
 * `expired`, `deactivated` (its flow closed, or removeBindings: the UA should register again).
 */
export type BindingEvent = 'registered' | 'refreshed' | 'unregistered' | 'expired' | 'deactivated';

export interface BindingChange {
  binding: Binding;
  event: BindingEvent;
}

/** Changes to one AoR's bindings, delivered in a microtask after the operation that made them. */
export type BindingChangeListener = (aor: string, changes: BindingChange[]) => void;

export class Registrar {
  /** AoR -> binding key -> binding. */
  private readonly byAor = new Map<string, Map<string, Binding>>();
  /** Contact URI -> bindings with that URI (requests addressed to a known contact). */
  private readonly byUri = new Map<string, Set<Binding>>();
  private readonly changeListeners = new Set<BindingChangeListener>();
  /** Changes not delivered yet, by AoR (flushed in one microtask, so listeners never run inside a lookup). */
  private pendingChanges: Map<string, BindingChange[]> | null = null;

  constructor(private readonly limits: CoreLimits, private readonly now: () => number = Date.now) {}

  /**
   * Process a REGISTER whose To is `aor` (already authorised). Returns the response to send.
   * Follows RFC 3261 section 10.3 steps 6-8.
   */
  register(request: SipRequest, aor: string, flow: Flow): SipResponse {
    const toTag = randomToken(10);
    const contacts = getHeaderValues(request, 'contact');
    const callId = getHeader(request, 'call-id') ?? '';
    const cseq = parseCSeq(getHeader(request, 'cseq') ?? '').seq;
    const expiresHeader = getHeader(request, 'expires');
    if (expiresHeader !== undefined && !/^\d+$/.test(expiresHeader)) {
      return createResponse(request, 400, { reason: `Invalid Expires: ${expiresHeader.slice(0, 40)}`, toTag });
    }
    const supportsGruu = getHeaderValues(request, 'supported').some((v) => v.toLowerCase() === 'gruu');
    this.sweep(aor);

    if (contacts.length === 1 && contacts[0] === '*') {
      if (expiresHeader !== '0') return createResponse(request, 400, { reason: 'Contact: * requires Expires: 0', toTag });
      this.removeAor(aor, 'unregistered');
      return this.ok(request, aor, toTag);
    }
    if (contacts.includes('*')) return createResponse(request, 400, { reason: 'Contact: * must be the only Contact', toTag });

    interface Update { key: string; expires: number; contact: string; uri: string; params: SipParams }
    const updates: Update[] = [];
    for (const contact of contacts) {
      let addr;
      try {
        addr = parseNameAddr(contact);
        parseUri(addr.uri);
      } catch (error) {
        return createResponse(request, 400, { reason: error instanceof SipError ? error.message : 'Malformed Contact', toTag });
      }
      const param = addr.params.get('expires');
      if (param !== undefined && (param === null || !/^\d+$/.test(param))) {
        return createResponse(request, 400, { reason: `Invalid Contact expires: ${String(param)}`, toTag });
      }
      let expires = Number(param ?? expiresHeader ?? this.limits.defaultExpires);
      if (expires > 0 && expires < this.limits.minExpires) {
        // RFC 3261 section 10.3 step 6: 423 with the minimum the registrar accepts.
        return createResponse(request, 423, { toTag, headers: [{ name: 'Min-Expires', value: String(this.limits.minExpires) }] });
      }
      expires = Math.min(expires, this.limits.maxExpires);
      updates.push({ key: bindingKey(addr.uri, addr.params), expires, contact, uri: addr.uri, params: addr.params });
    }

    const current = this.byAor.get(aor) ?? new Map<string, Binding>();
    // RFC 3261 section 10.3 step 7: a same-Call-ID update must have a higher CSeq.
    for (const u of updates) {
      const existing = current.get(u.key);
      if (existing && existing.callId === callId && existing.cseq >= cseq) {
        return createResponse(request, 500, { reason: 'Out of order REGISTER (CSeq not higher than the binding)', toTag });
      }
    }
    const additions = updates.filter((u) => u.expires > 0 && !current.has(u.key)).length;
    const removals = updates.filter((u) => u.expires === 0 && current.has(u.key)).length;
    if (current.size + additions - removals > this.limits.maxContactsPerAor) {
      return createResponse(request, 503, { reason: `Too many registered contacts (limit ${this.limits.maxContactsPerAor})`, toTag });
    }

    const userAgent = getHeader(request, 'user-agent') ?? null;
    for (const u of updates) {
      const old = current.get(u.key);
      if (old) this.unindex(old);
      if (u.expires === 0) {
        current.delete(u.key);
        if (old) this.changed(aor, old, 'unregistered');
        continue;
      }
      const instanceId = instanceOf(u.params);
      const regId = u.params.get('reg-id') ?? null;
      const binding: Binding = {
        key: u.key,
        aor,
        contact: u.contact,
        uri: u.uri,
        params: u.params,
        features: featureSetFromParams(u.params),
        instanceId,
        regId,
        pubGruu: instanceId && supportsGruu ? `${aor};gr=${instanceId}` : null,
        callId,
        cseq,
        expiresAt: this.now() + u.expires * 1000,
        flow,
        userAgent,
        registeredAt: old?.registeredAt ?? this.now(),
      };
      current.set(u.key, binding);
      this.changed(aor, binding, old ? 'refreshed' : 'registered');
      let set = this.byUri.get(binding.uri);
      if (!set) this.byUri.set(binding.uri, (set = new Set()));
      set.add(binding);
    }
    if (current.size > 0) this.byAor.set(aor, current);
    else this.byAor.delete(aor);
    return this.ok(request, aor, toTag);
  }

  /** Live bindings of an address of record. */
  lookup(aor: string): Binding[] {
    this.sweep(aor);
    const bindings = this.byAor.get(aor);
    return bindings ? [...bindings.values()] : [];
  }

  /** A live binding whose contact URI is exactly `uri` (requests addressed to a known contact). */
  findByUri(uri: string): Binding | undefined {
    const set = this.byUri.get(uri);
    if (!set) return undefined;
    const now = this.now();
    for (const b of set) if (b.expiresAt > now && b.flow.open) return b;
    return undefined;
  }

  /** The flows of live bindings: the only way to reach those contacts, so never idle-closed. */
  heldFlows(): Set<Flow> {
    const now = this.now();
    const held = new Set<Flow>();
    for (const bindings of this.byAor.values()) for (const b of bindings.values()) if (b.expiresAt > now && b.flow.open) held.add(b.flow);
    return held;
  }

  /** Drop the bindings that came over a flow that closed (RFC 5626 section 5.3). */
  removeFlow(flow: Flow): void {
    for (const [aor, bindings] of this.byAor) {
      for (const [key, b] of bindings) {
        if (b.flow === flow) {
          bindings.delete(key);
          this.unindex(b);
          this.changed(aor, b, 'deactivated');
        }
      }
      if (bindings.size === 0) this.byAor.delete(aor);
    }
  }

  /**
   * Remove every binding of an AoR, as an operator or an expiry would, without closing their
   * flows (tests: a lost registration must be noticed by the client). Returns how many.
   */
  removeBindings(aor: string): number {
    const count = this.byAor.get(aor)?.size ?? 0;
    this.removeAor(aor, 'deactivated');
    return count;
  }

  /** Observe binding changes (the reg event package); returns an unsubscribe function. */
  onChange(listener: BindingChangeListener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Epoch ms of the first expiry among an AoR's live bindings, or null when it has none. */
  nextExpiry(aor: string): number | null {
    let next: number | null = null;
    for (const b of this.lookup(aor)) if (next === null || b.expiresAt < next) next = b.expiresAt;
    return next;
  }

  /** Every live binding, or those of one AoR. */
  bindings(aor?: string): BindingInfo[] {
    const aors = aor !== undefined ? [aor] : [...this.byAor.keys()];
    return aors.flatMap((a) => this.lookup(a).map(toInfo));
  }

  private ok(request: SipRequest, aor: string, toTag: string): SipResponse {
    const headers: SipHeader[] = [];
    const now = this.now();
    // RFC 3261 section 10.3 step 8: the 200 lists every current binding with its expires.
    for (const b of this.lookup(aor)) {
      let value = `${withoutExpires(b.contact)};expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`;
      if (b.pubGruu) value += `;pub-gruu="${b.pubGruu}"`;
      headers.push({ name: 'Contact', value });
    }
    if (getHeaders(request, 'supported').some((s) => /(^|,)\s*gruu\s*(,|$)/i.test(s))) headers.push({ name: 'Supported', value: 'gruu' });
    return createResponse(request, 200, { toTag, headers });
  }

  private sweep(aor: string): void {
    const bindings = this.byAor.get(aor);
    if (!bindings) return;
    const now = this.now();
    for (const [key, b] of bindings) {
      if (b.expiresAt <= now || !b.flow.open) {
        bindings.delete(key);
        this.unindex(b);
        this.changed(aor, b, b.flow.open ? 'expired' : 'deactivated');
      }
    }
    if (bindings.size === 0) this.byAor.delete(aor);
  }

  private removeAor(aor: string, event: BindingEvent): void {
    const bindings = this.byAor.get(aor);
    if (!bindings) return;
    for (const b of bindings.values()) {
      this.unindex(b);
      this.changed(aor, b, event);
    }
    this.byAor.delete(aor);
  }

  private changed(aor: string, binding: Binding, event: BindingEvent): void {
    if (this.changeListeners.size === 0) return;
    if (this.pendingChanges === null) {
      this.pendingChanges = new Map();
      queueMicrotask(() => this.flushChanges());
    }
    let list = this.pendingChanges.get(aor);
    if (!list) this.pendingChanges.set(aor, (list = []));
    list.push({ binding, event });
  }

  private flushChanges(): void {
    const pending = this.pendingChanges;
    this.pendingChanges = null;
    if (!pending) return;
    for (const [aor, changes] of pending) {
      for (const listener of this.changeListeners) {
        try {
          listener(aor, changes);
        } catch {
          // an observer must not break the registrar
        }
      }
    }
  }

  private unindex(b: Binding): void {
    const set = this.byUri.get(b.uri);
    if (!set) return;
    set.delete(b);
    if (set.size === 0) this.byUri.delete(b.uri);
  }
}

/** `urn:uuid:...` from `+sip.instance="<urn:uuid:...>"`. */
function instanceOf(params: SipParams): string | null {
  const raw = unquote(params.get(SIP_INSTANCE_TAG));
  if (raw === undefined) return null;
  return raw.startsWith('<') && raw.endsWith('>') ? raw.slice(1, -1) : raw;
}

/**
 * One binding per (instance, reg-id) when the UA names its instance (RFC 5626 section 6,
 * RFC 5627 section 6: a re-registration from the same instance replaces the old contact,
 * even with a new random .invalid host), else one per contact URI (RFC 3261 section 10.3).
 */
function bindingKey(uri: string, params: SipParams): string {
  const instance = instanceOf(params);
  if (instance) return `instance:${instance}|${params.get('reg-id') ?? ''}`;
  return `uri:${uri}`;
}

/** The Contact value without its expires parameter (header parameters follow the `>`). */
function withoutExpires(contact: string): string {
  const gt = contact.indexOf('>');
  const cut = gt >= 0 ? gt + 1 : Math.max(0, contact.indexOf(';'));
  if (gt < 0 && contact.indexOf(';') < 0) return contact;
  return contact.slice(0, cut) + contact.slice(cut).replace(/;\s*expires\s*=\s*[^;]*/gi, '');
}

function toInfo(b: Binding): BindingInfo {
  const featureTags: Record<string, string | null> = {};
  for (const [name, value] of b.params) if (isFeatureTag(name) && name !== SIP_INSTANCE_TAG) featureTags[name] = value;
  return {
    aor: b.aor,
    contact: b.contact,
    uri: b.uri,
    instanceId: b.instanceId,
    regId: b.regId,
    expiresAt: b.expiresAt,
    featureTags,
    pushApps: pushAppIdsOf(b.params),
    pubGruu: b.pubGruu,
    transport: b.flow.transport,
    userAgent: b.userAgent,
  };
}
