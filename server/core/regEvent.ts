/**
 * The registration event package (RFC 3680) of the embedded core: SUBSCRIBE `Event: reg` to
 * an AoR of our domain, NOTIFYs of `application/reginfo+xml` (src/protocol/reginfo) with full
 * state on every SUBSCRIBE and partial state on every binding change the registrar reports.
 * Unlike Kamailio 5.6, each contact carries its Contact parameters (feature tags,
 * `+sip.instance`, `reg-id`, `+g.oma.uaprof`) as `<unknown-param>` and its public GRUU as
 * `<gr:pub-gruu>` (RFC 5628), so a push sender learns the push apps from the reg event alone.
 *
 * A subscription is a dialog (RFC 6665 section 4.2): we are its notifier, keyed by Call-ID,
 * the subscriber's From tag and our To tag.
 *
 * ```
 *            SUBSCRIBE (authorised) -> 200, NOTIFY full state
 *   (none) --------------------------------------------------> active
 *   active --binding change--> NOTIFY partial state (version + 1) --> active
 *   active --SUBSCRIBE refresh--> 200, NOTIFY full state --> active
 *   active --SUBSCRIBE Expires: 0, or expiry--> NOTIFY full state, terminated;reason=timeout --> (none)
 *   active --NOTIFY answered >= 300 or timed out, flow closed--> (none), nothing sent
 * ```
 *
 * One NOTIFY per subscription is outstanding at a time (RFC 6665 section 4.2.2); later ones
 * wait in order, and past `maxQueuedRegNotifies` they collapse into one full-state NOTIFY.
 */
import { createHash } from 'node:crypto';
import {
  createResponse,
  getHeader,
  getHeaderValues,
  parseNameAddr,
  randomToken,
  type SipHeader,
  type SipRequest,
  type SipResponse,
  type SipUri,
} from '../../src/protocol/sip/index.ts';
import { buildReginfo, REGINFO_CONTENT_TYPE, type ReginfoContact, type ReginfoRegistration, type RegistrationState } from '../../src/protocol/reginfo/index.ts';
import type { Flow } from './flows.ts';
import type { LocalAddresses } from './localAddresses.ts';
import type { CoreLimits } from './options.ts';
import type { Binding, BindingChange, Registrar } from './registrar.ts';
import type { TimerHandle, TimerWheel } from './timers.ts';
import type { ClientTransaction, ClientTransactionUser, ServerTransaction } from './transactions.ts';

export interface RegEventDeps {
  registrar: Registrar;
  timers: TimerWheel;
  local: LocalAddresses;
  domain: string;
  /** Configured users (null: noAuth, any user part is an AoR). */
  users: ReadonlyMap<string, string> | null;
  /** Users who may watch any AoR (null: anyone may). */
  watchers: ReadonlySet<string> | null;
  limits: Pick<CoreLimits, 'maxRegSubscriptions' | 'maxRegSubscriptionExpires' | 'defaultRegSubscriptionExpires' | 'maxQueuedRegNotifies'>;
  /** Send a request of the core's own (our Via added) in a client transaction. */
  sendRequest(flow: Flow, request: SipRequest, user: ClientTransactionUser): void;
  now?: () => number;
}

type Pending = { kind: 'full'; terminate: boolean } | { kind: 'partial'; changes: BindingChange[] };

interface Subscription {
  key: string;
  aor: string;
  /** The subscriber's Event header value, echoed in every NOTIFY (its `id` parameter included). */
  event: string;
  callId: string;
  /** Our From: the SUBSCRIBE's To with our tag. */
  local: string;
  /** Our To: the SUBSCRIBE's From. */
  remote: string;
  remoteTarget: string;
  routeSet: string[];
  flow: Flow;
  expiresAt: number;
  timer: TimerHandle | null;
  cseq: number;
  /** Version of the next document (RFC 3680 section 5.2: from 0, + 1 per NOTIFY). */
  version: number;
  queue: Pending[];
  inFlight: boolean;
  ended: boolean;
}

/** Whether a request is for the reg event package (`Event: reg`, parameters aside). */
export function isRegEvent(request: SipRequest): boolean {
  const event = getHeader(request, 'event');
  return event !== undefined && event.split(';')[0]!.trim().toLowerCase() === 'reg';
}

export class RegEventServer {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly byAor = new Map<string, Set<Subscription>>();
  private readonly expiryTimers = new Map<string, { at: number; handle: TimerHandle }>();
  /** `aor|binding key` -> the last event of a live binding of a watched AoR (registered or refreshed), for full state. */
  private readonly lastEvent = new Map<string, 'registered' | 'refreshed'>();
  private readonly now: () => number;

