import { describe, expect, it } from 'vitest';
import { createSseParser, type SseItem } from '../../service/http/sseParser.ts';
import { followEvents, type StreamState } from './sse.ts';

/** A stream with every case the parser must handle: BOM, CRLF / CR / LF, comment, retry, multi-line data, no-colon field, non-ASCII. */
const STREAM = '\uFEFFretry: 3000\r\n\r\n: heartbeat\n\nid: 1\nevent: status\ndata: {"pushId":"p1","to":"delivered","text":"é€😀"}\n\nid: 2\revent: status\rdata: line one\rdata:line two\r\rdata\n\n: no id on this one, the last ID persists\ndata: x\r\n\r\n';

const EXPECTED: SseItem[] = [
  { kind: 'retry', ms: 3000 },
  { kind: 'event', type: 'status', data: '{"pushId":"p1","to":"delivered","text":"é€😀"}', id: '1' },
  { kind: 'event', type: 'status', data: 'line one\nline two', id: '2' },
  { kind: 'event', type: 'message', data: '', id: '2' },
  { kind: 'event', type: 'message', data: 'x', id: '2' },
];

describe('the event stream parser', () => {
  const bytes = new TextEncoder().encode(STREAM);

  it('reads the whole stream in one slice', () => {
    expect(createSseParser().feed(bytes)).toEqual(EXPECTED);
  });

  it('gives the same events whatever byte the stream is cut at (every boundary, in two slices)', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const parser = createSseParser();
      const items = [...parser.feed(bytes.slice(0, cut)), ...parser.feed(bytes.slice(cut))];
      expect(items, `cut at byte ${cut}`).toEqual(EXPECTED);
    }
  });

  it('one byte at a time (a CR at a slice end waits for a possible LF)', () => {
    const parser = createSseParser();
    const items: SseItem[] = [];
    for (const byte of bytes) items.push(...parser.feed(new Uint8Array([byte])));
    expect(items).toEqual(EXPECTED);
  });

  it('every pair of cuts (three slices)', () => {
    for (let a = 0; a <= bytes.length; a += 3) {
      for (let b = a; b <= bytes.length; b += 5) {
        const parser = createSseParser();
        const items = [...parser.feed(bytes.slice(0, a)), ...parser.feed(bytes.slice(a, b)), ...parser.feed(bytes.slice(b))];
        expect(items, `cuts at ${a}, ${b}`).toEqual(EXPECTED);
      }
    }
  });

  it('an event without its closing blank line is not dispatched; an id with NUL is ignored; a bad retry is ignored', () => {
    const parser = createSseParser();
    expect(parser.feed('id: 5\ndata: a\n\nid: 6\0x\nretry: soon\ndata: b\n\ndata: unfinished\n')).toEqual([
      { kind: 'event', type: 'message', data: 'a', id: '5' },
      { kind: 'event', type: 'message', data: 'b', id: '5' },
    ]);
  });
});

/** A fake fetch: each call takes the next scripted answer and records the request headers. */
function scriptedFetch(answers: Array<() => Response>) {
  const calls: Record<string, string>[] = [];
  const fetchImpl = (async (_url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ ...(init?.headers as Record<string, string>) });
    const next = answers.shift();
    if (!next) throw new TypeError('no more answers');
    return next();
  }) as typeof fetch;
  return { fetchImpl, calls };
}

function streamOf(...chunks: string[]): Response {
  const encoder = new TextEncoder();
  return new Response(
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
        controller.close();
      },
    }),
    { status: 200, headers: { 'Content-Type': 'text/event-stream' } },
  );
}

describe('followEvents', () => {
  it('sends the token, reconnects after the stream ends with Last-Event-ID, waits the announced retry, stops at 401', async () => {
    const abort = new AbortController();
    const { fetchImpl, calls } = scriptedFetch([
      () => streamOf('retry: 1234\n\n', 'id: 7\nevent: status\ndata: {"n":1}\n\n'),
      () => new Response(JSON.stringify({ error: { code: 'PSA_ERR_UNAVAILABLE', message: 'too many' } }), { status: 503 }),
      () => streamOf('id: 8\nevent: status\ndata: {"n":2}\n\nevent: other\ndata: {}\n\n'),
      () => new Response(JSON.stringify({ error: { code: 'PSA_ERR_UNAUTHORIZED', message: 'The bearer token is wrong' } }), { status: 401 }),
    ]);
    const events: unknown[] = [];
    const states: StreamState[] = [];
    const waits: number[] = [];
    await followEvents({
      token: 'tok',
      fetch: fetchImpl,
      signal: abort.signal,
      onEvent: (data) => events.push(data),
      onState: (s) => states.push(s),
      wait: async (ms) => {
        waits.push(ms);
      },
    });
    expect(events).toEqual([{ n: 1 }, { n: 2 }]);
    expect(calls.map((h) => [h.Authorization, h['Last-Event-ID']])).toEqual([
      ['Bearer tok', undefined],
      ['Bearer tok', '7'],
      ['Bearer tok', '7'],
      ['Bearer tok', '8'],
    ]);
    expect(waits).toEqual([1234, 1234, 1234]);
    expect(states.map((s) => s.phase)).toEqual(['connecting', 'open', 'waiting', 'connecting', 'waiting', 'connecting', 'open', 'waiting', 'connecting', 'unauthorized']);
    expect(states.at(-1)).toEqual({ phase: 'unauthorized', message: 'The bearer token is wrong' });
    expect(states[4]).toMatchObject({ phase: 'waiting', error: 'HTTP 503: too many' });
  });

  it('a network error is retried; abort stops it', async () => {
    const abort = new AbortController();
    const { fetchImpl, calls } = scriptedFetch([]);
    const states: StreamState[] = [];
    await followEvents({
      token: null,
      fetch: fetchImpl,
      signal: abort.signal,
      onEvent: () => undefined,
      onState: (s) => states.push(s),
      retryMs: 10,
      wait: async () => {
        if (calls.length >= 3) abort.abort();
      },
    });
    expect(calls).toHaveLength(3);
    expect(calls[0]!.Authorization).toBeUndefined();
    expect(states.at(-1)).toEqual({ phase: 'stopped' });
    expect(states.filter((s) => s.phase === 'waiting')[0]).toMatchObject({ retryMs: 10, error: 'no more answers' });
  });
});
