/**
 * The service's reg-event subscriptions (RFC 3680 over RFC 6665): one SUBSCRIBE `Event: reg`
 * per watched AoR, on the SIP connection of the service's lean UAC (../../sipClient.ts), whose
 * wire (../../sip/wire.ts) hands over what the MESSAGE path does not claim: the responses to
 * our SUBSCRIBEs (our own non-INVITE transactions, Timer F, one digest retry) and the NOTIFYs.
 * Each NOTIFY of a dialog is answered 200 and its reginfo document handed to the directory,
 * which folds it (src/protocol/reginfo applyReginfo) and asks for full state back here when a
 * version is missing (refresh()).
 *
 * Dialogs (RFC 6665 section 4.1.2.4, RFC 3261 section 12.1.2): a NOTIFY may arrive before the
 * 2xx, so a dialog is known by Call-ID and our From tag from the moment the SUBSCRIBE leaves;
 * its remote target and route set come from the 2xx (Contact, Record-Route reversed), or from
 * the first NOTIFY (Contact, Record-Route in order) until the 2xx arrives. Both cores answer
 * with a Contact naming themselves: in-dialog SUBSCRIBEs (refresh, full-state request,
 * unSUBSCRIBE) go there with the route set as Route headers, To with the notifier's tag.
 *
 * ```
 * one subscription (per AoR):
 *   (new) --subscribe()--> subscribing --2xx--> active --refresh timer / refresh()--> refreshing --2xx--> active
 *   subscribing / refreshing --403, 404, 489, other >= 300, Timer F--> failed --backoff--> subscribing (new dialog)
 *   refreshing --481, Timer F--> subscribing (new dialog, at once)
 *   active --NOTIFY terminated;reason=timeout|deactivated--> subscribing (new dialog, at once, RFC 6665 4.1.3)
 *   active --NOTIFY terminated (other reasons)--> terminated --backoff (or retry-after)--> subscribing
 *   any --flow closed--> pending --backoff while the socket is down / resubscribeAll()--> subscribing
 *   any --unsubscribe() / close()--> (gone): SUBSCRIBE Expires: 0 in the dialog, NOTIFYs after it get 481
 * ```
 * The backoff doubles from `retryInitialMs` to `retryMaxMs` per failed attempt and resets on a
 * 2xx. The socket is the owner's to reconnect (the service re-REGISTERs first); a retry that
 * finds it closed waits for the next one, and resubscribeAll() starts every dialog again at once.
 */
import {
  bodyText,
  createResponse,
  getHeader,
  getHeaders,
  newBranch,
  parseCSeq,
  parseNameAddr,
  parseParams,
  randomToken,
  serializeSipMessage,
  type SipRequest,
  type SipResponse,
} from '../../../../src/protocol/sip/index.ts';
import { parseReginfo, REGINFO_CONTENT_TYPE, type ReginfoDocument } from '../../../../src/protocol/reginfo/index.ts';
import { SENDER_USER_AGENT } from '../../sip/headers.ts';
import { viaLine } from '../../sip/inviteMessages.ts';
import { REASON_CLOSED, REASON_TIMEOUT } from '../../sip/result.ts';
import { DEFAULT_TIMEOUT_MS, TransactionTable } from '../../sip/transactions.ts';
import type { SipWire, SipWireHandler } from '../../sip/wire.ts';
import { DiscoveryError, positiveOption } from './errors.ts';

export type SubscriptionState = 'pending' | 'active' | 'terminated' | 'failed';

/** What the subscriptions tell their owner (the directory). */
export interface RegSubscriptionEvents {
  /** The subscription of `aor` changed state; `error` says why it is not active (one line). */
  onState(aor: string, state: SubscriptionState, error?: string): void;
  /**
   * A NOTIFY's reginfo document. `dialog` counts the dialogs of this AoR's subscription from 1:
   * a new dialog's notifier starts its versions again, from a full-state document.
   */
  onDocument(aor: string, doc: ReginfoDocument, dialog: number): void;
}

/** What the directory asks of the subscriptions (createRegSubscriptions implements it). */
export interface RegSubscriber {
  /** Start watching (no-op when watched). Throws DISCOVERY_ERR_LIMIT past maxSubscriptions. */
  subscribe(aor: string): void;
  /** Stop watching: unSUBSCRIBE in the dialog (Expires: 0). */
  unsubscribe(aor: string): void;
  /** Ask for full state (version gap, unreadable NOTIFY): a SUBSCRIBE refresh in the dialog, else a new one. */
  refresh(aor: string): void;
  /** Start every subscription again at once (after the socket reconnected and the service re-registered). */
  resubscribeAll(): void;
  /** The AoRs watched. */
  readonly size: number;
  /** unSUBSCRIBE everything (bounded by the transaction timeout) and stop listening. */
  close(): Promise<void>;
}

