/**
 * The Push Sender Agent service's operations (PushService, types.ts) over its parts: the
 * directory of receivers (discovery/), the persistent queue (server/sender/queue), the
 * delivery worker and the change feed (runtime/). The HTTP API (http/) calls these.
 *
 * Submit, in order (OMA SIP Push 5.3.1 functions 1, 2, 3 and 7):
 *   1. the target AoRs are watched (reg-event subscription) and, for at most
 *      `discoveryWaitMs`, their directory entries are awaited, so the first push to a
 *      receiver is checked against what it announced;
 *   2. the targets resolve to delivery keys (delivery/targets.ts);
 *   3. each known terminal's capabilities are checked (delivery/modeSelection.ts): a push no
 *      terminal can take is refused with PSA_ERR_CAPABILITIES (HTTP 422) and nothing is
 *      stored or sent; the terminals that cannot take it while others can are recorded
 *      undeliverable with the reason;
 *   4. the content is kept (inline in the queue when it may go as a MESSAGE, else as a file
 *      in `contentDir` for MSRP) and the push enqueued, in one transaction with the other
 *      submits of the moment (runtime/batcher.ts); the worker is kicked.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile, copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { QueueError, type CancelResult, type ContentFile, type EnqueueRequest, type PushQueue, type PushState, type StatusChange } from '../queue/index.ts';
import { resolveTargets } from './delivery/targets.ts';
import { DiscoveryError } from './discovery/errors.ts';
import { selectMode, type ModeDecision } from './delivery/modeSelection.ts';
import { QUEUE_PRIORITY } from './delivery/pushMessage.ts';
import { createBatcher } from './runtime/batcher.ts';
import type { ChangeFeed } from './runtime/changeFeed.ts';
import type { DeliveryWorker } from './runtime/worker.ts';
import { ServiceError, type PushMode, type PushPriority, type PushService, type ReceiverDirectory, type ReceiverEntry, type SubmitRequest, type TerminalEntry } from './types.ts';

/** What the queue stores as a push's `target`: the targets as given and the AoR of every key. */
export interface StoredTarget {
  targets: SubmitRequest['targets'];
  aorOf: Record<string, string>;
  priority: PushPriority;
  mode: SubmitRequest['mode'];
}

export interface ServiceLimits {
  /** How long a submit waits for the directory to learn a new target AoR, ms (default 3000). */
  discoveryWaitMs: number;
  /** Largest whole SIP message the core forwards, bytes (default 65535: the embedded core's and Kamailio's WebSocket frame). */
  coreMaxMessageBytes: number;
  /** The receiver's content limit when its UAProf does not say, bytes (default 60000, send.ts DEFAULT_MESSAGE_MAX). */
  defaultMessageMax: number;
  /** Submits stored in one transaction at most (group commit). */
  maxEnqueueBatch: number;
}

export const DEFAULT_SERVICE_LIMITS: ServiceLimits = { discoveryWaitMs: 3000, coreMaxMessageBytes: 65_535, defaultMessageMax: 60_000, maxEnqueueBatch: 100 };

export interface PushServiceDeps {
  queue: PushQueue;
  directory: ReceiverDirectory;
  worker: Pick<DeliveryWorker, 'kick'>;
  feed: Pick<ChangeFeed, 'poke' | 'onChange'>;
  /** Where contents sent over MSRP are kept until their push is final. */
  contentDir: string;
  limits?: Partial<ServiceLimits>;
  health: () => { sip: string; queue: string };
}

/** The terminal a delivery key names in the directory's entry, if it knows it. */
export function terminalOf(entry: ReceiverEntry | undefined, key: string): TerminalEntry | undefined {
  if (!entry) return undefined;
  return entry.terminals.find((t) => t.key === key || (key.startsWith('instance:') && t.instanceId === key.slice(9)) || (key.startsWith('gruu:') && t.pubGruu === key.slice(5)));
}

/** What mode selection needs of a push, at submit and again at send time. */
export interface PushShape {
  mode: PushMode;
  contentSize: number;
  contentType: string;
  app: string;
  reportRequested: boolean;
}

/** Mode selection (delivery/modeSelection.ts) for one terminal, with what the directory knows of it. */
export function modeFor(push: PushShape, terminal: TerminalEntry | undefined, limits: ServiceLimits, label: string, reportOverheadBytes?: number): ModeDecision {
  return selectMode({
    mode: push.mode,
    contentSize: push.contentSize,
    contentType: push.contentType,
    app: push.app,
    reportRequested: push.reportRequested,
    capabilities: terminal?.capabilities ?? null,
    pushApps: terminal?.pushApps ?? null,
    coreMaxMessageBytes: limits.coreMaxMessageBytes,
    defaultMessageMax: limits.defaultMessageMax,
    ...(reportOverheadBytes !== undefined && { reportOverheadBytes }),
    label,
  });
}

function contentSize(content: Uint8Array | ContentFile): number {
  return content instanceof Uint8Array ? content.byteLength : content.size;
}

