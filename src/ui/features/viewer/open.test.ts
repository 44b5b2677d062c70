import { describe, expect, it } from 'vitest';
import type { StoredPush } from '../../../agent/types.ts';
import { fakeAgent, push } from '../../../testing/fakeAgent.ts';
import { openForViewer, opensThroughAgent, TEXT_PREVIEW_BYTES, textPreview, transferIdOfPush } from './open.ts';

/** A Blob that fails if read whole: only slices of it may be read. */
class WholeReadForbidden extends Blob {
  override arrayBuffer(): Promise<ArrayBuffer> {
    throw new Error('read whole');
  }
  override text(): Promise<string> {
    throw new Error('read whole');
  }
  override stream(): ReturnType<Blob['stream']> {
    throw new Error('read whole');
  }
}

function msrpPush(over: Partial<StoredPush> = {}): StoredPush {
  const p = push({ via: 'msrp', content: new Uint8Array(0), ...over });
  return { ...p, dedupKey: `msrp:tr-${p.id}`, size: over.size ?? 0 };
}

/** A fake agent answering openContent with `blob` for `p`, counting calls. */
function agentWith(p: StoredPush, blob: Blob) {
  const agent = fakeAgent();
  agent.contents.set(p.id, blob);
  const calls: string[] = [];
  const openContent = agent.openContent;
  agent.openContent = (x) => {
    calls.push(x.id);
    return openContent(x);
  };
  return { agent, calls };
}

describe('opensThroughAgent / transferIdOfPush', () => {
  it('MSRP pushes are opened through the agent, MESSAGE pushes are not', () => {
    expect(opensThroughAgent(msrpPush())).toBe(true);
    expect(opensThroughAgent(push())).toBe(false);
  });

  it('the transfer ID is the dedupKey after msrp:', () => {
    expect(transferIdOfPush({ via: 'msrp', dedupKey: 'msrp:abc-1' })).toBe('abc-1');
    expect(transferIdOfPush({ via: 'message', dedupKey: 'msrp:abc-1' })).toBeUndefined();
    expect(transferIdOfPush({ via: 'msrp', dedupKey: 'imdn:x' })).toBeUndefined();
  });
});

describe('textPreview', () => {
  it('shows short text whole', () => {
    expect(textPreview(new TextEncoder().encode('hello'), 5, 'text/plain', false)).toEqual({ text: 'hello', truncated: false, shownBytes: 5, totalBytes: 5, invalidJson: false });
  });

  it('bounds a large MESSAGE body to the limit', () => {
    const bytes = new TextEncoder().encode('a'.repeat(100_000));
    const preview = textPreview(bytes, bytes.length, 'text/plain', false);
    expect(preview.text).toHaveLength(TEXT_PREVIEW_BYTES);
    expect(preview).toMatchObject({ truncated: true, shownBytes: TEXT_PREVIEW_BYTES, totalBytes: 100_000 });
  });

  it('pretty-prints whole JSON, shows a JSON prefix as received', () => {
    const json = new TextEncoder().encode('{"a":[1,2]}');
    expect(textPreview(json, json.length, 'application/json', true).text).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
    const cut = textPreview(json, 1000, 'application/json', true, 5);
    expect(cut).toEqual({ text: '{"a":', truncated: true, shownBytes: 5, totalBytes: 1000, invalidJson: false });
  });

  it('flags invalid whole JSON', () => {
    const bad = new TextEncoder().encode('{nope');
    expect(textPreview(bad, bad.length, 'application/json', true)).toMatchObject({ text: '{nope', invalidJson: true });
  });
});

describe('openForViewer', () => {
  it('opens an MSRP text push through agent.openContent and reads only the first 64 KB', async () => {
    const body = 'x'.repeat(TEXT_PREVIEW_BYTES) + 'tail'.repeat(50_000);
    const p = msrpPush({ contentType: 'text/plain; charset=utf-8', size: body.length });
    const blob = new WholeReadForbidden([body], { type: 'text/plain' });
    const { agent, calls } = agentWith(p, blob);
    const opened = await openForViewer(agent, p);
    expect(calls).toEqual([p.id]);
    expect(opened.kind).toBe('text');
    if (opened.kind !== 'text') return;
    expect(opened.blob).toBe(blob);
    expect(opened.preview.text).toBe('x'.repeat(TEXT_PREVIEW_BYTES));
    expect(opened.preview).toMatchObject({ truncated: true, totalBytes: body.length });
  });

  it('shows a small MSRP text whole, never as markup', async () => {
    const p = msrpPush({ contentType: 'text/html' });
    const { agent } = agentWith(p, new Blob(['<script>alert(1)</script>']));
    const opened = await openForViewer(agent, p);
    expect(opened).toMatchObject({ kind: 'text', preview: { text: '<script>alert(1)</script>', truncated: false } });
  });

  it('pretty-prints a small MSRP JSON push', async () => {
    const p = msrpPush({ contentType: 'application/json' });
    const { agent } = agentWith(p, new Blob(['{"k":true}']));
    expect(await openForViewer(agent, p)).toMatchObject({ kind: 'json', preview: { text: '{\n  "k": true\n}', truncated: false } });
  });

  it.each([
    ['image/png', 'image'],
    ['image/svg+xml', 'download'],
    ['video/mp4', 'download'],
  ] as const)('hands %s over as a Blob without reading it', async (contentType, kind) => {
    const p = msrpPush({ contentType, size: 3 });
    const blob = new WholeReadForbidden([new Uint8Array([1, 2, 3])]);
    const { agent, calls } = agentWith(p, blob);
    expect(await openForViewer(agent, p)).toEqual({ kind, blob });
    expect(calls).toEqual([p.id]);
  });

  it('passes on a failure to open', async () => {
    const p = msrpPush();
    const agent = fakeAgent();
    agent.openContent = async () => {
      throw new Error('content gone');
    };
    await expect(openForViewer(agent, p)).rejects.toThrow('content gone');
  });
});