  constructor(private readonly deps: RegEventDeps) {
    this.now = deps.now ?? Date.now;
    deps.registrar.onChange((aor, changes) => this.bindingsChanged(aor, changes));
  }

  get size(): number {
    return this.subscriptions.size;
  }

  /**
   * Answer a SUBSCRIBE `Event: reg` whose Request-URI is ours: a new subscription (the
   * subscriber is the user the core authenticated, null when it could not), or a refresh or
   * unsubscribe in an existing one.
   */
  subscribe(tx: ServerTransaction, ruri: SipUri, subscriber: string | null, inDialog: boolean): void {
    const request = tx.request;
    const reply = (status: number, reason?: string, headers: SipHeader[] = [], toTag = randomToken(10)) =>
      tx.respond(createResponse(request, status, { ...(reason ? { reason } : {}), headers, toTag }));

    const accept = getHeaderValues(request, 'accept');
    if (accept.length > 0 && !accept.some((a) => /^(application\/reginfo\+xml|application\/\*|\*\/\*)\s*(;|$)/i.test(a.trim()))) {
      return void reply(406, 'Only application/reginfo+xml', [{ name: 'Accept', value: REGINFO_CONTENT_TYPE }]);
    }
    const expiresText = getHeader(request, 'expires');
    if (expiresText !== undefined && !/^\d+$/.test(expiresText.trim())) return void reply(400, `Invalid Expires: ${expiresText.slice(0, 40)}`);
    const requested = expiresText === undefined ? this.deps.limits.defaultRegSubscriptionExpires : Number(expiresText.trim());
    const expires = Math.min(requested, this.deps.limits.maxRegSubscriptionExpires);

    if (inDialog) {
      const sub = this.subscriptions.get(dialogKey(request, 'in'));
      if (!sub) return void reply(481, 'No such subscription');
      sub.flow = tx.flow;
      const toTag = parseNameAddr(sub.local).params.get('tag') ?? undefined;
      reply(200, undefined, [{ name: 'Expires', value: String(expires) }, { name: 'Contact', value: this.contact(tx.flow) }], toTag);
      this.renew(sub, expires);
      return;
    }

    if (ruri.user === undefined) return void reply(404, 'Reg event needs an address of record');
    if (this.deps.users && !this.deps.users.has(ruri.user)) return void reply(404, 'No such address of record');
    if (this.deps.watchers !== null && (subscriber === null || (subscriber !== ruri.user && !this.deps.watchers.has(subscriber)))) {
      return void reply(403, 'Not allowed to watch this registration');
    }
    const contactValue = getHeaderValues(request, 'contact')[0];
    if (contactValue === undefined) return void reply(400, 'SUBSCRIBE without Contact');
    let remoteTarget: string;
    try {
      remoteTarget = parseNameAddr(contactValue).uri;
    } catch {
      return void reply(400, 'Malformed Contact');
    }
    if (expires > 0 && this.subscriptions.size >= this.deps.limits.maxRegSubscriptions) {
      return void reply(503, `Too many reg-event subscriptions (limit ${this.deps.limits.maxRegSubscriptions})`, [{ name: 'Retry-After', value: '60' }]);
    }
    const aor = `sip:${ruri.user}@${this.deps.domain}`;
    const toTag = randomToken(10);
    const sub: Subscription = {
      key: '',
      aor,
      event: getHeader(request, 'event')!.trim(),
      callId: getHeader(request, 'call-id')!,
      local: `${getHeader(request, 'to')!};tag=${toTag}`,
      remote: getHeader(request, 'from')!,
      remoteTarget,
      // RFC 3261 section 12.1.1: the UAS route set is the Record-Route in order.
      routeSet: getHeaderValues(request, 'record-route'),
      flow: tx.flow,
      expiresAt: 0,
      timer: null,
      cseq: 0,
      version: 0,
      queue: [],
      inFlight: false,
      ended: false,
    };
    sub.key = dialogKey(request, 'out', toTag);
    reply(200, undefined, [{ name: 'Expires', value: String(expires) }, { name: 'Contact', value: this.contact(tx.flow) }], toTag);
    this.subscriptions.set(sub.key, sub);
    let set = this.byAor.get(aor);
    if (!set) this.byAor.set(aor, (set = new Set()));
    set.add(sub);
    // Expires: 0 on a new subscription is a fetch: one full-state NOTIFY that ends it (RFC 6665 section 4.2.1.1).
    this.renew(sub, expires);
  }

