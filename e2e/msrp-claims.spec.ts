/**
 * The receiver's promises about large content (flow 5.4.2), each held to account in Chromium
 * against the core under test with the real sender: the REPORT 200 comes only after the push
 * commit, a file whose hash is not the offered one is never stored, an INVITE the receiver
 * refuses leaves nothing behind, and a transfer a reload interrupted resumes from the bytes
 * kept. Runs on every core project.
 */
import type { LargePushRequest, PushSender } from '../server/sender/index.ts';
import { settled } from '../server/testing/settled.ts';
import { getHeader } from '../src/protocol/sip/index.ts';
import { sendLargePushWithSelector, wrongHash } from './fixtures/offerRewrite.ts';
import type { ReceiverPage } from './fixtures/receiverPage.ts';
import { connectSender } from './fixtures/senders.ts';
import { OnceAcked } from './msrp/acked.ts';
import { MB, type TestFile } from './msrp/files.ts';
import { expect, test } from './msrp/filesFixture.ts';
import { contentSha256, storedTransfers, transferItems } from './msrp/transfers.ts';

const APP = 'mms.ua';
const TYPE = 'application/octet-stream';

function push(receiver: ReceiverPage, file: TestFile, extra: Partial<LargePushRequest> = {}): LargePushRequest {
  return { to: receiver.aor, app: APP, file: file.path, contentType: TYPE, ...extra };
}

async function msrpPushes(receiver: ReceiverPage) {
  return (await receiver.storedPushes()).filter((p) => p.dedupKey.startsWith('msrp:'));
}

