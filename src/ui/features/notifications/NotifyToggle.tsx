/** The per-app "notify me" switch; permission is asked from its click only. */
import { createContext, useContext, useId, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { Notifications } from './notifications.ts';

const NotificationsContext = createContext<Notifications | null>(null);

export function NotificationsProvider({ value, children }: { value: Notifications; children: ReactNode }) {
  return <NotificationsContext.Provider value={value}>{children}</NotificationsContext.Provider>;
}

function Toggle({ notifications, appId }: { notifications: Notifications; appId: string }) {
  const id = useId();
  const enabled = useStore(notifications.store, (s) => s.enabled[appId] === true);
  const blocked = useStore(notifications.store, (s) => s.blocked[appId]);
  const unsupported = useStore(notifications.store, (s) => s.permission === 'unsupported');
  return (
    <div className="notify">
      <input
        id={id}
        type="checkbox"
        checked={enabled}
        disabled={unsupported}
        data-testid="notify-toggle"
        onChange={(event) => {
          if (event.currentTarget.checked) void notifications.enable(appId);
          else notifications.disable(appId);
        }}
      />
      <label htmlFor={id}>Notify me</label>
      {blocked !== undefined && (
        <p className="notify-blocked" role="alert" data-testid="notify-blocked">
          {blocked}
        </p>
      )}
    </div>
  );
}

/** Nothing when the page provides no notifications (an embedded widget). */
export function NotifyToggle({ appId }: { appId: string }) {
  const notifications = useContext(NotificationsContext);
  return notifications ? <Toggle key={appId} notifications={notifications} appId={appId} /> : null;
}
