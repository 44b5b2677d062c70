import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CHUNK_SIZE } from '../../../src/protocol/msrp/index.ts';
import { getHeader, type SipRequest } from '../../../src/protocol/sip/index.ts';
import { startTestCore, type TestCore } from '../../testing/coreHarness.ts';
import { TestReceiver, type ReceivedTransfer } from '../../testing/msrpTestReceiver.ts';
import { ringUntilCancelled } from '../../testing/sipUa.ts';
import { until } from '../../testing/until.ts';
import { createPushSender, type PushSender } from '../pushSender.ts';
import { startMsrpEndpoint, type TransferProgress } from './endpoint.ts';
import { createInviteClient } from '../sip/inviteClient.ts';

let dir: string;
let core: TestCore;
let receiver: TestReceiver;
let sender: PushSender;

const MB = 1024 * 1024;
/** MSRP headers of a SEND chunk stay well under this (To-Path, From-Path, Message-ID, Byte-Range...). */
const HEADER_ALLOWANCE = 1024;

function makeFile(name: string, size: number): { path: string; data: Buffer; sha256: string } {
  const data = randomBytes(size);
  const path = join(dir, name);
  writeFileSync(path, data);
  return { path, data, sha256: createHash('sha256').update(data).digest('hex') };
}

function checkContiguous(t: ReceivedTransfer, firstByte: number, total: number): void {
  let next = firstByte;
  t.chunks.forEach((c, i) => {
    expect(c.byteRange.start).toBe(next);
    expect(c.byteRange.end).toBe(next + c.length - 1);
    expect(c.byteRange.total).toBe(total);
    expect(c.flag).toBe(i === t.chunks.length - 1 ? '$' : '+');
    next += c.length;
  });
  expect(next - 1).toBe(total);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sender-msrp-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  core = await startTestCore();
  receiver = await TestReceiver.start(core.wsUrl);
  sender = createPushSender({ server: core.wsUrl, from: 'sip:psa@localhost', timeoutMs: 5000 });
  await sender.connect();
});
afterEach(async () => {
  await sender.close();
  await receiver.close();
  await core.close();
});

