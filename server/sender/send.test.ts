import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHeader } from '../../src/protocol/sip/index.ts';
import { startFakeCore, type FakeCore, type ReceivedRequest } from '../testing/fakeCore.ts';
import { createPushSender, type PushSender } from './pushSender.ts';
import { DEFAULT_MESSAGE_MAX, send, type SendRules } from './send.ts';
import type { SenderErrorCode } from './sip/errors.ts';

/** A push of the table: inline text, or one of the files written in beforeAll (by name). */
type Content = { body: string } | { file: 'small.txt' | 'exact.bin' | 'above.bin' | 'missing.bin' };

const SIZES = { 'small.txt': 5, 'exact.bin': DEFAULT_MESSAGE_MAX, 'above.bin': DEFAULT_MESSAGE_MAX + 1 };

let core: FakeCore;
let sender: PushSender;
let dir: string;

beforeAll(async () => {
  // A MESSAGE is accepted; an INVITE refused (no receiver here), which is enough to see MSRP was chosen.
  core = await startFakeCore((r) => {
    if (r.request.method === 'MESSAGE') r.reply(200);
    else if (r.request.method === 'INVITE') r.reply(488);
  });
  sender = createPushSender({ server: core.url, from: 'sip:psa@localhost', timeoutMs: 5000 });
  await sender.connect();
  dir = mkdtempSync(join(tmpdir(), 'sender-send-'));
  for (const [name, size] of Object.entries(SIZES)) writeFileSync(join(dir, name), Buffer.alloc(size, 0x61));
});

afterAll(async () => {
  await sender.close();
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

function pushOf(content: Content): { body: string } | { file: string } {
  return 'file' in content ? { file: join(dir, content.file) } : content;
}

/** What the core got since `before`, without the ACKs of refused INVITEs. */
function sentSince(before: number): ReceivedRequest[] {
  return core.received.slice(before).filter((r) => r.request.method !== 'ACK');
}

describe('send: MESSAGE or MSRP', () => {
  it.each<{ name: string; content: Content; rules: SendRules; via: 'message' | 'msrp'; bytes: number }>([
    { name: 'auto, inline content -> MESSAGE', content: { body: 'hello' }, rules: {}, via: 'message', bytes: 5 },
    { name: 'auto, a small file -> MESSAGE', content: { file: 'small.txt' }, rules: {}, via: 'message', bytes: 5 },
    { name: 'auto, a file of exactly messageMax bytes -> MESSAGE', content: { file: 'exact.bin' }, rules: {}, via: 'message', bytes: DEFAULT_MESSAGE_MAX },
    { name: 'auto, a file above messageMax -> MSRP', content: { file: 'above.bin' }, rules: {}, via: 'msrp', bytes: DEFAULT_MESSAGE_MAX + 1 },
    { name: 'auto, a small file above a lowered messageMax -> MSRP', content: { file: 'small.txt' }, rules: { messageMax: 4 }, via: 'msrp', bytes: 5 },
    { name: 'mode msrp, a small file -> MSRP', content: { file: 'small.txt' }, rules: { mode: 'msrp' }, via: 'msrp', bytes: 5 },
    { name: 'mode message, a file above messageMax -> MESSAGE, read whole', content: { file: 'above.bin' }, rules: { mode: 'message' }, via: 'message', bytes: DEFAULT_MESSAGE_MAX + 1 },
  ])('$name', async ({ content, rules, via, bytes }) => {
    const before = core.received.length;
    const result = await send(pushOf(content), 'sip:alice@localhost', { sender, ...rules });
    const [sent, ...more] = sentSince(before);
    expect(more).toEqual([]);
    if (via === 'message') {
      expect(sent!.request.method).toBe('MESSAGE');
      expect(sent!.request.body.byteLength).toBe(bytes);
      expect(result).toMatchObject({ mode: 'message', status: 200, reason: 'OK', ok: true });
      expect(result.msrp).toBeUndefined();
    } else {
      expect(sent!.request.method).toBe('INVITE');
      expect(getHeader(sent!.request, 'content-type')).toBe('application/sdp');
      expect(result).toMatchObject({ mode: 'msrp', status: 488, reason: 'Not Acceptable Here', ok: false });
      expect(result.msrp).toMatchObject({ phase: 'invite', status: 488, totalBytes: bytes, bytesSent: 0 });
    }
    expect(sent!.request.uri).toBe('sip:alice@localhost');
    expect(result.response?.status).toBe(result.status);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(0);
  });

  it.each<{ name: string; content: Content; rules: SendRules; code: SenderErrorCode; message: RegExp }>([
    { name: 'mode msrp without a file', content: { body: 'hello' }, rules: { mode: 'msrp' }, code: 'SENDER_ERR_OPTION', message: /^mode msrp needs a file/ },
    { name: 'a missing file', content: { file: 'missing.bin' }, rules: {}, code: 'SENDER_ERR_FILE', message: /^Cannot read .*missing\.bin: ENOENT$/ },
    { name: 'an unknown mode', content: { body: 'hello' }, rules: { mode: 'fast' as never }, code: 'SENDER_ERR_OPTION', message: /^mode must be auto, message or msrp/ },
    { name: 'a negative messageMax', content: { file: 'small.txt' }, rules: { messageMax: -1 }, code: 'SENDER_ERR_OPTION', message: /^messageMax must be a non-negative integer/ },
  ])('rejects $name with $code and sends nothing', async ({ content, rules, code, message }) => {
    const before = core.received.length;
    const error = await send(pushOf(content), 'sip:alice@localhost', { sender, ...rules }).catch((err: unknown) => err);
    expect(error).toMatchObject({ name: 'SenderError', code, message: expect.stringMatching(message) });
    expect(sentSince(before)).toEqual([]);
  });
});
