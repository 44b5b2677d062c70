/**
 * Does the core still hold our binding? (issue 10 item 3; docs/protocol.md "Keep-alive and
 * re-registration").
 *
 * RFC 5626 section 4.4 keep-alives only prove the flow; a core can lose the binding while the
 * flow stays up (expired or removed by an operator, a core restarted without persistence that
 * kept the TCP connection, another REGISTER that replaced it). Two witnesses:
 *
 * - Every 2xx to our REGISTER lists the AoR's current bindings (RFC 3261 section 10.2.4, 10.3
 *   step 8): if our contact is not among them (or has expires=0), the core did not keep it.
 *   JsSIP ignores such a 200 and arms no refresh; `responseListsContact` is the test.
 * - Every `keepAliveSeconds` a probe: an OPTIONS (RFC 3261 section 11, RFC 3840) from our AoR
 *   to our AoR, carrying a fresh token in `X-SIP-Push-Probe`. The core routes it like a push,
 *   forking it to every contact of the AoR; if ours is among them it reaches us over our flow
 *   before the final response does (the core sends the request on our WebSocket before it can
 *   have any answer to send back on it). So at the final response, "did our own probe reach
 *   us" is the test, not the status: another browser of the same user answers 200 too.
 *
 * `judgeProbe` turns one probe's outcome into a verdict; `BindingCheck` runs the probes.
 */
import { getHeader, getHeaderValues, parseNameAddr, parseSipMessage, parseUri, type SipRequest } from '../../protocol/sip/index.ts';

/** Header carrying the probe's token (an extension header: proxies forward it unchanged). */
export const PROBE_HEADER = 'X-SIP-Push-Probe';

/** The final outcome of one probe, as the SIP stack reports it. */
export type ProbeOutcome =
  | { kind: 'response'; status: number; reason: string }
  /** No final response within the transaction timeout (RFC 3261 Timer F, 64*T1). */
  | { kind: 'timeout' }
  /** The request could not be sent or the connection went down: the transport reports that itself. */
  | { kind: 'transport' };

export type BindingVerdict =
  | { kind: 'alive' }
  /** The core no longer routes to our binding: register again at once. */
  | { kind: 'lost'; cause: string }
  /** Nothing came back over the flow (RFC 5626 section 4.4.1): a new flow, then a new REGISTER. */
  | { kind: 'flowFailed'; cause: string }
  /** The answer says nothing about our binding (an auth or server error): no action. */
  | { kind: 'inconclusive'; cause: string };

/**
 * Statuses that, when our probe did not reach us, mean "no binding of ours here": 404/480 (no
 * contact for the AoR: embedded core 404, Kamailio 480), 410, 430 Flow Failed (RFC 5626
 * section 11.5), 408 from a branch, 481; and any answer from another device (2xx, busy,
 * decline) - the request went somewhere, not to us.
 */
const LOST_STATUSES = new Set([404, 408, 410, 430, 480, 481, 486, 600, 603]);

export function judgeProbe(receivedOwnProbe: boolean, outcome: ProbeOutcome): BindingVerdict {
  if (outcome.kind === 'transport') return { kind: 'inconclusive', cause: 'the connection went down' };
  if (receivedOwnProbe) return { kind: 'alive' };
  if (outcome.kind === 'timeout') return { kind: 'flowFailed', cause: 'no answer to our keep-alive probe' };
  const answer = `${outcome.status} ${outcome.reason}`.trim();
  if (outcome.status >= 200 && outcome.status < 300) return { kind: 'lost', cause: `our keep-alive probe was answered ${answer} but never reached us` };
  if (LOST_STATUSES.has(outcome.status)) return { kind: 'lost', cause: `the core answered our keep-alive probe ${answer}` };
  return { kind: 'inconclusive', cause: `keep-alive probe answered ${answer}` };
}

/** The token of a probe request, if it is one. */
export function probeTokenOf(request: SipRequest): string | undefined {
  if (request.method !== 'OPTIONS') return undefined;
  return getHeader(request, PROBE_HEADER)?.trim();
}

const encoder = new TextEncoder();

/**
 * True when a REGISTER response lists `contactUri` with a non-zero expires (compared by user
 * and host, case-insensitive host: a registrar may reorder or add URI parameters). Matching
 * on +sip.instance alone is not enough: another tab with the same instance that registered
 * later holds a binding with our instance and its own contact, and requests go to it.
 */
export function responseListsContact(data: string | ArrayBuffer | Uint8Array, contactUri: string): boolean {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data instanceof Uint8Array ? data : new Uint8Array(data);
  let contacts: string[];
  try {
    const message = parseSipMessage(bytes);
    contacts = getHeaderValues(message, 'contact');
  } catch {
    // Unreadable here but JsSIP took it: do not call a binding lost on our own parse failure.
    return true;
  }
  const ours = parseUri(contactUri);
  return contacts.some((value) => {
    try {
      const addr = parseNameAddr(value);
      const uri = parseUri(addr.uri);
      if (uri.user !== ours.user || uri.host.toLowerCase() !== ours.host.toLowerCase()) return false;
      return addr.params.get('expires') !== '0';
    } catch {
      return false;
    }
  });
}

export interface BindingCheckOptions {
  /** Seconds between probes; 0 turns the check off. */
  intervalSeconds: number;
  /** Whether a probe makes sense now (registered, no REGISTER in flight, connected). */
  ready(): boolean;
  /** Send the probe carrying `token` in PROBE_HEADER; `done` with its final outcome. False: not sent. */
  sendProbe(token: string, done: (outcome: ProbeOutcome) => void): boolean;
  onVerdict(verdict: BindingVerdict): void;
  /** Token source (tests). */
  newToken?: () => string;
}

/** Runs one probe at a time, every `intervalSeconds`, and reports each verdict. */
export class BindingCheck {
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Token of the probe in flight, and whether it has reached us. */
  private pending: { token: string; received: boolean } | null = null;
  private readonly options: BindingCheckOptions;

  constructor(options: BindingCheckOptions) {
    this.options = options;
  }

  start(): void {
    if (this.timer || !(this.options.intervalSeconds > 0)) return;
    this.timer = setInterval(() => this.probe(), this.options.intervalSeconds * 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.invalidate();
  }

  /** The registration changed (a REGISTER sent, the connection cycled): the probe in flight no longer says anything. */
  invalidate(): void {
    this.pending = null;
  }

  /** Send a probe now (if ready and none is in flight). */
  probe(): void {
    if (this.pending || !this.options.ready()) return;
    const token = this.options.newToken ? this.options.newToken() : crypto.randomUUID();
    const pending = { token, received: false };
    this.pending = pending;
    const sent = this.options.sendProbe(token, (outcome) => {
      if (this.pending !== pending) return; // invalidated meanwhile, or stopped
      this.pending = null;
      this.options.onVerdict(judgeProbe(pending.received, outcome));
    });
    if (!sent && this.pending === pending) this.pending = null;
  }

  /** Every incoming request passes here first: true when it is our own probe (then still answered as any OPTIONS). */
  noteIncoming(request: SipRequest): boolean {
    const token = probeTokenOf(request);
    if (token === undefined || !this.pending || token !== this.pending.token) return false;
    this.pending.received = true;
    return true;
  }
}

