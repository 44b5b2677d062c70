/** The selected application's inbox, newest first, virtualised so long inboxes stay fast. */
import { useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { StoredPush } from '../../../agent/types.ts';
import { useAgentView } from '../../store/context.tsx';
import { PushItem } from './PushItem.tsx';

const EMPTY: StoredPush[] = [];

/**
 * Every row has the same height (CSS .inbox-row; long content scrolls inside its row). Rows are
 * not measured: measuring forces a layout per row per frame, which under a burst of pushes
 * cost more than storing them (bench/push-throughput).
 */
export const ROW_HEIGHT_PX = 220;

function PushList({ pushes }: { pushes: StoredPush[] }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: pushes.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT_PX,
    overscan: 4,
    getItemKey: (index) => pushes[index]?.id ?? index,
  });
  return (
    <div ref={scrollRef} className="inbox-scroll" role="region" tabIndex={0} aria-label="Pushes, newest first">
      <div className="inbox-canvas" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((row) => {
          const push = pushes[row.index];
          if (!push) return null;
          return (
            <div key={row.key} data-index={row.index} className="inbox-row" style={{ height: ROW_HEIGHT_PX, transform: `translateY(${row.start}px)` }}>
              <PushItem push={push} />
            </div>
          );
        })}
      </div>
    </div>
  );
}

export function Inbox() {
  const appId = useAgentView((v) => v.selectedAppId);
  const pushes = useAgentView((v) => (appId !== null ? (v.inboxes[appId] ?? EMPTY) : EMPTY));
  const loaded = useAgentView((v) => (appId !== null ? v.loaded[appId] === true : false));
  const loadError = useAgentView((v) => (appId !== null ? v.loadErrors[appId] : undefined));
  return (
    <section className="panel inbox" aria-labelledby="inbox-heading" data-testid="inbox" data-app-id={appId ?? ''}>
      <h2 id="inbox-heading">{appId !== null ? `Inbox: ${appId}` : 'Inbox'}</h2>
      {appId === null ? (
        <p className="empty">Register a push application in the settings to receive pushes.</p>
      ) : loadError !== undefined ? (
        <p className="error" role="alert">Could not read stored pushes: {loadError}</p>
      ) : pushes.length === 0 ? (
        <p className="empty">{loaded ? 'No pushes yet.' : 'Loading stored pushes…'}</p>
      ) : (
        <PushList key={appId} pushes={pushes} />
      )}
    </section>
  );
}
