/**
 * Typed test hooks, compiled in only when `__TEST_HOOKS__` is true (Vite `e2e` mode): the
 * Playwright page objects drive the agent through `window.__sipPushTest`.
 *
 * The commit gate lets a test hold group commits before their IndexedDB transaction starts,
 * so it can prove a push is answered only after it is durably stored, or fail the next one as
 * a storage error would. `storedPushes()` reads IndexedDB directly with the raw API (not
 * through the agent's store), as an independent witness of what is on disk.
 *
 * Limits reach a test page through `window.__sipPushTestLimits`, set by an init script before
 * the page loads (see applyTestLimits); recording apps through `window.__sipPushTestRecordingApps`
 * the same way, so they are registered before the agent starts, on every load of the page.
 *
 * Every delivery to a recording app is also recorded in IndexedDB (`sip-push-test:delivered:<aor>`,
 * with the tab, named in sessionStorage so a reload keeps its name): `durableDeliveries()`
 * counts handler calls across reloads, closed tabs and a killed browser, which the in-memory
 * `deliveries()` cannot.
 */
import { transferDbName } from './store/transferSchema.ts';
import { identityDbName } from './store/identityDb.ts';
import type { AgentLimits, AgentState, PushAgent, PushAppSpec } from './types.ts';

export interface CommitGate {
  /** Awaited by the group committer before each batch's transaction. */
  wait(): Promise<void>;
  hold(): void;
  release(): void;
  /** Batches waiting at the gate now. */
  waiting(): number;
  /**
   * The next batch to reach the gate fails with this error, as an aborted transaction would
   * (GroupCommitter: a rejected beforeCommit fails the batch); later batches pass again.
   */
  failNext(error: Error): void;
}

export function createCommitGate(): CommitGate {
  let held = false;
  let waiters: Array<() => void> = [];
  let failure: Error | undefined;
  return {
    wait() {
      if (failure) {
        const error = failure;
        failure = undefined;
        return Promise.reject(error);
      }
      if (!held) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    hold() {
      held = true;
    },
    release() {
      held = false;
      const ready = waiters;
      waiters = [];
      for (const resolve of ready) resolve();
    },
    waiting() {
      return waiters.length;
    },
    failNext(error) {
      failure = error;
    },
  };
}

export interface DeliveredPush {
  id: string;
  appId: string;
  contentType: string;
  text: string;
  via: 'message' | 'msrp';
  size: number;
  /** Size of the Blob handed with an MSRP push (absent for MESSAGE pushes). */
  blobSize?: number;
}

/** A transfer record as IndexedDB holds it, read with the raw API. */
export interface StoredTransferView {
  id: string;
  appId: string;
  fileName?: string;
  state: string;
  reason?: string;
  size: number | null;
  receivedBytes: number;
  resumable: boolean;
  pushed: boolean;
  /** Chunk records stored for it. */
  chunks: number;
  /** Bytes in those chunk records. */
  chunkBytes: number;
}

/** One handler call of a recording app, as recorded durably (see durableDeliveries). */
export interface DurableDelivery {
  /** The tab that called the handler (its name survives reloads, not closing). */
  tab: string;
  id: string;
  appId: string;
  text: string;
}

export interface StoredPushView {
  id: string;
  appId: string;
  from: string;
  contentType: string;
  text: string;
  dedupKey: string;
  dispatched: boolean;
}

export interface SipPushTestHooks {
  state(): AgentState;
  /** Register an in-page app whose handler records what it receives. */
  registerRecordingApp(spec: PushAppSpec): void;
  unregisterApp(id: string): void;
  deliveries(appId: string): DeliveredPush[];
  /** Every recording app delivery of this identity in any tab of the profile, across reloads and kills. */
  durableDeliveries(): Promise<DurableDelivery[]>;
  holdCommits(): void;
  releaseCommits(): void;
  heldCommits(): number;
  /**
   * The next group commit fails with a DOMException of this name, as its transaction would:
   * `UnknownError` is a storage error (500), `QuotaExceededError` the browser's quota (503).
   */
  failNextCommit(errorName: string): void;
  /** The limits the agent runs with (window.__sipPushTestLimits applied). */
  limits(): AgentLimits;
  storedPushes(): Promise<StoredPushView[]>;
  /** Transfers and their chunks as stored, read with the raw IndexedDB API. */
  storedTransfers(): Promise<StoredTransferView[]>;
  /** SHA-256 (hex) of a stored push's content as PushAgent.openContent returns it. */
  contentSha256(pushId: string): Promise<string>;
}

declare global {
  interface Window {
    __sipPushTest?: SipPushTestHooks;
    /** Limits a test sets before the page loads (Playwright addInitScript); see applyTestLimits. */
    __sipPushTestLimits?: Partial<AgentLimits>;
    /** Recording apps registered as the hooks install, before the agent starts (addInitScript). */
    __sipPushTestRecordingApps?: PushAppSpec[];
  }
}

/**
 * Apply window.__sipPushTestLimits to the agent. main.tsx gives the agent no limits of its
 * own (AgentOptions.limits), so this is how a test page gets, e.g., a small maxStoredPushes.
 * The agent builds its pipeline (the group committer reads maxStoredPushes, the intake reads
 * retryAfterSeconds) from `agent.limits` when it starts, and the factory in main.tsx installs
 * the hooks on an agent not yet started; a test reads limits() back to check they took.
 */
function applyTestLimits(agent: PushAgent): void {
  const limits = window.__sipPushTestLimits;
  if (limits) Object.assign(agent.limits, limits);
}

const text = new TextDecoder();

const TAB_NAME_KEY = 'sip-push-test:tab';
const DELIVERED_DB_PREFIX = 'sip-push-test:delivered:';

/** This tab's name for the durable record: kept in sessionStorage, so a reload keeps it. */
function tabName(): string {
  let name = sessionStorage.getItem(TAB_NAME_KEY);
  if (!name) {
    name = crypto.randomUUID();
    sessionStorage.setItem(TAB_NAME_KEY, name);
  }
  return name;
}

function openDeliveredDb(aor: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(`${DELIVERED_DB_PREFIX}${aor}`, 1);
    open.onupgradeneeded = () => open.result.createObjectStore('calls', { autoIncrement: true });
    open.onerror = () => reject(open.error);
    open.onsuccess = () => resolve(open.result);
  });
}

