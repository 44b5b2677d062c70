import 'fake-indexeddb/auto';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import { parseMsrpMessage, serializeRequest, serializeResponse } from '../../protocol/msrp/index.ts';
import { parseMsrpOffer, type FileSelector } from '../../protocol/sdp/index.ts';
import type { SipRequest, SipResponse } from '../../protocol/sip/index.ts';
import { uniqueDbName } from '../../testing/pushFixtures.ts';
import type { PushAppSpec } from '../types.ts';
import { createHash, toHex } from '../hash/fileHash.ts';
import { MsrpReceiver, type MsrpReceiverOptions } from './receiver.ts';
import { transferIdOf, transferToPush } from './transferRecords.ts';
import type { MsrpReceiverLimits, TransferProgress } from '../types.ts';
import type { WebSocketLike } from './session.ts';
import { bodyText, FakeNetwork, inDialog, invite, makeContent, sendChunk, sendFile, type FakeSocket, type InviteInit } from '../../testing/msrpPeer.ts';
import { DEFAULT_MAX_RECORD_BYTES, TransferStore } from '../store/transferStore.ts';
import { transferDbName, type TransferRecord } from '../store/transferSchema.ts';

const apps = new Map<string, PushAppSpec>([['files.ua', { id: 'files.ua', accept: ['application/octet-stream', 'image/*'] }]]);

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  vi.restoreAllMocks();
});

interface Setup {
  receiver: MsrpReceiver;
  store: TransferStore;
  net: FakeNetwork;
  completed: TransferRecord[];
  failed: TransferRecord[];
  progress: TransferProgress[];
  onComplete: ReturnType<typeof vi.fn>;
}

async function setup(
  limits: Partial<MsrpReceiverLimits> = {},
  onComplete?: (t: TransferRecord) => Promise<void>,
  storeName = transferDbName(uniqueDbName('rx')),
  extra: Partial<MsrpReceiverOptions> = {},
): Promise<Setup> {
  const store = await TransferStore.open(storeName);
  const net = new FakeNetwork();
  const fn = vi.fn(onComplete ?? (async () => undefined));
  const receiver = new MsrpReceiver({
    apps,
    store,
    contact: () => '<sip:alice@x.invalid;transport=ws>',
    onComplete: fn,
    createWebSocket: net.factory,
    limits,
    progress: { intervalMs: 0 },
    ...extra,
  });
  const s: Setup = { receiver, store, net, completed: [], failed: [], progress: [], onComplete: fn };
  receiver.on('completed', (t) => s.completed.push(t));
  receiver.on('failed', (t) => s.failed.push(t));
  receiver.on('progress', (p) => s.progress.push(p));
  cleanups.push(async () => {
    await receiver.close();
    store.close();
  });
  return s;
}

function selectorFor(content: Uint8Array, algorithm: 'sha-1' | 'sha-256' = 'sha-256', name = 'file.bin'): FileSelector {
  const hex = toHex(algorithm === 'sha-1' ? sha1(content) : sha256(content));
  return { name, type: 'application/octet-stream', size: content.length, hashes: [{ algorithm, hex }] };
}

/** INVITE -> 200 -> ACK; resolves with the socket once the bind SEND was answered. */
async function session(s: Setup, init: InviteInit): Promise<{ inv: SipRequest; ok: SipResponse; socket: FakeSocket }> {
  const inv = invite(init);
  const ok = (await s.receiver.handle(inv))!;
  expect(ok.status).toBe(200);
  const count = s.net.sockets.length;
  expect(s.receiver.handle(inDialog('ACK', inv, ok))).toBeNull();
  await vi.waitFor(() => expect(s.net.sockets[count]?.received.length).toBeGreaterThan(0));
  return { inv, ok, socket: s.net.sockets[count]! };
}

async function content(s: Setup, id: string): Promise<Uint8Array> {
  return new Uint8Array(await (await s.receiver.openTransferContent(id)).arrayBuffer());
}