test.describe('large content: what the receiver promises', () => {
  test('the REPORT 200 leaves only after the push is committed', async ({ receiver, sender, files }) => {
    const file = files.make('held.bin', 2 * MB);
    await receiver.open();
    await receiver.expectRegistered();
    await receiver.registerRecordingApp({ id: APP, accept: ['*/*'] });

    await receiver.holdCommits();
    let acked = 0;
    let reported = false;
    const result = sender.sendLargePush(push(receiver, file, { onProgress: (p) => (acked = p.bytesAcked) })).finally(() => (reported = true));
    // Every chunk is stored and acknowledged, the file verified, and its push waits at the gate.
    await expect.poll(() => receiver.heldCommits()).toBe(1);
    await expect.poll(() => acked).toBe(file.size);

    // While the commit is held the sender gets no REPORT (a REPORT of any kind settles its push).
    await settled();
    expect(reported, 'a REPORT reached the sender before the push was committed').toBe(false);
    expect(await msrpPushes(receiver)).toEqual([]);
    expect(await storedTransfers(receiver)).toEqual([expect.objectContaining({ state: 'complete', pushed: false, receivedBytes: file.size })]);

    await receiver.releaseCommits();
    const done = await result;
    expect(done, done.reason).toMatchObject({ ok: true, status: 200, phase: 'done', report: { code: 200 } });
    // Read the moment the REPORT is in: the push is already on disk, with the whole content.
    const [stored] = await msrpPushes(receiver);
    expect(stored).toMatchObject({ appId: APP, contentType: TYPE });
    expect(await contentSha256(receiver, stored!.id)).toBe(file.sha256);
    await expect.poll(() => receiver.deliveries(APP)).toEqual([expect.objectContaining({ id: stored!.id, via: 'msrp', size: file.size })]);
  });

  test('a file whose bytes do not match the offered hash ends failed "Hash mismatch": failure REPORT, nothing stored or dispatched', async ({ receiver, sender, files }) => {
    const file = files.make('forged.bin', 1 * MB);
    await receiver.open();
    await receiver.expectRegistered();
    await receiver.registerRecordingApp({ id: APP, accept: ['*/*'] });

    const result = await sendLargePushWithSelector(sender, push(receiver, file), wrongHash);
    // Every chunk was taken; the REPORT says the message as a whole failed.
    expect(result).toMatchObject({ ok: false, phase: 'transfer', status: 400, bytesSent: file.size, report: { code: 400 } });

    await expect.poll(async () => (await storedTransfers(receiver)).map((t) => [t.state, t.reason, t.chunks, t.pushed])).toEqual([['failed', 'Hash mismatch (sha-256)', 0, false]]);
    const row = transferItems(receiver, file.name);
    await expect(row).toHaveAttribute('data-state', 'failed');
    await expect(row.getByTestId('transfer-reason')).toHaveText('Hash mismatch (sha-256)');
    await settled();
    expect(await receiver.deliveries(APP)).toEqual([]);
    expect(await msrpPushes(receiver)).toEqual([]);
    await expect(receiver.inboxItems(APP)).toHaveCount(0);
  });

  test('INVITE refusals reach the sender through the core: 404 app, 480 at the core, 403 sender, 415 type with Accept, 413 size; nothing stored', async ({ receiver, sender, core, files }) => {
    const file = files.make('refused.bin', 64 * 1024);
    await receiver.open({
      apps: [
        { id: 'mms.ua', accept: ['*/*'] },
        { id: 'text.ua', accept: ['text/plain'] },
        { id: 'boss.ua', accept: ['*/*'], allowFrom: [`sip:boss@${core.domain}`] },
      ],
    });
    await receiver.expectRegistered();

    const cases: Array<[string, () => ReturnType<PushSender['sendLargePush']>, number]> = [
      // Without `require` the core forks to every contact and the page itself decides.
      ['unknown app', () => sender.sendLargePush(push(receiver, file, { app: undefined, headers: [{ name: 'Accept-Contact', value: '*;+g.oma.pusheventapp="nope.ua"' }] })), 404],
      ['app registered by no contact (the core filters)', () => sender.sendLargePush(push(receiver, file, { app: 'nope.ua' })), 480],
      ['sender not in allowFrom', () => sender.sendLargePush(push(receiver, file, { app: 'boss.ua' })), 403],
      ['type not accepted', () => sender.sendLargePush(push(receiver, file, { app: 'text.ua' })), 415],
      // 2 GiB is the page's maxTransferBytes: a selector one byte above it.
      ['file larger than maxTransferBytes', () => sendLargePushWithSelector(sender, push(receiver, file), (s) => ({ ...s, size: 2 * 1024 ** 3 + 1 })), 413],
    ];
    for (const [name, send, status] of cases) {
      const result = await send();
      expect(result, name).toMatchObject({ ok: false, phase: 'invite', status, bytesSent: 0 });
      if (status === 415) expect(getHeader(result.invite.response!, 'Accept'), name).toBe('text/plain');
    }
    // The page refused four of them itself (the 480 never reached it); none left a trace.
    await expect(receiver.page.getByTestId('rejected-item')).toHaveCount(4);
    expect(await storedTransfers(receiver)).toEqual([]);
    expect(await receiver.storedPushes()).toEqual([]);
    await expect(transferItems(receiver)).toHaveCount(0);
  });

  test('a transfer a page reload interrupted resumes from the kept bytes: a=file-range starts at kept + 1, and the file arrives intact', async ({ receiver, core, files }) => {
    const file = files.make('reloaded.bin', 6 * MB);
    // Each chunk waits for its 200 (window 1) in 16 KB chunks: the reload lands mid-way.
    const paced = await connectSender(core, core.sender, { msrp: { maxUnacknowledgedChunks: 1, chunkSize: 16 * 1024 } });
    try {
      await receiver.open();
      await receiver.expectRegistered();

      const reload = new OnceAcked(1 * MB, () => receiver.page.reload());
      const first = await paced.sendLargePush(push(receiver, file, { onProgress: reload.onProgress }));
      expect(first).toMatchObject({ ok: false, phase: 'transfer', firstByte: 1 });
      await reload.outcome;
      await receiver.page.waitForFunction(() => window.__sipPushTest !== undefined);
      await receiver.expectRegistered();

      // The new page found the transfer cut short: failed, resumable, its stored bytes kept.
      await expect.poll(async () => (await storedTransfers(receiver)).map((t) => [t.state, t.resumable])).toEqual([['failed', true]]);
      const [kept] = await storedTransfers(receiver);
      expect(kept!.receivedBytes).toBeGreaterThanOrEqual(1 * MB);
      expect(kept!.receivedBytes).toBeLessThan(file.size);
      expect(kept!.chunkBytes).toBe(kept!.receivedBytes);
      await expect(transferItems(receiver, file.name).getByTestId('transfer-resumable')).toBeVisible();

      // Offered again, the page's answer asks only for the rest.
      const second = await paced.sendLargePush(push(receiver, file));
      expect(second, second.reason).toMatchObject({ ok: true, status: 200, firstByte: kept!.receivedBytes + 1, bytesSent: file.size - kept!.receivedBytes });

      const [stored] = await msrpPushes(receiver);
      expect(await contentSha256(receiver, stored!.id)).toBe(file.sha256);
      expect(await storedTransfers(receiver)).toEqual([expect.objectContaining({ id: kept!.id, state: 'complete', receivedBytes: file.size, chunkBytes: file.size })]);
      await expect(transferItems(receiver, file.name)).toHaveAttribute('data-state', 'complete');
    } finally {
      await paced.close();
    }
  });
});
