/**
 * The Push Receiver Agent's public contract: configuration, in-page push applications,
 * stored pushes and the agent's observable state. The UI and the widget import only this
 * file and `createPushAgent` (src/agent/agent.ts).
 */


/** What a push application accepts; the part of an app that configuration can describe. */
export interface PushAppSpec {
  /** Push application ID, an RFC 3840 token such as `news.ua` (OMNA short names or our own). */
  id: string;
  /** Accepted content types: exact (`text/plain`), subtype wildcard (`image/*`) or `*\/*`. */
  accept: string[];
  /** SIP URIs (AoRs) allowed to push to this app. Absent or empty: any sender. */
  allowFrom?: string[];
  /** Largest content accepted in a MESSAGE, in bytes. Absent: the agent's maxMessageBytes. */
  maxBytes?: number;
}

/** A push application living in the page: its spec and the handler that receives pushes. */
export interface PushApp extends PushAppSpec {
  /**
   * Called once per stored push for this app, after the push is durably stored. A push that
   * arrived while no handler was registered is delivered when the app registers.
   */
  handler: (push: StoredPush) => void | Promise<void>;
}

/** A push as kept in IndexedDB. Content is data: never rendered as HTML, never evaluated. */
export interface StoredPush {
  /** Local unique ID (monotonic within a browser profile). */
  id: string;
  appId: string;
  /** Sender address of record, `sip:user@host`. */
  from: string;
  /** Display name from the From header, when given. */
  fromDisplayName?: string;
  /**
   * True when the agent trusted its core (trustAssertedIdentity) and the core asserted no
   * identity: `from` is only what the sender wrote, so an app with an allowFrom list never
   * takes this push, at receipt or at hand-over.
   */
  senderUnverified?: boolean;
  /** The AoR or GRUU it was addressed to. */
  to: string;
  /** Content type of the push content (inside CPIM when the request was message/cpim). */
  contentType: string;
  content: Uint8Array;
  size: number;
  /** Milliseconds since the epoch when it was stored. */
  receivedAt: number;
  /** How it arrived: SIP MESSAGE (flow 5.4.1) or MSRP (flow 5.4.2). */
  via: 'message' | 'msrp';
  /** imdn.Message-ID when the sender gave one. */
  messageId?: string;
  /** Provider push ID (`Push-ID` header, src/protocol/push). */
  pushId?: string;
  /** Push-Deliver-Before, epoch ms: never handed to an app after it (discarded, reported expired). */
  deliverBefore?: number;
  /** Push-Deliver-After, epoch ms: when the sender was allowed to send it (kept, not enforced here). */
  deliverAfter?: number;
  /** RFC 3261 Priority of the push. */
  priority?: 'non-urgent' | 'normal' | 'urgent';
  /** Delivery reports (IMDN, RFC 5438) the sender asked for; absent: none. */
  report?: PushReportRequest;
  /**
   * When the display and negative-delivery reports of this push were queued (epoch ms): each
   * is queued at most once. (A delivered report is sent from memory right after the commit.)
   */
  reported?: { displayed?: number; failed?: number };
  /** Why the push was discarded without being handed to its app (it stays stored, dispatched). */
  discarded?: 'expired';
  /** Key that identifies re-sent copies: `imdn:<Message-ID>` or `sip:<Call-ID>:<CSeq>`. */
  dedupKey: string;
  /** True once the app's handler has taken it. */
  dispatched: boolean;
  /** True once the user (or the host page, PushAgent.markRead) has read it. */
  read: boolean;
  /**
   * MSRP pushes only, and only on the copy handed to an app's handler: the content as a Blob
   * assembled from the stored chunks (`content` is empty for them; the file is never held
   * whole in memory). Never stored. Elsewhere use PushAgent.openContent(push).
   */
  blob?: Blob;
}

/** What a push asked to be told about, and where the IMDN MESSAGEs go (src/agent/reports). */
export interface PushReportRequest {
  /** The push's imdn.Message-ID (CPIM header, or Push-Message-ID on an MSRP INVITE). */
  messageId: string;
  /** Dispositions asked for (RFC 5438 section 6.3). */
  dispositions: ('positive-delivery' | 'negative-delivery' | 'processing' | 'display')[];
  /** SIP URI the notifications are sent to: the CPIM From, or the INVITE's From AoR. */
  replyTo: string;
  /** The push's CPIM DateTime (RFC 3339); for MSRP the time it was received. Echoed in <datetime>. */
  dateTime: string;
}

