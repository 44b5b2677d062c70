/** The pushes table: summary status and per-terminal deliveries, live from the event stream. */
import type { PushesState } from './pushes.ts';
import type { StreamState } from './sse.ts';

export function Pushes({ state, stream }: { state: PushesState; stream: StreamState }) {
  return (
    <section className="panel pushes" aria-labelledby="pushes-title">
      <div className="panel-head">
        <h2 id="pushes-title">Pushes</h2>
        <p className={`stream stream-${stream.phase}`} role="status">
          {streamText(stream)}
        </p>
      </div>
      {state.order.length === 0 ? (
        <p className="empty">No pushes yet: those pushed here, and any other whose status changes while the console is open, are listed here.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Push ID</th>
                <th scope="col">Target</th>
                <th scope="col">App</th>
                <th scope="col">Status</th>
                <th scope="col">Terminals</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {state.order.map((id) => {
                const push = state.byId[id]!;
                return (
                  <tr key={id} data-push-id={id}>
                    <td className="mono">
                      {id}
                      {push.origin === 'stream' && <span className="origin"> (seen on the stream)</span>}
                    </td>
                    <td className="mono">{push.details?.target ?? '…'}</td>
                    <td>{push.details ? `${push.details.app} · ${push.details.contentType}` : '…'}</td>
                    <td>
                      <span className={`status status-${push.status}`} data-testid="push-status">
                        {push.status}
                      </span>
                    </td>
                    <td>
                      <ul className="deliveries">
                        {push.deliveries.map((d) => (
                          <li key={d.terminal}>
                            <span className="mono">{d.terminal}</span>: <span className={`status status-${d.status}`}>{d.status}</span>
                            {d.reason !== undefined && <span className="reason"> ({d.reason})</span>}
                            {d.attempts > 1 && <span className="reason"> · {d.attempts} attempts</span>}
                          </li>
                        ))}
                      </ul>
                    </td>
                    <td>{new Date(push.updatedAt).toLocaleTimeString()}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function streamText(stream: StreamState): string {
  switch (stream.phase) {
    case 'connecting':
      return stream.attempt === 1 ? 'Connecting to the status stream…' : 'Reconnecting to the status stream…';
    case 'open':
      return 'Live: statuses update as they change';
    case 'waiting':
      return `Status stream lost (${stream.error}); reconnecting in ${Math.round(stream.retryMs / 1000)} s`;
    case 'unauthorized':
      return 'The status stream refused the token';
    case 'stopped':
      return 'Status stream closed';
  }
}