  /** The subscriptions whose NOTIFYs go over a flow that closed end, silently. */
  flowClosed(flow: Flow): void {
    for (const sub of [...this.subscriptions.values()]) if (sub.flow === flow) this.end(sub);
  }

  shutdown(): void {
    for (const sub of [...this.subscriptions.values()]) this.end(sub);
    for (const t of this.expiryTimers.values()) t.handle.cancel();
    this.expiryTimers.clear();
  }

  // ---- subscriptions ---------------------------------------------------------------------

  private renew(sub: Subscription, expires: number): void {
    sub.timer?.cancel();
    sub.timer = null;
    if (expires === 0) {
      sub.expiresAt = this.now();
      this.enqueue(sub, { kind: 'full', terminate: true });
      return;
    }
    sub.expiresAt = this.now() + expires * 1000;
    sub.timer = this.deps.timers.schedule(expires * 1000, () => {
      sub.timer = null;
      this.enqueue(sub, { kind: 'full', terminate: true });
    });
    this.enqueue(sub, { kind: 'full', terminate: false });
    this.armExpiry(sub.aor);
  }

  private end(sub: Subscription): void {
    if (sub.ended) return;
    sub.ended = true;
    sub.timer?.cancel();
    sub.timer = null;
    sub.queue = [];
    this.subscriptions.delete(sub.key);
    const set = this.byAor.get(sub.aor);
    set?.delete(sub);
    if (set && set.size === 0) {
      this.byAor.delete(sub.aor);
      this.expiryTimers.get(sub.aor)?.handle.cancel();
      this.expiryTimers.delete(sub.aor);
      for (const key of this.lastEvent.keys()) if (key.startsWith(`${sub.aor}|`)) this.lastEvent.delete(key);
    }
  }

  private bindingsChanged(aor: string, changes: BindingChange[]): void {
    const subs = this.byAor.get(aor);
    if (!subs) return;
    for (const c of changes) {
      if (c.event === 'registered' || c.event === 'refreshed') this.lastEvent.set(`${aor}|${c.binding.key}`, c.event);
      else this.lastEvent.delete(`${aor}|${c.binding.key}`);
    }
    for (const sub of subs) this.enqueue(sub, { kind: 'partial', changes });
    this.armExpiry(aor);
  }

  /**
   * Bindings expire lazily in the registrar (on lookup); while an AoR is watched, a timer at
   * its next expiry makes the registrar notice, so the expiry reaches the subscribers.
   */
  private armExpiry(aor: string): void {
    if (!this.byAor.has(aor)) return;
    const next = this.deps.registrar.nextExpiry(aor);
    const current = this.expiryTimers.get(aor);
    if (current && current.at === next) return;
    current?.handle.cancel();
    this.expiryTimers.delete(aor);
    if (next === null) return;
    const handle = this.deps.timers.schedule(Math.max(0, next - this.now()) + 1, () => {
      this.expiryTimers.delete(aor);
      this.armExpiry(aor); // the lookup inside sweeps the expired bindings; their change re-arms too
    });
    this.expiryTimers.set(aor, { at: next, handle });
  }

  // ---- NOTIFY ----------------------------------------------------------------------------

  private enqueue(sub: Subscription, item: Pending): void {
    if (sub.ended) return;
    sub.queue.push(item);
    if (sub.queue.length > this.deps.limits.maxQueuedRegNotifies) {
      sub.queue = [{ kind: 'full', terminate: sub.queue.some((p) => p.kind === 'full' && p.terminate) }];
    }
    this.pump(sub);
  }

  private pump(sub: Subscription): void {
    if (sub.inFlight || sub.ended) return;
    const item = sub.queue.shift();
    if (!item) return;
    const terminate = item.kind === 'full' && item.terminate;
    if (!sub.flow.open) return this.end(sub);
    const notify = this.buildNotify(sub, item);
    sub.inFlight = true;
    if (terminate) this.end(sub);
    this.deps.sendRequest(sub.flow, notify, {
      onResponse: (_tx: ClientTransaction, response: SipResponse) => {
        if (response.status < 200) return;
        sub.inFlight = false;
        // RFC 6665 section 4.2.2: a NOTIFY rejected (481 above all) ends the subscription.
        if (response.status >= 300) this.end(sub);
        else this.pump(sub);
      },
      onTimeout: () => {
        sub.inFlight = false;
        this.end(sub);
      },
    });
  }

