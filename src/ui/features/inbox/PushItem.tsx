/** One push in an inbox: who sent it, when, what it is, and its content. */
import { memo } from 'react';
import type { StoredPush } from '../../../agent/types.ts';
import { formatBytes, parseMediaType } from '../viewer/content.ts';
import { PushViewer } from '../viewer/PushViewer.tsx';

const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export const PushItem = memo(function PushItem({ push }: { push: StoredPush }) {
  const received = new Date(push.receivedAt);
  return (
    <article className="push" data-testid="push-item" data-push-id={push.id} data-app-id={push.appId} aria-label={`Push from ${push.fromDisplayName ?? push.from}`}>
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
        <span className="push-size">{formatBytes(push.size)}</span>
        {push.via === 'msrp' && <span className="push-badge">MSRP</span>}
        {push.dispatched && (
          <span className="push-badge push-dispatched" data-testid="push-dispatched" title="An in-page push application has taken this push">
            handed to app
          </span>
        )}
      </p>
      <PushViewer push={push} />
    </article>
  );
});
