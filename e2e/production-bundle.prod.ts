/**
 * The production bundle end to end (playwright.production.config.ts: `vite build` served by
 * `vite preview`): the client as users get it, with no test hooks, registers, takes a file
 * over MSRP and verifies it in its hash worker, loaded from the worker's own chunk.
 *
 * How the worker's use is seen: hashWorkerTap.ts watches the messages between the page and
 * its workers from an init script. Of the ways to observe it, that one changes nothing in the
 * bundle under test (no mark, log line or flag that would exist only to be observed) and
 * proves the most: the file's every byte went to the worker, and the worker's digest is the
 * file's SHA-256.
 */
import { hashWorkerLog, tapHashWorker } from './fixtures/hashWorkerTap.ts';
import { MB } from './msrp/files.ts';
import { expect, test } from './msrp/filesFixture.ts';
import { transferItems } from './msrp/transfers.ts';

const APP = 'mms.ua';

test('production bundle: an MSRP push of a file completes, hashed in the page\'s hash worker', async ({ page, receiver, sender, core, files }) => {
  const file = files.make('production.bin', 3 * MB);
  await tapHashWorker(page);
  const config = { server: core.wsUrl, ...receiver.identity, apps: [{ id: APP, accept: ['*/*'] }] };
  await page.goto(`/?config=${encodeURIComponent(JSON.stringify(config))}`);
  await receiver.expectRegistered();
  // The built client: no test hooks, and the hash worker started from its chunk.
  expect(await page.evaluate(() => typeof window.__sipPushTest)).toBe('undefined');
  await expect.poll(async () => (await hashWorkerLog(page))?.workers).toEqual([expect.stringMatching(/\/assets\/hashWorker-[\w-]+\.js$/)]);

  const result = await sender.sendLargePush({ to: receiver.aor, app: APP, file: file.path, contentType: 'application/octet-stream' });
  expect(result, result.reason).toMatchObject({ ok: true, status: 200, phase: 'done', firstByte: 1, bytesSent: file.size, report: { code: 200 } });

  // Every byte went to the worker, and the worker's digest is the file's.
  expect(await hashWorkerLog(page)).toMatchObject({ updateBytes: file.size, digests: [file.sha256] });
  await expect(transferItems(receiver, file.name)).toHaveAttribute('data-state', 'complete');
  await receiver.selectApp(APP);
  await expect(receiver.inboxItems(APP).getByTestId('push-via')).toHaveText('via MSRP');
});