export interface RegSubscriptionOptions {
  /** Requested Expires of every SUBSCRIBE, seconds (default 600). */
  expiresSec?: number;
  /** Refresh this long before the granted expiry, ms (default 60000; at most half the granted time). */
  refreshBeforeMs?: number;
  /** First retry delay after a failure, ms (default 1000); doubles per failed attempt. */
  retryInitialMs?: number;
  /** Longest retry delay, ms (default 60000). */
  retryMaxMs?: number;
  /** Most AoRs watched at once (default 10000); subscribe() past it throws DISCOVERY_ERR_LIMIT. */
  maxSubscriptions?: number;
  /** Timer F of our SUBSCRIBEs, ms (default 32000). */
  transactionTimeoutMs?: number;
}

export const DEFAULT_REG_SUBSCRIPTION_OPTIONS = {
  expiresSec: 600,
  refreshBeforeMs: 60_000,
  retryInitialMs: 1000,
  retryMaxMs: 60_000,
  maxSubscriptions: 10_000,
  transactionTimeoutMs: DEFAULT_TIMEOUT_MS,
} as const satisfies Required<RegSubscriptionOptions>;

export function createRegSubscriptions(wire: SipWire, events: RegSubscriptionEvents, options: RegSubscriptionOptions = {}): RegSubscriber {
  return new RegSubscriptions(wire, events, options);
}

/** Reasons of RFC 6665 section 4.1.3 after which a new subscription is tried at once. */
const RESUBSCRIBE_AT_ONCE = new Set(['timeout', 'deactivated', '']);

interface Dialog {
  aor: string;
  /** 1, 2, ...: the AoR's dialogs in order. */
  number: number;
  callId: string;
  fromTag: string;
  cseq: number;
  remoteTag: string | null;
  remoteTarget: string | null;
  routeSet: string[];
  /** The route set and target came from the 2xx (final), not a NOTIFY before it. */
  fromFinal: boolean;
  /** A NOTIFY of this dialog has said what is registered (a document, or nothing). */
  informed?: boolean;
}

interface Subscription {
  aor: string;
  state: SubscriptionState;
  dialog: Dialog | null;
  dialogs: number;
  /** Failed attempts since the last 2xx. */
  failures: number;
  timer: ReturnType<typeof setTimeout> | null;
  /** Counts the operations; a result of an older one is ignored. */
  op: number;
  /** A SUBSCRIBE is on the wire. */
  busy: boolean;
}

interface Outcome {
  response?: SipResponse;
  reason?: string;
}

interface Tx {
  method: string;
  settle: (outcome: Outcome) => void;
}

class RegSubscriptions implements RegSubscriber, SipWireHandler {
  private readonly subs = new Map<string, Subscription>();
  /** `callId|fromTag` -> the subscription whose current dialog it is. */
  private readonly byDialog = new Map<string, Subscription>();
  /** Dialogs being ended by an unSUBSCRIBE: their last NOTIFY is answered 200 and ignored. */
  private readonly ending = new Set<string>();
  private readonly transactions = new TransactionTable<Tx>((tx) => tx.settle({ reason: REASON_TIMEOUT }));
  private readonly detach: () => void;
  private readonly o: Required<RegSubscriptionOptions>;
  private closed = false;

  constructor(
    private readonly wire: SipWire,
    private readonly events: RegSubscriptionEvents,
    options: RegSubscriptionOptions,
  ) {
    const d = DEFAULT_REG_SUBSCRIPTION_OPTIONS;
    this.o = {
      expiresSec: positiveOption(options.expiresSec, d.expiresSec, 'expiresSec'),
      refreshBeforeMs: positiveOption(options.refreshBeforeMs, d.refreshBeforeMs, 'refreshBeforeMs'),
      retryInitialMs: positiveOption(options.retryInitialMs, d.retryInitialMs, 'retryInitialMs'),
      retryMaxMs: positiveOption(options.retryMaxMs, d.retryMaxMs, 'retryMaxMs'),
      maxSubscriptions: positiveOption(options.maxSubscriptions, d.maxSubscriptions, 'maxSubscriptions'),
      transactionTimeoutMs: positiveOption(options.transactionTimeoutMs, d.transactionTimeoutMs, 'transactionTimeoutMs'),
    };
    this.detach = wire.attach(this);
  }

