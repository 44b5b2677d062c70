/**
 * The selected application's inbox, newest first, virtualised so long inboxes stay fast:
 * compact rows that expand, delete per push, clear the whole inbox (after a confirmation),
 * notifications for the app, and an empty state that says how to send a push here.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { StoredPush } from '../../../agent/types.ts';
import { unreadCount } from '../../store/reducers.ts';
import { useAgentStore, useAgentView } from '../../store/context.tsx';
import { NotifyToggle } from '../notifications/NotifyToggle.tsx';
import { useListedPushes } from './useListedPushes.ts';
import { PushItem } from './PushItem.tsx';

const EMPTY: StoredPush[] = [];

/**
 * Compact rows have one fixed height and are never measured: measuring forces a layout per row
 * per frame, which under a burst of pushes cost more than storing them (bench/push-throughput).
 * Only the rows the user expanded are measured (at most EXPANDED_MAX_HEIGHT_PX each; longer
 * content scrolls inside the row).
 */
export const ROW_HEIGHT_PX = 132;
export const EXPANDED_ESTIMATE_PX = 240;
export const EXPANDED_MAX_HEIGHT_PX = 480;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The command that sends a push to this page's AoR and app (the full page's empty state). */
export function senderCommand(aor: string, appId: string): string {
  return `npm run push -- --to ${aor} --app ${appId} --data "hello"`;
}

function PushList({ pushes, onError }: { pushes: StoredPush[]; onError: (message: string) => void }) {
  const store = useAgentStore();
  const scrollRef = useRef<HTMLDivElement>(null);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const virtualizer = useVirtualizer({
    count: pushes.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (index) => (expanded.has(pushes[index]?.id ?? '') ? EXPANDED_ESTIMATE_PX : ROW_HEIGHT_PX),
    overscan: 4,
    getItemKey: (index) => pushes[index]?.id ?? index,
  });
  // A row that expands or collapses: forget the sizes held, so estimates and measures apply anew.
  useEffect(() => virtualizer.measure(), [expanded, virtualizer]);

  const markRead = useCallback((push: StoredPush) => {
    if (!push.read) store.markRead([push.id]).catch((error: unknown) => onError(`Could not mark the push read: ${errorMessage(error)}`));
  }, [store, onError]);
  const onToggle = useCallback(
    (push: StoredPush) => {
      setExpanded((current) => {
        const next = new Set(current);
        if (next.has(push.id)) next.delete(push.id);
        else next.add(push.id);
        return next;
      });
      markRead(push);
    },
    [markRead],
  );
  const onDelete = useCallback(
    (push: StoredPush) => {
      // Focus would be lost with the row: keep it in the list.
      scrollRef.current?.focus();
      store.deletePushes([push.id]).catch((error: unknown) => onError(`Could not delete the push: ${errorMessage(error)}`));
    },
    [store, onError],
  );

  return (
    <div ref={scrollRef} className="inbox-scroll" role="region" tabIndex={0} aria-label="Pushes, newest first">
      <div className="inbox-canvas" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((row) => {
          const push = pushes[row.index];
          if (!push) return null;
          const open = expanded.has(push.id);
          return (
            <div
              key={row.key}
              ref={open ? virtualizer.measureElement : undefined}
              data-index={row.index}
              className={open ? 'inbox-row inbox-row-expanded' : 'inbox-row'}
              style={open ? { maxHeight: EXPANDED_MAX_HEIGHT_PX, transform: `translateY(${row.start}px)` } : { height: ROW_HEIGHT_PX, transform: `translateY(${row.start}px)` }}
            >
              <PushItem push={push} expanded={open} onToggle={onToggle} onOpen={markRead} onDelete={onDelete} />
            </div>
          );
        })}
      </div>
    </div>
  );
}

