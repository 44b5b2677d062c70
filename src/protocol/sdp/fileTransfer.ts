/**
 * RFC 5547 file transfer attributes: a=file-selector (section 5), a=file-date,
 * a=file-range (section 6 and 8 for resume).
 */
import { SdpError } from './errors.ts';

export interface FileHash {
  /** `sha-1`, `sha-256`, ... (lower case). */
  algorithm: string;
  /** Digest as lower-case hex without separators. */
  hex: string;
}

export interface FileSelector {
  name?: string;
  /** Media type, with its parameters as written. */
  type?: string;
  size?: number;
  hashes: FileHash[];
}

export interface FileDate {
  creation?: string;
  modification?: string;
  read?: string;
}

/** 1-based inclusive range of the file; `*` for the end of the file (RFC 5547 section 6). */
export interface FileRange {
  start: number;
  stop: number | '*';
}

function bad(message: string): never {
  throw new SdpError('SDP_ERR_ATTRIBUTE', 488, message);
}

const SELECTOR = /\s*(?:name:"([^"]*)"|size:(\d+)|type:((?:[^\s"]|"[^"]*")+)|hash:([A-Za-z0-9-]+):([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})*))(?=\s|$)/y;

/** Parse the value of a=file-selector. Throws SDP_ERR_ATTRIBUTE (488). */
export function parseFileSelector(value: string): FileSelector {
  const selector: FileSelector = { hashes: [] };
  const text = value.trim();
  SELECTOR.lastIndex = 0;
  while (SELECTOR.lastIndex < text.length) {
    const m = SELECTOR.exec(text);
    if (!m) bad(`Invalid file-selector: ${value}`);
    if (m[1] !== undefined) {
      try {
        selector.name = decodeURIComponent(m[1]);
      } catch {
        selector.name = m[1];
      }
    } else if (m[2] !== undefined) {
      const size = Number(m[2]);
      if (!Number.isSafeInteger(size)) bad(`file-selector size too large: ${m[2]}`);
      selector.size = size;
    } else if (m[3] !== undefined) {
      selector.type = m[3];
    } else {
      selector.hashes.push({ algorithm: m[4]!.toLowerCase(), hex: m[5]!.replace(/:/g, '').toLowerCase() });
    }
  }
  return selector;
}

/** `"`, `%`, CR and LF are percent-encoded in the quoted name (RFC 5547 section 5). */
function encodeName(name: string): string {
  return name.replace(/[%"\r\n\0]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export function formatFileSelector(selector: FileSelector): string {
  const parts: string[] = [];
  if (selector.name !== undefined) parts.push(`name:"${encodeName(selector.name)}"`);
  if (selector.type !== undefined) parts.push(`type:${selector.type}`);
  if (selector.size !== undefined) parts.push(`size:${selector.size}`);
  for (const h of selector.hashes) {
    if (!/^(?:[0-9a-f]{2})+$/.test(h.hex)) bad(`Invalid hash hex: ${h.hex}`);
    parts.push(`hash:${h.algorithm}:${h.hex.toUpperCase().match(/../g)!.join(':')}`);
  }
  return parts.join(' ');
}

export function parseFileDate(value: string): FileDate {
  const date: FileDate = {};
  const re = /\s*(creation|modification|read):"([^"]*)"/y;
  const text = value.trim();
  while (re.lastIndex < text.length) {
    const m = re.exec(text);
    if (!m) bad(`Invalid file-date: ${value}`);
    date[m[1] as keyof FileDate] = m[2]!;
  }
  return date;
}

export function formatFileDate(date: FileDate): string {
  return (['creation', 'modification', 'read'] as const)
    .filter((k) => date[k] !== undefined)
    .map((k) => `${k}:"${date[k]}"`)
    .join(' ');
}

export function parseFileRange(value: string): FileRange {
  const m = /^(\d+)-(\d+|\*)$/.exec(value.trim());
  const start = m ? Number(m[1]) : 0;
  const stop = m?.[2] === '*' ? '*' : Number(m?.[2]);
  if (!m || start < 1 || !Number.isSafeInteger(start) || (stop !== '*' && (!Number.isSafeInteger(stop) || stop < start))) {
    bad(`Invalid file-range: ${value}`);
  }
  return { start, stop };
}

export function formatFileRange(range: FileRange): string {
  return `${range.start}-${range.stop}`;
}
