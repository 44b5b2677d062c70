/**
 * A reg-event watcher (RFC 3680) for the Kamailio tests (deploy/kamailio) and specs (e2e): one
 * SUBSCRIBE `Event: reg` to an AoR from a SIP-over-WebSocket UA (sipUa.ts, digest included),
 * the application/reginfo+xml NOTIFYs of that subscription (same Call-ID), and its end: an
 * unSUBSCRIBE (Expires: 0) in the dialog and the NOTIFY that answers it, which the caller
 * asserts says `Subscription-State: terminated` (RFC 6665 section 4.1.2.3).
 *
 * No fallback: a NOTIFY that does not come within the wait fails it. (Earlier versions sent a
 * new SUBSCRIBE when it did not come, up to five times, and took the new subscription's
 * full-state NOTIFY instead: that hid exactly the missing NOTIFY these tests are about.)
 */
import { bodyText, getHeader, getHeaders, parseCSeq, type SipRequest, type SipResponse } from '../../src/protocol/sip/index.ts';
import { SipUa, type SipExchange } from './sipUa.ts';

export interface ReginfoNotify {
  request: SipRequest;
  event: string | undefined;
  contentType: string | undefined;
  subscriptionState: string | undefined;
  xml: string;
}

export interface RegInfoContact {
  state: string;
  event: string;
  uri: string;
  attributes: string;
}

/** The <contact> elements of a reginfo document (Kamailio's pua_reginfo layout). */
export function reginfoContacts(xml: string): RegInfoContact[] {
  const contacts: RegInfoContact[] = [];
  for (const m of xml.matchAll(/<contact\s([^>]*)>\s*<uri>([^<]*)<\/uri>/g)) {
    const attributes = m[1]!;
    contacts.push({
      state: /\sstate="([^"]*)"/.exec(` ${attributes}`)?.[1] ?? '',
      event: /\sevent="([^"]*)"/.exec(` ${attributes}`)?.[1] ?? '',
      uri: m[2]!,
      attributes,
    });
  }
  return contacts;
}

function reginfoNotify(request: SipRequest): ReginfoNotify {
  return {
    request,
    event: getHeader(request, 'Event'),
    contentType: getHeader(request, 'Content-Type'),
    subscriptionState: getHeader(request, 'Subscription-State'),
    xml: bodyText(request),
  };
}

export interface RegEventWaitOptions {
  /** Only NOTIFYs received from this mark() on (default: the subscription's start). */
  since?: number;
  /** Default 10 s. */
  timeoutMs?: number;
}

const DEFAULT_WAIT_MS = 10_000;

export class RegEventWatcher {
  private constructor(
    /** The UA the subscription lives on (its NOTIFYs must be answered: autoAnswer NOTIFY 200). */
    readonly ua: SipUa,
    readonly target: string,
    /** The SUBSCRIBE as sent and every final answer to it (challenges included). */
    readonly subscribed: SipExchange,
    /** Index into ua.received where the subscription began. */
    private readonly start: number,
    private readonly ownsUa: boolean,
  ) {}

  /** CSeq of our last request in the dialog. */
  private cseq = 0;

  /** SUBSCRIBE Event: reg to `target` on a UA the caller owns; throws unless the final answer is 2xx. */
  static async subscribe(ua: SipUa, target: string, options: { expires?: number } = {}): Promise<RegEventWatcher> {
    return RegEventWatcher.start(ua, target, options, false);
  }

  /** As subscribe(), on a UA of its own (answering NOTIFYs), which close() closes. */
  static async connect(args: { wsUrl: string; aor: string; password: string; target: string }): Promise<RegEventWatcher> {
    const ua = await SipUa.connect(args.wsUrl, { aor: args.aor, password: args.password, timeoutMs: 10_000, autoAnswer: { NOTIFY: 200, OPTIONS: 200 } });
    try {
      return await RegEventWatcher.start(ua, args.target, {}, true);
    } catch (error) {
      await ua.close();
      throw error;
    }
  }

  private static async start(ua: SipUa, target: string, options: { expires?: number }, ownsUa: boolean): Promise<RegEventWatcher> {
    const start = ua.received.length;
    const subscribed = await ua.exchange(
      ua.build('SUBSCRIBE', target, {
        headers: [
          { name: 'Event', value: 'reg' },
          { name: 'Accept', value: 'application/reginfo+xml' },
          { name: 'Expires', value: String(options.expires ?? 600) },
          { name: 'Contact', value: `<${ua.contactUri()}>` },
        ],
      }),
    );
    const statuses = subscribed.finals.map((r) => r.status);
    if (subscribed.final.status < 200 || subscribed.final.status >= 300) {
      throw new Error(`SUBSCRIBE Event: reg to ${target} as ${ua.aor} answered ${statuses.join(', ')}`);
    }
    return new RegEventWatcher(ua, target, subscribed, start, ownsUa);
  }