  get size(): number {
    return this.subs.size;
  }

  subscribe(aor: string): void {
    if (this.closed) throw new DiscoveryError('DISCOVERY_ERR_CLOSED', `Cannot watch ${aor}: the reg-event subscriptions are closed`);
    if (this.subs.has(aor)) return;
    if (this.subs.size >= this.o.maxSubscriptions) {
      throw new DiscoveryError(
        'DISCOVERY_ERR_LIMIT',
        `Cannot watch ${aor}: ${this.o.maxSubscriptions} reg-event subscriptions already (maxSubscriptions); raise maxSubscriptions or spread receivers over more service instances`,
      );
    }
    const sub: Subscription = { aor, state: 'pending', dialog: null, dialogs: 0, failures: 0, timer: null, op: 0, busy: false };
    this.subs.set(aor, sub);
    this.setState(sub, 'pending');
    this.startDialog(sub);
  }

  unsubscribe(aor: string): void {
    const sub = this.subs.get(aor);
    if (!sub) return;
    this.forget(sub);
    void this.endDialog(sub.dialog);
  }

  refresh(aor: string): void {
    const sub = this.subs.get(aor);
    if (!sub || sub.busy) return; // a SUBSCRIBE on its way brings full state anyway
    if (sub.dialog?.remoteTag) void this.refreshDialog(sub);
    else this.startDialog(sub);
  }

