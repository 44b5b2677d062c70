/** One push in an inbox: who sent it, when, what it is, and its content. */
import { memo } from 'react';
import type { StoredPush } from '../../../agent/types.ts';
import { useAgentView } from '../../store/context.tsx';
import { formatBytes } from '../../format/bytes.ts';
import { parseMediaType } from '../viewer/content.ts';
import { transferIdOfPush } from '../viewer/open.ts';
import { PushViewer } from '../viewer/PushViewer.tsx';

const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export const PushItem = memo(function PushItem({ push }: { push: StoredPush }) {
  const received = new Date(push.receivedAt);
  const transferId = transferIdOfPush(push);
  // The sender's file name is on the transfer, not on the push.
  const fileName = useAgentView((v) => (transferId !== undefined ? v.transfers.find((t) => t.id === transferId)?.fileName : undefined));
  return (
    <article
      className="push"
      data-testid="push-item"
      data-push-id={push.id}
      data-app-id={push.appId}
      data-via={push.via}
      data-transfer-id={transferId}
      aria-label={`Push from ${push.fromDisplayName ?? push.from}`}
    >
      <header className="push-head">
        <span className="push-from">
          {push.fromDisplayName !== undefined && <strong className="push-name">{push.fromDisplayName}</strong>}
          <span className="push-aor">{push.from}</span>
        </span>
        <time className="push-time" dateTime={received.toISOString()}>
          {TIME.format(received)}
        </time>
      </header>
      <p className="push-meta">
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
      </p>
      <PushViewer push={push} fileName={fileName} />
    </article>
  );
});
