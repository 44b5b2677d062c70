/**
 * Chaos (d): the only tab of the identity reloaded mid-burst. The recording app registers on
 * every load (an init script), and its handler calls are counted in localStorage, so a push
 * handed before the reload and one handed after it are both seen, and one handed twice would be.
 */
import { test, expect } from './chaosTest.ts';
import { settle } from './ledger.ts';
import { FAULT_AFTER, newStream, openRecordingTab, report, APP } from './scenario.ts';

test('chaos (d): the tab reloaded mid-burst', async ({ core, sender, page }) => {
  const identity = core.newReceiver();
  const tab = await openRecordingTab(page, core.wsUrl, identity);
  await tab.expectRegistered();

  const stream = newStream(sender, core, identity.aor, 'd');
  const done = stream.start();
  await expect.poll(() => stream.count('ok'), { timeout: 10_000 }).toBeGreaterThanOrEqual(FAULT_AFTER);
  const reloadAt = Date.now();
  await page.reload();
  await tab.expectRegistered();
  const backAfter = Date.now() - reloadAt;
  await done;

  report(
    await settle({
      scenario: '(d) tab reload',
      coreKind: core.kind,
      stream,
      app: APP,
      witness: () => tab,
      tabs: () => [tab],
      notes: () => `registered again ${backAfter} ms after the reload`,
    }),
  );
});
