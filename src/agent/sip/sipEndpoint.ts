/**
 * The agent's SIP side: a JsSIP UA over the InterceptingSocket that registers the push
 * resources (PRA functions 1-3) and keeps the registration up.
 *
 * - Contact: `+g.oma.pusheventapp="<ids>"` (RFC 3840 token list), `+sip.instance` and `reg-id`
 *   (JsSIP adds both from instance_id, RFC 5626), and `+g.oma.uaprof="<url>"` plus an
 *   `x-wap-profile` header for the UAProf URL (spec 5.3.6).
 * - A change in the set of apps re-registers; changes while a REGISTER is in flight are
 *   coalesced into one more REGISTER when it settles (JsSIP drops register() while busy).
 * - Authentication failure and refusal are final (no retry storm); other failures retry
 *   with exponential backoff. JsSIP reconnects the socket and re-registers by itself.
 * - A lost binding is noticed and registered again at once (bindingCheck.ts): a 2xx to
 *   REGISTER that does not list our contact, and a probe every `keepAliveSeconds` that must
 *   reach us through the core; a probe with no answer at all abandons the flow (RFC 5626
 *   section 4.4.1) so JsSIP reconnects. The state never stays `registered` for a binding the
 *   check found gone (docs/protocol.md "Keep-alive and re-registration").
 */
import { UA, debug as jssipDebug, C as JsSIPConstants } from 'jssip';
import type { Socket } from 'jssip';
import { PUSH_EVENT_APP_TAG, pushEventAppParam } from '../../protocol/sip/featureTags.ts';
import type { SipRequest } from '../../protocol/sip/message.ts';
import { DEFAULT_AGENT_LIMITS, type AgentConfig, type AgentState } from '../types.ts';
import { BindingCheck, PROBE_HEADER, responseListsContact, type BindingVerdict, type ProbeOutcome } from './bindingCheck.ts';
import { InterceptingSocket, type InterceptedRequestHandler } from './interceptingSocket.ts';
import type { FrameTap } from '../trace/tracer.ts';
import { initialState, transition, type RegistrationEvent } from './registrationState.ts';

/** Contact parameter carrying the UAProf URL, in RFC 3840 string form so registrars keep it. */
export const UAPROF_CONTACT_PARAM = '+g.oma.uaprof';

export interface SipEndpointOptions {
  config: AgentConfig;
  /** UUID (without `urn:uuid:`) stable per browser profile. */
  instanceId: string;
  /** Absolute UAProf URL, if any. */
  uaprofUrl?: string;
  /** App IDs to announce now. */
  appIds: () => string[];
  interceptMethods: ReadonlySet<string>;
  onRequest: InterceptedRequestHandler;
  onStateChange: (state: AgentState) => void;
  /** REGISTER expiry in seconds. */
  registerExpires?: number;
  /** Backoff bounds for transient registration failures, in seconds. */
  retryMinSeconds?: number;
  retryMaxSeconds?: number;
  /**
   * Seconds between checks that the core still holds our binding (AgentLimits.keepAliveSeconds,
   * default 60); 0 turns the periodic check off (the REGISTER 200 check stays).
   */
  keepAliveSeconds?: number;
  /** WebSocket factory (tests inject a fake one). */
  createWebSocket?: (url: string, protocol: string) => WebSocket;
  /** The trace tap of the socket (InterceptingSocketOptions.trace). */
  trace?: FrameTap;
}

/** What JsSIP's OPTIONS sender reports (UA.sendOptions is missing from its typings). */
interface JsSipOptionsResult {
  response?: { status_code: number; reason_phrase: string } | null;
  cause?: string;
}
type SendOptions = (target: string, body: string | null, options: { extraHeaders: string[]; contentType?: string; eventHandlers: { succeeded: (e: JsSipOptionsResult) => void; failed: (e: JsSipOptionsResult) => void } }) => unknown;

const USER_AGENT = 'SIP Push Web PRA/0.1';

function randomToken(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
}

export class SipEndpoint {
  private ua: UA | null = null;
  private socket: InterceptingSocket | null = null;
  private current: AgentState;
  private readonly options: SipEndpointOptions;
  /** Version of the contact parameters wanted, and the one the last REGISTER carried. */
  private wantedVersion = 0;
  private sentVersion = 0;
  private registerInFlight = false;
  private sentApps: string[] = [];
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private retryDelay: number;
  private settledWaiters: Array<() => void> = [];
  private check: BindingCheck | null = null;
  /** Binding losses since our binding was last confirmed: the first re-registers at once, later ones back off. */
  private lossStreak = 0;
  /** Why the flow was abandoned, for the disconnected state that follows. */
  private abandonedBecause: string | null = null;
  /** The Contact URI this agent registers (a `.invalid` host: reachable only over its flow). */
  readonly contactUri: string;