  resubscribeAll(): void {
    for (const sub of this.subs.values()) {
      sub.failures = 0;
      this.startDialog(sub);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const dialogs = [...this.subs.values()].map((s) => s.dialog);
    for (const sub of [...this.subs.values()]) this.forget(sub);
    await Promise.allSettled(dialogs.map((d) => this.endDialog(d)));
    this.detach();
    for (const tx of this.transactions.takeAll()) tx.settle({ reason: REASON_CLOSED });
  }

  // ---- SipWireHandler ----------------------------------------------------------------

  onResponse(response: SipResponse, branch: string): boolean {
    let method: string;
    try {
      method = parseCSeq(getHeader(response, 'cseq') ?? '').method;
    } catch {
      return false;
    }
    const tx = this.transactions.match(branch, method);
    if (!tx) return false;
    if (response.status < 200) return true;
    this.transactions.delete(branch);
    tx.settle({ response });
    return true;
  }

  onRequest(request: SipRequest): boolean {
    if (request.method !== 'NOTIFY') return false;
    const event = getHeader(request, 'event');
    if (event === undefined || event.split(';')[0]!.trim().toLowerCase() !== 'reg') return false;
    let toTag: string | null | undefined;
    try {
      toTag = parseNameAddr(getHeader(request, 'to') ?? '').params.get('tag');
    } catch {
      toTag = undefined;
    }
    const key = `${getHeader(request, 'call-id')}|${toTag}`;
    const sub = this.byDialog.get(key);
    const dialog = sub?.dialog;
    if (!sub || !dialog) {
      if (this.ending.has(key)) {
        this.respond(request, 200);
        return true;
      }
      // Not a subscription of ours (any more): the notifier ends it (RFC 6665 section 4.1.3).
      this.respond(request, 481);
      return true;
    }
    this.respond(request, 200);
    if (dialog.remoteTag === null || !dialog.fromFinal) {
      // The NOTIFY came before the 2xx: it establishes the dialog (RFC 6665 section 4.1.2.4).
      try {
        dialog.remoteTag = parseNameAddr(getHeader(request, 'from') ?? '').params.get('tag') ?? null;
        const contact = getHeader(request, 'contact');
        if (contact !== undefined) dialog.remoteTarget = parseNameAddr(contact).uri;
        dialog.routeSet = getHeaders(request, 'record-route');
      } catch {
        // A malformed From or Contact: the 2xx will still establish the dialog.
      }
    }
    this.onNotify(sub, dialog, request);
    return true;
  }

  onClosed(reason: string): void {
    for (const tx of this.transactions.takeAll()) tx.settle({ reason });
    if (this.closed) return;
    for (const sub of this.subs.values()) {
      sub.op++;
      sub.busy = false;
      this.dropDialog(sub);
      this.setState(sub, 'pending', `the connection to the core closed (${reason}); subscribing again once it is back`);
      this.retryLater(sub);
    }
  }

  // ---- subscriptions -----------------------------------------------------------------

  private onNotify(sub: Subscription, dialog: Dialog, request: SipRequest): void {
    const state = parseSubscriptionState(getHeader(request, 'subscription-state'));
    const type = getHeader(request, 'content-type')?.split(';')[0]?.trim().toLowerCase();
    if (request.body.length === 0 && !dialog.informed && state.value !== 'terminated') {
      // Kamailio's first NOTIFY for an AoR nobody registered at has no body: nothing is
      // registered. Said as an empty full state, so the directory knows the AoR (not pending).
      dialog.informed = true;
      this.events.onDocument(sub.aor, { version: 0, state: 'full', registrations: [] }, dialog.number);
    }
    if (request.body.length > 0) {
      dialog.informed = true;
      if (type !== REGINFO_CONTENT_TYPE) {
        this.setState(sub, sub.state, `NOTIFY with Content-Type ${type ?? '(none)'}, expected ${REGINFO_CONTENT_TYPE}`);
      } else {
        let doc: ReginfoDocument | undefined;
        try {
          doc = parseReginfo(bodyText(request));
        } catch (error) {
          // Unreadable state: ask for full state again (the next document replaces it).
          this.setState(sub, sub.state, `unreadable reginfo in a NOTIFY (${error instanceof Error ? error.message : String(error)}); asking for full state`);
          if (state.value !== 'terminated') this.refresh(sub.aor);
        }
        if (doc) this.events.onDocument(sub.aor, doc, dialog.number);
      }
    }
    if (this.subs.get(sub.aor) !== sub || sub.dialog !== dialog) return; // the owner unsubscribed meanwhile
    if (state.value === 'active') {
      if (sub.state !== 'active' && !sub.busy) this.setState(sub, 'active');
    } else if (state.value === 'pending') {
      if (sub.state !== 'pending') this.setState(sub, 'pending', 'the core has not authorised the subscription yet (Subscription-State: pending)');
    } else if (state.value === 'terminated') {
      this.dropDialog(sub);
      sub.op++;
      sub.busy = false;
      const reason = state.params.get('reason') ?? '';
      if (RESUBSCRIBE_AT_ONCE.has(reason)) {
        this.startDialog(sub);
      } else {
        this.setState(sub, 'terminated', `the core ended the subscription (Subscription-State: terminated;reason=${reason}); subscribing again later`);
        const retryAfter = Number(state.params.get('retry-after'));
        this.retryLater(sub, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined);
      }
    }
  }

  /** A new dialog: SUBSCRIBE out of any dialog to the AoR. */
  private startDialog(sub: Subscription): void {
    this.clearTimer(sub);
    const old = sub.dialog;
    this.dropDialog(sub);
    if (old?.remoteTag) void this.endDialog(old);
    const op = ++sub.op;
    if (!this.wire.isOpen) {
      sub.busy = false;
      this.setState(sub, 'pending', 'the connection to the core is down; subscribing once it is back');
      this.retryLater(sub);
      return;
    }
    const dialog: Dialog = {
      aor: sub.aor,
      number: ++sub.dialogs,
      callId: randomToken(22),
      fromTag: randomToken(10),
      cseq: 0,
      remoteTag: null,
      remoteTarget: null,
      routeSet: [],
      fromFinal: false,
    };
    sub.dialog = dialog;
    this.byDialog.set(`${dialog.callId}|${dialog.fromTag}`, sub);
    sub.busy = true;
    void this.transact(sub.aor, dialog, this.o.expiresSec).then((outcome) => {
      if (sub.op !== op || this.subs.get(sub.aor) !== sub) return;
      sub.busy = false;
      const response = outcome.response;
      if (response && response.status >= 200 && response.status < 300) {
        dialog.remoteTag = tagOf(getHeader(response, 'to')) ?? dialog.remoteTag;
        const contact = getHeader(response, 'contact');
        if (contact !== undefined) {
          try {
            dialog.remoteTarget = parseNameAddr(contact).uri;
          } catch {
            // keep what a NOTIFY said
          }
        }
        // RFC 3261 section 12.1.2: the UAC's route set is the Record-Route reversed.
        dialog.routeSet = getHeaders(response, 'record-route').reverse();
        dialog.fromFinal = true;
        this.established(sub, response);
        return;
      }
      this.failed(sub, outcome, 'SUBSCRIBE');
    });
  }

  /** SUBSCRIBE in the dialog with our Expires (RFC 6665 section 4.1.2.2): refreshes it, and the notifier sends full state. */
  private async refreshDialog(sub: Subscription): Promise<void> {
    const dialog = sub.dialog;
    if (!dialog) return;
    this.clearTimer(sub);
    const op = ++sub.op;
    sub.busy = true;
    const outcome = await this.transact(sub.aor, dialog, this.o.expiresSec);
    if (sub.op !== op || this.subs.get(sub.aor) !== sub) return;
    sub.busy = false;
    const response = outcome.response;
    if (response && response.status >= 200 && response.status < 300) {
      this.established(sub, response);
      return;
    }
    if (outcome.reason === REASON_TIMEOUT || response?.status === 481 || response?.status === 408) {
      // The notifier forgot the dialog (481) or did not answer: a new subscription at once.
      this.startDialog(sub);
      return;
    }
    this.failed(sub, outcome, 'SUBSCRIBE refresh');
  }

  private established(sub: Subscription, response: SipResponse): void {
    sub.failures = 0;
    const granted = Number(getHeader(response, 'expires')?.trim());
    const expiresMs = (Number.isFinite(granted) && granted > 0 ? Math.min(granted, this.o.expiresSec) : this.o.expiresSec) * 1000;
    const refreshIn = Math.max(expiresMs - this.o.refreshBeforeMs, expiresMs / 2);
    if (sub.state !== 'active') this.setState(sub, 'active');
    this.clearTimer(sub);
    sub.timer = unref(setTimeout(() => {
      sub.timer = null;
      if (sub.dialog?.remoteTag) void this.refreshDialog(sub);
      else this.startDialog(sub);
    }, refreshIn));
  }

  private failed(sub: Subscription, outcome: Outcome, what: string): void {
    this.dropDialog(sub);
    const response = outcome.response;
    if (response?.status === 423) {
      // Interval Too Brief (RFC 6665 section 4.1.2.1): the notifier's Min-Expires, once.
      const min = Number(getHeader(response, 'min-expires'));
      if (Number.isFinite(min) && min > this.o.expiresSec && sub.failures === 0) {
        this.o.expiresSec = min;
        sub.failures++;
        this.startDialog(sub);
        return;
      }
    }
    const status = response?.status ?? (outcome.reason === REASON_TIMEOUT ? 408 : 503);
    const closedFlow = !response && outcome.reason !== REASON_TIMEOUT;
    this.setState(sub, closedFlow ? 'pending' : 'failed', failureText(sub.aor, what, status, response?.reason ?? outcome.reason ?? ''));
    this.retryLater(sub);
  }

  private retryLater(sub: Subscription, delayMs?: number): void {
    this.clearTimer(sub);
    const backoff = Math.min(this.o.retryMaxMs, this.o.retryInitialMs * 2 ** Math.min(sub.failures, 30));
    sub.failures++;
    sub.timer = unref(setTimeout(() => {
      sub.timer = null;
      if (this.subs.get(sub.aor) === sub) this.startDialog(sub);
    }, delayMs ?? backoff));
  }

  /** One SUBSCRIBE in its own transaction, answering one 401/407 with credentials. */
  private async transact(aor: string, dialog: Dialog, expires: number): Promise<Outcome> {
    let authLines = '';
    for (let attempt = 0; ; attempt++) {
      const uri = dialog.remoteTag && dialog.remoteTarget ? dialog.remoteTarget : aor;
      const text = this.subscribeText(aor, dialog, uri, expires, authLines);
      const outcome = await this.sendNonInvite(text);
      const status = outcome.response?.status;
      if ((status === 401 || status === 407) && attempt === 0) {
        const creds = this.wire.credentials('SUBSCRIBE', uri, outcome.response!);
        if ('lines' in creds) {
          authLines = creds.lines;
          continue;
        }
      }
      return outcome;
    }
  }

  private subscribeText(aor: string, dialog: Dialog, uri: string, expires: number, authLines: string): (branch: string) => string {
    const cseq = ++dialog.cseq;
    const inDialog = dialog.remoteTag !== null && dialog.remoteTarget !== null;
    return (branch) => {
      let text = `SUBSCRIBE ${uri} SIP/2.0\r\n` + viaLine(this.wire, branch) + `Max-Forwards: 70\r\n`;
      if (inDialog) for (const route of dialog.routeSet) text += `Route: ${route}\r\n`;
      return (
        text +
        `From: ${this.wire.fromHeader};tag=${dialog.fromTag}\r\n` +
        `To: <${aor}>${inDialog ? `;tag=${dialog.remoteTag}` : ''}\r\n` +
        `Call-ID: ${dialog.callId}\r\n` +
        `CSeq: ${cseq} SUBSCRIBE\r\n` +
        `Contact: <${this.wire.contactUri}>\r\n` +
        `Event: reg\r\n` +
        `Accept: ${REGINFO_CONTENT_TYPE}\r\n` +
        `Expires: ${expires}\r\n` +
        `User-Agent: ${SENDER_USER_AGENT}\r\n` +
        authLines +
        `Content-Length: 0\r\n\r\n`
      );
    };
  }

  private sendNonInvite(build: (branch: string) => string): Promise<Outcome> {
    return new Promise((settle) => {
      const branch = newBranch();
      this.transactions.add(branch, { method: 'SUBSCRIBE', settle }, this.o.transactionTimeoutMs);
      if (!this.wire.send(build(branch))) {
        this.transactions.delete(branch);
        settle({ reason: 'the connection to the core is down' });
      }
    });
  }

  /** unSUBSCRIBE (Expires: 0) in a dialog, whatever the answer; the NOTIFY that ends it still gets 200. */
  private async endDialog(dialog: Dialog | null): Promise<void> {
    if (!dialog?.remoteTag || !this.wire.isOpen) return;
    const key = `${dialog.callId}|${dialog.fromTag}`;
    this.ending.add(key);
    try {
      await this.transact(dialog.aor, dialog, 0);
    } finally {
      // Its last NOTIFY follows the 200 on the same ordered connection.
      setTimeout(() => this.ending.delete(key), 1000).unref?.();
    }
  }

  private forget(sub: Subscription): void {
    this.clearTimer(sub);
    sub.op++;
    this.dropDialog(sub, false);
    this.subs.delete(sub.aor);
  }

  /** The dialog is no longer the subscription's: its NOTIFYs get 481 from now on. */
  private dropDialog(sub: Subscription, clear = true): void {
    if (sub.dialog) this.byDialog.delete(`${sub.dialog.callId}|${sub.dialog.fromTag}`);
    if (clear) sub.dialog = null;
  }

  private clearTimer(sub: Subscription): void {
    if (sub.timer) clearTimeout(sub.timer);
    sub.timer = null;
  }

  private setState(sub: Subscription, state: SubscriptionState, error?: string): void {
    sub.state = state;
    this.events.onState(sub.aor, state, error);
  }

  private respond(request: SipRequest, status: number): void {
    this.wire.send(Buffer.from(serializeSipMessage(createResponse(request, status))).toString('utf8'));
  }
}

/** `active;expires=600`, `terminated;reason=timeout`... (RFC 6665 section 8.2.3). */
export function parseSubscriptionState(value: string | undefined): { value: string; params: Map<string, string | null> } {
  if (value === undefined) return { value: '', params: new Map() };
  const semi = value.indexOf(';');
  const head = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  let params = new Map<string, string | null>();
  try {
    params = semi < 0 ? params : parseParams(value.slice(semi));
  } catch {
    // malformed parameters: the state alone still counts
  }
  return { value: head, params };
}

function tagOf(header: string | undefined): string | undefined {
  try {
    return parseNameAddr(header ?? '').params.get('tag') ?? undefined;
  } catch {
    return undefined;
  }
}

/** One line: what was answered, and what to do about it. */
export function failureText(aor: string, what: string, status: number, reason: string): string {
  const head = `${what} Event: reg to ${aor} answered ${status} ${reason}`.trim();
  switch (status) {
    case 403:
      return `${head}: the core does not let this identity watch ${aor}; allow it as a watcher (Kamailio: pushSenders; embedded core: regEventWatchers)`;
    case 404:
      return `${head}: ${aor} is not a user of the core; check the AoR`;
    case 489:
      return `${head}: the core has no reg event package (RFC 3680); use a core with reg event support`;
    case 401:
    case 407:
      return `${head}: the credentials were refused; check the service's SIP password`;
    case 408:
      return `${head}: no answer from the core; retrying`;
    default:
      return `${head}; retrying`;
  }
}

function unref<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
