/**
 * An incremental parser of an event stream (HTML Living Standard 9.2.6 "Interpreting an event
 * stream"), fed the body's bytes (or text) in whatever slices they arrive:
 *
 *   bytes --TextDecoder(stream)--> text --lines (CRLF | LF | CR)--> fields --blank line--> event
 *
 * A multi-byte character split across slices, a CRLF split between two slices, a leading BOM
 * and a field without a colon are all handled as the specification says; `retry:` is returned
 * for the caller to wait that long before reconnecting. Pure (TextDecoder only): the operator
 * console's page and the CLI's client (client.ts) both read /v1/events with it.
 */

export type SseItem = { kind: 'event'; type: string; data: string; id: string } | { kind: 'retry'; ms: number };

export interface SseParser {
  /** The events (and retry values) completed by this slice, in order. */
  feed(chunk: Uint8Array | string): SseItem[];
}

export function createSseParser(): SseParser {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let first = true;
  let data = '';
  let hasData = false;
  let type = '';
  // The last event ID buffer persists from event to event (9.2.6).
  let lastId = '';

  function line(text: string, out: SseItem[]): void {
    if (text === '') {
      if (hasData) out.push({ kind: 'event', type: type || 'message', data, id: lastId });
      data = '';
      hasData = false;
      type = '';
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      data = hasData ? `${data}\n${value}` : value;
      hasData = true;
    } else if (field === 'event') type = value;
    else if (field === 'id') {
      if (!value.includes('\0')) lastId = value;
    } else if (field === 'retry') {
      if (/^\d+$/.test(value)) out.push({ kind: 'retry', ms: Number(value) });
    }
  }

  return {
    feed(chunk) {
      pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      if (first && pending.length > 0) {
        first = false;
        if (pending.startsWith('\uFEFF')) pending = pending.slice(1);
      }
      const out: SseItem[] = [];
      let start = 0;
      for (;;) {
        let end = -1;
        for (let i = start; i < pending.length; i++) {
          const c = pending.charCodeAt(i);
          if (c === 10 || c === 13) {
            end = i;
            break;
          }
        }
        if (end < 0) break;
        // A CR at the very end may be the first half of CRLF: wait for the next slice.
        if (pending.charCodeAt(end) === 13 && end === pending.length - 1) break;
        line(pending.slice(start, end), out);
        start = end + (pending.charCodeAt(end) === 13 && pending.charCodeAt(end + 1) === 10 ? 2 : 1);
      }
      pending = pending.slice(start);
      return out;
    },
  };
}