/**
 * The durable record of handler calls: one IndexedDB database per identity, shared by the
 * profile's tabs, each call added in its own 'strict' transaction (on disk when it completes,
 * like the pushes themselves; localStorage is flushed lazily and loses its last writes to a
 * SIGKILL). Calls made while the record is opening wait for it, in order.
 */
function durableRecord(aor: string): { add(call: DurableDelivery): void; all(): Promise<DurableDelivery[]> } {
  let db: Promise<IDBDatabase> | undefined;
  const opened = () => (db ??= openDeliveredDb(aor));
  return {
    add(call) {
      void opened().then((d) => {
        const tx = d.transaction('calls', 'readwrite', { durability: 'strict' });
        tx.objectStore('calls').add(call);
        tx.onerror = () => console.error('e2e: recording a handler call failed', tx.error);
      });
    },
    async all() {
      const d = await opened();
      return new Promise((resolve, reject) => {
        const request = d.transaction('calls', 'readonly').objectStore('calls').getAll();
        request.onerror = () => reject(request.error);
        request.onsuccess = () => resolve(request.result as DurableDelivery[]);
      });
    },
  };
}

function readAllPushes(dbName: string): Promise<StoredPushView[]> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(dbName);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('pushes')) {
        db.close();
        resolve([]);
        return;
      }
      const request = db.transaction('pushes', 'readonly').objectStore('pushes').getAll();
      request.onerror = () => reject(request.error);
      request.onsuccess = () => {
        db.close();
        resolve(
          (request.result as Array<Record<string, unknown>>).map((p) => ({
            id: String(p.id),
            appId: String(p.appId),
            from: String(p.from),
            contentType: String(p.contentType),
            text: p.content instanceof Uint8Array ? text.decode(p.content) : '',
            dedupKey: String(p.dedupKey),
            dispatched: p.dispatched === true || p.dispatched === 1,
          })),
        );
      };
    };
  });
}

