/**
 * Optional browser notifications for new pushes, per app (issue 11 item 4). Side effects live
 * here, outside components: the per-app choice (saved per identity), the permission, and the
 * notifier that turns the agent's 'stored' events into notifications.
 *
 * Permission is asked only from a user gesture (the toggle's click: `enable`). A notification
 * names the sender and the app and never carries the push's content: content is data, and a
 * notification is no place to show it.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { PushAgent, StoredPush } from '../../../agent/types.ts';

export type NotifyPermission = NotificationPermission | 'unsupported';

/** What the notifier needs of the browser's Notification API (injected for tests). */
export interface NotificationApi {
  permission(): NotifyPermission;
  /** Only ever called from a user gesture. */
  requestPermission(): Promise<NotifyPermission>;
  show(title: string, options: { body: string; tag: string }): void;
}

export function browserNotifications(): NotificationApi {
  const supported = typeof Notification === 'function';
  return {
    permission: () => (supported ? Notification.permission : 'unsupported'),
    requestPermission: async () => (supported ? Notification.requestPermission() : 'unsupported'),
    show(title, options) {
      if (supported) new Notification(title, options);
    },
  };
}

/** Saves the app IDs with notifications on (one identity). */
export interface PrefsStorage {
  load(): string[];
  save(appIds: string[]): void;
}

export function localPrefsStorage(aor: string, storage: Pick<Storage, 'getItem' | 'setItem'> | undefined = globalThis.localStorage): PrefsStorage {
  const key = `sip-push-web:notify:${aor}`;
  return {
    load() {
      try {
        const parsed: unknown = JSON.parse(storage?.getItem(key) ?? '[]');
        return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
      } catch {
        return [];
      }
    },
    save(appIds) {
      try {
        storage?.setItem(key, JSON.stringify(appIds));
      } catch {
        // A full or blocked storage only loses the choice across reloads.
      }
    },
  };
}

export interface NotifyState {
  /** Apps with notifications on. */
  enabled: Record<string, true>;
  permission: NotifyPermission;
  /** Why the last attempt to turn notifications on did not, per app. */
  blocked: Record<string, string>;
}

/** Pure: whether a newly stored push is announced. */
export function shouldNotify(state: Pick<NotifyState, 'enabled' | 'permission'>, push: Pick<StoredPush, 'appId'>): boolean {
  return state.permission === 'granted' && state.enabled[push.appId] === true;
}

/** Pure: title and body name the app and the sender; never the content. `tag` folds the copies of several tabs into one. */
export function notificationFor(push: Pick<StoredPush, 'id' | 'appId' | 'from' | 'fromDisplayName'>): { title: string; options: { body: string; tag: string } } {
  const sender = push.fromDisplayName ? `${push.fromDisplayName} (${push.from})` : push.from;
  return { title: `New push for ${push.appId}`, options: { body: `From ${sender}`, tag: `sip-push:${push.id}` } };
}

const BLOCKED = 'Notifications are blocked for this site: allow them in the browser’s site settings, then try again.';
const UNSUPPORTED = 'This browser does not support notifications.';

export interface Notifications {
  readonly store: StoreApi<NotifyState>;
  /** Turns an app's notifications on, asking for permission if needed: call only from a click. */
  enable(appId: string): Promise<void>;
  disable(appId: string): void;
  /** Stops listening to the agent. */
  dispose(): void;
}

export function createNotifications(agent: Pick<PushAgent, 'on'>, prefs: PrefsStorage, api: NotificationApi = browserNotifications()): Notifications {
  const store = createStore<NotifyState>()(() => ({
    enabled: Object.fromEntries(prefs.load().map((id) => [id, true as const])),
    permission: api.permission(),
    blocked: {},
  }));
  const setEnabled = (appId: string, on: boolean): void => {
    const { [appId]: _was, ...rest } = store.getState().enabled;
    const enabled = on ? { ...rest, [appId]: true as const } : rest;
    const { [appId]: _b, ...blocked } = store.getState().blocked;
    store.setState({ enabled, blocked });
    prefs.save(Object.keys(enabled));
  };
  const off = agent.on('stored', (pushes) => {
    // The permission may have been changed in the browser's settings meanwhile.
    const permission = api.permission();
    if (permission !== store.getState().permission) store.setState({ permission });
    for (const push of pushes) {
      if (!shouldNotify(store.getState(), push)) continue;
      const { title, options } = notificationFor(push);
      try {
        api.show(title, options);
      } catch (error) {
        console.error('showing a notification failed', error);
      }
    }
  });
  return {
    store,
    async enable(appId) {
      let permission = api.permission();
      if (permission === 'default') permission = await api.requestPermission();
      store.setState({ permission });
      if (permission === 'granted') {
        setEnabled(appId, true);
        return;
      }
      store.setState({ blocked: { ...store.getState().blocked, [appId]: permission === 'unsupported' ? UNSUPPORTED : BLOCKED } });
    },
    disable: (appId) => setEnabled(appId, false),
    dispose: off,
  };
}
