/**
 * Dispatcher: hands each stored push to its app's handler.
 *
 * Guarantee, precisely:
 *   - Within one page session (one Dispatcher), each push ID is handed to a handler at most
 *     once, and every stored push of a registered app is handed exactly once: newly committed
 *     pushes as they commit (in commit order), and, when an app registers (or re-registers),
 *     every stored push of that app not yet dispatched, oldest first. Per app, handlers run one
 *     at a time in that order; a replay and the pushes committed during it keep that order.
 *   - After a handler settles (returns, resolves, throws or rejects: errors are reported to
 *     onError, never retried) the push is marked dispatched in IndexedDB; marks are batched,
 *     many pushes per transaction.
 *   - Across sessions: a push marked dispatched is never handed again. A crash or reload
 *     between a handler settling and its mark committing hands that push again in the next
 *     session: at-least-once. StoredPush.id is stable, so an app that must not see a push
 *     twice dedupes on it.
 *   - A push whose app is not registered stays undispatched until the app registers.
 */
import type { PushStore } from '../store/pushStore.ts';
import type { PushApp, StoredPush } from '../types.ts';
import type { AppRegistry } from './registry.ts';

export interface DispatcherOptions {
  store: Pick<PushStore, 'undispatched' | 'markDispatched'>;
  apps: Pick<AppRegistry, 'get' | 'on' | 'ids'>;
  /**
   * The copy of a push a handler receives (e.g. an MSRP push with its content as a Blob).
   * Failing to prepare it is reported to onError and the push is not handed (it stays
   * undispatched for the next replay). Default: the push itself.
   */
  withContent?: (push: StoredPush) => Promise<StoredPush> | StoredPush;
  /** A push handed to its handler (after the handler settled), with dispatched: true. */
  onDispatched?: (push: StoredPush) => void;
  /** A handler threw or rejected, or storage failed while replaying or marking. */
  onError?: (error: unknown, context: { appId: string; pushId?: string }) => void;
}

export class Dispatcher {
  private readonly store: DispatcherOptions['store'];
  private readonly apps: DispatcherOptions['apps'];
  private readonly onDispatched: DispatcherOptions['onDispatched'];
  private readonly withContent: NonNullable<DispatcherOptions['withContent']>;
  private readonly onError: NonNullable<DispatcherOptions['onError']>;
  /** Push IDs handed (or being handed) in this session. */
  private readonly handed = new Set<string>();
  /** Per app (lower-case ID): the tail of its chain of hand-off steps. */
  private readonly chains = new Map<string, Promise<void>>();
  private marksQueued: string[] = [];
  private marking: Promise<void> | undefined;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(options: DispatcherOptions) {
    this.store = options.store;
    this.apps = options.apps;
    this.onDispatched = options.onDispatched;
    this.withContent = options.withContent ?? ((push) => push);
    this.onError = options.onError ?? ((error, context) => console.error(`push dispatch failed for ${context.appId}`, error));
    this.unsubscribe = options.apps.on('registered', (app) => this.replay(app.id));
  }

  /**
   * Replay the stored undispatched pushes of every app registered now. Call once at start:
   * apps registered before the Dispatcher existed did not trigger a replay.
   */
  start(): void {
    for (const id of this.apps.ids()) this.replay(id);
  }

  /** Newly committed pushes (the committer's 'committed' event), in commit order. */
  dispatchStored(pushes: readonly StoredPush[]): void {
    const byApp = new Map<string, StoredPush[]>();
    for (const push of pushes) {
      const key = push.appId.toLowerCase();
      const list = byApp.get(key);
      if (list) list.push(push);
      else byApp.set(key, [push]);
    }
    for (const [key, list] of byApp) {
      // Not registered: the push waits, undispatched, for the app's replay.
      if (!this.apps.get(key)) continue;
      this.chain(key, () => this.handOff(key, list));
    }
  }

  /** Hand an app's undispatched stored pushes to it, oldest first (after anything queued for it). */
  replay(appId: string): void {
    const key = appId.toLowerCase();
    this.chain(key, async () => {
      let pushes: StoredPush[];
      try {
        pushes = await this.store.undispatched(this.apps.get(key)?.id ?? appId);
      } catch (error) {
        this.onError(error, { appId });
        return;
      }
      await this.handOff(key, pushes);
    });
  }

  /** Resolves once every queued hand-off and mark has settled (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.chains.values()];
      if (this.marking) pending.push(this.marking);
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  /** Stop reacting to registrations; queued hand-offs still finish. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
  }

  private chain(key: string, step: () => Promise<void>): void {
    if (this.closed) return;
    const tail = (this.chains.get(key) ?? Promise.resolve()).then(step);
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
  }

  private async handOff(key: string, pushes: readonly StoredPush[]): Promise<void> {
    const done: StoredPush[] = [];
    for (const push of pushes) {
      if (push.dispatched || this.handed.has(push.id)) continue;
      // Looked up per push: the app may have been replaced or unregistered meanwhile.
      const app: PushApp | undefined = this.apps.get(key);
      if (!app) break;
      this.handed.add(push.id);
      let handed: StoredPush;
      try {
        handed = await this.withContent(push);
      } catch (error) {
        this.handed.delete(push.id);
        this.onError(error, { appId: push.appId, pushId: push.id });
        continue;
      }
      try {
        await app.handler(handed);
      } catch (error) {
        this.onError(error, { appId: push.appId, pushId: push.id });
      }
      done.push(push);
    }
    if (done.length === 0) return;
    this.mark(done.map((p) => p.id));
    for (const push of done) {
      try {
        this.onDispatched?.({ ...push, dispatched: true });
      } catch (error) {
        this.onError(error, { appId: push.appId, pushId: push.id });
      }
    }
  }

  /** Queue marks; one markDispatched transaction at a time takes everything queued. */
  private mark(ids: string[]): void {
    this.marksQueued.push(...ids);
    if (this.marking) return;
    this.marking = (async () => {
      try {
        while (this.marksQueued.length > 0) {
          const batch = this.marksQueued;
          this.marksQueued = [];
          try {
            await this.store.markDispatched(batch);
          } catch (error) {
            // The pushes stay undispatched in storage: the next session hands them again.
            this.onError(error, { appId: '*' });
          }
        }
      } finally {
        this.marking = undefined;
      }
    })();
  }
}
