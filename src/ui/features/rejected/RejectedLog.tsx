/** The latest refused pushes: status, reason, app and sender. */
import { useAgentView } from '../../store/context.tsx';

const TIME = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

export function RejectedLog() {
  const rejected = useAgentView((v) => v.rejected);
  return (
    <section className="panel rejected" aria-labelledby="rejected-heading">
      <h2 id="rejected-heading">Refused pushes</h2>
      {rejected.length === 0 ? (
        <p className="empty">None.</p>
      ) : (
        <ol className="rejected-list">
          {rejected.map((r) => (
            <li key={r.seq} data-testid="rejected-item" data-status={r.status}>
              <span className="rejected-status">{r.status}</span> <span className="rejected-reason">{r.reason}</span>
              <span className="rejected-meta">
                {r.appId !== undefined && <> · {r.appId}</>}
                {r.from !== undefined && <> · {r.from}</>} · {TIME.format(new Date(r.at))}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