function ClearInbox({ appId, count, onError }: { appId: string; count: number; onError: (message: string) => void }) {
  const store = useAgentStore();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const openerRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);
  if (!confirming) {
    return (
      <button ref={openerRef} type="button" className="secondary small" data-testid="inbox-clear" disabled={count === 0} onClick={() => setConfirming(true)}>
        Clear inbox
      </button>
    );
  }
  const cancel = (): void => {
    setConfirming(false);
    queueMicrotask(() => openerRef.current?.focus());
  };
  return (
    <div className="confirm" role="group" aria-label="Confirm clearing the inbox" data-testid="inbox-clear-confirm" onKeyDown={(e) => e.key === 'Escape' && cancel()}>
      <span>
        Delete all {count} pushes of <strong>{appId}</strong>?
      </span>
      <button
        ref={confirmRef}
        type="button"
        className="danger small"
        data-testid="inbox-clear-yes"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          store.clearApp(appId).then(
            () => {
              setBusy(false);
              setConfirming(false);
            },
            (error: unknown) => {
              setBusy(false);
              onError(`Could not clear the inbox: ${errorMessage(error)}`);
            },
          );
        }}
      >
        {busy ? 'Deleting…' : 'Delete all'}
      </button>
      <button type="button" className="secondary small" data-testid="inbox-clear-no" onClick={cancel}>
        Cancel
      </button>
    </div>
  );
}

export function Inbox() {
  const { agent } = useAgentStore();
  const appId = useAgentView((v) => v.selectedAppId);
  const pushes = useAgentView((v) => (appId !== null ? (v.inboxes[appId] ?? EMPTY) : EMPTY));
  const unread = useAgentView((v) => (appId !== null ? unreadCount(v, appId) : 0));
  const loaded = useAgentView((v) => (appId !== null ? v.loaded[appId] === true : false));
  const loadError = useAgentView((v) => (appId !== null ? v.loadErrors[appId] : undefined));
  const [actionError, setActionError] = useState<string | null>(null);
  const onError = useCallback((message: string) => setActionError(message), []);
  // Service Indications replaced or deleted by a later one (WAP-167 6.2) are not listed.
  const { listed } = useListedPushes(pushes);
  return (
    <section className="panel inbox" aria-labelledby="inbox-heading" data-testid="inbox" data-app-id={appId ?? ''}>
      <div className="inbox-head">
        <h2 id="inbox-heading">{appId !== null ? `Inbox: ${appId}` : 'Inbox'}</h2>
        {appId !== null && (
          <>
            <span className="inbox-unread" data-testid="inbox-unread">
              {unread} unread
            </span>
            <div className="inbox-tools">
              <NotifyToggle appId={appId} />
              <ClearInbox key={appId} appId={appId} count={pushes.length} onError={onError} />
            </div>
          </>
        )}
      </div>
      {actionError !== null && (
        <p className="error" role="alert" data-testid="inbox-error">
          {actionError}
        </p>
      )}
      {appId === null ? (
        <p className="empty" data-testid="inbox-empty">
          No push applications yet. Open <strong>Settings</strong> and add one (an ID such as <code>news.ua</code> and the content types it accepts) to receive pushes.
        </p>
      ) : loadError !== undefined ? (
        <p className="error" role="alert">
          Could not read stored pushes: {loadError}
        </p>
      ) : pushes.length === 0 ? (
        loaded ? (
          <div className="empty" data-testid="inbox-empty">
            <p>
              No pushes for <strong>{appId}</strong> yet. Send one from a terminal in this project:
            </p>
            <pre className="command" data-testid="inbox-empty-command">
              {senderCommand(agent.config.aor, appId)}
            </pre>
            <p className="hint">
              When the core authenticates senders, add the <code>--from</code> and <code>--password</code> that <code>npm start</code> printed.
            </p>
          </div>
        ) : (
          <p className="empty">Loading stored pushes…</p>
        )
      ) : (
        <PushList key={appId} pushes={listed} onError={onError} />
      )}
    </section>
  );
}
