/** The registered push applications, with the number of pushes in each inbox. */
import { useAgentStore, useAgentView } from '../../store/context.tsx';

export function AppList() {
  const { select } = useAgentStore();
  const apps = useAgentView((v) => v.apps);
  const inboxes = useAgentView((v) => v.inboxes);
  const selected = useAgentView((v) => v.selectedAppId);
  const registered = useAgentView((v) => v.agent.registeredApps);
  return (
    <nav className="panel apps" aria-labelledby="apps-heading">
      <h2 id="apps-heading">Applications</h2>
      {apps.length === 0 ? (
        <p className="empty">No push applications registered.</p>
      ) : (
        <ul className="app-list">
          {apps.map((app) => {
            const count = inboxes[app.id]?.length ?? 0;
            return (
              <li key={app.id} data-testid={`app-${app.id}`} data-count={count}>
                <button
                  type="button"
                  className="app-button"
                  aria-current={app.id === selected ? 'true' : undefined}
                  onClick={() => select(app.id)}
                >
                  <span className="app-id">{app.id}</span>
                  <span className="app-count">
                    {count}
                    <span className="visually-hidden"> pushes</span>
                  </span>
                  <span className="app-accept">{app.accept.join(', ')}</span>
                  {!registered.includes(app.id) && <span className="app-flag">not yet registered at the core</span>}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </nav>
  );
}