describe('MsrpReceiver: complete transfers', () => {
  it('in order, sha-256: 200 per chunk, stored, verified, committed, then REPORT 200', async () => {
    const s = await setup();
    const file = makeContent(10_000, 7);
    const { socket } = await session(s, { selector: selectorFor(file) });
    const chunks = sendFile(socket, file, { messageId: 'file0001', chunkSize: 4096, successReport: 'yes' });
    await vi.waitFor(() => expect(socket.reports()).toHaveLength(1));
    expect(socket.responses().filter((r) => r.code === 200)).toHaveLength(chunks);
    const report = socket.reports()[0]!;
    expect([report.messageId, report.status?.code, report.byteRange]).toEqual(['file0001', 200, { start: 1, end: 10_000, total: 10_000 }]);
    expect(s.onComplete).toHaveBeenCalledTimes(1);
    const done = s.completed[0]!;
    expect(done).toMatchObject({ state: 'complete', pushed: true, size: 10_000, receivedBytes: 10_000, fileName: 'file.bin', hashAlgorithm: 'sha-256', messageId: 'file0001' });
    expect(await content(s, done.id)).toEqual(file);
    // Contiguous chunks stored in one transaction share a record: at most one record per chunk.
    const records = await s.store.chunkCount(done.id);
    expect(records).toBeGreaterThanOrEqual(1);
    expect(records).toBeLessThanOrEqual(3);
    const push = transferToPush(done);
    expect(push).toMatchObject({ via: 'msrp', appId: 'files.ua', from: 'sip:psa@example.com', size: 10_000, contentType: 'application/octet-stream', dedupKey: `msrp:${done.id}` });
    expect(push.content.length).toBe(0);
    expect(transferIdOf({ via: 'msrp', dedupKey: push.dedupKey })).toBe(done.id);
    expect(transferIdOf({ via: 'message', dedupKey: 'sip:x:1' })).toBeUndefined();
    const states = s.progress.map((p) => p.state);
    expect(states[0]).toBe('receiving');
    expect(states).toContain('verifying');
    expect(states.at(-1)).toBe('complete');
    const bytes = s.progress.map((p) => p.receivedBytes);
    expect(bytes).toContain(4096);
    expect(bytes).toContain(8192);
    expect(s.progress.every((p) => p.size === 10_000)).toBe(true);
  });

  it('out of order, sha-1: completes when the gap fills, hashing the stored chunks in order', async () => {
    const s = await setup();
    const file = makeContent(9000, 3);
    const { socket } = await session(s, { selector: selectorFor(file, 'sha-1') });
    const read = vi.spyOn(s.store, 'readInOrder');
    sendFile(socket, file, { messageId: 'file0002', chunkSize: 1000, order: (r) => [r[2]!, r[0]!, r[8]!, r[5]!, r[1]!, r[3]!, r[7]!, r[4]!, r[6]!] });
    await vi.waitFor(() => expect(s.completed).toHaveLength(1));
    expect(read).toHaveBeenCalledTimes(1);
    expect(read.mock.calls[0]![1]).toBe(2001); // bytes 1-2000 were hashed as they came
    expect(await content(s, s.completed[0]!.id)).toEqual(file);
    expect(socket.responses().filter((r) => r.code === 200)).toHaveLength(9);
    expect(socket.reports()).toHaveLength(0); // Success-Report defaults to no
  });

  it('overlapping and retransmitted chunks: only new bytes are written, no record replaces another, the content is exact', async () => {
    const s = await setup();
    const file = makeContent(6000, 21);
    const { socket } = await session(s, { selector: selectorFor(file) });
    const send = (start: number, end: number, flag: '+' | '$' = '+') =>
      sendChunk(socket, { messageId: 'overlap1', byteRange: { start, end, total: 6000 }, contentType: 'application/octet-stream', body: file.subarray(start - 1, end), flag });
    send(1, 1000);
    await vi.waitFor(() => expect(socket.responses()).toHaveLength(1));
    send(1, 3000); // a longer chunk from the same first byte: bytes 1001-3000 are new
    await vi.waitFor(() => expect(socket.responses()).toHaveLength(2));
    send(1, 1000); // a shorter retransmission: were it stored, its record [1] would replace [1-3000]
    send(2001, 2500); // wholly inside what is stored: nothing written
    send(2500, 6000, '$');
    await vi.waitFor(() => expect(s.completed).toHaveLength(1));
    expect(socket.responses().map((r) => r.code)).toEqual([200, 200, 200, 200, 200]);
    expect(await content(s, s.completed[0]!.id)).toEqual(file);
  });

  it('hashes where createHash says (a worker in the agent); a hash that fails at the end is redone from the stored chunks', async () => {
    const algorithms: string[] = [];
    let breakNext = true;
    const s = await setup({}, undefined, undefined, {
      createHash: (algorithm) => {
        algorithms.push(algorithm);
        const inner = createHash(algorithm);
        if (!breakNext) return inner;
        breakNext = false;
        // As a worker that died: updates accepted, the digest rejected.
        return { update: (b) => inner.update(b), hex: () => Promise.reject(new Error('The hash worker failed')), abort: () => inner.abort() };
      },
    });
    const file = makeContent(9000, 31);
    const { socket } = await session(s, { selector: selectorFor(file) });
    sendFile(socket, file, { messageId: 'workerH1', chunkSize: 1000, successReport: 'yes' });
    await vi.waitFor(() => expect(socket.reports()).toHaveLength(1));
    expect(socket.reports()[0]!.status?.code).toBe(200);
    expect(algorithms).toEqual(['sha-256']);
    expect(s.completed[0]).toMatchObject({ state: 'complete', receivedBytes: 9000 });
    expect(await content(s, s.completed[0]!.id)).toEqual(file);
  });

  it('two messages interleaved in one session: the file and a second message, each its own transfer', async () => {
    const s = await setup();
    const file = makeContent(5000, 11);
    const other = makeContent(3000, 12);
    // Both types offered (and so answered): every message of a session is held to them.
    const { socket } = await session(s, { selector: selectorFor(file), acceptTypes: ['application/octet-stream', 'image/png'] });
    for (let i = 0; i < 5; i++) {
      sendChunk(socket, { messageId: 'fileMsg1', byteRange: { start: i * 1000 + 1, end: (i + 1) * 1000, total: 5000 }, contentType: 'application/octet-stream', body: file.subarray(i * 1000, (i + 1) * 1000), flag: i === 4 ? '$' : '+' });
      if (i < 3) sendChunk(socket, { messageId: 'otherMsg', byteRange: { start: i * 1000 + 1, end: (i + 1) * 1000, total: 3000 }, contentType: 'image/png', body: other.subarray(i * 1000, (i + 1) * 1000), flag: i === 2 ? '$' : '+' });
    }
    await vi.waitFor(() => expect(s.completed).toHaveLength(2));
    const byMsg = Object.fromEntries(s.completed.map((t) => [t.messageId, t]));
    expect(byMsg.fileMsg1!).toMatchObject({ fileName: 'file.bin', hashAlgorithm: 'sha-256', size: 5000 });
    expect(byMsg.otherMsg!).toMatchObject({ contentType: 'image/png', size: 3000 });
    expect(byMsg.otherMsg!.hashAlgorithm).toBeUndefined();
    expect(await content(s, byMsg.fileMsg1!.id)).toEqual(file);
    expect(await content(s, byMsg.otherMsg!.id)).toEqual(other);
  });

  it('two sessions at once, chunks interleaved across the two sockets', async () => {
    const s = await setup();
    const a = makeContent(6000, 21);
    const b = makeContent(7000, 22);
    const sa = await session(s, { selector: selectorFor(a, 'sha-256', 'a.bin') });
    const sb = await session(s, { selector: selectorFor(b, 'sha-1', 'b.bin') });
    expect(s.receiver.sessionCount).toBe(2);
    for (let i = 0; i < 7; i++) {
      if (i < 6) sendChunk(sa.socket, { messageId: 'msgAAAA', byteRange: { start: i * 1000 + 1, end: (i + 1) * 1000, total: 6000 }, contentType: 'application/octet-stream', body: a.subarray(i * 1000, (i + 1) * 1000), flag: i === 5 ? '$' : '+' });
      sendChunk(sb.socket, { messageId: 'msgBBBB', byteRange: { start: i * 1000 + 1, end: (i + 1) * 1000, total: 7000 }, contentType: 'application/octet-stream', body: b.subarray(i * 1000, (i + 1) * 1000), flag: i === 6 ? '$' : '+' });
    }
    await vi.waitFor(() => expect(s.completed).toHaveLength(2));
    const byName = Object.fromEntries(s.completed.map((t) => [t.fileName, t]));
    expect(await content(s, byName['a.bin']!.id)).toEqual(a);
    expect(await content(s, byName['b.bin']!.id)).toEqual(b);
    expect(sa.socket.url).toBe('ws://psa.example.com:8443/');
  });

  it('BYE after the end: 200, the session closes, the transfer stays complete', async () => {
    const s = await setup();
    const file = makeContent(2000, 5);
    const { inv, ok, socket } = await session(s, { selector: selectorFor(file) });
    sendFile(socket, file, { messageId: 'file0003', chunkSize: 1000 });
    await vi.waitFor(() => expect(s.completed).toHaveLength(1));
    expect((await s.receiver.handle(inDialog('BYE', inv, ok)))!.status).toBe(200);
    await vi.waitFor(() => expect(socket.closedByReceiver).toBe(true));
    expect(s.failed).toHaveLength(0);
    expect((await s.store.get(s.completed[0]!.id))!.state).toBe('complete');
  });
});

