/**
 * An MSRP transfer running in the owning tab when it closes (issue 10): it ends as failed and
 * resumable, as a socket drop does; the tab that takes over shows it so, and offered again
 * the file resumes from the kept bytes into the new owner and is handed to its app once.
 */
import { connectSender } from './fixtures/senders.ts';
import { ReceiverPage } from './fixtures/receiverPage.ts';
import { OnceAcked } from './msrp/acked.ts';
import { MB } from './msrp/files.ts';
import { expect, test } from './msrp/filesFixture.ts';
import { contentSha256, storedTransfers, transferItems } from './msrp/transfers.ts';

const APP = 'mms.ua';
const TYPE = 'application/octet-stream';

test('a transfer in the owning tab when it closes fails resumable, and resumes into the tab that takes over', async ({ receiver, core, files }) => {
  const file = files.make('handover.bin', 6 * MB);
  // One chunk in flight at a time, 16 KB each: the owner closes mid-way.
  const paced = await connectSender(core, core.sender, { msrp: { maxUnacknowledgedChunks: 1, chunkSize: 16 * 1024 } });
  try {
    await receiver.open();
    await receiver.expectRegistered();
    const follower = new ReceiverPage(await receiver.page.context().newPage(), core.wsUrl, receiver.identity);
    await follower.open();
    await follower.expectPhase('following');
    await follower.registerRecordingApp({ id: APP, accept: ['*/*'] });

    // The follower sees the owner's transfer progress.
    const close = new OnceAcked(1 * MB, async () => {
      await expect(transferItems(follower, file.name)).toHaveAttribute('data-state', 'receiving');
      await receiver.page.close();
    });
    const first = await paced.sendLargePush({ to: receiver.aor, app: APP, file: file.path, contentType: TYPE, onProgress: close.onProgress });
    expect(first).toMatchObject({ ok: false, phase: 'transfer' });
    await close.outcome;
    await follower.expectRegistered();

    await expect.poll(async () => (await storedTransfers(follower)).map((t) => [t.state, t.resumable])).toEqual([['failed', true]]);
    const [kept] = await storedTransfers(follower);
    await expect(transferItems(follower, file.name)).toHaveAttribute('data-state', 'failed');
    await expect(transferItems(follower, file.name).getByTestId('transfer-resumable')).toBeVisible();

    const second = await paced.sendLargePush({ to: receiver.aor, app: APP, file: file.path, contentType: TYPE });
    expect(second, second.reason).toMatchObject({ ok: true, status: 200, firstByte: kept!.receivedBytes + 1 });
    const stored = (await follower.storedPushes()).filter((p) => p.dedupKey.startsWith('msrp:'));
    expect(stored).toHaveLength(1);
    expect(await contentSha256(follower, stored[0]!.id)).toBe(file.sha256);
    await expect.poll(() => follower.deliveries(APP).then((d) => d.map((x) => x.blobSize))).toEqual([file.size]);
    await expect(transferItems(follower, file.name)).toHaveAttribute('data-state', 'complete');
  } finally {
    await paced.close();
  }
});
