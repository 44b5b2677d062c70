/**
 * How the generic viewer shows a push's content. Pure. Push content is data: it is shown as
 * text or as an image, never rendered as HTML and never evaluated.
 */

export type ViewKind = 'text' | 'json' | 'image' | 'download';

export interface MediaType {
  /** `type/subtype`, lower case, without parameters. */
  essence: string;
  type: string;
  subtype: string;
  params: Record<string, string>;
}

/** Parses `type/subtype; name=value` (lenient: a malformed type yields an empty essence). */
export function parseMediaType(contentType: string): MediaType {
  const [head = '', ...rest] = contentType.split(';');
  const essence = head.trim().toLowerCase();
  const slash = essence.indexOf('/');
  const valid = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(essence);
  const params: Record<string, string> = {};
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name) params[name] = value;
  }
  if (!valid) return { essence: '', type: '', subtype: '', params };
  return { essence, type: essence.slice(0, slash), subtype: essence.slice(slash + 1), params };
}

/**
 * text/* as text; application/json and any +json as JSON; image/* as an image except SVG,
 * which can carry script and is therefore only offered as a download; anything else a download.
 */
export function classifyContent(contentType: string): ViewKind {
  const { essence, type, subtype } = parseMediaType(contentType);
  if (essence === '') return 'download';
  if (essence === 'application/json' || subtype.endsWith('+json')) return 'json';
  if (type === 'text') return 'text';
  if (type === 'image') return essence === 'image/svg+xml' || subtype.endsWith('+xml') ? 'download' : 'image';
  return 'download';
}

/**
 * Decodes text with the content type's charset (UTF-8 when absent or unknown). `partial`: the
 * bytes are a prefix, so a character cut at the end is dropped rather than shown as U+FFFD.
 */
export function decodeText(content: Uint8Array, contentType: string, options: { partial?: boolean } = {}): string {
  const charset = parseMediaType(contentType).params.charset ?? 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset);
  } catch {
    decoder = new TextDecoder('utf-8');
  }
  return decoder.decode(content, { stream: options.partial === true });
}

/** JSON indented by two spaces; `ok: false` with the text unchanged when it is not valid JSON. */
export function prettyJson(text: string): { ok: boolean; text: string } {
  try {
    return { ok: true, text: JSON.stringify(JSON.parse(text), null, 2) };
  } catch {
    return { ok: false, text };
  }
}

const EXTENSIONS: Record<string, string> = {
  'application/json': 'json',
  'application/pdf': 'pdf',
  'application/xml': 'xml',
  'application/zip': 'zip',
  'application/vnd.wap.mms-message': 'mms',
  'application/vnd.syncml.notification': 'bin',
  'application/octet-stream': 'bin',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/svg+xml': 'svg',
  'text/plain': 'txt',
  'text/html': 'html',
  'text/calendar': 'ics',
  'text/vcard': 'vcf',
  'text/x-vcard': 'vcf',
  'audio/mpeg': 'mp3',
  'video/mp4': 'mp4',
};

/** A safe file name for a download: `<app>-<id>.<ext>`, with only harmless characters. */
export function downloadName(appId: string, pushId: string, contentType: string): string {
  const { essence, subtype } = parseMediaType(contentType);
  const suffix = subtype.includes('+') ? subtype.slice(subtype.lastIndexOf('+') + 1) : '';
  const ext = EXTENSIONS[essence] ?? (/^[a-z0-9]{1,8}$/.test(suffix) ? suffix : 'bin');
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'push';
  return `${safe(appId)}-${safe(pushId)}.${ext}`;
}

/**
 * A sender-supplied file name (MSRP a=file-selector) made safe for a download attribute: no
 * directories, control or reserved characters, no leading dots, at most 200 characters.
 */
export function safeFileName(name: string | undefined, fallback: string): string {
  if (name === undefined) return fallback;
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\u0000-\u001f\u007f<>:"|?*]+/g, '_').replace(/^[.\s]+/, '').trim().slice(0, 200).trim();
  return cleaned || fallback;
}