describe('MsrpReceiver: failures', () => {
  it('hash mismatch: failed, chunks deleted, a failure REPORT, never committed', async () => {
    const s = await setup();
    const file = makeContent(3000, 1);
    const wrong = selectorFor(makeContent(3000, 2));
    const { socket } = await session(s, { selector: wrong });
    sendFile(socket, file, { messageId: 'file0004', chunkSize: 1000 });
    await vi.waitFor(() => expect(s.failed).toHaveLength(1));
    const t = s.failed[0]!;
    expect(t).toMatchObject({ state: 'failed', reason: 'Hash mismatch (sha-256)', resumable: false, receivedBytes: 0 });
    expect(await s.store.chunkCount(t.id)).toBe(0);
    await vi.waitFor(() => expect(socket.reports().map((r) => [r.status?.code, r.status?.reason])).toEqual([[400, 'Hash mismatch (sha-256)']]));
    expect(s.onComplete).not.toHaveBeenCalled();
    await expect(s.receiver.openTransferContent(t.id)).rejects.toThrow();
  });

  it('aborted message (#): failed, chunks deleted', async () => {
    const s = await setup();
    const file = makeContent(5000, 1);
    const { socket } = await session(s, { selector: selectorFor(file) });
    sendFile(socket, file, { messageId: 'file0005', chunkSize: 1000, limit: 3 });
    await vi.waitFor(() => expect(socket.responses().filter((r) => r.code === 200)).toHaveLength(3));
    sendChunk(socket, { messageId: 'file0005', byteRange: { start: 3001, end: '*', total: 5000 }, contentType: 'application/octet-stream', body: file.subarray(3000, 3100), flag: '#' });
    await vi.waitFor(() => expect(s.failed).toHaveLength(1));
    expect(s.failed[0]).toMatchObject({ reason: 'Aborted by the sender (#)', resumable: false, ranges: [] });
    expect(await s.store.chunkCount(s.failed[0]!.id)).toBe(0);
    expect(s.progress.at(-1)).toMatchObject({ state: 'failed', reason: 'Aborted by the sender (#)' });
  });

  it('BYE before the end: failed "BYE before the end", resumable, chunks kept (socket closed by the sender)', async () => {
    const s = await setup();
    const file = makeContent(5000, 1);
    const { inv, ok, socket } = await session(s, { selector: selectorFor(file) });
    sendFile(socket, file, { messageId: 'file0006', chunkSize: 1000, limit: 2 });
    await vi.waitFor(() => expect(socket.responses()).toHaveLength(2));
    expect((await s.receiver.handle(inDialog('BYE', inv, ok)))!.status).toBe(200);
    expect(s.failed).toHaveLength(0); // data may still be on its way
    socket.drop(1000);
    await vi.waitFor(() => expect(s.failed).toHaveLength(1));
    expect(s.failed[0]).toMatchObject({ reason: 'BYE before the end', resumable: true, receivedBytes: 2000 });
    expect(await s.store.chunkCount(s.failed[0]!.id)).toBeGreaterThanOrEqual(1); // kept (maybe as one record)
    const kept: number[] = [];
    expect(await s.store.readInOrder(s.failed[0]!.id, 1, (b) => void kept.push(...b))).toBe(2001);
    expect(new Uint8Array(kept)).toEqual(file.subarray(0, 2000));
  });

  it('BYE before the end with the socket left open: failed after byeGraceMs; with no byte stored, not resumable', async () => {
    const s = await setup({ byeGraceMs: 20 });
    const file = makeContent(5000, 1);
    const { inv, ok, socket } = await session(s, { selector: selectorFor(file) });
    expect((await s.receiver.handle(inDialog('BYE', inv, ok)))!.status).toBe(200);
    await vi.waitFor(() => expect(s.failed).toHaveLength(1));
    expect(s.failed[0]).toMatchObject({ reason: 'BYE before the end', resumable: false });
    expect(socket.closedByReceiver).toBe(true);
  });

  it('a commit failure in onComplete fails the transfer (chunks deleted) with a failure REPORT', async () => {
    const s = await setup({}, async () => {
      throw new Error('Push storage full');
    });
    const file = makeContent(1500, 9);
    const { socket } = await session(s, { selector: selectorFor(file) });
    sendFile(socket, file, { messageId: 'file0007', chunkSize: 1000, successReport: 'yes' });
    await vi.waitFor(() => expect(s.failed).toHaveLength(1));
    expect(s.failed[0]!.reason).toBe('Not stored: Push storage full');
    await vi.waitFor(() => expect(socket.reports().map((r) => r.status?.code)).toEqual([413]));
    expect(s.completed).toHaveLength(0);
  });
});