  constructor(options: SipEndpointOptions) {
    this.options = options;
    this.current = initialState(options.instanceId);
    this.retryDelay = options.retryMinSeconds ?? 2;
    this.contactUri = `sip:${randomToken(8)}@${randomToken(12)}.invalid;transport=ws`;
  }

  get state(): AgentState {
    return this.current;
  }

  /** Contact header value for OPTIONS answers: our URI with the current feature tags. */
  contactHeader(): string {
    let value = `<${this.contactUri}>${this.featureParamsText()}`;
    value += `;+sip.instance="<urn:uuid:${this.options.instanceId}>"`;
    return value;
  }

  /** Send a request of the agent's own (outside JsSIP) on the SIP connection; false when it is down. */
  sendRequest(request: SipRequest): boolean {
    return this.socket?.sendSip(request) ?? false;
  }

  /**
   * Send a MESSAGE through JsSIP (it adds From = our AoR, answers digest challenges and runs
   * the transaction; the intercepting socket passes every response to it). Resolves with the
   * final response's status, or `{ error }` when there was none (not connected, timeout,
   * transport error). Used for IMDN reports (src/agent/reports).
   */
  sendMessage(message: { target: string; body: string; contentType: string; extraHeaders: string[] }): Promise<{ status: number } | { error: string }> {
    const ua = this.ua;
    if (!ua?.isConnected()) return Promise.resolve({ error: 'not connected to the core' });
    return new Promise((resolve) => {
      const settle = (e: { response?: { status_code: number } | null; cause?: string }) =>
        resolve(e.response ? { status: e.response.status_code } : { error: String(e.cause ?? 'no response') });
      try {
        ua.sendMessage(message.target, message.body, {
          contentType: message.contentType,
          extraHeaders: message.extraHeaders,
          eventHandlers: { succeeded: settle as never, failed: settle as never },
        });
      } catch (error) {
        resolve({ error: String((error as Error).message ?? error) });
      }
    });
  }

  /** Our Via for such a request, without its branch: the connection's transport, our `.invalid` host. */
  via(): string {
    return `SIP/2.0/${this.socket?.via_transport ?? 'WS'} ${new URL(this.contactUri.replace(/^sip:/, 'http://')).hostname}`;
  }

