/**
 * Dispatcher: hands each stored push to its app's handler.
 *
 * Guarantee, precisely:
 *   - At most once, across tabs, reloads and crashes: a push is *claimed* (marked dispatched
 *     in IndexedDB, in a readwrite transaction that takes it only if not yet marked) just
 *     before its handler is called, one push at a time. The claim is committed with relaxed
 *     durability: written through to the operating system, so it survives a tab or browser
 *     crash (only an OS crash could lose it), at a fraction of a flushed write's cost. Two tabs with the same app registered race for the claim and
 *     exactly one wins (src/agent/tabs: every tab of an identity dispatches its own apps).
 *     A tab that dies after claiming and before its handler ran leaves the push stored and
 *     shown, and not handed again: never twice beats maybe twice for an app acting on a push.
 *   - Every stored push of a registered app is handed once: newly committed pushes as they
 *     commit (in commit order), and, when an app registers (or re-registers), every stored
 *     push of that app not yet dispatched, oldest first. Per app, handlers run one at a time
 *     in that order; a replay and the pushes committed during it keep that order.
 *   - At hand-over the push must pass the app's policy as it is now (types, senders, size;
 *     handOverDecision): a push accepted under another spec (a declared `*\/*` app, another
 *     tab's app, an older policy) that this app would refuse is not handed and stays undispatched.
 *   - Never after its Push-Deliver-Before (StoredPush.deliverBefore): an expired push is not
 *     handed (onExpired; the owning tab's ExpirySweeper discards it and reports it, src/agent/reports).
 *     The check runs just before the claim; the sweeper discards by the same claim, so of
 *     "handed" and "discarded as expired" exactly one happens to each push.
 *   - A handler's error (throw or rejection) is reported to onError, never retried.
 *   - A push whose app is not registered stays undispatched until the app registers.
 */
import { handOverDecision } from '../policy/pushPolicy.ts';
import type { PushStore } from '../store/pushStore.ts';
import type { AgentLimits, PushApp, StoredPush } from '../types.ts';
import type { AppRegistry } from './registry.ts';

export interface DispatcherOptions {
  store: Pick<PushStore, 'undispatched' | 'claim' | 'unclaim'>;
  apps: Pick<AppRegistry, 'get' | 'on' | 'ids'>;
  /** The MESSAGE size limit of apps without their own maxBytes (handOverDecision). */
  limits: Pick<AgentLimits, 'maxMessageBytes'>;
  /**
   * The copy of a push a handler receives (e.g. an MSRP push with its content as a Blob).
   * Failing to prepare it is reported to onError and the push is not handed (it stays
   * undispatched for the next replay). Default: the push itself.
   */
  withContent?: (push: StoredPush) => Promise<StoredPush> | StoredPush;
  /** A push handed to its handler (after the handler settled), with dispatched: true. */
  onDispatched?: (push: StoredPush) => void;
  /** A handler threw or rejected, or storage failed while replaying or claiming. */
  onError?: (error: unknown, context: { appId: string; pushId?: string }) => void;
  /** A stored push the app's policy refuses now (not handed; it stays undispatched). */
  onRefused?: (push: StoredPush, reason: string) => void;
  /** A stored push past its deliverBefore: not handed (it stays undispatched for the sweeper). */
  onExpired?: (push: StoredPush) => void;
  /** Clock of the expiry check (epoch ms). */
  now?: () => number;
}

export class Dispatcher {
  private readonly store: DispatcherOptions['store'];
  private readonly apps: DispatcherOptions['apps'];
  private readonly onDispatched: DispatcherOptions['onDispatched'];
  private readonly withContent: NonNullable<DispatcherOptions['withContent']>;
  private readonly onError: NonNullable<DispatcherOptions['onError']>;
  private readonly onRefused: NonNullable<DispatcherOptions['onRefused']>;
  private readonly limits: DispatcherOptions['limits'];
  private readonly onExpired: DispatcherOptions['onExpired'];
  private readonly now: () => number;
  /** Push IDs handed (or being handed) in this session. */
  private readonly handed = new Set<string>();
  /** Per app (lower-case ID): the tail of its chain of hand-off steps. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(options: DispatcherOptions) {
    this.store = options.store;
    this.apps = options.apps;
    this.onDispatched = options.onDispatched;
    this.withContent = options.withContent ?? ((push) => push);
    this.onError = options.onError ?? ((error, context) => console.error(`push dispatch failed for ${context.appId}`, error));
    this.onRefused = options.onRefused ?? ((push, reason) => console.info(`push ${push.id} not handed to ${push.appId}: ${reason}`));
    this.limits = options.limits;
    this.onExpired = options.onExpired;
    this.now = options.now ?? Date.now;
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

  /** Resolves once every queued hand-off has settled (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.chains.values()];
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

  private expired(push: StoredPush): boolean {
    if (push.deliverBefore === undefined || push.deliverBefore > this.now()) return false;
    try {
      this.onExpired?.(push);
    } catch (error) {
      this.onError(error, { appId: push.appId, pushId: push.id });
    }
    return true;
  }

  private async handOff(key: string, pushes: readonly StoredPush[]): Promise<void> {
    const app = this.apps.get(key);
    if (!app) return;
    const admitted: StoredPush[] = [];
    for (const push of pushes) {
      if (push.dispatched || this.handed.has(push.id)) continue;
      if (this.expired(push)) continue;
      const decision = handOverDecision(app, push, this.limits);
      if (!decision.accept) {
        this.onRefused(push, decision.reason);
        continue;
      }
      admitted.push(push);
      this.handed.add(push.id);
    }
    if (admitted.length === 0) return;
    const giveBack: string[] = [];
    for (const push of admitted) {
      // Claimed one at a time, just before its handler: a tab that dies mid-batch leaves the
      // rest unclaimed for the next replay, and loses at most the push whose handler was running.
      let claimed: boolean;
      try {
        claimed = (await this.store.claim([push.id])).length === 1;
      } catch (error) {
        this.handed.delete(push.id);
        this.onError(error, { appId: app.id, pushId: push.id });
        continue;
      }
      if (!claimed) continue; // another tab took it first
      // Claims are one at a time: the handlers before this one may have run past its expiry.
      if (push.deliverBefore !== undefined && push.deliverBefore <= this.now()) {
        // Given back before onExpired, so the sweeper it wakes finds the push undispatched.
        this.handed.delete(push.id);
        await this.store.unclaim([push.id]).catch((error: unknown) => this.onError(error, { appId: app.id, pushId: push.id }));
        this.expired(push);
        continue;
      }
      // Looked up per push: the app may have been replaced or unregistered meanwhile.
      const current: PushApp | undefined = this.apps.get(key);
      if (!current || (current !== app && !handOverDecision(current, push, this.limits).accept)) {
        this.handed.delete(push.id);
        giveBack.push(push.id);
        continue;
      }
      let handed: StoredPush;
      try {
        handed = await this.withContent(push);
      } catch (error) {
        this.handed.delete(push.id);
        giveBack.push(push.id);
        this.onError(error, { appId: push.appId, pushId: push.id });
        continue;
      }
      try {
        await current.handler(handed);
      } catch (error) {
        this.onError(error, { appId: push.appId, pushId: push.id });
      }
      try {
        this.onDispatched?.({ ...push, dispatched: true });
      } catch (error) {
        this.onError(error, { appId: push.appId, pushId: push.id });
      }
    }
    if (giveBack.length > 0) {
      // Not handed after all: undispatched again, for this app's next replay.
      await this.store.unclaim(giveBack).catch((error: unknown) => this.onError(error, { appId: app.id }));
    }
  }
}