describe('MsrpReceiver: resume (RFC 5547 section 8)', () => {
  it('a dropped socket leaves a resumable transfer; a new INVITE for the same file gets a=file-range and completes it', async () => {
    const s = await setup();
    const file = makeContent(10_000, 42);
    const selector = selectorFor(file);
    const first = await session(s, { selector, transferId: 'ft-first' });
    sendFile(first.socket, file, { messageId: 'file0008', chunkSize: 1000, order: (r) => [r[0]!, r[1]!, r[2]!, r[5]!] });
    await vi.waitFor(() => expect(first.socket.responses()).toHaveLength(4));
    first.socket.drop();
    await vi.waitFor(() => expect(s.failed).toHaveLength(1));
    const partial = s.failed[0]!;
    expect(partial).toMatchObject({ reason: 'Connection lost before the end', resumable: true, receivedBytes: 4000, ranges: [[1, 3000], [5001, 6000]] });

    const inv = invite({ selector, transferId: 'ft-second' });
    const ok = (await s.receiver.handle(inv))!;
    expect(ok.status).toBe(200);
    const answer = parseMsrpOffer(bodyText(ok).replace('a=recvonly', 'a=sendonly'));
    expect(answer.fileRange).toEqual({ start: 3001, stop: 10_000 });
    s.receiver.handle(inDialog('ACK', inv, ok));
    await vi.waitFor(() => expect(s.net.sockets[1]?.received.length).toBeGreaterThan(0));
    const second = s.net.sockets[1]!;
    sendFile(second, file, { messageId: 'file0009', chunkSize: 1000, firstByte: 3001, successReport: 'yes' });
    await vi.waitFor(() => expect(s.completed).toHaveLength(1));
    const done = s.completed[0]!;
    expect(done.id).toBe(partial.id);
    expect(done).toMatchObject({ state: 'complete', fileTransferId: 'ft-second', messageId: 'file0009', receivedBytes: 10_000 });
    expect(await content(s, done.id)).toEqual(file);
    await vi.waitFor(() => expect(second.reports().map((r) => r.status?.code)).toEqual([200]));
  });

  it('a transfer of another file (different hash) is not resumed; one left receiving by a reload is recovered as resumable', async () => {
    const name = transferDbName(uniqueDbName('rx'));
    const s = await setup({}, undefined, name);
    const file = makeContent(4000, 1);
    const { socket } = await session(s, { selector: selectorFor(file) });
    sendFile(socket, file, { messageId: 'file0010', chunkSize: 1000, limit: 2 });
    await vi.waitFor(() => expect(socket.responses()).toHaveLength(2));
    // A new page: a second receiver on the same database, the first one's record still 'receiving'.
    const store2 = await TransferStore.open(name);
    const r2 = new MsrpReceiver({ apps, store: store2, contact: () => '<sip:a@b>', onComplete: async () => undefined, createWebSocket: new FakeNetwork().factory });
    cleanups.push(() => store2.close());
    const { interrupted } = await r2.recover();
    expect(interrupted.map((t) => [t.reason, t.resumable, t.receivedBytes])).toEqual([['Interrupted (page closed)', true, 2000]]);
    const other = (await r2.handle(invite({ selector: selectorFor(makeContent(4000, 2)) })))!;
    expect(bodyText(other)).not.toContain('a=file-range');
    const same = (await r2.handle(invite({ selector: selectorFor(file) })))!;
    expect(bodyText(same)).toContain('a=file-range:2001-4000');
    await r2.close();
  });
});