describe('sendLargePush over the embedded core', () => {
  it('delivers a 5 MB file intact in chunks below 64 KB with correct Byte-Ranges; the offer carries its sha-256', async () => {
    const file = makeFile('five.bin', 5 * MB);
    const progress: TransferProgress[] = [];
    const result = await sender.sendLargePush({ to: 'sip:alice@localhost', app: 'news.ua', file: file.path, contentType: 'application/octet-stream', onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ ok: true, status: 200, phase: 'done', bytesSent: 5 * MB, totalBytes: 5 * MB, firstByte: 1, sha256: file.sha256 });
    expect(result.report).toMatchObject({ code: 200, byteRange: { start: 1, end: 5 * MB, total: 5 * MB } });
    expect(result.bye?.status).toBe(200);
    const [t] = await receiver.waitForTransfers(1);
    await t!.ended;
    expect(t!.endedHow).toBe('complete');
    expect(t!.digest).toBe(file.sha256);
    // The offer as the receiver got it (RFC 5547 section 5).
    expect(t!.offer.protocol).toBe('TCP/WS/MSRP');
    expect(t!.offer.setup).toBe('passive');
    expect(t!.offer.direction).toBe('sendonly');
    expect(t!.offer.path[0]).toMatch(/^msrp:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9]{16};ws$/);
    expect(t!.offer.fileSelector).toEqual({ name: 'five.bin', type: 'application/octet-stream', size: 5 * MB, hashes: [{ algorithm: 'sha-256', hex: file.sha256 }] });
    expect(t!.offer.fileTransferId).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(t!.offer.fileDisposition).toBe('attachment');
    expect(getHeader(t!.invite, 'accept-contact')).toBe('*;+g.oma.pusheventapp="news.ua";require;explicit');
    // Chunks: at most DEFAULT_CHUNK_SIZE of body, each WebSocket message under 64 KB.
    expect(t!.chunks.length).toBe(Math.ceil((5 * MB) / DEFAULT_CHUNK_SIZE));
    for (const c of t!.chunks) {
      expect(c.length).toBeLessThanOrEqual(DEFAULT_CHUNK_SIZE);
      expect(c.frameBytes).toBeLessThan(65535);
      expect(c).toMatchObject({ contentType: 'application/octet-stream', successReport: 'yes', failureReport: 'yes', messageId: t!.chunks[0]!.messageId });
    }
    checkContiguous(t!, 1, 5 * MB);
    expect(progress.at(-1)).toMatchObject({ bytesSent: 5 * MB, totalBytes: 5 * MB });
    // The dialog ended with our BYE, through the core.
    expect(t!.bye).toBeDefined();
    const seconds = result.elapsedMs / 1000;
    console.log(`5 MB MSRP push: ${result.elapsedMs.toFixed(0)} ms, ${((5 * MB) / 1e6 / seconds).toFixed(1)} MB/s, ${result.chunks} chunks, max bufferedAmount ${result.maxBufferedAmount}`);
  });

  it('waits when the socket buffer is full: bufferedAmount stays within the high-water mark plus one chunk', async () => {
    await sender.close();
    const highWaterMark = 256 * 1024;
    // No window: this test is about the socket's queue alone (the window is tested below).
    sender = createPushSender({ server: core.wsUrl, from: 'sip:psa@localhost', timeoutMs: 5000, msrp: { highWaterMark, maxUnacknowledgedChunks: 0 } });
    receiver.behaviour = { pauseAfterBind: true };
    // Bigger than the loopback socket buffers, so the receiver's pause reaches the sender.
    const file = makeFile('flow.bin', 24 * MB);
    let last: TransferProgress | undefined;
    const pending = sender.sendLargePush({ to: 'sip:alice@localhost', file: file.path, onProgress: (p) => (last = p) });
    const [t] = await receiver.waitForTransfers(1);
    // The receiver reads nothing: the sender stops well before the end of the file.
    await until(() => t!.ws !== undefined && last !== undefined && last.bytesSent > 0, 10_000);
    const endpoint = await sender.msrpEndpoint();
    expect(endpoint.highWaterMark).toBe(highWaterMark);
    // The sender says it holds back for the socket's queue (not merely slow: a loaded machine
    // can leave the byte count unchanged between two polls without any back-pressure).
    await until(() => last?.waiting === 'drain', 10_000);
    expect(last!.bytesSent).toBeLessThan(24 * MB);
    t!.ws!.resume();
    const result = await pending;
    expect(result.ok).toBe(true);
    expect(result.drainWaits).toBeGreaterThan(0);
    expect(result.maxBufferedAmount).toBeGreaterThan(highWaterMark);
    expect(result.maxBufferedAmount).toBeLessThanOrEqual(highWaterMark + DEFAULT_CHUNK_SIZE + HEADER_ALLOWANCE);
    await t!.ended;
    expect(t!.digest).toBe(file.sha256);
  });

  it('keeps at most maxUnacknowledgedChunks chunks unanswered: a receiver that answers late holds the sender at the window', async () => {
    await sender.close();
    const window = 8;
    sender = createPushSender({ server: core.wsUrl, from: 'sip:psa@localhost', timeoutMs: 5000, msrp: { maxUnacknowledgedChunks: window } });
    expect((await sender.msrpEndpoint()).maxUnacknowledgedChunks).toBe(window);
    receiver.behaviour = { holdResponses: true };
    const file = makeFile('window.bin', 2 * MB);
    const pending = sender.sendLargePush({ to: 'sip:alice@localhost', file: file.path });
    const [t] = await receiver.waitForTransfers(1);
    // Exactly `window` chunks arrive, then nothing while their 200s are withheld.
    await until(() => t!.chunks.length === window, 10_000);
    let stable = -1;
    await until(() => {
      const same = t!.chunks.length === stable;
      stable = t!.chunks.length;
      return same;
    }, 10_000);
    expect(t!.chunks.length).toBe(window);
    receiver.releaseResponses(t!);
    const result = await pending;
    expect(result.ok).toBe(true);
    expect(result.maxUnacknowledged).toBe(window);
    expect(result.windowWaits).toBeGreaterThan(0);
    await t!.ended;
    expect(t!.digest).toBe(file.sha256);
  });

  it('refuses a negative or fractional window', async () => {
    await expect(startMsrpEndpoint({ maxUnacknowledgedChunks: -1 })).rejects.toThrow(/maxUnacknowledgedChunks must be a non-negative integer/);
    await expect(startMsrpEndpoint({ maxUnacknowledgedChunks: 1.5 })).rejects.toThrow(/maxUnacknowledgedChunks/);
  });

  it('runs three transfers in parallel, each in its own session', async () => {
    const files = [makeFile('a.bin', 1 * MB + 17), makeFile('b.bin', 2 * MB), makeFile('c.bin', 300_000)];
    const results = await Promise.all(files.map((f) => sender.sendLargePush({ to: 'sip:alice@localhost', app: 'news.ua', file: f.path })));
    for (const [i, r] of results.entries()) expect(r).toMatchObject({ ok: true, bytesSent: files[i]!.data.length });
    expect(new Set(results.map((r) => r.sessionUri)).size).toBe(3);
    const transfers = await receiver.waitForTransfers(3);
    await Promise.all(transfers.map((t) => t.ended));
    for (const t of transfers) {
      const f = files.find((x) => x.path.endsWith(t.offer.fileSelector!.name!))!;
      expect(t.digest).toBe(f.sha256);
      checkContiguous(t, 1, f.data.length);
    }
    expect((await sender.msrpEndpoint()).sessionCount).toBe(0);
  });

  it('reports an INVITE refused by the receiver with its status', async () => {
    const file = makeFile('refused.bin', 100_000);
    receiver.behaviour = { refuse: 415 };
    const result = await sender.sendLargePush({ to: 'sip:alice@localhost', app: 'news.ua', file: file.path });
    expect(result).toMatchObject({ ok: false, status: 415, phase: 'invite', bytesSent: 0 });
    expect(result.invite.status).toBe(415);
    expect(result.bye).toBeUndefined();
    // The core: an unknown AoR is 404.
    const missing = await sender.sendLargePush({ to: 'sip:nobody@localhost', file: file.path });
    expect(missing).toMatchObject({ ok: false, status: 404, phase: 'invite' });
    expect((await sender.msrpEndpoint()).sessionCount).toBe(0);
  });

  it('fails with a clear reason and BYE when the receiver never connects', async () => {
    const file = makeFile('lonely.bin', 100_000);
    receiver.behaviour = { neverConnect: true };
    const result = await sender.sendLargePush({ to: 'sip:alice@localhost', file: file.path, connectTimeoutMs: 200 });
    expect(result).toMatchObject({ ok: false, status: 408, phase: 'connect', bytesSent: 0 });
    expect(result.reason).toMatch(/did not connect to msrp:\/\/127\.0\.0\.1:\d+\/\w+;ws within 200 ms/);
    expect(result.bye?.status).toBe(200);
    const [t] = await receiver.waitForTransfers(1);
    await until(() => t!.bye !== undefined);
  });

  it('fails and sends BYE when the receiver closes the socket mid-way', async () => {
    const file = makeFile('cut.bin', 4 * MB);
    receiver.behaviour = { closeAfterBytes: 1 * MB };
    const result = await sender.sendLargePush({ to: 'sip:alice@localhost', file: file.path });
    expect(result).toMatchObject({ ok: false, status: 503, phase: 'transfer' });
    expect(result.reason).toMatch(/MSRP connection closed by the receiver after \d+ bytes/);
    expect(result.bytesSent).toBeGreaterThanOrEqual(1 * MB);
    expect(result.bytesSent).toBeLessThan(4 * MB);
    expect(result.bye?.status).toBe(200);
    const [t] = await receiver.waitForTransfers(1);
    await until(() => t!.bye !== undefined);
    expect(t!.endedHow).toBe('closed');
  });

  it('fails without its own BYE when the receiver ends the dialog with BYE mid-way', async () => {
    const file = makeFile('bye.bin', 8 * MB);
    receiver.behaviour = { byeAfterBytes: 1 * MB };
    const result = await sender.sendLargePush({ to: 'sip:alice@localhost', file: file.path });
    expect(result).toMatchObject({ ok: false, status: 503, phase: 'transfer', reason: 'The receiver ended the session (BYE) before the transfer completed' });
    expect(result.bye).toBeUndefined();
    const [t] = await receiver.waitForTransfers(1);
    await until(() => t!.byeResponse !== undefined);
    expect(t!.byeResponse!.status).toBe(200);
  });

  it('stops on an error response to a chunk and ends the message with #', async () => {
    const file = makeFile('stop.bin', 1 * MB);
    receiver.behaviour = { chunkStatus: (c) => (c.byteRange.start > 300_000 ? 413 : 200) };
    const result = await sender.sendLargePush({ to: 'sip:alice@localhost', file: file.path });
    expect(result).toMatchObject({ ok: false, status: 413, phase: 'transfer' });
    expect(result.reason).toMatch(/^MSRP 413/);
    const [t] = await receiver.waitForTransfers(1);
    await t!.ended;
    expect(t!.endedHow).toBe('aborted');
    const lastChunk = t!.chunks.at(-1)!;
    expect(lastChunk).toMatchObject({ flag: '#', length: 0 });
    expect(result.bye?.status).toBe(200);
  });

  it('an AbortSignal mid-transfer ends the message with # and a BYE; the result says why', async () => {
    const file = makeFile('abort.bin', 8 * MB);
    const controller = new AbortController();
    const result = await sender.sendLargePush({
      to: 'sip:alice@localhost',
      file: file.path,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.bytesSent >= 1 * MB) controller.abort(new Error('operator stop'));
      },
    });
    expect(result).toMatchObject({ ok: false, status: 503, phase: 'transfer', reason: 'Aborted by the sender: operator stop' });
    expect(result.bytesSent).toBeLessThan(8 * MB);
    expect(result.bye?.status).toBe(200);
    const [t] = await receiver.waitForTransfers(1);
    await t!.ended;
    expect(t!.endedHow).toBe('aborted');
    expect(t!.chunks.at(-1)).toMatchObject({ flag: '#', length: 0 });
  });

  it('an AbortSignal already aborted sends nothing after the INVITE', async () => {
    const file = makeFile('preabort.bin', 1 * MB);
    const result = await sender.sendLargePush({ to: 'sip:alice@localhost', file: file.path, signal: AbortSignal.abort('not wanted') });
    expect(result.ok).toBe(false);
    expect(result.bytesSent).toBe(0);
  });

  it('resumes from the a=file-range of the answer and sends only the rest', async () => {
    const file = makeFile('resume.bin', 3 * MB + 5);
    const start = 1 * MB + 1;
    receiver.behaviour = { fileRange: (offer) => ({ start, stop: offer.fileSelector!.size! }) };
    const result = await sender.sendLargePush({ to: 'sip:alice@localhost', file: file.path });
    expect(result).toMatchObject({ ok: true, firstByte: start, bytesSent: 3 * MB + 5 - (start - 1), sha256: file.sha256 });
    const [t] = await receiver.waitForTransfers(1);
    await t!.ended;
    checkContiguous(t!, start, 3 * MB + 5);
    expect(t!.digest).toBe(createHash('sha256').update(file.data.subarray(start - 1)).digest('hex'));
    // The sender may also offer a range itself (RFC 5547 section 8).
    receiver.behaviour = {};
    const offered = await sender.sendLargePush({ to: 'sip:alice@localhost', file: file.path, fileRange: { start: 3 * MB } });
    expect(offered).toMatchObject({ ok: true, firstByte: 3 * MB, bytesSent: 6 });
    const [, t2] = await receiver.waitForTransfers(2);
    expect(t2!.offer.fileRange).toEqual({ start: 3 * MB, stop: 3 * MB + 5 });
  });

  it('sends an empty file as one empty chunk 1-0/0', async () => {
    const file = makeFile('empty.txt', 0);
    const result = await sender.sendLargePush({ to: 'sip:alice@localhost', file: file.path });
    expect(result).toMatchObject({ ok: true, bytesSent: 0, totalBytes: 0 });
    const [t] = await receiver.waitForTransfers(1);
    expect(t!.chunks).toEqual([expect.objectContaining({ byteRange: { start: 1, end: 0, total: 0 }, flag: '$', contentType: 'text/plain' })]);
  });

  it('rejects a missing file with SENDER_ERR_FILE', async () => {
    await expect(sender.sendLargePush({ to: 'sip:alice@localhost', file: join(dir, 'nope.bin') })).rejects.toMatchObject({ code: 'SENDER_ERR_FILE' });
  });
});

