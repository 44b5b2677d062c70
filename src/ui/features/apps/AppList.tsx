/** The registered push applications, with their unread and stored pushes. */
import { unreadCount } from '../../store/reducers.ts';
import { useAgentStore, useAgentView } from '../../store/context.tsx';

function AppButton({ appId, accept, selected, registered }: { appId: string; accept: string[]; selected: boolean; registered: boolean }) {
  const { select } = useAgentStore();
  // data-count: the pushes this view holds (e2e ReceiverPage.shownCount); data-unread: the unread ones.
  const count = useAgentView((v) => v.inboxes[appId]?.length ?? 0);
  const unread = useAgentView((v) => unreadCount(v, appId));
  return (
    <li data-testid={`app-${appId}`} data-count={count} data-unread={unread}>
      <button type="button" className="app-button" aria-current={selected ? 'true' : undefined} onClick={() => select(appId)}>
        <span className="app-id">{appId}</span>
        <span className={unread > 0 ? 'app-count app-count-unread' : 'app-count'} data-testid="app-unread">
          {unread}
          <span className="visually-hidden"> unread</span>
        </span>
        <span className="app-accept">
          {count} {count === 1 ? 'push' : 'pushes'} · {accept.join(', ')}
        </span>
        {!registered && <span className="app-flag">not yet registered at the core</span>}
      </button>
    </li>
  );
}

export function AppList() {
  const apps = useAgentView((v) => v.apps);
  const selected = useAgentView((v) => v.selectedAppId);
  const registered = useAgentView((v) => v.agent.registeredApps);
  return (
    <nav className="panel apps" aria-labelledby="apps-heading">
      <h2 id="apps-heading">Applications</h2>
      {apps.length === 0 ? (
        <p className="empty">No push applications registered. Add one in Settings.</p>
      ) : (
        <ul className="app-list">
          {apps.map((app) => (
            <AppButton key={app.id} appId={app.id} accept={app.accept} selected={app.id === selected} registered={registered.includes(app.id)} />
          ))}
        </ul>
      )}
    </nav>
  );
}