describe('MsrpReceiver: limits', () => {
  it('maxChunkBytes: a chunk at the bound is taken, one past it gets 413 and fails the transfer', async () => {
    const s = await setup({ maxChunkBytes: 1000 });
    const file = makeContent(3000, 1);
    const { socket } = await session(s, { selector: selectorFor(file) });
    sendChunk(socket, { transactionId: 'atBound1', messageId: 'file0011', byteRange: { start: 1, end: 1000, total: 3000 }, contentType: 'application/octet-stream', body: file.subarray(0, 1000), flag: '+' });
    sendChunk(socket, { transactionId: 'pastBnd1', messageId: 'file0011', byteRange: { start: 1001, end: 2001, total: 3000 }, contentType: 'application/octet-stream', body: file.subarray(1000, 2001), flag: '+' });
    await vi.waitFor(() => expect(socket.responses().map((r) => [r.transactionId, r.code]).sort()).toEqual([['atBound1', 200], ['pastBnd1', 413]]));
    await vi.waitFor(() => expect(s.failed).toHaveLength(1));
    expect(s.failed[0]!.reason).toMatch(/^Chunk too large/);
    expect(await s.store.chunkCount(s.failed[0]!.id)).toBe(0);
  });

  it('maxTransferBytes: content up to the bound completes; a byte past it gets 413 and fails', async () => {
    const s = await setup({ maxTransferBytes: 2000 });
    const exact = makeContent(2000, 1);
    const a = await session(s, { acceptTypes: ['application/octet-stream'] });
    sendFile(a.socket, exact, { messageId: 'file0012', chunkSize: 1000 });
    await vi.waitFor(() => expect(s.completed).toHaveLength(1));
    const b = await session(s, { acceptTypes: ['application/octet-stream'] });
    sendChunk(b.socket, { messageId: 'file0013', byteRange: { start: 1, end: 1000, total: '*' }, contentType: 'application/octet-stream', body: exact.subarray(0, 1000), flag: '+' });
    sendChunk(b.socket, { transactionId: 'tooFar01', messageId: 'file0013', byteRange: { start: 1001, end: 2001, total: '*' }, contentType: 'application/octet-stream', body: makeContent(1001), flag: '$' });
    await vi.waitFor(() => expect(b.socket.responses().find((r) => r.transactionId === 'tooFar01')?.code).toBe(413));
    await vi.waitFor(() => expect(s.failed).toHaveLength(1));
    expect(s.failed[0]!.reason).toBe('Content exceeds 2000 bytes');
  });

  it('maxMessagesPerSession: one message more gets 413', async () => {
    const s = await setup({ maxMessagesPerSession: 1 });
    const { socket } = await session(s, { acceptTypes: ['application/octet-stream'] });
    sendChunk(socket, { messageId: 'first001', byteRange: { start: 1, end: 1, total: 1 }, contentType: 'application/octet-stream', body: new Uint8Array([1]) });
    sendChunk(socket, { transactionId: 'second01', messageId: 'second01', byteRange: { start: 1, end: 1, total: 1 }, contentType: 'application/octet-stream', body: new Uint8Array([1]) });
    await vi.waitFor(() => expect(socket.responses().find((r) => r.transactionId === 'second01')?.code).toBe(413));
  });
});