export interface AgentConfig {
  /** SIP/IP Core WebSocket URL, e.g. `ws://127.0.0.1:8066`. */
  server: string;
  /** Address of record, e.g. `sip:alice@localhost`. */
  aor: string;
  authUser?: string;
  password?: string;
  displayName?: string;
  /** URL of this client's UAProf document (spec 5.3.6), sent in REGISTER. */
  uaprofUrl?: string;
  /** Apps that configuration declares (the full-page client gives each the generic viewer). */
  apps?: PushAppSpec[];
  /**
   * The core authenticates senders and asserts who they are (P-Asserted-Identity, RFC 3325),
   * removing what clients write themselves: the embedded core with users, or Kamailio as
   * configured here. Then `allowFrom` and the duplicate key use the asserted identity, and a
   * push without one is refused by an app that has an allowFrom list. Without it (default)
   * they use From, which any sender can write.
   */
  trustAssertedIdentity?: boolean;
}

/** Every limit of the agent is a named option (brief: "Every limit is a named option"). */
export interface AgentLimits {
  /** Default per-app MESSAGE content limit in bytes (413 above it). */
  maxMessageBytes: number;
  /** Pushes kept in IndexedDB before new ones are refused with 503. */
  maxStoredPushes: number;
  /** Seconds a 503 asks the sender to wait (Retry-After). */
  retryAfterSeconds: number;
  /** Most pushes committed in one IndexedDB transaction (group commit). */
  maxBatchSize: number;
  /** Remembered dedup keys of pushes refused or in flight (bounded memory). */
  maxInFlight: number;
  /**
   * Seconds between checks that the core still holds this agent's binding (keep-alive,
   * RFC 5626 section 4.4); a lost binding is re-registered at once (src/agent/sip).
   */
  keepAliveSeconds: number;
  /** Attempts to send one IMDN report (src/agent/reports) before it is given up. */
  maxReportAttempts: number;
  /** Delay before the second attempt of a report, doubled for each further one (ms). */
  reportRetryBaseMs: number;
}

export const DEFAULT_AGENT_LIMITS: AgentLimits = {
  maxMessageBytes: 60 * 1024,
  maxStoredPushes: 100_000,
  retryAfterSeconds: 30,
  maxBatchSize: 256,
  maxInFlight: 4096,
  keepAliveSeconds: 60,
  maxReportAttempts: 4,
  reportRetryBaseMs: 2000,
};

/**
 * Connection and registration, as one explicit state machine (see src/agent/sip/registrationState.ts).
 *
 *   idle -> connecting -> registering -> registered
 *             ^    |           |            |
 *             |    v           v            v
 *          reconnecting <- (socket drops) --'
 *   registering -> failed (authentication failed, rejected: no automatic retry)
 *   any -> stopped (stop())
 *   following: another tab of this browser profile owns the registration for this identity
 *   (src/agent/tabs); this tab shows and dispatches what that tab receives. Never `registered`.
 */
export type AgentPhase = 'idle' | 'connecting' | 'registering' | 'registered' | 'reconnecting' | 'failed' | 'stopped' | 'following';

export interface AgentState {
  phase: AgentPhase;
  /** Why the agent is in `failed` or `reconnecting` (e.g. "Authentication failed (403 Forbidden)"). */
  reason?: string;
  /** Public GRUU the registrar assigned, when it did (RFC 5627). */
  gruu?: string;
  /** The +sip.instance URN of this browser profile. */
  instanceId?: string;
  /** App IDs in the current registration's feature tag. */
  registeredApps: string[];
}