  /** A mark for `since`: only what arrives after this point. */
  mark(): number {
    return this.ua.received.length;
  }

  /** The first NOTIFY of this subscription (received already or to come) whose reginfo satisfies `accept`; throws when none comes in time. */
  async waitFor(accept: (xml: string) => boolean, what: string, options: RegEventWaitOptions = {}): Promise<ReginfoNotify> {
    return this.waitForNotify((r) => accept(bodyText(r)), what, options);
  }

  /**
   * End the subscription: SUBSCRIBE with Expires: 0 in its dialog; returns the first NOTIFY of
   * the subscription after it (which should say `Subscription-State: terminated`); throws
   * when none comes.
   */
  async unsubscribe(options: { timeoutMs?: number } = {}): Promise<ReginfoNotify> {
    return (await this.refresh(0, options)).notify;
  }

  /**
   * SUBSCRIBE in the subscription's dialog with this Expires (0 ends it); returns the final
   * answer and the first NOTIFY after it (RFC 6665 section 4.2.1.2: a refresh is answered with
   * full state). Throws unless the answer is 2xx and a NOTIFY comes.
   */
  async refresh(expires: number, options: { timeoutMs?: number } = {}): Promise<{ final: SipResponse; notify: ReginfoNotify }> {
    const { final, since } = await this.sendInDialog(expires);
    if (final.status < 200 || final.status >= 300) {
      throw new Error(`${expires === 0 ? 'unSUBSCRIBE' : 'SUBSCRIBE refresh'} Event: reg to ${this.target} answered ${final.status}`);
    }
    const notify = await this.waitForNotify(() => true, expires === 0 ? 'the NOTIFY after the unSUBSCRIBE' : 'the NOTIFY after the refresh', {
      since,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    return { final, notify };
  }

  /** SUBSCRIBE in the dialog with this Expires, whatever the answer (a 481 included). */
  async sendInDialog(expires: number): Promise<{ final: SipResponse; since: number }> {
    const since = this.mark();
    const sent = this.subscribed.request;
    const answer = this.subscribed.final;
    const remoteTarget = /<([^>]*)>/.exec(getHeader(answer, 'Contact') ?? '')?.[1] ?? this.target;
    const built = this.ua.build('SUBSCRIBE', remoteTarget, {
      callId: getHeader(sent, 'Call-ID')!,
      cseq: (this.cseq = Math.max(this.cseq, parseCSeq(getHeader(sent, 'CSeq') ?? '').seq) + 1),
      headers: [
        // The route set is the 2xx's Record-Route in reverse (RFC 3261 section 12.1.2).
        ...getHeaders(answer, 'Record-Route').reverse().map((value) => ({ name: 'Route', value })),
        { name: 'Event', value: 'reg' },
        { name: 'Accept', value: 'application/reginfo+xml' },
        { name: 'Expires', value: String(expires) },
        { name: 'Contact', value: `<${this.ua.contactUri()}>` },
      ],
    });
    const dialogHeaders: Record<string, string> = { from: getHeader(sent, 'From')!, to: getHeader(answer, 'To')! };
    const request: SipRequest = { ...built, headers: built.headers.map((h) => ({ name: h.name, value: dialogHeaders[h.name.toLowerCase()] ?? h.value })) };
    const { final } = await this.ua.exchange(request);
    return { final, since };
  }

  /** The NOTIFYs of this subscription received so far, in order. */
  notifies(): ReginfoNotify[] {
    return this.ua.received.slice(this.start).filter((m): m is SipRequest => m.kind === 'request' && this.isOurNotify(m)).map(reginfoNotify);
  }

  /** The first NOTIFY of this subscription (received already or to come) that satisfies `accept`. */
  async waitForNotification(accept: (notify: ReginfoNotify) => boolean, what: string, options: RegEventWaitOptions = {}): Promise<ReginfoNotify> {
    return this.waitForNotify((r) => accept(reginfoNotify(r)), what, options);
  }

  /** Close the UA if it is the watcher's own (connect()); a subscription left open expires. */
  async close(): Promise<void> {
    if (this.ownsUa) await this.ua.close();
  }

  private isOurNotify(r: SipRequest): boolean {
    return r.method === 'NOTIFY' && getHeader(r, 'Call-ID') === getHeader(this.subscribed.request, 'Call-ID');
  }

  private async waitForNotify(match: (r: SipRequest) => boolean, what: string, options: RegEventWaitOptions): Promise<ReginfoNotify> {
    const request = await this.ua.waitForRequest((r) => this.isOurNotify(r) && match(r), {
      from: options.since ?? this.start,
      what: `${what} (reg event of ${this.target})`,
      timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS,
    });
    return reginfoNotify(request);
  }
}
