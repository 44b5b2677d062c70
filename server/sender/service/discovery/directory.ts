/**
 * The directory of receivers (spec 5.3.1 functions 1 and 2, issue 12 items 2 and 3): per watched
 * AoR, its reg-event subscription (regSubscriptions.ts), the registration state folded from the
 * NOTIFYs (src/protocol/reginfo applyReginfo) and, per registered contact, a terminal with its
 * delivery key, push applications, UAProf URL and parsed capabilities. Where the reginfo carries
 * no feature tags (Kamailio 5.6), the terminal is asked by OPTIONS addressed to that contact
 * alone (capabilityQuery.ts: its GRUU, else its contact URI), so every contact of an AoR gets
 * its own answer; its UAProf is fetched through the cache (uaprofCache.ts). The service reads it through
 * ReceiverDirectory (../types.ts) and wakes parked deliveries on onContactAppeared.
 *
 * ```
 * an AoR's entry (subscription: pending | active | terminated | failed, from regSubscriptions.ts):
 *   watch() --> pending, no view (also while the SUBSCRIBE is accepted but no NOTIFY has come)
 *   NOTIFY of the current dialog:  applied -> terminals reconciled | stale -> ignored
 *                                  needs-full (version gap, partial first) -> refresh() (SUBSCRIBE for full state)
 *   NOTIFY of a new dialog:        full -> replaces the view (its versions start again) | partial -> refresh()
 *   expiry sweep (every expirySweepMs): contacts past `expires` with no NOTIFY -> removed
 *
 * a terminal (one live contact, keyed by its URI's user and host):
 *   (none) --contact appears--> known --feature tags in reginfo--> apps known (reginfo)
 *                                 |  --no feature tags--> querying --OPTIONS 200--> apps known (options; instance, GRUU if shown)
 *                                 |                                 --OPTIONS failed--> apps unknown, error kept
 *   apps known + UAProf URL --> fetching --> capabilities | capabilitiesError   (again when the URL changes)
 *   any --contact gone from the view (unregistered, expired, terminated, swept)--> (none)
 * ```
 * onContactAppeared(aor, [terminal key, `aor:<aor>`]) fires when a contact appears, and again
 * when OPTIONS completes it (its key may change to `instance:` and its apps become known):
 * a delivery parked for the AoR or the terminal then looks again.
 *
 * Constructed with its parts injected (subscriber, capability query, UAProf fetcher, clock) for
 * tests; createReceiverDirectory builds the real ones on the service's SipClient.
 */
import { applyReginfo, expireContacts, type ContactView, type ReginfoDocument, type ReginfoView } from '../../../../src/protocol/reginfo/index.ts';
import type { SipClient } from '../../sipClient.ts';
import type { ReceiverDirectory, ReceiverEntry, TerminalEntry } from '../types.ts';
import { createCapabilityQuery, type CapabilityAnswer, type CapabilityQuery, type CapabilityQueryOptions } from './capabilityQuery.ts';
import { positiveOption } from './errors.ts';
import { createRegSubscriptions, type RegSubscriber, type RegSubscriptionEvents, type RegSubscriptionOptions, type SubscriptionState } from './regSubscriptions.ts';
import { createUaprofCache, type UaprofCacheOptions, type UaprofFetcher } from './uaprofCache.ts';

export interface DirectoryParts {
  /** Builds the subscriptions, given where they report (createRegSubscriptions, or a fake). */
  subscriber: (events: RegSubscriptionEvents) => RegSubscriber;
  /** OPTIONS capability query; absent: terminals without feature tags stay unknown. */
  queryCapabilities?: CapabilityQuery;
  /** UAProf fetcher; absent: no capabilities are fetched. */
  fetchUaprof?: UaprofFetcher;
  /** Epoch ms (default Date.now). */
  now?: () => number;
  /** How often contacts past their expiry are dropped, ms (default 1000; 0 or absent timer in tests: call sweep()). */
  expirySweepMs?: number;
}

export interface ReceiverDirectoryOptions {
  /** The service's registered SIP client: SUBSCRIBEs and NOTIFYs go over its wire, OPTIONS through request(). */
  client: SipClient;
  subscriptions?: RegSubscriptionOptions;
  capabilityQuery?: CapabilityQueryOptions;
  uaprof?: UaprofCacheOptions;
  /** Default 1000 ms. */
  expirySweepMs?: number;
}

