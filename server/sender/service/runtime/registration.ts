/**
 * The service's own registration with the core (RFC 3261 section 10): the Push Sender Agent
 * registers its AoR with a Contact on its WebSocket flow, so the IMDN MESSAGEs receivers send
 * back (RFC 5438) and the NOTIFYs of its reg-event subscriptions (RFC 3680) reach it. Digest
 * is answered by the SIP client; refreshes come at half the granted expiry; a lost connection
 * (a core restart) reconnects with backoff and registers again, and `onRegistered` tells the
 * rest of the service (discovery subscribes again).
 *
 * ```
 *   stopped --start()--> connecting --open--> registering --200--> registered
 *   registered --half the expiry--> registering (refresh)
 *   connecting | registering --connection refused / lost, 408, 5xx--> waiting --backoff--> connecting
 *   registering --401/403 (credentials refused)--> failed --retryFailedMs--> connecting
 *   any --stop()--> stopped (un-REGISTER with Expires: 0 when registered)
 * ```
 *
 * A refused registration is `failed` with one line naming the cause and the fix (the AoR and
 * password options), and is tried again slowly: an operator may fix the core's users meanwhile.
 */
import { getHeader, parseNameAddr, parseUri, type SipResponse } from '../../../../src/protocol/sip/index.ts';
import type { SipClient } from '../../sipClient.ts';

export type RegistrationPhase = 'stopped' | 'connecting' | 'registering' | 'registered' | 'waiting' | 'failed';

export interface RegistrationOptions {
  /** Our AoR, e.g. `sip:psa@localhost` (To and From). */
  aor: string;
  /** Requested registration lifetime, seconds (default 300). */
  expiresSeconds?: number;
  /** First reconnect delay, ms (default 500); doubles up to reconnectMaxMs. */
  reconnectMinMs?: number;
  /** Longest reconnect delay, ms (default 15000). */
  reconnectMaxMs?: number;
  /** Delay before trying again after the core refused our credentials, ms (default 60000). */
  retryFailedMs?: number;
  /** `+sip.instance` URN of this service instance (RFC 5626), default a fresh urn:uuid. */
  instanceId?: string;
}

export interface RegistrationStatus {
  phase: RegistrationPhase;
  /** Why the last attempt failed (one line), when it did. */
  error?: string;
  /** Epoch ms of the last successful REGISTER. */
  registeredAt?: number;
  /** Granted expiry of the binding, seconds. */
  expiresSeconds?: number;
}

export interface ServiceRegistration {
  readonly status: RegistrationStatus;
  /** Connect and register; resolves after the first attempt (registered or not). */
  start(): Promise<RegistrationStatus>;
  /** Resolves once registered (at once when it is); rejects after `timeoutMs`. */
  whenRegistered(timeoutMs: number): Promise<void>;
  /** Called after every successful REGISTER that follows a (re)connection, not on refreshes. */
  onRegistered(listener: () => void): () => void;
  onPhase(listener: (status: RegistrationStatus) => void): () => void;
  stop(): Promise<void>;
}

export const DEFAULT_REGISTRATION = { expiresSeconds: 300, reconnectMinMs: 500, reconnectMaxMs: 15_000, retryFailedMs: 60_000 } as const;

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`registration option ${name} must be a positive integer, got ${value}`);
  return v;
}

/** The registrar's URI: the AoR's domain (RFC 3261 section 10.2: Request-URI names the domain). */
export function registrarUri(aor: string): string {
  const uri = parseUri(aor);
  return `${uri.scheme}:${uri.host}${uri.port !== undefined ? `:${uri.port}` : ''}`;
}