  /** Connect and register; resolves when the first registration attempt settles. */
  start(): Promise<void> {
    if (this.ua) return Promise.resolve();
    jssipDebug.disable();
    const { config } = this.options;
    const check = new BindingCheck({
      intervalSeconds: this.options.keepAliveSeconds ?? DEFAULT_AGENT_LIMITS.keepAliveSeconds,
      ready: () => this.current.phase === 'registered' && !this.registerInFlight && (this.ua?.isConnected() ?? false),
      sendProbe: (token, done) => this.sendProbe(token, done),
      onVerdict: (verdict) => this.onVerdict(verdict),
    });
    this.check = check;
    const onRequest = this.options.onRequest;
    this.socket = new InterceptingSocket({
      url: config.server,
      interceptMethods: this.options.interceptMethods,
      // Our own probe is noted, then answered like any OPTIONS.
      onRequest: (request) => {
        check.noteIncoming(request);
        return onRequest(request);
      },
      onRegisterSuccess: (response) => this.onRegisterSuccess(response),
      ...(this.options.createWebSocket ? { createWebSocket: this.options.createWebSocket } : {}),
      ...(this.options.trace ? { trace: this.options.trace } : {}),
    });
    const ua = new UA({
      sockets: [this.socket as unknown as Socket],
      uri: config.aor,
      ...(config.authUser ? { authorization_user: config.authUser } : {}),
      ...(config.password ? { password: config.password } : {}),
      ...(config.displayName ? { display_name: config.displayName } : {}),
      contact_uri: this.contactUri,
      instance_id: this.options.instanceId,
      register: true,
      register_expires: this.options.registerExpires ?? 600,
      user_agent: USER_AGENT,
      connection_recovery_min_interval: 1,
      connection_recovery_max_interval: 30,
      session_timers: false,
    });
    this.ua = ua;
    this.applyContactParams();

    ua.on('connecting', () => this.apply({ type: 'connecting' }));
    ua.on('connected', () => {
      // JsSIP sends a REGISTER itself on every (re)connection, with the current parameters.
      this.markRegisterSent();
      this.apply({ type: 'connected' });
    });
    ua.on('disconnected', (e: { error?: boolean; code?: number; reason?: string }) => {
      this.registerInFlight = false;
      check.invalidate();
      const abandoned = this.abandonedBecause;
      this.abandonedBecause = null;
      const detail = abandoned ? ` (${abandoned})` : e.code ? ` (WebSocket close ${e.code}${e.reason ? `: ${e.reason}` : ''})` : '';
      this.apply({ type: 'disconnected', server: config.server, ...(detail ? { detail } : {}) });
      this.notifySettled();
    });
    ua.on('registered', () => {
      this.registerInFlight = false;
      this.retryDelay = this.options.retryMinSeconds ?? 2;
      const gruu = (ua.contact as unknown as { pub_gruu?: string | null }).pub_gruu ?? undefined;
      this.apply({ type: 'registered', registeredApps: this.sentApps, ...(gruu ? { gruu } : {}) });
      this.notifySettled();
      this.registerAgainIfStale();
    });
    ua.on('registrationFailed', (e: { response?: { status_code: number; reason_phrase: string } | null; cause?: string }) => {
      this.registerInFlight = false;
      const status = e.response ? `${e.response.status_code} ${e.response.reason_phrase}` : (e.cause ?? 'no response');
      const authFailure = e.cause === JsSIPConstants.causes.AUTHENTICATION_ERROR || e.response?.status_code === 403;
      const refused = e.response !== null && e.response !== undefined && [404, 405, 416, 420, 484, 603].includes(e.response.status_code);
      if (authFailure || refused) {
        const reason = authFailure ? `Authentication failed (${status})` : `Registration refused (${status})`;
        this.apply({ type: 'registrationFailed', reason, final: true });
      } else {
        const wait = this.retryDelay;
        this.retryDelay = Math.min(this.retryDelay * 2, this.options.retryMaxSeconds ?? 60);
        this.apply({ type: 'registrationFailed', reason: `Registration failed (${status}); retrying in ${wait} s`, final: false });
        this.scheduleRetry(wait);
      }
      this.notifySettled();
    });

    const settled = new Promise<void>((resolve) => this.settledWaiters.push(resolve));
    this.apply({ type: 'start' });
    ua.start();
    check.start();
    return settled;
  }

  /** Re-register because the set of apps (or the UAProf URL) changed. */
  refreshRegistration(): void {
    this.wantedVersion++;
    this.applyContactParams();
    this.registerAgainIfStale();
  }