/** The directory as the service holds it: ReceiverDirectory plus its lifecycle. */
export interface DiscoveryDirectory extends ReceiverDirectory {
  /** (Re)subscribe every watched AoR now: call after each successful REGISTER (start, reconnect, core restart). */
  start(): void;
  /** Stop watching an AoR (unSUBSCRIBE) and forget its entry. */
  unwatch(aor: string): void;
  /** Drop contacts past their expiry now (the timer does it every expirySweepMs). */
  sweep(): void;
  /** unSUBSCRIBE everything and stop the timers. */
  close(): Promise<void>;
}

export const DEFAULT_EXPIRY_SWEEP_MS = 1000;

/** The directory on the service's SIP client, with the real subscriptions, OPTIONS and UAProf cache. */
export function createReceiverDirectory(options: ReceiverDirectoryOptions): DiscoveryDirectory {
  const uaprof = createUaprofCache(options.uaprof);
  return new Directory({
    subscriber: (events) => createRegSubscriptions(options.client.wire, events, options.subscriptions),
    queryCapabilities: createCapabilityQuery(options.client, options.capabilityQuery),
    fetchUaprof: uaprof.get,
    expirySweepMs: options.expirySweepMs ?? DEFAULT_EXPIRY_SWEEP_MS,
  });
}

/** The directory with injected parts (tests, or a service that builds its own). */
export function createDirectoryWithParts(parts: DirectoryParts): DiscoveryDirectory {
  return new Directory(parts);
}

interface Terminal {
  contact: ContactView;
  /** What OPTIONS taught (Kamailio), over what the reginfo lacks. */
  learned: CapabilityAnswer | null;
  query: 'none' | 'querying' | 'done' | 'failed';
  queryError?: string;
  capabilities: TerminalEntry['capabilities'];
  capabilitiesError?: string;
  /** The UAProf URL fetched (or being fetched) for `capabilities`. */
  uaprofFor: string | null;
  /** The key and apps last announced through onContactAppeared. */
  announcedKey: string | null;
  announcedApps: boolean;
}

interface AorState {
  aor: string;
  subscription: SubscriptionState;
  subscriptionError?: string;
  view: ReginfoView | null;
  /** The subscription dialog whose versions the view follows (0: none yet). */
  dialog: number;
  /** By contact key (scheme, user and host of the URI). */
  terminals: Map<string, Terminal>;
  updatedAt: number;
}

class Directory implements DiscoveryDirectory {
  private readonly aors = new Map<string, AorState>();
  private readonly appearedListeners = new Set<(aor: string, keys: string[]) => void>();
  private readonly changeListeners = new Set<(entry: ReceiverEntry) => void>();
  private readonly subscriber: RegSubscriber;
  private readonly now: () => number;
  private readonly sweepTimer: ReturnType<typeof setInterval> | null;
  private closed = false;

  constructor(private readonly parts: DirectoryParts) {
    this.now = parts.now ?? Date.now;
    this.subscriber = parts.subscriber({
      onState: (aor, state, error) => this.onState(aor, state, error),
      onDocument: (aor, doc, dialog) => this.onDocument(aor, doc, dialog),
    });
    if (parts.expirySweepMs !== undefined && parts.expirySweepMs !== 0) {
      const every = positiveOption(parts.expirySweepMs, DEFAULT_EXPIRY_SWEEP_MS, 'expirySweepMs');
      this.sweepTimer = setInterval(() => this.sweep(), every);
      this.sweepTimer.unref?.();
    } else {
      this.sweepTimer = null;
    }
  }

  // ---- ReceiverDirectory ------------------------------------------------------------

  watch(aor: string): void {
    if (this.aors.has(aor)) return;
    const state: AorState = { aor, subscription: 'pending', view: null, dialog: 0, terminals: new Map(), updatedAt: this.now() };
    this.aors.set(aor, state);
    try {
      this.subscriber.subscribe(aor);
    } catch (error) {
      this.aors.delete(aor);
      throw error;
    }
  }

  get(aor: string): ReceiverEntry | undefined {
    const state = this.aors.get(aor);
    return state ? this.entryOf(state) : undefined;
  }

  list(): ReceiverEntry[] {
    return [...this.aors.values()].map((s) => this.entryOf(s));
  }

