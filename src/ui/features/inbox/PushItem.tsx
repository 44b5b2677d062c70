/**
 * One push in an inbox: a compact row (unread mark, sender, time, type, size and a short
 * preview of the content) that expands, by its button (aria-expanded), to the whole content.
 * Expanding a push, or opening its content (a download link), marks it read.
 */
import { memo, type MouseEvent } from 'react';
import type { StoredPush } from '../../../agent/types.ts';
import { formatBytes } from '../../format/bytes.ts';
import { useAgentView } from '../../store/context.tsx';
import { parseMediaType } from '../viewer/content.ts';
import { transferIdOfPush } from '../viewer/open.ts';
import { PushViewer } from '../viewer/PushViewer.tsx';

const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export interface PushItemProps {
  push: StoredPush;
  expanded: boolean;
  onToggle: (push: StoredPush) => void;
  /** The user opened the content (a download): mark it read. */
  onOpen: (push: StoredPush) => void;
  onDelete: (push: StoredPush) => void;
}

export const PushItem = memo(function PushItem({ push, expanded, onToggle, onOpen, onDelete }: PushItemProps) {
  const received = new Date(push.receivedAt);
  const transferId = transferIdOfPush(push);
  // The sender's file name is on the transfer, not on the push.
  const fileName = useAgentView((v) => (transferId !== undefined ? v.transfers.find((t) => t.id === transferId)?.fileName : undefined));
  const sender = push.fromDisplayName ?? push.from;
  const bodyId = `push-body-${push.id}`;
  const opened = (event: MouseEvent): void => {
    if (event.target instanceof Element && event.target.closest('a[download]')) onOpen(push);
  };
  return (
    <article
      className={`push${push.read ? '' : ' push-unread'}${expanded ? ' push-expanded' : ''}`}
      data-testid="push-item"
      data-push-id={push.id}
      data-app-id={push.appId}
      data-via={push.via}
      data-read={push.read ? 'true' : 'false'}
      data-transfer-id={transferId}
      aria-label={`${push.read ? 'Push' : 'Unread push'} from ${sender}`}
    >
      <div className="push-summary">
        <button type="button" className="push-toggle" aria-expanded={expanded} aria-controls={bodyId} data-testid="push-toggle" onClick={() => onToggle(push)}>
          <span className="push-dot" aria-hidden="true" />
          {!push.read && <span className="visually-hidden">Unread: </span>}
          <span className="push-from">
            {push.fromDisplayName !== undefined && <strong className="push-name">{push.fromDisplayName}</strong>}
            <span className="push-aor">{push.from}</span>
          </span>
          <time className="push-time" dateTime={received.toISOString()}>
            {TIME.format(received)}
          </time>
          <span className="push-meta">
            <span className="push-type" data-testid="push-type">{parseMediaType(push.contentType).essence || push.contentType}</span>
            <span className="push-size" data-testid="push-size">{formatBytes(push.size)}</span>
            {push.via === 'msrp' && (
              <span className="push-badge push-via" data-testid="push-via" title="Large content, received over an MSRP session">
                via MSRP
              </span>
            )}
            {fileName !== undefined && (
              <span className="push-file" data-testid="push-file-name" title={fileName}>
                {fileName}
              </span>
            )}
            {push.dispatched && (
              <span className="push-badge push-dispatched" data-testid="push-dispatched" title="An in-page push application has taken this push">
                handed to app
              </span>
            )}
          </span>
          <span className="visually-hidden">{expanded ? ', shown in full' : ', show in full'}</span>
        </button>
        <button type="button" className="push-delete" data-testid="push-delete" aria-label={`Delete push from ${sender}, ${TIME.format(received)}`} onClick={() => onDelete(push)}>
          Delete
        </button>
      </div>
      {/* Collapsed: a clipped preview of the same viewer; expanded: all of it, scrollable. */}
      <div id={bodyId} className="push-body" onClick={opened}>
        <PushViewer push={push} fileName={fileName} />
      </div>
    </article>
  );
});