describe('MsrpReceiver: memory', () => {
  it('20 MB in 60 KB chunks: each chunk stored as it arrives (contiguous ones of a transaction in one record up to maxRecordBytes), hashed incrementally, assembled as a Blob of parts', async () => {
    const s = await setup({ maxTransferBytes: 64 * 1024 * 1024 });
    const size = 20 * 1024 * 1024;
    const chunkSize = 61440;
    const file = makeContent(size, 99);
    const writes: number[] = [];
    const original = s.store.writeChunk.bind(s.store);
    vi.spyOn(s.store, 'writeChunk').mockImplementation((record, start, bytes) => {
      writes.push(bytes.length);
      return original(record, start, bytes);
    });
    const read = vi.spyOn(s.store, 'readInOrder');
    const { socket } = await session(s, { selector: selectorFor(file) });
    const sent = sendFile(socket, file, { messageId: 'big00001', chunkSize, successReport: 'yes' });
    await vi.waitFor(() => expect(socket.reports()).toHaveLength(1), { timeout: 60_000 });
    expect(socket.reports()[0]!.status?.code).toBe(200);
    expect(sent).toBe(Math.ceil(size / chunkSize));
    expect(writes).toHaveLength(sent);
    expect(Math.max(...writes)).toBe(chunkSize);
    expect(read).not.toHaveBeenCalled(); // the hash never re-read the content
    const id = s.completed[0]!.id;
    const parts = await s.store.contentParts(id, size);
    expect(parts.length).toBeGreaterThanOrEqual(Math.ceil(size / DEFAULT_MAX_RECORD_BYTES));
    expect(parts.length).toBeLessThanOrEqual(sent);
    expect(parts.every((p) => p instanceof Blob && p.size <= DEFAULT_MAX_RECORD_BYTES)).toBe(true);
    const blob = await s.receiver.openTransferContent(id);
    expect(blob.size).toBe(size);
    expect(toHex(sha256(new Uint8Array(await blob.arrayBuffer())))).toBe(selectorFor(file).hashes[0]!.hex);
  }, 90_000);
});

