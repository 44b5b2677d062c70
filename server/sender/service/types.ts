/**
 * The Push Sender Agent service's parts as the others see them (issue 12): what the HTTP API
 * asks of the service, what the directory of receivers holds, and how a target names
 * terminals. Types only; the parts live in discovery/, delivery/, reports/ and http/.
 */
import type { CancelResult, ContentFile, PushState, StatusChange } from '../queue/index.ts';

/** API priority; on the wire RFC 3261 `Priority`: low -> non-urgent, normal, high -> urgent. */
export type PushPriority = 'low' | 'normal' | 'high';

/** How the content travels: decided by size and the receiver's capabilities, or forced. */
export type PushMode = 'auto' | 'message' | 'msrp';

/** One target as the API takes it; a bare string is `{ aor }`. */
export type TargetSpec =
  /** Every terminal of the user (`all`), or only those that announced the app (`app`, the default). */
  | { aor: string; terminals?: 'app' | 'all' }
  /** One terminal by its public GRUU (RFC 5627). */
  | { gruu: string }
  /** One terminal by its `+sip.instance` (RFC 5626). */
  | { aor: string; instance: string };

export interface SubmitRequest {
  /** The provider's ID (unique); generated when absent. */
  pushId?: string;
  targets: TargetSpec[];
  app: string;
  contentType: string;
  /** Inline content, or an uploaded file (POST /v1/uploads). */
  content: Uint8Array | ContentFile;
  /** Ask for delivery and display reports (IMDN). */
  reportRequested: boolean;
  priority: PushPriority;
  /** Epoch ms. */
  deliverAfter?: number;
  /** Epoch ms: never delivered after it. */
  deliverBefore?: number;
  mode: PushMode;
}

/** A receiver's terminal (one registered contact) as the directory knows it. */
export interface TerminalEntry {
  /** The delivery key: `instance:<urn>`, else `gruu:<uri>`, else `contact:<uri>`. */
  key: string;
  contact: string;
  instanceId: string | null;
  pubGruu: string | null;
  /** Epoch ms, null when unknown. */
  expiresAt: number | null;
  /** Push application IDs it announced; null when not known yet (Kamailio's reginfo, OPTIONS pending). */
  pushApps: string[] | null;
  /** Where the apps came from. */
  appsSource: 'reginfo' | 'options' | null;
  uaprofUrl: string | null;
  /** The parsed UAProf document, when fetched. */
  capabilities: ReceiverCapabilities | null;
  /** Why the capabilities are missing (fetch failed, too large, not parseable...), when they are. */
  capabilitiesError?: string;
}

/** What the service uses from a receiver's UAProf document (src/protocol/uaprof). */
export interface ReceiverCapabilities {
  /** Accepted content types (may hold wildcards such as `image/*`). */
  acceptTypes: string[];
  /** Largest MESSAGE body the receiver takes, bytes; null when not advertised. */
  maxMessageBytes: number | null;
  pushApps: string[];
}

export interface ReceiverEntry {
  aor: string;
  /** The reg-event subscription: active, pending, or failed with why. */
  subscription: 'active' | 'pending' | 'terminated' | 'failed';
  subscriptionError?: string;
  terminals: TerminalEntry[];
  updatedAt: number;
}

/** What the directory tells the service (discovery/directory.ts implements it). */
export interface ReceiverDirectory {
  /** Start watching an AoR (subscribe to its reg event) if not watched yet. */
  watch(aor: string): void;
  get(aor: string): ReceiverEntry | undefined;
  list(): ReceiverEntry[];
  /** Called with the terminal keys (and the AoR key `aor:<aor>`) that gained a contact. */
  onContactAppeared(listener: (aor: string, keys: string[]) => void): () => void;
  onChange(listener: (entry: ReceiverEntry) => void): () => void;
}

/** What the HTTP API asks of the service (service.ts implements it). */
export interface PushService {
  submit(request: SubmitRequest): Promise<PushState>;
  get(pushId: string): Promise<PushState | undefined>;
  cancel(pushId: string): Promise<{ push: PushState; cancel: CancelResult }>;
  receivers(): ReceiverEntry[];
  receiver(aor: string): ReceiverEntry | undefined;
  /** Status changes after `afterEventId`, oldest first (the SSE backlog). */
  changesSince(afterEventId: number, limit?: number): Promise<StatusChange[]>;
  /** Live status changes; returns the unsubscribe. */
  onChange(listener: (change: StatusChange) => void): () => void;
  health(): { sip: string; queue: string };
}

/** A submit refused before anything was sent (HTTP 422 / 409 / 400 with the field). */
export class ServiceError extends Error {
  override name = 'ServiceError';
  constructor(
    readonly code: 'PSA_ERR_CAPABILITIES' | 'PSA_ERR_PUSH_ID_TAKEN' | 'PSA_ERR_INPUT' | 'PSA_ERR_NOT_FOUND' | 'PSA_ERR_UNAVAILABLE',
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
