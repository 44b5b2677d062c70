/**
 * The embedding layer's public types: what a host page configures, registers and receives.
 * Imports only the agent's public contract (src/agent/types.ts).
 */
import type { AgentConfig, AgentEvents, AgentLimits, AgentState, PushAgent, PushAppSpec } from '../agent/types.ts';

export type { AgentConfig, AgentState, PushAgent, PushAppSpec } from '../agent/types.ts';

/**
 * A push as a host page's handler receives it: the stored push's metadata, and its content
 * as a Blob always, as text when the content type is textual and decodes, as parsed JSON when
 * the type is JSON and parses. Content is data: never render `text` as HTML, never evaluate it.
 * Structured-cloneable (it crosses postMessage unchanged).
 */
export interface HostPush {
  id: string;
  appId: string;
  /** Sender address of record, `sip:user@host` (the asserted identity when the core asserts one). */
  from: string;
  fromDisplayName?: string;
  /** The core asserted no identity although the receiver trusts it: `from` is only what the sender wrote. */
  senderUnverified?: boolean;
  /** The AoR or GRUU it was addressed to. */
  to: string;
  contentType: string;
  /** Content size in bytes. */
  size: number;
  /** Milliseconds since the epoch when it was stored. */
  receivedAt: number;
  /** SIP MESSAGE (small content) or MSRP (a file). */
  via: 'message' | 'msrp';
  messageId?: string;
  read: boolean;
  /** The content decoded (its charset, else UTF-8) when the type is textual and at most `maxTextBytes`. */
  text?: string;
  /** The content parsed, when the type is `application/json` or `+json` and it parses. */
  json?: unknown;
  /** The content. For MSRP pushes a Blob of the chunks kept in IndexedDB. */
  blob: Blob;
}

/** An app the host page registers: its policy and, optionally, its handler. */
export interface HostApp extends PushAppSpec {
  /**
   * Called once per stored push of this app (also for pushes stored before it registered),
   * after the push is durably stored. Absent: the push is only announced as a `push` event.
   */
  handler?: (push: HostPush) => void | Promise<void>;
}

/** Events of an embedded receiver (the custom element dispatches them as `sip-push:<name>`). */
export interface EmbedEvents {
  /** Connection and registration state. */
  state: AgentState;
  /** A push handed to an app the host registered (once per push). */
  push: HostPush;
  /** A push refused, with the status it was answered. */
  rejected: AgentEvents['rejected'];
}

/** How an embedded receiver runs: the agent's configuration plus the embedding's own settings. */
export interface EmbedOptions extends AgentConfig {
  /**
   * Name of this instance's store. Each name has its own IndexedDB databases, registration
   * and tab group (`sip-push-embed:<instance>:<aor>`), so two widgets with different names never
   * share anything; two with the same name and AoR share one registration like two tabs do.
   * Default `default`.
   */
  instance?: string;
  /** Start (connect and register) at once. Default true. */
  autoStart?: boolean;
  /** The agent's limits (sizes, stored pushes, keep-alive). */
  limits?: Partial<AgentLimits>;
}

/** The API a host page drives an embedded receiver with. */
export interface ReceiverHandle {
  readonly agent: PushAgent;
  /** The store name in use (EmbedOptions.instance). */
  readonly instance: string;
  /** Connect and register; resolves once the first attempt settles. */
  start(): Promise<void>;
  /** Unregister and close the connection. */
  stop(): Promise<void>;
  /** Register a push application; returns its unregister function. */
  registerApp(app: HostApp): () => void;
  /** The apps registered now (configured and host-registered). */
  apps(): PushAppSpec[];
  on<K extends keyof EmbedEvents>(event: K, listener: (payload: EmbedEvents[K]) => void): () => void;
  /** Stored pushes of an app, newest first; `before` (a push ID) gives the next page. */
  listPushes(appId: string, options?: { limit?: number; before?: string }): Promise<HostPush[]>;
  unreadCount(appId: string): Promise<number>;
  markRead(pushIds: readonly string[]): Promise<void>;
  deletePushes(pushIds: readonly string[]): Promise<void>;
  clearApp(appId: string): Promise<void>;
}

/** What mount() returns: the receiver's API, and unmount (stops it and removes the widget). */
export interface MountHandle extends ReceiverHandle {
  unmount(): Promise<void>;
}