describe('MsrpReceiver over a real WebSocket (ws) sender', () => {
  it('binds, receives the file and reports success', async () => {
    const server = new WebSocketServer({ port: 0, handleProtocols: (protocols) => (protocols.has('msrp') ? 'msrp' : false) });
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const port = (server.address() as { port: number }).port;
    const path = `msrp://127.0.0.1:${port}/wsSess1on;ws`;
    const file = makeContent(200_000, 5);
    const got: string[] = [];
    const reported = new Promise<number>((resolve) => {
      server.on('connection', (ws, req) => {
        got.push(`protocol=${ws.protocol}`, `url=${req.url}`);
        ws.on('message', (data: Buffer) => {
          const m = parseMsrpMessage(new Uint8Array(data));
          if (m.kind === 'request' && m.method === 'SEND' && m.body === undefined) {
            got.push('bind');
            ws.send(serializeResponse({ transactionId: m.transactionId, code: 200, toPath: [m.fromPath[0]!], fromPath: [path] }));
            for (let start = 1; start <= file.length; start += 61440) {
              const end = Math.min(file.length, start + 61439);
              ws.send(serializeRequest({ method: 'SEND', toPath: m.fromPath, fromPath: [path], messageId: 'wsFile01', successReport: 'yes', byteRange: { start, end, total: file.length }, contentType: 'application/octet-stream', body: file.subarray(start - 1, end), flag: end === file.length ? '$' : '+' }));
            }
          } else if (m.kind === 'request' && m.method === 'REPORT') {
            resolve(m.status!.code);
          } else if (m.kind === 'response') {
            got.push(`r${m.code}`);
          }
        });
      });
    });
    const store = await TransferStore.open(transferDbName(uniqueDbName('ws')));
    const receiver = new MsrpReceiver({ apps, store, contact: () => '<sip:a@b>', onComplete: async () => undefined, createWebSocket: (url, p) => new NodeWebSocket(url, p) as unknown as WebSocketLike });
    cleanups.push(async () => {
      await receiver.close();
      store.close();
    });
    const inv = invite({ path, selector: selectorFor(file) });
    const ok = (await receiver.handle(inv))!;
    receiver.handle(inDialog('ACK', inv, ok));
    expect(await reported).toBe(200);
    expect(got.slice(0, 3)).toEqual(['protocol=msrp', 'url=/', 'bind']);
    expect(got.filter((g) => g === 'r200')).toHaveLength(4);
    const [t] = await receiver.listTransfers();
    expect(new Uint8Array(await (await receiver.openTransferContent(t!.id)).arrayBuffer())).toEqual(file);
  });
});

