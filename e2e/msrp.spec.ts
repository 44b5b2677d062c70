/**
 * Large content over MSRP over WebSocket (OMA SIP Push flow 5.4.2), end to end: the real sender
 * sends an INVITE through the core under test, the page answers, connects to the sender's MSRP
 * endpoint and stores the chunks in IndexedDB; the push is committed only after size and hash
 * are verified. Runs on every core project.
 */
import type { LargePushRequest, PushSender } from '../server/sender/index.ts';
import { connectSender } from './fixtures/senders.ts';
import { expect, test } from './fixtures/test.ts';
import type { ReceiverPage } from './fixtures/receiverPage.ts';
import { MB, TestFiles, type TestFile } from './msrp/files.ts';
import { contentSha256, cutMsrpSockets, storedTransfers, trackMsrpSockets, transferItems } from './msrp/transfers.ts';
import { settled } from '../server/testing/settled.ts';

const APP = 'mms.ua';
const TYPE = 'application/octet-stream';

let files: TestFiles;
test.beforeAll(() => {
  files = new TestFiles();
});
test.afterAll(() => files.remove());

/** Push a test file to the receiver's app over MSRP. */
function pushFile(sender: PushSender, receiver: ReceiverPage, file: TestFile, extra: Partial<LargePushRequest> = {}) {
  return sender.sendLargePush({ to: receiver.aor, app: APP, file: file.path, contentType: TYPE, ...extra });
}

/** Push a file and, once `afterBytes` are acknowledged, run `interrupt` (once); resolves with both outcomes. */
async function pushInterrupted<T>(sender: PushSender, receiver: ReceiverPage, file: TestFile, afterBytes: number, interrupt: () => T, extra: Partial<LargePushRequest> = {}) {
  let interrupted: T | undefined;
  let done = false;
  const result = await pushFile(sender, receiver, file, {
    ...extra,
    onProgress: (p) => {
      if (done || p.bytesAcked < afterBytes) return;
      done = true;
      interrupted = interrupt();
    },
  });
  return { result, interrupted: await interrupted };
}

/** The MSRP pushes stored in the page (dedupKey `msrp:<transfer id>`). */
async function msrpPushes(receiver: ReceiverPage) {
  return (await receiver.storedPushes()).filter((p) => p.dedupKey.startsWith('msrp:'));
}

/** Every stored MSRP push's content hashes to one of the files pushed: nothing corrupt is complete. */
async function expectPushesIntact(receiver: ReceiverPage, pushed: readonly TestFile[]) {
  const hashes = new Set(pushed.map((f) => f.sha256));
  for (const push of await msrpPushes(receiver)) expect(hashes.has(await contentSha256(receiver, push.id))).toBe(true);
}