/** Typed events of the agent (no string-named free-for-all). */
export interface AgentEvents {
  state: AgentState;
  /** Pushes newly committed to IndexedDB, one event per group commit. */
  stored: StoredPush[];
  /** A push handed to its app's handler. */
  dispatched: StoredPush;
  /** A push refused, with the status it was answered. */
  rejected: { status: number; reason: string; appId?: string; from?: string };
  /** An MSRP transfer's progress or state change (flow 5.4.2): throttled while receiving. */
  transfer: TransferProgress;
  /** Pushes marked read (in this tab or another of the identity). */
  read: { ids: string[] };
  /** Pushes deleted, with their content (in this tab or another of the identity). */
  deleted: { ids: string[] };
  /** Transfers removed from the list (deleted, or cleared as finished). */
  transfersRemoved: { ids: string[] };
}

/** The agent as the UI, the widget and in-page apps see it (implemented in src/agent/agent.ts). */
export interface PushAgent {
  readonly state: AgentState;
  readonly config: AgentConfig;
  readonly limits: AgentLimits;
  on<K extends keyof AgentEvents>(event: K, listener: (payload: AgentEvents[K]) => void): () => void;
  /** Register an in-page push application; re-registers with the core. Returns the unregister function. */
  registerApp(app: PushApp): () => void;
  /** Specs of the apps registered now. */
  apps(): PushAppSpec[];
  /** Stored pushes of one app, newest first; `before` (a push ID) gives the page after that push. */
  listPushes(appId: string, options?: { limit?: number; before?: string }): Promise<StoredPush[]>;
  /** Unread pushes of one app. */
  unreadCount(appId: string): Promise<number>;
  /**
   * Mark pushes read (every tab of the identity hears of it). The first time a push that asked
   * for a display report is marked read, the owning tab sends it its IMDN `displayed` (once).
   */
  markRead(pushIds: readonly string[]): Promise<void>;
  /** Delete pushes and, for MSRP pushes, their stored content. */
  deletePushes(pushIds: readonly string[]): Promise<void>;
  /** Delete every push of one app (its inbox), with their content. */
  clearApp(appId: string): Promise<void>;
  /**
   * Remove finished transfers from the list: failed ones with their partial content; complete
   * ones stay as the content of their pushes, only no longer listed. Receiving ones stay.
   */
  clearFinishedTransfers(): Promise<void>;
  /** MSRP transfers kept in storage (receiving, failed, complete), newest first. */
  listTransfers(): Promise<TransferProgress[]>;
  /** Delete a transfer and its stored content (e.g. a failed one the user dismisses). */
  deleteTransfer(id: string): Promise<void>;
  /**
   * The content of a stored push as a Blob: the MESSAGE body, or for an MSRP push the Blob of
   * its stored chunks (assembled by the browser from IndexedDB, not copied into the JS heap).
   */
  openContent(push: StoredPush): Promise<Blob>;
  /** Connect and register. Resolves once the first attempt settles (registered or failed). */
  start(): Promise<void>;
  /** Unregister and close the socket. */
  stop(): Promise<void>;
  /**
   * The SIP and MSRP trace of this tab's connection (off until enabled). Only the tab that owns
   * the identity's registration holds the sockets, so a following tab records nothing: its
   * trace says so through `recording` (see AgentTrace).
   */
  readonly trace: AgentTrace;
}

/** One SIP or MSRP frame as the trace recorded it. Its text is data: shown as text, never as HTML. */
export interface TraceEntry {
  /** 1, 2, 3... per agent, kept across the ring's wrap-around (a stable key). */
  seq: number;
  /** Milliseconds since the epoch when the frame was sent or received. */
  time: number;
  protocol: 'sip' | 'msrp';
  direction: 'in' | 'out';
  firstLine: string;
  /**
   * The request's method; for a response, the method it answers when the frame says (SIP:
   * its CSeq; MSRP: the request of that transaction seen by the trace), else absent.
   */
  method?: string;
  /** A response's status code. */
  status?: number;
  /**
   * The frame as text: SIP up to TraceLimits.maxSipBytes; MSRP its start line, headers and end
   * line with at most TraceLimits.maxMsrpBodyBytes of body (a binary body is named, not shown).
   */
  text: string;
  /** Size of the whole frame on the wire, in bytes. */
  bytes: number;
  /** True when `text` leaves part of the frame out. */
  truncated: boolean;
}