describe('MsrpReceiver: push control information on the INVITE (issue 12)', () => {
  it('answers 400 naming a malformed control header, and 410 + Push-Report-Reason: expired to an expired push', async () => {
    const s = await setup({}, undefined, undefined, { now: () => Date.parse('2026-12-02T17:10:00.000Z') });
    const bad = (await s.receiver.handle(invite({ extra: ['Push-Deliver-Before: soon'] })))!;
    expect(bad.status).toBe(400);
    expect(bad.reason).toContain('Push-Deliver-Before');
    const expired = (await s.receiver.handle(invite({ extra: ['Push-Deliver-Before: 2026-12-02T17:10:00.000Z'] })))!;
    expect(expired.status).toBe(410);
    expect(expired.headers.find((h) => h.name === 'Push-Report-Reason')?.value).toBe('expired');
    expect(await s.store.list()).toEqual([]);
  });

  it('carries Push-ID, expiry, priority and the report request (display, reply-to = From AoR) to the push', async () => {
    const s = await setup();
    const file = makeContent(100, 3);
    const before = Date.now() + 60_000;
    const { socket } = await session(s, {
      selector: selectorFor(file),
      extra: ['Push-ID: "big-1"', `Push-Deliver-Before: ${new Date(before).toISOString()}`, 'Priority: non-urgent', 'Push-Message-ID: psa.abc', 'Push-Disposition-Notification: display'],
    });
    sendFile(socket, file, { messageId: 'ctl00001', chunkSize: 4096, successReport: 'yes' });
    await vi.waitFor(() => expect(s.completed).toHaveLength(1));
    const push = transferToPush(s.completed[0]!);
    expect(push).toMatchObject({ pushId: 'big-1', deliverBefore: before, priority: 'non-urgent' });
    expect(push.report).toMatchObject({ messageId: 'psa.abc', dispositions: ['negative-delivery', 'display'], replyTo: 'sip:psa@example.com' });
  });
});
