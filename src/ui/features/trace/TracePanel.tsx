/**
 * The SIP and MSRP trace panel: the agent's frames live (newest first), each expandable to its
 * full text; filters by method and text; pause (stops recording), clear, export as a text file
 * and copy. Recording is on only while the panel is mounted and not paused, so a closed panel
 * leaves the sockets' taps off (src/agent/trace/tracer.ts). Frame text is data: rendered as
 * text, never as HTML.
 */
import { memo, useCallback, useEffect, useMemo, useState } from 'react';
import type { PushAgent, TraceEntry } from '../../../agent/types.ts';
import { exportFileName, exportText, filterEntries, keptLabel, methodsOf, timeLabel } from './traceView.ts';

/** The list re-reads the ring at most this often while frames arrive. */
const REFRESH_MS = 250;
/**
 * Rows rendered at most (the newest that match the filters); export and copy take every match.
 * Keeps an open panel's rendering cost flat while the ring fills up.
 */
export const MAX_TRACE_ROWS = 200;

function useTraceEntries(agent: PushAgent): { entries: TraceEntry[]; reload: () => void } {
  const [entries, setEntries] = useState(() => agent.trace.entries());
  const reload = useCallback(() => setEntries(agent.trace.entries()), [agent]);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const refresh = () => {
      timer = null;
      setEntries(agent.trace.entries());
    };
    const off = agent.trace.on(() => {
      timer ??= setTimeout(refresh, REFRESH_MS);
    });
    refresh();
    return () => {
      off();
      if (timer !== null) clearTimeout(timer);
    };
  }, [agent]);
  return { entries, reload };
}

function useOwnsConnection(agent: PushAgent): boolean {
  const [owns, setOwns] = useState(() => agent.trace.ownsConnection);
  useEffect(() => {
    setOwns(agent.trace.ownsConnection);
    return agent.on('state', () => setOwns(agent.trace.ownsConnection));
  }, [agent]);
  return owns;
}

const TraceRow = memo(function TraceRow({ entry }: { entry: TraceEntry }) {
  const [open, setOpen] = useState(false);
  const textId = `trace-text-${entry.seq}`;
  return (
    <li className={`trace-entry trace-${entry.direction}`} data-testid="trace-entry" data-direction={entry.direction} data-method={entry.method ?? ''} data-status={entry.status ?? ''}>
      <button type="button" className="trace-row" aria-expanded={open} aria-controls={open ? textId : undefined} onClick={() => setOpen(!open)}>
        <span className="trace-time">{timeLabel(entry.time)}</span>
        <span className="trace-dir">{entry.direction === 'in' ? '← in' : '→ out'}</span>
        <span className="trace-proto">{entry.protocol.toUpperCase()}</span>
        <span className="trace-first">{entry.firstLine}</span>
      </button>
      {open && (
        <pre className="trace-text" id={textId} tabIndex={0} data-testid="trace-text">
          {entry.text}
          {entry.truncated && `\n[shortened: ${entry.bytes} bytes in all]`}
        </pre>
      )}
    </li>
  );
});

export function TracePanel({ agent, id = 'trace-panel' }: { agent: PushAgent; id?: string }) {
  const [paused, setPaused] = useState(false);
  const [method, setMethod] = useState('');
  const [text, setText] = useState('');
  const [notice, setNotice] = useState('');
  const { entries, reload } = useTraceEntries(agent);
  const owns = useOwnsConnection(agent);

  useEffect(() => {
    agent.trace.enable(!paused);
    return () => agent.trace.enable(false);
  }, [agent, paused]);

  const shown = useMemo(() => filterEntries(entries, { method, text }), [entries, method, text]);
  const newestFirst = useMemo(() => shown.slice(-MAX_TRACE_ROWS).reverse(), [shown]);
  const methods = useMemo(() => methodsOf(entries, method), [entries, method]);
  // Read with each new list of entries (the ring counts what it overwrote).
  const dropped = useMemo(() => (entries ? agent.trace.dropped() : 0), [agent, entries]);

  const onExport = () => {
    const blob = new Blob([exportText(shown)], { type: 'text/plain;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = exportFileName(Date.now());
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 0);
    setNotice(`Exported ${shown.length} ${shown.length === 1 ? 'frame' : 'frames'}.`);
  };
  const onCopy = () => {
    if (!navigator.clipboard) {
      setNotice('This browser gives the page no clipboard here (it needs HTTPS or localhost); use Export.');
      return;
    }
    navigator.clipboard.writeText(exportText(shown)).then(
      () => setNotice(`Copied ${shown.length} ${shown.length === 1 ? 'frame' : 'frames'}.`),
      () => setNotice('Copying was refused by the browser; use Export.'),
    );
  };
  const onClear = () => {
    agent.trace.clear();
    reload();
    setNotice('Cleared.');
  };

  return (
    <section className="panel trace" id={id} aria-labelledby="trace-heading" data-testid="trace-panel">
      <div className="trace-head">
        <h2 id="trace-heading">SIP and MSRP trace</h2>
        <p className="trace-status" data-testid="trace-status">
          {paused ? 'Paused: new frames are not recorded.' : 'Recording.'} {keptLabel(entries.length, agent.trace.limits.maxEntries, dropped)}
        </p>
      </div>
      {!owns && (
        <p className="banner" data-testid="trace-elsewhere">
          Another tab of this browser holds the connection for this identity, so the traffic is traced there: open the trace in that tab.
        </p>
      )}
      <div className="trace-controls">
        <label>
          Method{' '}
          <select value={method} onChange={(e) => setMethod(e.target.value)} data-testid="trace-method">
            <option value="">All</option>
            {methods.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label>
          Text{' '}
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="Call-ID, URI, body…" data-testid="trace-filter" />
        </label>
        <button type="button" className="secondary" aria-pressed={paused} onClick={() => setPaused(!paused)} data-testid="trace-pause">
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button type="button" className="secondary" onClick={onClear} data-testid="trace-clear">
          Clear
        </button>
        <button type="button" className="secondary" onClick={onExport} disabled={shown.length === 0} data-testid="trace-export">
          Export
        </button>
        <button type="button" className="secondary" onClick={onCopy} disabled={shown.length === 0} data-testid="trace-copy">
          Copy
        </button>
        <span className="trace-notice" role="status" data-testid="trace-notice">
          {notice}
        </span>
      </div>
      {newestFirst.length === 0 ? (
        <p className="empty">{entries.length === 0 ? 'No frames yet. Frames sent and received while this panel is open appear here.' : 'No frame matches the filter.'}</p>
      ) : (
        <>
          {shown.length > newestFirst.length && (
            <p className="trace-note" data-testid="trace-more">
              Showing the newest {newestFirst.length} of {shown.length} matching frames; Export and Copy take all {shown.length}.
            </p>
          )}
          <ol className="trace-list" aria-label={`Frames, newest first (${newestFirst.length} shown)`}>
            {newestFirst.map((e) => (
              <TraceRow key={e.seq} entry={e} />
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
