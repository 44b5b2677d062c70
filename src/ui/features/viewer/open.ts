/**
 * What the viewer shows of a push's content, and how it gets it. A MESSAGE push carries its
 * content; an MSRP push (flow 5.4.2) has an empty `content` and its file in stored chunks,
 * which only the agent can open (PushAgent.openContent, a Blob backed by IndexedDB). The viewer
 * never reads such a Blob whole: text is previewed from a bounded prefix, images and downloads
 * go through object URLs.
 */
import type { PushAgent, StoredPush } from '../../../agent/types.ts';
import { classifyContent, decodeText, prettyJson } from './content.ts';

/** Most bytes of text or JSON the viewer reads and shows; the rest is a download. */
export const TEXT_PREVIEW_BYTES = 64 * 1024;

export interface TextPreview {
  text: string;
  /** Only the first `shownBytes` of `totalBytes` are shown. */
  truncated: boolean;
  shownBytes: number;
  totalBytes: number;
  /** JSON that is not valid JSON, shown as received. */
  invalidJson: boolean;
}

/**
 * The text to show of `bytes` (the whole content, or a prefix of a `totalBytes` content): at
 * most `limit` bytes, decoded with the type's charset; JSON pretty-printed when whole (a
 * prefix of JSON is not JSON, so it is shown as received).
 */
export function textPreview(bytes: Uint8Array, totalBytes: number, contentType: string, json: boolean, limit = TEXT_PREVIEW_BYTES): TextPreview {
  const shown = bytes.length > limit ? bytes.subarray(0, limit) : bytes;
  const total = Math.max(totalBytes, bytes.length);
  const truncated = total > shown.length;
  const decoded = decodeText(shown, contentType, { partial: truncated });
  if (!json || truncated) return { text: decoded, truncated, shownBytes: shown.length, totalBytes: total, invalidJson: false };
  const pretty = prettyJson(decoded);
  return { text: pretty.text, truncated, shownBytes: shown.length, totalBytes: total, invalidJson: !pretty.ok };
}

/** True when the content must come from the agent (MSRP pushes): `push.content` is empty for them. */
export function opensThroughAgent(push: Pick<StoredPush, 'via'>): boolean {
  return push.via === 'msrp';
}

const MSRP_DEDUP_PREFIX = 'msrp:';

/** The MSRP transfer a push came from: its dedupKey is `msrp:<transferId>`. */
export function transferIdOfPush(push: Pick<StoredPush, 'via' | 'dedupKey'>): string | undefined {
  return push.via === 'msrp' && push.dedupKey.startsWith(MSRP_DEDUP_PREFIX) ? push.dedupKey.slice(MSRP_DEDUP_PREFIX.length) : undefined;
}

export type OpenedContent = { kind: 'text' | 'json'; preview: TextPreview; blob: Blob } | { kind: 'image' | 'download'; blob: Blob };

/**
 * Opens a push through the agent: the Blob, and for text and JSON a preview read from its
 * first `limit` bytes only (Blob.slice: the rest is never loaded).
 */
export async function openForViewer(source: Pick<PushAgent, 'openContent'>, push: StoredPush, limit = TEXT_PREVIEW_BYTES): Promise<OpenedContent> {
  const blob = await source.openContent(push);
  const kind = classifyContent(push.contentType);
  if (kind === 'text' || kind === 'json') {
    const head = new Uint8Array(await blob.slice(0, limit).arrayBuffer());
    return { kind, preview: textPreview(head, blob.size, push.contentType, kind === 'json', limit), blob };
  }
  return { kind, blob };
}