/** The trace's memory bound: a ring of entries, each of bounded size. */
export interface TraceLimits {
  /** Entries kept; the oldest is dropped past it (a ring buffer). */
  maxEntries: number;
  /** Bytes of a SIP frame kept as text. */
  maxSipBytes: number;
  /** Bytes of an MSRP body kept (chunks are never copied whole). */
  maxMsrpBodyBytes: number;
}

export const DEFAULT_TRACE_LIMITS: TraceLimits = {
  maxEntries: 1000,
  maxSipBytes: 8192,
  maxMsrpBodyBytes: 256,
};

/**
 * The agent's SIP and MSRP trace. Off by default: while off, the sockets' taps do a boolean
 * check and nothing else. Enabled, each frame in and out becomes a TraceEntry in a ring of
 * TraceLimits.maxEntries.
 */
export interface AgentTrace {
  readonly limits: TraceLimits;
  readonly enabled: boolean;
  /**
   * False in a tab that follows another (state `following`): the owning tab holds the sockets,
   * and its trace is the one that records.
   */
  readonly ownsConnection: boolean;
  enable(on: boolean): void;
  /** The entries kept, oldest first. */
  entries(): TraceEntry[];
  /** Entries dropped from the ring since the last clear(). */
  dropped(): number;
  clear(): void;
  /** Told of each entry as it is recorded. Returns the unsubscribe function. */
  on(listener: (entry: TraceEntry) => void): () => void;
}

export interface AgentOptions {
  limits?: Partial<AgentLimits>;
  /**
   * IndexedDB database name prefix. The agent keeps one database per identity,
   * `${dbName}:${aor}` (store/identityDb.ts), and tabs of one profile and identity share it and
   * one registration (src/agent/tabs). Instances that must not share (two widgets) use two prefixes.
   */
  dbName?: string;
  /** Limits of MSRP sessions and transfers (sizes, sessions, messages per session, BYE grace). */
  msrpLimits?: Partial<MsrpReceiverLimits>;
  /** The trace's memory bound (DEFAULT_TRACE_LIMITS). */
  traceLimits?: Partial<TraceLimits>;
  /** Test builds only: awaited before each group commit's transaction (see testHooks.ts). */
  beforeCommit?: () => Promise<void>;
}

/** Where an MSRP file transfer stands (stored with its record). */
export type TransferState = 'receiving' | 'complete' | 'failed';

export interface TransferProgress {
  id: string;
  appId: string;
  from: string;
  fileName?: string;
  contentType: string;
  /** Expected size in bytes, null while unknown. */
  size: number | null;
  receivedBytes: number;
  /** Bytes per second over the last `windowMs`. */
  rate: number;
  /** Seconds left at the current rate, when size and rate are known. */
  secondsLeft?: number;
  /** `verifying` while size and hash are checked after the last byte. */
  state: TransferState | 'verifying';
  reason?: string;
  resumable: boolean;
  /** Milliseconds since the epoch: first INVITE accepted, last change. */
  startedAt: number;
  updatedAt: number;
}

export interface MsrpInviteLimits {
  /** Largest file accepted (a=file-selector size), in bytes; above it the INVITE gets 413. */
  maxTransferBytes: number;
  /** MSRP sessions (dialogs not terminated) at once; above it 486 Busy Here. */
  maxSessions: number;
  /** How long a 200 waits for its ACK (64*T1, RFC 3261 section 13.3.1.4). */
  ackTimeoutMs: number;
  /**
   * A dialog whose MSRP session ended without a BYE (the sender closed the socket, the agent
   * ended it) stops counting against maxSessions at once, and waits this long for the
   * sender's BYE before the agent sends its own (RFC 3261 section 15.1.1).
   */
  byeAfterSessionEndMs: number;
}

export interface MsrpReceiverLimits extends MsrpInviteLimits {
  /** Body bytes of one SEND chunk; past it 413 and the message fails (RFC 4975 section 7.1.1). */
  maxChunkBytes: number;
  /** MSRP messages (transfers) one session may carry; further ones get 413. */
  maxMessagesPerSession: number;
  /** After a BYE, how long an unfinished transfer may still receive before it fails. */
  byeGraceMs: number;
}