test.describe('large content over MSRP', () => {
  test('a 50 MB file is stored chunk by chunk, verified, shown complete and opened', async ({ receiver, sender }) => {
    test.setTimeout(120_000);
    const file = files.make('big-50mb.bin', 50 * MB);
    await receiver.open();
    await receiver.expectRegistered();
    await receiver.registerRecordingApp({ id: APP, accept: ['*/*'] });

    const result = await pushFile(sender, receiver, file);
    expect(result, result.reason).toMatchObject({ ok: true, status: 200, phase: 'done', bytesSent: file.size, firstByte: 1 });
    // The window held the sender to the receiver's pace: never more than 32 chunks unanswered.
    expect(result.maxUnacknowledged).toBeLessThanOrEqual(32);

    // The REPORT 200 came after the commit: the push is in IndexedDB now, with the whole content.
    const [push] = await msrpPushes(receiver);
    expect(push).toMatchObject({ appId: APP, contentType: TYPE, dispatched: expect.any(Boolean) });
    expect(await contentSha256(receiver, push!.id)).toBe(file.sha256);
    const [transfer] = await storedTransfers(receiver);
    expect(transfer).toMatchObject({ state: 'complete', pushed: true, size: file.size, receivedBytes: file.size, chunkBytes: file.size, fileName: file.name });

    // The in-page app got it once, with the content as a Blob of the right size.
    await expect.poll(() => receiver.deliveries(APP)).toEqual([expect.objectContaining({ id: push!.id, via: 'msrp', size: file.size, blobSize: file.size })]);

    // The transfers panel shows it complete with every byte; the inbox item opens in the viewer.
    const row = transferItems(receiver, file.name);
    await expect(row).toHaveAttribute('data-state', 'complete');
    await expect(row.getByTestId('transfer-progress')).toHaveAttribute('value', String(file.size));
    await receiver.selectApp(APP);
    const item = receiver.page.locator(`[data-testid="push-item"][data-transfer-id="${transfer!.id}"]`);
    await expect(item.getByTestId('push-via')).toHaveText('via MSRP');
    await expect(item.getByTestId('push-content')).toHaveAttribute('data-state', 'ready');
    const download = item.getByTestId('viewer-download');
    await expect(download).toHaveAttribute('href', /^blob:/);
    await expect(download).toHaveAttribute('download', file.name);
    const size = await download.evaluate(async (a: HTMLAnchorElement) => (await (await fetch(a.href)).blob()).size);
    expect(size).toBe(file.size);
  });

  test('while receiving, the transfer row shows a progress bar, bytes, rate and time left', async ({ receiver, core }) => {
    const file = files.make('progress.bin', 24 * MB);
    // A sender that waits for each chunk's 200 (window 1): slow enough to watch, same protocol.
    const slow = await connectSender(core, core.sender, { msrp: { maxUnacknowledgedChunks: 1 } });
    try {
      await receiver.open();
      await receiver.expectRegistered();
      const pushed = pushFile(slow, receiver, file);
      const row = transferItems(receiver, file.name);
      await expect(row).toHaveAttribute('data-state', 'receiving');
      await expect(row.getByTestId('transfer-progress')).toHaveAttribute('max', String(file.size));
      await expect(row.getByTestId('transfer-bytes')).toHaveText(/^[\d.]+ [kM]?B of 25\.2 MB$/);
      await expect(row.getByTestId('transfer-rate')).toHaveText(/^[\d.]+ [kKM]?B\/s$/);
      await expect(row.getByTestId('transfer-time-left')).toHaveText(/left/);
      expect((await pushed).ok).toBe(true);
      await expect(row).toHaveAttribute('data-state', 'complete');
    } finally {
      await slow.close();
    }
  });

  test('three transfers at once each arrive intact', async ({ receiver, sender }) => {
    const pushed = [files.make('one.bin', 6 * MB), files.make('two.bin', 5 * MB), files.make('three.bin', 4 * MB)];
    await receiver.open();
    await receiver.expectRegistered();

    const results = await Promise.all(pushed.map((f) => pushFile(sender, receiver, f)));
    for (const r of results) expect(r, r.reason).toMatchObject({ ok: true, status: 200 });
    // Three distinct sessions.
    expect(new Set(results.map((r) => r.sessionUri)).size).toBe(3);

    expect(await msrpPushes(receiver)).toHaveLength(3);
    await expectPushesIntact(receiver, pushed);
    const transfers = await storedTransfers(receiver);
    expect(transfers.map((t) => [t.fileName, t.state, t.receivedBytes]).sort()).toEqual(pushed.map((f) => [f.name, 'complete', f.size]).sort());
    for (const f of pushed) await expect(transferItems(receiver, f.name)).toHaveAttribute('data-state', 'complete');
  });

  test('a transfer cut by closing the socket mid-way is resumed to completion, not restarted', async ({ receiver, sender }) => {
    const file = files.make('cut.bin', 16 * MB);
    await trackMsrpSockets(receiver.page);
    await receiver.open();
    await receiver.expectRegistered();

    // Cut the page's MSRP socket once a few MB are through.
    const { result: first, interrupted: cut } = await pushInterrupted(sender, receiver, file, 4 * MB, () => cutMsrpSockets(receiver.page));
    expect(cut).toBe(1);
    expect(first).toMatchObject({ ok: false, phase: 'transfer' });

    // Failed but resumable: its chunks are kept, no push is stored, the UI says why.
    await expect.poll(async () => (await storedTransfers(receiver)).map((t) => [t.state, t.resumable])).toEqual([['failed', true]]);
    const [partial] = await storedTransfers(receiver);
    expect(partial!.receivedBytes).toBeGreaterThanOrEqual(4 * MB);
    expect(partial!.chunkBytes).toBe(partial!.receivedBytes);
    await settled();
    expect(await msrpPushes(receiver)).toEqual([]);
    await expect(transferItems(receiver, file.name)).toHaveAttribute('data-state', 'failed');
    // Which the page sees first, its socket closing or the sender's BYE that follows, is a race.
    await expect(transferItems(receiver, file.name).getByTestId('transfer-reason')).toHaveText(/Connection lost before the end|BYE before the end/);
    await expect(transferItems(receiver, file.name).getByTestId('transfer-resumable')).toBeVisible();

    // The sender offers the same file again: the answer's a=file-range asks only for the rest.
    const second = await pushFile(sender, receiver, file);
    expect(second, second.reason).toMatchObject({ ok: true, status: 200 });
    expect(second.firstByte).toBe(partial!.receivedBytes + 1);
    expect(second.bytesSent).toBe(file.size - partial!.receivedBytes);

    const [push] = await msrpPushes(receiver);
    expect(await contentSha256(receiver, push!.id)).toBe(file.sha256);
    expect(await storedTransfers(receiver)).toEqual([expect.objectContaining({ id: partial!.id, state: 'complete', receivedBytes: file.size, chunkBytes: file.size })]);
    await expect(transferItems(receiver, file.name)).toHaveAttribute('data-state', 'complete');
  });

  test('an aborted transfer ends failed with its reason, no complete record and no partial data', async ({ receiver, sender }) => {
    const file = files.make('aborted.bin', 12 * MB);
    await receiver.open();
    await receiver.expectRegistered();

    const controller = new AbortController();
    const { result } = await pushInterrupted(sender, receiver, file, 2 * MB, () => controller.abort(new Error('operator stop')), { signal: controller.signal });
    expect(result).toMatchObject({ ok: false, reason: 'Aborted by the sender: operator stop' });

    await expect.poll(async () => (await storedTransfers(receiver)).map((t) => [t.state, t.reason, t.chunks])).toEqual([['failed', 'Aborted by the sender (#)', 0]]);
    await settled();
    expect(await msrpPushes(receiver)).toEqual([]);
    const row = transferItems(receiver, file.name);
    await expect(row).toHaveAttribute('data-state', 'failed');
    await expect(row.getByTestId('transfer-reason')).toHaveText('Aborted by the sender (#)');
  });

  test('a reload during a transfer never shows a corrupt complete item', async ({ receiver, sender }) => {
    const file = files.make('reload.bin', 24 * MB);
    await receiver.open();
    await receiver.expectRegistered();

    const { result } = await pushInterrupted(sender, receiver, file, 4 * MB, () => receiver.page.reload());
    expect(result.ok).toBe(false);
    await receiver.page.waitForFunction(() => window.__sipPushTest !== undefined);
    await receiver.expectRegistered();

    // After the reload: the transfer is failed (interrupted), never complete; no push stored.
    await expect.poll(async () => (await storedTransfers(receiver)).map((t) => t.state)).toEqual(['failed']);
    await settled();
    expect(await msrpPushes(receiver)).toEqual([]);
    await expect(transferItems(receiver, file.name)).toHaveAttribute('data-state', 'failed');
    await expect(receiver.inboxItems(APP)).toHaveCount(0);

    // And the rest still arrives: pushed again, it completes with the right content.
    const again = await pushFile(sender, receiver, file);
    expect(again, again.reason).toMatchObject({ ok: true });
    await expectPushesIntact(receiver, [file]);
    expect(await msrpPushes(receiver)).toHaveLength(1);
    await expect(transferItems(receiver, file.name)).toHaveAttribute('data-state', 'complete');
  });
});
