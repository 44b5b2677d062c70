/**
 * Typed test hooks, compiled in only when `__TEST_HOOKS__` is true (Vite `e2e` mode): the
 * Playwright page objects drive the agent through `window.__sipPushTest`.
 *
 * The commit gate lets a test hold group commits before their IndexedDB transaction starts,
 * so it can prove a push is answered only after it is durably stored. `storedPushes()` reads
 * IndexedDB directly with the raw API (not through the agent's store), as an independent
 * witness of what is on disk.
 */
import type { AgentState, PushAgent, PushAppSpec } from './types.ts';

export interface CommitGate {
  /** Awaited by the group committer before each batch's transaction. */
  wait(): Promise<void>;
  hold(): void;
  release(): void;
  /** Batches waiting at the gate now. */
  waiting(): number;
}

export function createCommitGate(): CommitGate {
  let held = false;
  let waiters: Array<() => void> = [];
  return {
    wait() {
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
  };
}

export interface DeliveredPush {
  id: string;
  appId: string;
  contentType: string;
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
  holdCommits(): void;
  releaseCommits(): void;
  heldCommits(): number;
  storedPushes(): Promise<StoredPushView[]>;
}

declare global {
  interface Window {
    __sipPushTest?: SipPushTestHooks;
  }
}

const text = new TextDecoder();

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

export function installTestHooks(agent: PushAgent, gate: CommitGate, dbName: string): void {
  const delivered = new Map<string, DeliveredPush[]>();
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
            list.push({ id: push.id, appId: push.appId, contentType: push.contentType, text: text.decode(push.content) });
            delivered.set(push.appId, list);
          },
        }),
      );
    },
    unregisterApp(id) {
      unregister.get(id)?.();
      unregister.delete(id);
    },
    deliveries: (appId) => [...(delivered.get(appId) ?? [])],
    holdCommits: () => gate.hold(),
    releaseCommits: () => gate.release(),
    heldCommits: () => gate.waiting(),
    storedPushes: () => readAllPushes(dbName),
  };
}
