/**
 * The tabs of one browser profile and identity, as a group with one owner (issue 10).
 *
 * Why tabs and not a SharedWorker: JsSIP, IndexedDB and WebSocket all work in a worker, but
 * in-page apps' handlers live in their tabs, Safari on iOS and Chrome on Android have no
 * SharedWorker, and a dedicated worker dies with its tab anyway. So one tab owns the SIP
 * connection and the receiving pipeline; the others follow.
 *
 *   join --ownership lock free--> owner (builds the pipeline, registers)
 *        --held by another-------> follower --lock granted (owner closed/crashed)--> owner
 *   any --leave--> left (locks released, channel closed)
 *
 * - Ownership is the Web Lock `${name}:owner`: the browser grants it to the next queued tab
 *   the moment the owner's document goes away (closed, crashed, navigated).
 * - Presence: every tab holds `${name}:tab:${tabId}` while it lives, so the owner can drop
 *   the apps of a tab that died without saying `leave` (checked every pruneIntervalMs).
 * - Every tab posts its apps on change and when a tab joins or takes over, and every tab keeps
 *   the directory, so a new owner registers the union at once.
 * - Without Web Locks or BroadcastChannel (not a secure context, old browser) the tab is an
 *   owner on its own, as before, and says so in the console.
 */
import type { PushAppSpec } from '../types.ts';
import { holdLock, type ChannelLike, type LockManagerLike } from './locks.ts';
import { TabDirectory } from './tabDirectory.ts';
import { readTabMessage, type TabMessage } from './tabMessages.ts';

export type TabRole = 'owner' | 'follower';

export interface TabGroupOptions {
  /** The identity's database name: the lock and channel names derive from it. */
  name: string;
  tabId: string;
  locks: LockManagerLike | undefined;
  channel: ChannelLike | undefined;
  /** How often the owner looks for tabs that died without a `leave`. */
  pruneIntervalMs: number;
  /** The apps registered in this tab now. */
  localApps: () => PushAppSpec[];
  /** This tab became the owner (at join or by takeover): build the pipeline and register. */
  onOwner: () => void;
  /** Apps announced by other tabs changed (the owner re-registers). */
  onRemoteAppsChanged: () => void;
  /** Messages for the agent: hello, state and the agent events. */
  onMessage: (message: TabMessage) => void;
}

export class TabGroup {
  readonly directory = new TabDirectory();
  private roleNow: TabRole | 'joining' | 'left' = 'joining';
  private readonly options: TabGroupOptions;
  private readonly abort = new AbortController();
  private releases: Array<() => void> = [];
  private pruneTimer: ReturnType<typeof setInterval> | undefined;

  constructor(options: TabGroupOptions) {
    this.options = options;
  }

  get role(): TabRole | 'joining' | 'left' {
    return this.roleNow;
  }

  get tabId(): string {
    return this.options.tabId;
  }

  /** Join the group; resolves with the role this tab has first. */
  async join(): Promise<TabRole> {
    const { locks, channel, name, tabId } = this.options;
    if (!locks || !channel) {
      console.warn(
        'SIP Push: Web Locks or BroadcastChannel unavailable (is the page served over https or from localhost?); ' +
          'this tab registers on its own, and another tab of the same identity will replace its registration',
      );
      this.becomeOwner();
      return 'owner';
    }
    channel.addEventListener('message', (event) => this.receive(event.data));
    const presence = holdLock(locks, `${name}:tab:${tabId}`);
    this.releases.push(presence.release);
    await presence.granted;
    const first = holdLock(locks, `${name}:owner`, { ifAvailable: true, onGranted: () => this.becomeOwner() });
    this.releases.push(first.release);
    if (await first.granted) return 'owner';
    this.roleNow = 'follower';
    this.post({ type: 'hello', tabId });
    this.postApps();
    // Queue for the lock: granted when the owner's document goes away.
    const takeover = holdLock(locks, `${name}:owner`, { signal: this.abort.signal, onGranted: () => this.becomeOwner() });
    this.releases.push(takeover.release);
    return 'follower';
  }

  post(message: TabMessage): void {
    if (this.roleNow === 'left') return;
    try {
      this.options.channel?.postMessage(message);
    } catch (error) {
      // A message that cannot be cloned must not break the push path that posted it.
      console.error(`SIP Push: posting ${message.type} to the other tabs failed`, error);
    }
  }

  /** This tab's apps changed: tell the others (the owner re-registers with the union). */
  postApps(): void {
    this.post({ type: 'apps', tabId: this.options.tabId, apps: this.options.localApps() });
  }

  /** Leave: other tabs drop this tab's apps, and the ownership passes on. */
  leave(): void {
    if (this.roleNow === 'left') return;
    this.post({ type: 'leave', tabId: this.options.tabId });
    this.roleNow = 'left';
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.abort.abort();
    for (const release of this.releases) release();
    this.releases = [];
    this.options.channel?.close();
  }

  /** Drop the apps of tabs whose presence lock is gone; true when the announced set changed. */
  async prune(): Promise<boolean> {
    const locks = this.options.locks;
    if (!locks || this.roleNow === 'left') return false;
    const snapshot = await locks.query();
    const alive = new Set((snapshot.held ?? []).map((l) => l.name));
    const prefix = `${this.options.name}:tab:`;
    const gone = this.directory.tabs().filter((id) => !alive.has(`${prefix}${id}`));
    const changed = this.directory.remove(gone);
    if (changed) this.options.onRemoteAppsChanged();
    return changed;
  }

  private becomeOwner(): void {
    if (this.roleNow === 'left' || this.roleNow === 'owner') return;
    this.roleNow = 'owner';
    this.post({ type: 'owner', tabId: this.options.tabId });
    this.postApps();
    if (this.options.locks) {
      void this.prune();
      this.pruneTimer = setInterval(() => void this.prune().catch(() => {}), this.options.pruneIntervalMs);
    }
    this.options.onOwner();
  }

  private receive(data: unknown): void {
    const message = readTabMessage(data);
    if (!message || this.roleNow === 'left') return;
    switch (message.type) {
      case 'hello':
      case 'owner':
        // A newcomer or a new owner learns every tab's apps.
        this.postApps();
        break;
      case 'apps':
        if (message.tabId !== this.options.tabId && this.directory.set(message.tabId, message.apps) && this.roleNow === 'owner') {
          this.options.onRemoteAppsChanged();
        }
        return;
      case 'leave':
        if (this.directory.remove([message.tabId]) && this.roleNow === 'owner') this.options.onRemoteAppsChanged();
        return;
    }
    this.options.onMessage(message);
  }
}
