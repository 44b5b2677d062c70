/**
 * Pure readers that turn a SIP or MSRP frame into what the trace keeps (TraceEntry without
 * its seq and time). They run only while the trace is enabled. Memory is bounded per frame:
 * SIP text up to `maxSipBytes`; an MSRP frame's start line, headers and end line, with at most
 * `maxMsrpBodyBytes` of its body decoded (the chunk itself is never copied).
 */
import type { TraceEntry, TraceLimits } from '../types.ts';

export type FrameData = string | ArrayBufferLike | ArrayBufferView | Blob;
export type FrameDescription = Omit<TraceEntry, 'seq' | 'time' | 'direction'>;

const decoder = new TextDecoder();
const FIRST_LINE_MAX = 200;
/** Bytes searched for an MSRP frame's blank line (its headers); RFC 4975 sets no limit, the parser does. */
const MSRP_HEAD_SEARCH = 16 * 1024;

/** UTF-8 length of a string, without encoding it. */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function isBlob(data: FrameData): data is Blob {
  return typeof Blob !== 'undefined' && data instanceof Blob;
}

function bytesOf(data: ArrayBufferLike | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

function firstLineOf(text: string): string {
  const end = text.indexOf('\r\n');
  const line = end < 0 ? text : text.slice(0, end);
  return line.length > FIRST_LINE_MAX ? `${line.slice(0, FIRST_LINE_MAX)}…` : line;
}

const CSEQ = /\r\n(?:CSeq)[ \t]*:[ \t]*\d+[ \t]+([A-Za-z!%'*+\-.^_`|~]+)/i;

/** A SIP frame: first line, method (a response's from its CSeq), status, text up to maxSipBytes. */
export function describeSip(data: FrameData, limits: Pick<TraceLimits, 'maxSipBytes'>): FrameDescription {
  if (isBlob(data)) {
    return { protocol: 'sip', firstLine: `(a binary frame of ${data.size} bytes, not read)`, text: '', bytes: data.size, truncated: true };
  }
  let text: string;
  let bytes: number;
  let truncated: boolean;
  if (typeof data === 'string') {
    bytes = utf8Length(data);
    truncated = data.length > limits.maxSipBytes;
    text = truncated ? data.slice(0, limits.maxSipBytes) : data;
  } else {
    const all = bytesOf(data);
    bytes = all.byteLength;
    truncated = bytes > limits.maxSipBytes;
    text = decoder.decode(truncated ? all.subarray(0, limits.maxSipBytes) : all);
  }
  const firstLine = firstLineOf(text);
  const description: FrameDescription = { protocol: 'sip', firstLine, text, bytes, truncated };
  if (firstLine.startsWith('SIP/2.0 ')) {
    const status = Number.parseInt(firstLine.slice(8, 11), 10);
    if (Number.isFinite(status)) description.status = status;
    const headEnd = text.indexOf('\r\n\r\n');
    const cseq = CSEQ.exec(headEnd < 0 ? text : text.slice(0, headEnd + 2));
    if (cseq) description.method = cseq[1]!.toUpperCase();
  } else {
    const space = firstLine.indexOf(' ');
    if (space > 0) description.method = firstLine.slice(0, space);
  }
  return description;
}

function indexOfSequence(bytes: Uint8Array, sequence: readonly number[], from: number, to: number): number {
  const last = Math.min(to, bytes.length) - sequence.length;
  outer: for (let i = from; i <= last; i++) {
    for (let j = 0; j < sequence.length; j++) if (bytes[i + j] !== sequence[j]) continue outer;
    return i;
  }
  return -1;
}

const CRLFCRLF = [13, 10, 13, 10];
/** CRLF and the seven dashes that open an MSRP end line (RFC 4975 section 7.1). */
const END_LINE = [13, 10, 45, 45, 45, 45, 45, 45, 45];

/** Where the end line starts (after its CRLF), searching back from the frame's end; -1: none. */
function endLineStart(bytes: Uint8Array): number {
  // The end line is short (7 dashes, the transaction ID, a flag): search the tail only.
  const from = Math.max(0, bytes.length - 128);
  for (let i = bytes.length - END_LINE.length; i >= from; i--) {
    let match = true;
    for (let j = 0; j < END_LINE.length; j++) {
      if (bytes[i + j] !== END_LINE[j]) {
        match = false;
        break;
      }
    }
    if (match) return i + 2;
  }
  return -1;
}

/**
 * An MSRP frame: start line, headers and end line as text; of the body, at most
 * maxMsrpBodyBytes decoded when it is UTF-8 text, else a line naming its size.
 */
export function describeMsrp(data: FrameData, limits: Pick<TraceLimits, 'maxMsrpBodyBytes'>): FrameDescription {
  if (isBlob(data)) {
    return { protocol: 'msrp', firstLine: `(a binary frame of ${data.size} bytes, not read)`, text: '', bytes: data.size, truncated: true };
  }
  if (typeof data === 'string') return describeMsrpBytes(new TextEncoder().encode(data), limits);
  return describeMsrpBytes(bytesOf(data), limits);
}

function describeMsrpBytes(bytes: Uint8Array, limits: Pick<TraceLimits, 'maxMsrpBodyBytes'>): FrameDescription {
  const end = endLineStart(bytes);
  const headEnd = indexOfSequence(bytes, CRLFCRLF, 0, Math.min(end < 0 ? bytes.length : end, MSRP_HEAD_SEARCH));
  let text: string;
  let truncated = false;
  if (headEnd < 0) {
    // No body: start line, headers and end line, all short.
    const keep = Math.min(bytes.length, MSRP_HEAD_SEARCH);
    truncated = keep < bytes.length;
    text = decoder.decode(bytes.subarray(0, keep));
  } else {
    const bodyStart = headEnd + 4;
    // The body ends with the CRLF that precedes the end line.
    const bodyEnd = end < 0 ? bytes.length : Math.max(bodyStart, end - 2);
    const bodyLength = bodyEnd - bodyStart;
    const shown = Math.min(bodyLength, limits.maxMsrpBodyBytes);
    const head = decoder.decode(bytes.subarray(0, bodyStart));
    const preview = bodyPreview(bytes.subarray(bodyStart, bodyStart + shown), bodyLength);
    truncated = shown < bodyLength || preview.binary;
    const more = shown < bodyLength && !preview.binary ? `\r\n[… ${bodyLength - shown} more body bytes not kept]` : '';
    const endLine = end < 0 ? '' : `\r\n${decoder.decode(bytes.subarray(end))}`;
    text = `${head}${preview.text}${more}${endLine}`;
  }
  const firstLine = firstLineOf(text);
  const description: FrameDescription = { protocol: 'msrp', firstLine, text, bytes: bytes.length, truncated };
  const parts = firstLine.split(' ');
  if (parts[0] === 'MSRP' && parts.length >= 3) {
    const code = /^\d{3}$/.test(parts[2]!) ? Number(parts[2]) : undefined;
    if (code !== undefined) description.status = code;
    else description.method = parts[2]!;
  }
  return description;
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true });

function bodyPreview(shown: Uint8Array, bodyLength: number): { text: string; binary: boolean } {
  if (shown.length === 0) return { text: '', binary: false };
  // A cut may split a character: drop up to 3 trailing bytes of an incomplete sequence.
  for (let trim = 0; trim <= Math.min(3, shown.length - 1); trim++) {
    try {
      const text = strictDecoder.decode(shown.subarray(0, shown.length - trim));
      if (trim > 0 && shown.length === bodyLength) break; // the whole body, and not UTF-8
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text)) break;
      return { text, binary: false };
    } catch {
      // try a shorter cut
    }
  }
  return { text: `[binary body, ${bodyLength} bytes, not kept]`, binary: true };
}

/** One entry as the lines of an exported trace: a header line, then the frame's text. */
export function formatEntry(entry: TraceEntry): string {
  const arrow = entry.direction === 'in' ? '<-- in ' : '--> out';
  const note = entry.truncated ? `, ${entry.bytes} bytes, shortened` : `, ${entry.bytes} bytes`;
  const text = entry.text.replace(/\r\n/g, '\n');
  return `${new Date(entry.time).toISOString()} ${arrow} ${entry.protocol.toUpperCase()}${note}\n${text}${text.endsWith('\n') ? '' : '\n'}`;
}

/** The entries as a text file: one block per entry, a blank line between. */
export function formatTrace(entries: readonly TraceEntry[]): string {
  return entries.map(formatEntry).join('\n');
}