function readAllTransfers(dbName: string): Promise<StoredTransferView[]> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(dbName);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('transfers')) {
        db.close();
        resolve([]);
        return;
      }
      const tx = db.transaction(['transfers', 'chunks'], 'readonly');
      const transfers = tx.objectStore('transfers').getAll();
      const views = new Map<string, StoredTransferView>();
      transfers.onsuccess = () => {
        for (const t of transfers.result as Array<Record<string, unknown>>) {
          const view: StoredTransferView = {
            id: String(t.id),
            appId: String(t.appId),
            state: String(t.state),
            size: typeof t.size === 'number' ? t.size : null,
            receivedBytes: Number(t.receivedBytes),
            resumable: t.resumable === true,
            pushed: t.pushed === true,
            chunks: 0,
            chunkBytes: 0,
          };
          if (typeof t.fileName === 'string') view.fileName = t.fileName;
          if (typeof t.reason === 'string') view.reason = t.reason;
          views.set(view.id, view);
        }
        // Walk the chunk keys and sizes with a cursor: never load the content itself.
        const cursor = tx.objectStore('chunks').openCursor();
        cursor.onsuccess = () => {
          const c = cursor.result;
          if (!c) return;
          const chunk = c.value as { transferId: string; bytes: Blob | ArrayBuffer };
          const view = views.get(chunk.transferId);
          if (view) {
            view.chunks++;
            view.chunkBytes += chunk.bytes instanceof Blob ? chunk.bytes.size : chunk.bytes.byteLength;
          }
          c.continue();
        };
      };
      tx.oncomplete = () => {
        db.close();
        resolve([...views.values()]);
      };
      tx.onerror = () => reject(tx.error);
    };
  });
}

async function sha256Hex(blob: Blob): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** `dbPrefix` is the agent's AgentOptions.dbName (the page's default): the database read is its identity's. */
export function installTestHooks(agent: PushAgent, gate: CommitGate, dbPrefix: string): void {
  const dbName = identityDbName(dbPrefix, agent.config.aor);
  applyTestLimits(agent);
  const delivered = new Map<string, DeliveredPush[]>();
  const record = durableRecord(agent.config.aor);
  const tab = tabName();
  const unregister = new Map<string, () => void>();
  window.__sipPushTest = {
    state: () => agent.state,
    registerRecordingApp(spec) {
      unregister.get(spec.id)?.();
      unregister.set(
        spec.id,
        agent.registerApp({
          ...spec,
          handler: (push) => {
            const list = delivered.get(push.appId) ?? [];
            const got: DeliveredPush = { id: push.id, appId: push.appId, contentType: push.contentType, text: text.decode(push.content), via: push.via, size: push.size };
            if (push.blob) got.blobSize = push.blob.size;
            list.push(got);
            delivered.set(push.appId, list);
            record.add({ tab, id: push.id, appId: push.appId, text: got.text });
          },
        }),
      );
    },
    unregisterApp(id) {
      unregister.get(id)?.();
      unregister.delete(id);
    },
    deliveries: (appId) => [...(delivered.get(appId) ?? [])],
    durableDeliveries: () => record.all(),
    holdCommits: () => gate.hold(),
    releaseCommits: () => gate.release(),
    heldCommits: () => gate.waiting(),
    failNextCommit: (errorName) => gate.failNext(new DOMException(`e2e: injected ${errorName}`, errorName)),
    limits: () => ({ ...agent.limits }),
    storedPushes: () => readAllPushes(dbName),
    storedTransfers: () => readAllTransfers(transferDbName(dbName)),
    async contentSha256(pushId) {
      for (const app of agent.apps()) {
        const push = (await agent.listPushes(app.id)).find((p) => p.id === pushId);
        if (push) return sha256Hex(await agent.openContent(push));
      }
      throw new Error(`No stored push ${pushId} of a known app`);
    },
  };
  for (const spec of window.__sipPushTestRecordingApps ?? []) window.__sipPushTest.registerRecordingApp(spec);
}