describe('INVITE client', () => {
  it('CANCELs a ringing INVITE and ACKs the 487 in the same transaction', async () => {
    const ringing = await core.ua();
    try {
      await ringing.register({ aor: 'sip:bob@localhost' });
      ringUntilCancelled(ringing);
      const invites = createInviteClient(sender.client.wire, { timeoutMs: 5000 });
      const provisional: number[] = [];
      const handle = invites.invite({ uri: 'sip:bob@localhost', onProvisional: (r) => provisional.push(r.status) });
      handle.cancel(); // held until the 180 (RFC 3261 section 9.1)
      const result = await handle.result;
      expect(result.status).toBe(487);
      expect(provisional).toEqual([100, 180]); // the CANCEL left after the core's 100 Trying
      expect(handle.state).toBe('terminated');
      const cancel = ringing.received.find((m): m is SipRequest => m.kind === 'request' && m.method === 'CANCEL')!;
      expect(getHeader(cancel, 'cseq')).toBe('1 CANCEL');
      await until(() => ringing.received.some((m) => m.kind === 'request' && m.method === 'ACK'));
      invites.close();
    } finally {
      await ringing.close();
    }
  });

  it('retries an INVITE once with digest credentials on 407', async () => {
    await sender.close();
    await receiver.close();
    await core.close();
    core = await startTestCore({ users: { psa: 'secret', alice: 'a' }, realm: 'push.test' });
    receiver = await TestReceiver.start(core.wsUrl, { aor: 'sip:alice@localhost', password: 'a' });
    sender = createPushSender({ server: core.wsUrl, from: 'sip:psa@localhost', password: 'secret', timeoutMs: 5000 });
    const file = makeFile('auth.bin', 200_000);
    const result = await sender.sendLargePush({ to: 'sip:alice@localhost', file: file.path });
    expect(result).toMatchObject({ ok: true, status: 200 });
    const [t] = await receiver.waitForTransfers(1);
    expect(getHeader(t!.invite, 'cseq')).toBe('2 INVITE');
    const bad = createPushSender({ server: core.wsUrl, from: 'sip:psa@localhost', password: 'wrong', timeoutMs: 5000 });
    try {
      const refused = await bad.sendLargePush({ to: 'sip:alice@localhost', file: file.path });
      expect(refused).toMatchObject({ ok: false, status: 407, phase: 'invite' });
      expect(refused.reason).toMatch(/authentication failed/);
    } finally {
      await bad.close();
    }
  });
});
