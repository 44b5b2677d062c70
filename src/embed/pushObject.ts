/**
 * The typed push objects host pages receive (HostPush), built from a stored push and its
 * content. Text and JSON are decoded here once, so a handler never deals in bytes.
 */
import type { PushAgent, StoredPush } from '../agent/types.ts';
import type { HostPush } from './types.ts';

/** Content above this many bytes is handed as a Blob only (no `text`, no `json`). */
export const DEFAULT_MAX_TEXT_BYTES = 1_000_000;

interface MediaType {
  essence: string;
  charset?: string;
}

function mediaType(contentType: string): MediaType {
  const [essence = '', ...params] = contentType.split(';');
  const charset = params
    .map((p) => p.trim().split('='))
    .find(([name]) => name?.trim().toLowerCase() === 'charset')?.[1]
    ?.trim()
    .replace(/^"|"$/g, '');
  return { essence: essence.trim().toLowerCase(), ...(charset ? { charset } : {}) };
}

export function isJsonType(essence: string): boolean {
  return essence === 'application/json' || essence.endsWith('+json');
}

export function isTextType(essence: string): boolean {
  return (
    essence.startsWith('text/') ||
    isJsonType(essence) ||
    essence === 'application/xml' ||
    essence.endsWith('+xml') ||
    essence === 'application/javascript' ||
    essence === 'application/x-www-form-urlencoded'
  );
}

/** Decodes strictly: bytes that are not valid in the charset give undefined, not replacement characters. */
function decode(bytes: Uint8Array, charset: string | undefined): string | undefined {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset ?? 'utf-8', { fatal: true });
  } catch {
    decoder = new TextDecoder('utf-8', { fatal: true });
  }
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The content of a stored push as a Blob, without reading IndexedDB for MESSAGE pushes. */
async function contentBlob(agent: Pick<PushAgent, 'openContent'>, push: StoredPush): Promise<Blob> {
  if (push.blob) return push.blob;
  if (push.via === 'message') return new Blob([push.content as Uint8Array<ArrayBuffer>], { type: push.contentType });
  return agent.openContent(push);
}

export async function toHostPush(agent: Pick<PushAgent, 'openContent'>, push: StoredPush, options: { maxTextBytes?: number } = {}): Promise<HostPush> {
  const maxTextBytes = options.maxTextBytes ?? DEFAULT_MAX_TEXT_BYTES;
  const blob = await contentBlob(agent, push);
  const type = mediaType(push.contentType);
  const result: HostPush = {
    id: push.id,
    appId: push.appId,
    from: push.from,
    to: push.to,
    contentType: push.contentType,
    size: push.size,
    receivedAt: push.receivedAt,
    via: push.via,
    read: push.read,
    blob,
  };
  if (push.fromDisplayName !== undefined) result.fromDisplayName = push.fromDisplayName;
  if (push.senderUnverified) result.senderUnverified = true;
  if (push.messageId !== undefined) result.messageId = push.messageId;
  if (isTextType(type.essence) && blob.size <= maxTextBytes) {
    const bytes = push.via === 'message' && push.content.byteLength === blob.size ? push.content : new Uint8Array(await blob.arrayBuffer());
    const text = decode(bytes, type.charset);
    if (text !== undefined) {
      result.text = text;
      if (isJsonType(type.essence)) {
        try {
          result.json = JSON.parse(text) as unknown;
        } catch {
          // Not JSON after all: text and Blob only.
        }
      }
    }
  }
  return result;
}