  onContactAppeared(listener: (aor: string, keys: string[]) => void): () => void {
    this.appearedListeners.add(listener);
    return () => this.appearedListeners.delete(listener);
  }

  onChange(listener: (entry: ReceiverEntry) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  // ---- lifecycle ----------------------------------------------------------------------

  start(): void {
    this.subscriber.resubscribeAll();
  }

  unwatch(aor: string): void {
    if (!this.aors.delete(aor)) return;
    this.subscriber.unsubscribe(aor);
  }

  sweep(): void {
    const now = this.now();
    for (const state of this.aors.values()) {
      if (!state.view) continue;
      const { view, changes } = expireContacts(state.view, now);
      if (changes.length === 0) continue;
      state.view = view;
      this.reconcile(state);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.subscriber.close();
  }

  // ---- events from the subscriptions ----------------------------------------------------

  private onState(aor: string, subscription: SubscriptionState, error?: string): void {
    const state = this.aors.get(aor);
    if (!state) return;
    if (state.subscription === subscription && state.subscriptionError === error) return;
    state.subscription = subscription;
    if (error === undefined) delete state.subscriptionError;
    else state.subscriptionError = error;
    this.changed(state);
  }

  private onDocument(aor: string, doc: ReginfoDocument, dialog: number): void {
    const state = this.aors.get(aor);
    if (!state) return;
    const now = this.now();
    if (dialog !== state.dialog) {
      // A new dialog counts its versions again: only its full state can replace the view.
      if (doc.state !== 'full') {
        this.subscriber.refresh(aor);
        return;
      }
      state.dialog = dialog;
    }
    // Kamailio 5.6 writes version 0 in every document: full state applies whatever its version.
    const result = applyReginfo(state.view, doc, { now, ignoreFullStateVersion: true });
    if (result.needFullState) this.subscriber.refresh(aor);
    if (result.outcome !== 'applied') return;
    state.view = result.view;
    this.reconcile(state);
  }

  // ---- terminals ------------------------------------------------------------------------

  /** Terminals follow the view's live contacts: new ones appear, gone ones go. */
  private reconcile(state: AorState): void {
    const now = this.now();
    const live = new Map<string, ContactView>();
    for (const registration of state.view?.registrations.values() ?? []) {
      for (const c of registration.contacts.values()) if (c.expiresAt === null || c.expiresAt > now) live.set(contactKey(c.uri), c);
    }
    const appeared: Terminal[] = [];
    for (const [key, terminal] of state.terminals) if (!live.has(key)) state.terminals.delete(key);
    for (const [key, contact] of live) {
      const terminal = state.terminals.get(key);
      if (terminal) {
        terminal.contact = contact;
        continue;
      }
      const fresh: Terminal = { contact, learned: null, query: 'none', capabilities: null, uaprofFor: null, announcedKey: null, announcedApps: false };
      state.terminals.set(key, fresh);
      appeared.push(fresh);
    }
    for (const terminal of state.terminals.values()) {
      if (!terminal.contact.announcesPushApps && terminal.query === 'none') this.query(state, terminal);
      this.fetchCapabilities(state, terminal);
    }
    this.changed(state);
    for (const terminal of appeared) this.announce(state, terminal);
  }

  private query(state: AorState, terminal: Terminal): void {
    const ask = this.parts.queryCapabilities;
    if (!ask) return;
    terminal.query = 'querying';
    const c = terminal.contact;
    // The OPTIONS reaches this contact only (its GRUU or its URI): the answer is this terminal's,
    // whatever URI its Contact shows (a proxy's alias, or its GRUU).
    void ask({ aor: state.aor, contactUri: c.uri, pubGruu: c.pubGruu, instanceId: c.instanceId }).then((result) => {
      if (!this.isCurrent(state, terminal)) return;
      if (result.ok) {
        terminal.learned = result.answer;
        terminal.query = 'done';
        delete terminal.queryError;
        this.fetchCapabilities(state, terminal);
      } else {
        terminal.query = 'failed';
        terminal.queryError = result.error;
      }
      this.changed(state);
      if (result.ok) this.announce(state, terminal);
    });
  }

  private fetchCapabilities(state: AorState, terminal: Terminal): void {
    const fetchUaprof = this.parts.fetchUaprof;
    const url = uaprofUrlOf(terminal);
    if (!fetchUaprof || url === null || terminal.uaprofFor === url) return;
    terminal.uaprofFor = url;
    void fetchUaprof(url).then((result) => {
      if (terminal.uaprofFor !== url || !this.isCurrent(state, terminal)) return;
      if (result.ok) {
        terminal.capabilities = result.capabilities;
        delete terminal.capabilitiesError;
      } else {
        terminal.capabilities = null;
        terminal.capabilitiesError = result.error;
      }
      this.changed(state);
    });
  }

  /** onContactAppeared with the terminal's key, when it is new or its key or apps are newly known. */
  private announce(state: AorState, terminal: Terminal): void {
    const key = terminalKey(terminal);
    const apps = pushAppsOf(terminal).apps !== null;
    if (terminal.announcedKey === key && terminal.announcedApps === apps) return;
    terminal.announcedKey = key;
    terminal.announcedApps = apps;
    const keys = [key, `aor:${state.aor}`];
    for (const listener of [...this.appearedListeners]) listener(state.aor, keys);
  }

  private isCurrent(state: AorState, terminal: Terminal): boolean {
    return this.aors.get(state.aor) === state && state.terminals.get(contactKey(terminal.contact.uri)) === terminal;
  }

  private changed(state: AorState): void {
    state.updatedAt = this.now();
    if (this.changeListeners.size === 0) return;
    const entry = this.entryOf(state);
    for (const listener of [...this.changeListeners]) listener(entry);
  }

  private entryOf(state: AorState): ReceiverEntry {
    const now = this.now();
    const terminals = [...state.terminals.values()].filter((t) => t.contact.expiresAt === null || t.contact.expiresAt > now).map(terminalEntry);
    // Accepted (200) but no NOTIFY yet: nothing is known of the AoR, so it still reads pending
    // (RFC 6665 section 4.1.2.4: the first NOTIFY carries the state), not "active with no contact".
    const subscription = state.subscription === 'active' && state.view === null ? 'pending' : state.subscription;
    const entry: ReceiverEntry = { aor: state.aor, subscription, terminals, updatedAt: state.updatedAt };
    if (state.subscriptionError !== undefined) entry.subscriptionError = state.subscriptionError;
    return entry;
  }
}

/** A contact's identity across NOTIFYs: scheme, user and host of its URI (ids and parameters vary by core). */
export function contactKey(uri: string): string {
  return /^(sips?):([^;?>]*)/i.exec(uri.trim())?.slice(1, 3).join(':').toLowerCase() ?? uri;
}

/** The delivery key: `instance:<urn>`, else `gruu:<uri>`, else `contact:<uri>`. */
function terminalKey(t: Terminal): string {
  const instance = t.contact.instanceId ?? t.learned?.instanceId ?? null;
  if (instance) return `instance:${instance}`;
  const gruu = pubGruuOf(t);
  if (gruu) return `gruu:${gruu}`;
  return `contact:${t.contact.uri}`;
}

function pushAppsOf(t: Terminal): { apps: string[] | null; source: TerminalEntry['appsSource'] } {
  if (t.contact.announcesPushApps) return { apps: t.contact.pushAppIds, source: 'reginfo' };
  if (t.learned) return { apps: t.learned.pushApps ?? [], source: 'options' };
  return { apps: null, source: null };
}

function pubGruuOf(t: Terminal): string | null {
  return t.contact.pubGruu ?? t.learned?.pubGruu ?? null;
}

function uaprofUrlOf(t: Terminal): string | null {
  return t.contact.uaprofUrl ?? t.learned?.uaprofUrl ?? null;
}

function terminalEntry(t: Terminal): TerminalEntry {
  const { apps, source } = pushAppsOf(t);
  const entry: TerminalEntry = {
    key: terminalKey(t),
    contact: t.contact.uri,
    instanceId: t.contact.instanceId ?? t.learned?.instanceId ?? null,
    pubGruu: pubGruuOf(t),
    expiresAt: t.contact.expiresAt,
    pushApps: apps,
    appsSource: source,
    uaprofUrl: uaprofUrlOf(t),
    capabilities: t.capabilities,
  };
  const error = t.capabilitiesError ?? (t.query === 'failed' ? t.queryError : undefined);
  if (error !== undefined) entry.capabilitiesError = error;
  return entry;
}