/** The expiry the registrar granted our contact (its `expires` param, else Expires), in seconds. */
export function grantedExpiry(response: SipResponse, contactUri: string, requested: number): number {
  for (const value of (getHeader(response, 'contact') ?? '').split(/,(?=\s*(?:"[^"]*"\s*)?<)/)) {
    if (!value.trim()) continue;
    try {
      const addr = parseNameAddr(value.trim());
      if (addr.uri.replace(/^<|>$/g, '') !== contactUri && !addr.uri.includes(contactUri)) continue;
      const expires = Number(addr.params.get('expires'));
      if (Number.isFinite(expires) && expires > 0) return expires;
    } catch {
      // A Contact we cannot parse is not ours.
    }
  }
  const header = Number(getHeader(response, 'expires'));
  return Number.isFinite(header) && header > 0 ? header : requested;
}

export function createServiceRegistration(client: SipClient, options: RegistrationOptions): ServiceRegistration {
  const expiresSeconds = positiveInt(options.expiresSeconds, DEFAULT_REGISTRATION.expiresSeconds, 'expiresSeconds');
  const reconnectMinMs = positiveInt(options.reconnectMinMs, DEFAULT_REGISTRATION.reconnectMinMs, 'reconnectMinMs');
  const reconnectMaxMs = positiveInt(options.reconnectMaxMs, DEFAULT_REGISTRATION.reconnectMaxMs, 'reconnectMaxMs');
  const retryFailedMs = positiveInt(options.retryFailedMs, DEFAULT_REGISTRATION.retryFailedMs, 'retryFailedMs');
  const instanceId = options.instanceId ?? `urn:uuid:${crypto.randomUUID()}`;
  const registrar = registrarUri(options.aor);
  const contactUri = client.wire.contactUri;

  let status: RegistrationStatus = { phase: 'stopped' };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let stopped = true;
  /** The flow changed since the last REGISTER: the next success is a (re)registration. */
  let freshFlow = true;
  const registeredListeners = new Set<() => void>();
  const phaseListeners = new Set<(s: RegistrationStatus) => void>();

  const setStatus = (next: RegistrationStatus): void => {
    status = next;
    for (const l of [...phaseListeners]) l(status);
  };
  const schedule = (ms: number, run: () => void): void => {
    clearTimeout(timer);
    timer = setTimeout(run, ms);
    timer.unref?.();
  };

  const detach = client.wire.attach({
    onRequest: () => false,
    onResponse: () => false,
    onClosed: () => {
      freshFlow = true;
      if (stopped) return;
      retryLater('connection to the core lost');
    },
  });

  function retryLater(error: string): void {
    if (stopped) return;
    failures++;
    const delay = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** Math.min(failures - 1, 20));
    setStatus({ ...status, phase: 'waiting', error });
    schedule(delay, () => void attempt());
  }

  async function attempt(): Promise<void> {
    if (stopped) return;
    clearTimeout(timer);
    if (client.state !== 'open') {
      setStatus({ ...status, phase: 'connecting' });
      try {
        await client.connect();
      } catch (err) {
        retryLater(`cannot connect to the core: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      freshFlow = true;
    }
    if (stopped) return;
    setStatus({ ...status, phase: 'registering' });
    const result = await client.request({
      method: 'REGISTER',
      uri: registrar,
      to: options.aor,
      headers: [
        { name: 'Contact', value: `<${contactUri}>;+sip.instance="<${instanceId}>";expires=${expiresSeconds}` },
        { name: 'Expires', value: String(expiresSeconds) },
        { name: 'Supported', value: 'path, gruu' },
      ],
    }).catch((err: unknown) => ({ status: 503, reason: err instanceof Error ? err.message : String(err), ok: false, response: undefined }));
    if (stopped) return;
    if (result.status >= 200 && result.status < 300 && result.response) {
      failures = 0;
      const granted = grantedExpiry(result.response, contactUri, expiresSeconds);
      const wasFresh = freshFlow;
      freshFlow = false;
      setStatus({ phase: 'registered', registeredAt: Date.now(), expiresSeconds: granted });
      // Refresh at half the granted time (at least 1 s), so a slow core never lets it lapse.
      schedule(Math.max(1000, (granted * 1000) / 2), () => void attempt());
      if (wasFresh) for (const l of [...registeredListeners]) l();
      return;
    }
    const line = `REGISTER ${options.aor} answered ${result.status} ${result.reason}`;
    if (result.status === 401 || result.status === 403 || result.status === 407) {
      setStatus({ ...status, phase: 'failed', error: `${line}: the core refused the service's credentials; set the PSA AoR and password the core has provisioned (--aor, --password / SIP_PUSH_PSA_PASSWORD)` });
      schedule(retryFailedMs, () => void attempt());
      return;
    }
    retryLater(line);
  }

  return {
    get status() {
      return status;
    },
    async start() {
      if (!stopped) return status;
      stopped = false;
      failures = 0;
      await attempt();
      return status;
    },
    whenRegistered(timeoutMs) {
      if (status.phase === 'registered') return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          off();
          reject(new Error(`The service did not register with the core within ${timeoutMs} ms (${status.phase}${status.error ? `: ${status.error}` : ''})`));
        }, timeoutMs);
        const off = this.onPhase((s) => {
          if (s.phase !== 'registered') return;
          clearTimeout(t);
          off();
          resolve();
        });
      });
    },
    onRegistered(listener) {
      registeredListeners.add(listener);
      return () => registeredListeners.delete(listener);
    },
    onPhase(listener) {
      phaseListeners.add(listener);
      return () => phaseListeners.delete(listener);
    },
    async stop() {
      if (stopped) return;
      const wasRegistered = status.phase === 'registered';
      stopped = true;
      clearTimeout(timer);
      if (wasRegistered && client.state === 'open') {
        await client
          .request({ method: 'REGISTER', uri: registrar, to: options.aor, headers: [{ name: 'Contact', value: `<${contactUri}>;+sip.instance="<${instanceId}>";expires=0` }, { name: 'Expires', value: '0' }], timeoutMs: 2000 })
          .catch(() => undefined);
      }
      detach();
      setStatus({ phase: 'stopped' });
    },
  };
}
