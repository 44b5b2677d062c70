/**
 * Options of the embedded core, with their defaults. Every resource limit is an option so a
 * test can exercise it (ARCHITECTURE.md section 6).
 */

export interface CoreLimits {
  /** Largest SIP message accepted, in bytes; larger ones get 513 (RFC 3261 section 21.5.14). */
  maxMessageBytes: number;
  /** Largest header section accepted, in bytes; larger ones get 513. */
  maxHeaderBytes: number;
  /** Bindings one address of record may hold; beyond that REGISTER gets 503. */
  maxContactsPerAor: number;
  /** Shortest registration accepted, in seconds; shorter ones get 423 with Min-Expires. */
  minExpires: number;
  /** Longest registration granted, in seconds; longer requests are shortened. */
  maxExpires: number;
  /** Registration time when the REGISTER names none, in seconds. */
  defaultExpires: number;
  /** Timer F / Timer C: a forwarded request with no final response by then is answered 408. */
  transactionTimeoutMs: number;
  /** WS and TCP connections one source address may hold; the next is closed at once. */
  maxConnectionsPerSource: number;
  /** A SIP message (TCP) or WebSocket upgrade request (WS) must be complete this long after its first byte, else the connection closes. */
  messageTimeoutMs: number;
  /** A WS or TCP connection with no complete message either way for this long closes, unless a live registration holds it. */
  idleTimeoutMs: number;
  /** A UDP flow (source address and port) unused for this long is forgotten, unless a live registration holds it. */
  udpFlowIdleMs: number;
  /** UDP flows remembered at most; past it the least recently used unheld ones are forgotten. */
  maxUdpFlows: number;
  /** Reg-event subscriptions (RFC 3680) held at once; the next SUBSCRIBE gets 503. */
  maxRegSubscriptions: number;
  /** Longest reg-event subscription granted, in seconds; longer requests are shortened. */
  maxRegSubscriptionExpires: number;
  /** Reg-event subscription time when the SUBSCRIBE names none, in seconds (RFC 3680 section 3.2: 3761). */
  defaultRegSubscriptionExpires: number;
  /** NOTIFYs waiting behind an unanswered one, per subscription; past it they collapse into one full-state NOTIFY. */
  maxQueuedRegNotifies: number;
}

export interface CoreOptions {
  /** Interface every listener binds; loopback by default so a dev core is never exposed. */
  host?: string;
  /** WebSocket and HTTP port; 0 picks a free port. */
  wsPort?: number;
  /** TCP and UDP port; 0 picks a free port (the same number for both), null turns them off. */
  sipPort?: number | null;
  /** The domain the core is registrar and proxy for. */
  domain?: string;
  /**
   * user -> password: REGISTER and requests from local users need digest auth, and the core
   * asserts who sent a request (P-Asserted-Identity). The core authenticates by default: a
   * core with no users must be asked for with `noAuth: true` (tests, trials), else startCore
   * refuses to start.
   */
  users?: Record<string, string>;
  /** An open core: anyone may register as anyone and no identity is asserted. Never the default. */
  noAuth?: boolean;
  /** Digest realm; the domain by default. */
  realm?: string;
  /**
   * Users who may SUBSCRIBE to the reg event (RFC 3680) of any AoR, like Kamailio's push
   * senders; every user may watch its own AoR. Default `['psa']`. A core with noAuth lets anyone watch.
   */
  regEventWatchers?: string[];
  limits?: Partial<CoreLimits>;
}

export interface ResolvedOptions {
  host: string;
  wsPort: number;
  sipPort: number | null;
  domain: string;
  users: Map<string, string> | null;
  realm: string;
  /** Users who may watch any AoR's reg event, or null: anyone may (noAuth). */
  regEventWatchers: Set<string> | null;
  limits: CoreLimits;
}

export const DEFAULT_LIMITS: CoreLimits = {
  maxMessageBytes: 65535,
  maxHeaderBytes: 16 * 1024,
  maxContactsPerAor: 10,
  minExpires: 60,
  maxExpires: 7200,
  defaultExpires: 3600,
  transactionTimeoutMs: 32_000,
  maxConnectionsPerSource: 256,
  messageTimeoutMs: 10_000,
  idleTimeoutMs: 60_000,
  udpFlowIdleMs: 120_000,
  maxUdpFlows: 10_000,
  maxRegSubscriptions: 1000,
  maxRegSubscriptionExpires: 7200,
  defaultRegSubscriptionExpires: 3761,
  maxQueuedRegNotifies: 16,
};

export function resolveOptions(options: CoreOptions = {}): ResolvedOptions {
  const domain = (options.domain ?? 'localhost').toLowerCase();
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const users = options.users && Object.keys(options.users).length > 0 ? new Map(Object.entries(options.users)) : null;
  if (users && options.noAuth) throw new Error('Give either users (digest auth) or noAuth: true, not both');
  if (!users && !options.noAuth) {
    throw new Error('The embedded core authenticates by default: give users ({ alice: "password" }), or noAuth: true for a core open to anyone (tests only)');
  }
  if (limits.minExpires > limits.maxExpires) throw new Error('limits.minExpires exceeds limits.maxExpires');
  return {
    host: options.host ?? '127.0.0.1',
    wsPort: options.wsPort ?? 8066,
    sipPort: options.sipPort === undefined ? 5060 : options.sipPort,
    domain,
    users,
    realm: options.realm ?? domain,
    regEventWatchers: users ? new Set(options.regEventWatchers ?? ['psa']) : null,
    limits,
  };
}