export function createPushService(deps: PushServiceDeps): PushService {
  const { queue, directory, worker, feed } = deps;
  const limits: ServiceLimits = { ...DEFAULT_SERVICE_LIMITS, ...deps.limits };
  // Submits that arrive together are stored in one transaction.
  const enqueues = createBatcher<EnqueueRequest, PushState>((requests) => queue.enqueueMany(requests), limits.maxEnqueueBatch);

  /** Watch the receivers; past the directory's limit the submit is refused 503 (nothing stored). */
  function watchAll(aors: readonly string[]): void {
    for (const aor of aors) {
      try {
        directory.watch(aor);
      } catch (err) {
        if (err instanceof DiscoveryError && err.code === 'DISCOVERY_ERR_LIMIT') throw new ServiceError('PSA_ERR_UNAVAILABLE', `${err.message}; try again later or raise the directory's maxSubscriptions`, 'target');
        throw err;
      }
    }
  }

  /** Resolves once every AoR's entry left `pending` (or the wait ran out). */
  async function discovered(aors: readonly string[]): Promise<void> {
    const waiting = () => aors.filter((aor) => {
      const entry = directory.get(aor);
      // Pending: no answer to the subscription yet, apps not known yet (OPTIONS), or a UAProf being fetched.
      return !entry || entry.subscription === 'pending' || entry.terminals.some((t) => t.pushApps === null || (t.uaprofUrl !== null && t.capabilities === null && t.capabilitiesError === undefined));
    });
    if (waiting().length === 0 || limits.discoveryWaitMs === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, limits.discoveryWaitMs);
      const off = directory.onChange(() => {
        if (waiting().length === 0) done();
      });
      function done(): void {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  }

  /** Keep the content where the worker will find it: inline, or a file of our own under contentDir. */
  async function keepContent(pushId: string, request: SubmitRequest, viaMsrp: boolean): Promise<Uint8Array | ContentFile> {
    const { content } = request;
    if (content instanceof Uint8Array && !viaMsrp) return content;
    await mkdir(deps.contentDir, { recursive: true });
    const file = join(deps.contentDir, `${randomUUID()}.bin`);
    if (content instanceof Uint8Array) {
      await writeFile(file, content);
      return { file, size: content.byteLength };
    }
    // An upload becomes the push's own file (the API's upload store no longer owns it).
    await rename(content.file, file).catch(async () => {
      await copyFile(content.file, file);
      await rm(content.file, { force: true });
    });
    void pushId;
    return { file, size: content.size };
  }

  return {
    async submit(request) {
      const pushId = request.pushId ?? `psa-${randomUUID()}`;
      const aors = [...new Set(request.targets.flatMap((t) => ('aor' in t ? [t.aor] : [])))];
      watchAll(aors);
      await discovered(aors);
      const resolved = resolveTargets(request.targets, request.app, (aor) => directory.get(aor));
      watchAll(resolved.aors);

      const size = contentSize(request.content);
      const refusals = resolved.refused.map((r) => ({ key: r.key, reason: `capabilities mismatch: ${r.reason}` }));
      let sendable = 0;
      let anyMsrp = request.mode === 'msrp' || size > limits.defaultMessageMax;
      let lastField: string | undefined;
      for (const address of resolved.addresses) {
        const terminal = terminalOf(directory.get(address.aor), address.key);
        const decision = modeFor({ ...request, contentSize: size }, terminal, limits, terminal ? address.key : address.aor);
        if ('refused' in decision) {
          refusals.push({ key: address.key, reason: decision.reason });
          lastField = decision.field;
        } else {
          sendable++;
          if (decision.mode === 'msrp') anyMsrp = true;
        }
      }
      if (sendable === 0 && refusals.length > 0) {
        throw new ServiceError('PSA_ERR_CAPABILITIES', refusals.map((r) => r.reason).join('; '), lastField ?? 'target');
      }
      const content = await keepContent(pushId, request, anyMsrp);
      const target: StoredTarget = { targets: request.targets, aorOf: resolved.aorOf, priority: request.priority, mode: request.mode };
      let stored: PushState;
      try {
        stored = await enqueues.add({
          pushId,
          target: JSON.parse(JSON.stringify(target)),
          app: request.app,
          contentType: request.contentType,
          content,
          reportRequested: request.reportRequested,
          priority: QUEUE_PRIORITY[request.priority],
          ...(request.deliverAfter !== undefined && { deliverAfter: request.deliverAfter }),
          ...(request.deliverBefore !== undefined && { deliverBefore: request.deliverBefore }),
          terminals: resolved.keys,
        });
      } catch (err) {
        if (!(content instanceof Uint8Array)) await rm(content.file, { force: true });
        if (err instanceof QueueError && err.code === 'QUEUE_ERR_PUSH_ID_TAKEN') throw new ServiceError('PSA_ERR_PUSH_ID_TAKEN', err.message, 'pushId');
        if (err instanceof QueueError && err.code === 'QUEUE_ERR_INPUT') throw new ServiceError('PSA_ERR_INPUT', err.message);
        throw err;
      }
      for (const refusal of refusals) await queue.report(pushId, refusal.key, 'undeliverable', { reason: refusal.reason });
      feed.poke();
      worker.kick();
      return refusals.length === 0 ? stored : (await queue.getPush(pushId))!;
    },

    get: (pushId) => queue.getPush(pushId),

    async cancel(pushId): Promise<{ push: PushState; cancel: CancelResult }> {
      let cancel: CancelResult;
      try {
        cancel = await queue.cancel(pushId, 'cancelled by the push provider');
      } catch (err) {
        if (err instanceof QueueError && err.code === 'QUEUE_ERR_NOT_FOUND') throw new ServiceError('PSA_ERR_NOT_FOUND', `No push with ID ${JSON.stringify(pushId)}: check the ID the submit answered`, 'pushId');
        throw err;
      }
      feed.poke();
      return { push: (await queue.getPush(pushId))!, cancel };
    },

    receivers: () => directory.list(),
    receiver: (aor) => directory.get(aor),
    changesSince: (afterEventId: number, limit?: number): Promise<StatusChange[]> => queue.changesSince(afterEventId, limit),
    onChange: (listener) => feed.onChange(listener),
    health: deps.health,
  };
}