  private buildNotify(sub: Subscription, item: Pending): SipRequest {
    const now = this.now();
    const terminate = item.kind === 'full' && item.terminate;
    const registration: ReginfoRegistration =
      item.kind === 'full' ? this.fullRegistration(sub.aor, now) : this.partialRegistration(sub.aor, item.changes, now);
    const body = buildReginfo({ version: sub.version++, state: item.kind, registrations: [registration] });
    const remaining = Math.max(0, Math.round((sub.expiresAt - now) / 1000));
    const headers: SipHeader[] = [
      ...sub.routeSet.map((value) => ({ name: 'Route', value })),
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: sub.local },
      { name: 'To', value: sub.remote },
      { name: 'Call-ID', value: sub.callId },
      { name: 'CSeq', value: `${++sub.cseq} NOTIFY` },
      { name: 'Contact', value: this.contact(sub.flow) },
      { name: 'Event', value: sub.event },
      { name: 'Subscription-State', value: terminate ? 'terminated;reason=timeout' : `active;expires=${remaining}` },
      { name: 'Content-Type', value: REGINFO_CONTENT_TYPE },
    ];
    return { kind: 'request', method: 'NOTIFY', uri: sub.remoteTarget, headers, body: new TextEncoder().encode(body) };
  }

  private fullRegistration(aor: string, now: number): ReginfoRegistration {
    const bindings = this.deps.registrar.lookup(aor);
    return {
      aor,
      id: shortId(`registration|${aor}`),
      state: bindings.length > 0 ? 'active' : 'init',
      contacts: bindings.map((b) => contactOf(b, 'active', this.lastEvent.get(`${aor}|${b.key}`) ?? 'registered', now)),
    };
  }

  private partialRegistration(aor: string, changes: BindingChange[], now: number): ReginfoRegistration {
    const live = this.deps.registrar.lookup(aor).length;
    const state: RegistrationState = live > 0 ? 'active' : 'terminated';
    // The last change of each contact in this batch is what the subscriber needs.
    const last = new Map<string, BindingChange>();
    for (const c of changes) last.set(c.binding.key, c);
    const contacts = [...last.values()].map((c) => {
      const active = c.event === 'registered' || c.event === 'refreshed';
      return contactOf(c.binding, active ? 'active' : 'terminated', c.event, now);
    });
    return { aor, id: shortId(`registration|${aor}`), state, contacts };
  }

  /** Our Contact in the 200 and NOTIFYs: the core on the subscriber's transport (in-dialog requests come back here). */
  private contact(flow: Flow): string {
    const transport = flow.transport === 'UDP' ? '' : `;transport=${flow.transport.toLowerCase()}`;
    return `<sip:${this.deps.local.sentBy(flow.transport)}${transport}>`;
  }
}

/** Call-ID, subscriber's tag, our tag: from a request in the dialog ('in') or a new SUBSCRIBE and our new tag ('out'). */
function dialogKey(request: SipRequest, direction: 'in' | 'out', ourTag?: string): string {
  const fromTag = parseNameAddr(getHeader(request, 'from') ?? '').params.get('tag') ?? '';
  const toTag = ourTag ?? parseNameAddr(getHeader(request, 'to') ?? '').params.get('tag') ?? '';
  return `${getHeader(request, 'call-id')}|${fromTag}|${direction === 'in' ? toTag : ourTag}`;
}

/** A stable, opaque ID (RFC 3680 ids need only be unique and stable): hash of what names it. */
function shortId(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 16);
}

/** Contact parameters the registrar interprets itself; every other one is an unknown-param. */
const KNOWN_PARAMS = new Set(['expires', 'q']);

function contactOf(b: Binding, state: 'active' | 'terminated', event: ReginfoContact['event'], now: number): ReginfoContact {
  const contact: ReginfoContact = {
    id: shortId(`contact|${b.aor}|${b.key}`),
    state,
    event,
    uri: b.uri,
    unknownParams: [],
    tempGruus: [],
    extraAttributes: {},
    callId: b.callId,
    cseq: b.cseq,
  };
  if (state === 'active') {
    contact.expires = Math.max(0, Math.round((b.expiresAt - now) / 1000));
    contact.durationRegistered = Math.max(0, Math.floor((now - b.registeredAt) / 1000));
  }
  const q = b.params.get('q');
  if (typeof q === 'string' && /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(q)) contact.q = q;
  try {
    const display = parseNameAddr(b.contact).displayName;
    if (display !== undefined && display.trim() === display && display !== '') contact.displayName = display;
  } catch {
    // stored verbatim and parsed at registration: cannot fail here
  }
  for (const [name, value] of b.params) {
    if (KNOWN_PARAMS.has(name)) continue;
    contact.unknownParams.push({ name, value: value === '' ? null : value });
  }
  if (b.pubGruu) contact.pubGruu = b.pubGruu;
  return contact;
}
