/**
 * The generic viewer. Content is data: text goes into a <pre> as a text node (at most
 * TEXT_PREVIEW_BYTES of it), images come from a Blob URL, everything else (SVG included) is a
 * download. Never innerHTML. MESSAGE pushes are shown from their content; MSRP pushes are
 * opened through the agent (their file lives in stored chunks, see open.ts). SI and SL content
 * (text/vnd.wap.si, application/vnd.wap.sic, text/vnd.wap.sl, application/vnd.wap.slc) is a
 * link card (LinkCard.tsx).
 */
import { useMemo, type ReactNode } from 'react';
import type { StoredPush } from '../../../agent/types.ts';
import { useAgentStore } from '../../store/context.tsx';
import { formatBytes } from '../../format/bytes.ts';
import { classifyContent, downloadName, parseMediaType, safeFileName } from './content.ts';
import { useBlobUrl, useObjectUrl } from './objectUrl.ts';
import { opensThroughAgent, textPreview, type TextPreview } from './open.ts';
import { useOpenedContent } from './useOpenedContent.ts';
import { ServiceContentViewer } from './LinkCard.tsx';
import { isServicePush } from './serviceCodec.ts';

/** Opening the Blob URL of a download must never render it (an SVG or HTML page would run in this origin). */
const DOWNLOAD_TYPE = 'application/octet-stream';

type ViewerProps = {
  push: StoredPush;
  /** The sender's file name (MSRP file-selector), when known: the download's name. */
  fileName?: string | undefined;
};

function imageAlt(push: StoredPush): string {
  return `Image pushed by ${push.fromDisplayName ?? push.from}`;
}

function DownloadLink({ url, name, size }: { url: string | null; name: string; size: number }) {
  return url ? (
    <a className="viewer-download" data-testid="viewer-download" href={url} download={name}>
      Download {name} ({formatBytes(size)})
    </a>
  ) : (
    <span className="viewer-preparing">Preparing {name}…</span>
  );
}

function TextBlock({ preview, json, children }: { preview: TextPreview; json: boolean; children?: ReactNode }) {
  return (
    <div className="viewer">
      {preview.invalidJson && <p className="viewer-note">Not valid JSON; shown as received.</p>}
      {preview.truncated && (
        <p className="viewer-note" data-testid="viewer-truncated">
          Showing the first {formatBytes(preview.shownBytes)} of {formatBytes(preview.totalBytes)}
          {json ? ', not formatted' : ''}; download for the rest.
        </p>
      )}
      <pre className={json ? 'viewer-text viewer-json' : 'viewer-text'} data-testid="push-content" data-kind={json ? 'json' : 'text'} data-state="ready">
        {preview.text}
      </pre>
      {children}
    </div>
  );
}

// --- MESSAGE pushes: the content is in the push -------------------------------------------

function MessageDownload({ push }: { push: StoredPush }) {
  const url = useObjectUrl(push.content, DOWNLOAD_TYPE);
  return <DownloadLink url={url} name={downloadName(push.appId, push.id, push.contentType)} size={push.size} />;
}

function MessageText({ push, json }: ViewerProps & { json: boolean }) {
  const preview = useMemo(() => textPreview(push.content, push.content.length, push.contentType, json), [push.content, push.contentType, json]);
  return <TextBlock preview={preview} json={json}>{preview.truncated && <MessageDownload push={push} />}</TextBlock>;
}

function MessageImage({ push }: ViewerProps) {
  const url = useObjectUrl(push.content, parseMediaType(push.contentType).essence);
  return (
    <div className="viewer" data-testid="push-content" data-kind="image" data-state="ready">
      {url && <img className="viewer-image" data-testid="viewer-image" src={url} alt={imageAlt(push)} />}
    </div>
  );
}

function MessageViewer({ push }: ViewerProps) {
  switch (classifyContent(push.contentType)) {
    case 'text':
      return <MessageText push={push} json={false} />;
    case 'json':
      return <MessageText push={push} json />;
    case 'image':
      return <MessageImage push={push} />;
    case 'download':
      return (
        <div className="viewer" data-testid="push-content" data-kind="download" data-state="ready">
          <MessageDownload push={push} />
        </div>
      );
  }
}

// --- MSRP pushes: the content is a Blob the agent opens -----------------------------------

function BlobDownload({ blob, name, size }: { blob: Blob; name: string; size: number }) {
  return <DownloadLink url={useBlobUrl(blob, DOWNLOAD_TYPE)} name={name} size={size} />;
}

function BlobImage({ push, blob, name }: { push: StoredPush; blob: Blob; name: string }) {
  const url = useBlobUrl(blob, parseMediaType(push.contentType).essence);
  return (
    <div className="viewer viewer-file" data-testid="push-content" data-kind="image" data-state="ready">
      {url && <img className="viewer-image" data-testid="viewer-image" src={url} alt={imageAlt(push)} decoding="async" />}
      <BlobDownload blob={blob} name={name} size={blob.size} />
    </div>
  );
}

function MsrpViewer({ push, fileName }: ViewerProps) {
  const { agent } = useAgentStore();
  const opened = useOpenedContent(agent, push);
  const kind = classifyContent(push.contentType);
  const name = safeFileName(fileName, downloadName(push.appId, push.id, push.contentType));
  if (opened.status === 'loading') {
    return (
      <div className="viewer" data-testid="push-content" data-kind={kind} data-state="loading">
        <span className="viewer-preparing">Opening {formatBytes(push.size)}…</span>
      </div>
    );
  }
  if (opened.status === 'error') {
    return (
      <div className="viewer" data-testid="push-content" data-kind={kind} data-state="error">
        <p className="error" role="alert" data-testid="viewer-error">
          Could not open the content: {opened.message}
        </p>
      </div>
    );
  }
  const content = opened.content;
  switch (content.kind) {
    case 'text':
    case 'json':
      return (
        <TextBlock preview={content.preview} json={content.kind === 'json'}>
          <BlobDownload blob={content.blob} name={name} size={content.blob.size} />
        </TextBlock>
      );
    case 'image':
      return <BlobImage push={push} blob={content.blob} name={name} />;
    case 'download':
      return (
        <div className="viewer viewer-file" data-testid="push-content" data-kind="download" data-state="ready">
          <BlobDownload blob={content.blob} name={name} size={content.blob.size} />
        </div>
      );
  }
}

export function PushViewer({ push, fileName }: ViewerProps) {
  // Service Indication / Service Loading (WAP push content): a link card, never opened by itself.
  if (isServicePush(push)) return <ServiceContentViewer push={push} />;
  return opensThroughAgent(push) ? <MsrpViewer push={push} fileName={fileName} /> : <MessageViewer push={push} />;
}
