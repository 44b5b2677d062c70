/**
 * The generic viewer. Content is data: text goes into a <pre> as a text node, images come
 * from a Blob URL, everything else (SVG included) is a download. Never innerHTML.
 */
import { useMemo } from 'react';
import type { StoredPush } from '../../../agent/types.ts';
import { classifyContent, decodeText, downloadName, formatBytes, parseMediaType, prettyJson } from './content.ts';
import { useObjectUrl } from './objectUrl.ts';

type ViewerProps = { push: StoredPush };

function TextView({ push, json }: ViewerProps & { json: boolean }) {
  const { text, invalid } = useMemo(() => {
    const decoded = decodeText(push.content, push.contentType);
    if (!json) return { text: decoded, invalid: false };
    const pretty = prettyJson(decoded);
    return { text: pretty.text, invalid: !pretty.ok };
  }, [push.content, push.contentType, json]);
  return (
    <div className="viewer">
      {invalid && <p className="viewer-note">Not valid JSON; shown as received.</p>}
      <pre className={json ? 'viewer-text viewer-json' : 'viewer-text'} data-testid="push-content" data-kind={json ? 'json' : 'text'}>
        {text}
      </pre>
    </div>
  );
}

function ImageView({ push }: ViewerProps) {
  const url = useObjectUrl(push.content, parseMediaType(push.contentType).essence);
  return (
    <div className="viewer" data-testid="push-content" data-kind="image">
      {url && <img className="viewer-image" src={url} alt={`Image pushed by ${push.fromDisplayName ?? push.from}`} />}
    </div>
  );
}

function DownloadView({ push }: ViewerProps) {
  // Always octet-stream: opening the Blob URL must never render it (an SVG or HTML page
  // would run in this origin).
  const url = useObjectUrl(push.content, 'application/octet-stream');
  const name = downloadName(push.appId, push.id, push.contentType);
  return (
    <div className="viewer" data-testid="push-content" data-kind="download">
      {url ? (
        <a className="viewer-download" href={url} download={name}>
          Download {name} ({formatBytes(push.size)})
        </a>
      ) : (
        <span>Preparing {name}…</span>
      )}
    </div>
  );
}

export function PushViewer({ push }: ViewerProps) {
  const kind = classifyContent(push.contentType);
  switch (kind) {
    case 'text':
      return <TextView push={push} json={false} />;
    case 'json':
      return <TextView push={push} json />;
    case 'image':
      return <ImageView push={push} />;
    case 'download':
      return <DownloadView push={push} />;
  }
}