  async stop(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.check?.stop();
    this.check = null;
    const ua = this.ua;
    this.ua = null;
    if (!ua) return;
    if (ua.isRegistered()) {
      // Best effort un-REGISTER before closing, bounded so a dead core cannot hang stop().
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000);
        ua.on('unregistered', () => {
          clearTimeout(timer);
          resolve();
        });
        ua.unregister();
      });
    }
    ua.stop();
    this.socket?.disconnect();
    this.apply({ type: 'stop' });
    this.notifySettled();
  }

  /**
   * A 2xx to a REGISTER (first or refresh), after JsSIP processed it: a 200 that does not list
   * our contact means the core did not keep our binding (JsSIP ignores that 200 and arms no
   * refresh), so register again; otherwise record what it announced and send pending changes.
   */
  private onRegisterSuccess(response: string | ArrayBuffer): void {
    const ua = this.ua;
    if (!ua || this.current.phase === 'stopped' || this.current.phase === 'failed') return;
    this.registerInFlight = false;
    if (!responseListsContact(response, this.contactUri)) {
      this.bindingLost("the registrar's 200 to our REGISTER did not list our contact");
      return;
    }
    this.lossStreak = 0;
    this.retryDelay = this.options.retryMinSeconds ?? 2;
    if (!ua.isRegistered()) return;
    const gruu = (ua.contact as unknown as { pub_gruu?: string | null }).pub_gruu ?? undefined;
    this.apply({ type: 'registered', registeredApps: this.sentApps, ...(gruu ? { gruu } : {}) });
    this.registerAgainIfStale();
  }

  /** Send the binding probe: an OPTIONS from our AoR to our AoR (JsSIP answers digest challenges). */
  private sendProbe(token: string, done: (outcome: ProbeOutcome) => void): boolean {
    const ua = this.ua;
    if (!ua?.isConnected()) return false;
    const sendOptions = (ua as unknown as { sendOptions: SendOptions }).sendOptions.bind(ua);
    const settle = (e: JsSipOptionsResult) => {
      if (e.response) done({ kind: 'response', status: e.response.status_code, reason: e.response.reason_phrase });
      else done(e.cause === JsSIPConstants.causes.REQUEST_TIMEOUT ? { kind: 'timeout' } : { kind: 'transport' });
    };
    try {
      sendOptions(this.options.config.aor, null, { extraHeaders: [`${PROBE_HEADER}: ${token}`], eventHandlers: { succeeded: settle, failed: settle } });
    } catch (error) {
      console.warn('binding probe not sent', error);
      return false;
    }
    return true;
  }

  private onVerdict(verdict: BindingVerdict): void {
    if (!this.ua || this.current.phase !== 'registered' || this.registerInFlight) return;
    switch (verdict.kind) {
      case 'alive':
        this.lossStreak = 0;
        return;
      case 'lost':
        this.bindingLost(verdict.cause);
        return;
      case 'flowFailed':
        // RFC 5626 section 4.4.1: the flow failed; a new one, and JsSIP registers on it.
        this.abandonedBecause = verdict.cause;
        this.socket?.abandonFlow(verdict.cause);
        return;
      case 'inconclusive':
        console.warn(`binding check: ${verdict.cause}`);
        return;
    }
  }

  /** The core no longer holds our binding: say so, and register again (at once the first time). */
  private bindingLost(cause: string): void {
    const ua = this.ua;
    if (!ua || (this.current.phase !== 'registered' && this.current.phase !== 'registering')) return;
    this.check?.invalidate();
    this.apply({ type: 'bindingLost', cause });
    this.lossStreak++;
    if (this.lossStreak > 1) {
      // Lost again before the binding was ever confirmed: a registrar that keeps dropping us gets backoff, not a storm.
      const wait = this.retryDelay;
      this.retryDelay = Math.min(this.retryDelay * 2, this.options.retryMaxSeconds ?? 60);
      this.scheduleRetry(wait);
      return;
    }
    if (this.registerInFlight || !ua.isConnected()) return;
    this.markRegisterSent();
    ua.register();
  }

  private registerAgainIfStale(): void {
    const ua = this.ua;
    if (!ua || this.registerInFlight || this.sentVersion === this.wantedVersion) return;
    if (!ua.isConnected() || this.current.phase === 'failed') return;
    this.markRegisterSent();
    ua.register();
  }

  private markRegisterSent(): void {
    this.registerInFlight = true;
    this.check?.invalidate();
    this.sentVersion = this.wantedVersion;
    this.sentApps = this.options.appIds();
  }

  private scheduleRetry(seconds: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.ua?.isConnected()) return; // JsSIP re-registers on reconnection
      this.markRegisterSent();
      this.ua.register();
    }, seconds * 1000);
  }

  private featureParamsText(): string {
    const ids = this.options.appIds();
    let text = '';
    if (ids.length > 0) {
      const [name, value] = pushEventAppParam(ids);
      text += `;${name}=${value}`;
    }
    if (this.options.uaprofUrl) text += `;${UAPROF_CONTACT_PARAM}="<${this.options.uaprofUrl}>"`;
    return text;
  }

  private applyContactParams(): void {
    const ua = this.ua;
    if (!ua) return;
    const ids = this.options.appIds();
    const params: Record<string, string> = {};
    if (ids.length > 0) params[PUSH_EVENT_APP_TAG] = pushEventAppParam(ids)[1];
    if (this.options.uaprofUrl) params[UAPROF_CONTACT_PARAM] = `"<${this.options.uaprofUrl}>"`;
    const registrator = ua.registrator();
    registrator.setExtraContactParams(params);
    // OMA UAProf: the profile URL travels in x-wap-profile as a quoted string.
    registrator.setExtraHeaders(this.options.uaprofUrl ? [`x-wap-profile: "${this.options.uaprofUrl}"`] : []);
  }

  private apply(event: RegistrationEvent): void {
    try {
      this.current = transition(this.current, event);
    } catch (error) {
      console.warn(error instanceof Error ? error.message : error);
      return;
    }
    this.options.onStateChange(this.current);
  }

  private notifySettled(): void {
    const waiters = this.settledWaiters;
    this.settledWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
