/**
 * Chaos (a): a steady stream while the tab that owns the registration is closed and a
 * follower takes over (src/agent/tabs: Web Locks pick the owner, BroadcastChannel carries
 * pushes and state). Three tabs of one identity in one profile; the owner closes mid-burst;
 * the two left must both show every stored push, and the one that takes over registers again.
 */
import { test, expect } from './chaosTest.ts';
import type { ReceiverPage } from '../fixtures/receiverPage.ts';
import { settle } from './ledger.ts';
import { FAULT_AFTER, newStream, openRecordingTab, report, APP } from './scenario.ts';

test('chaos (a): the owning tab closes mid-burst, a follower takes over', async ({ core, sender, page }) => {
  const identity = core.newReceiver();
  const owner = await openRecordingTab(page, core.wsUrl, identity);
  await owner.expectRegistered();
  const followers: ReceiverPage[] = [];
  for (let i = 0; i < 2; i++) {
    const tab = await openRecordingTab(await page.context().newPage(), core.wsUrl, identity);
    await tab.expectPhase('following');
    followers.push(tab);
  }

  const stream = newStream(sender, core, identity.aor, 'a');
  const done = stream.start();
  await expect.poll(() => stream.count('ok'), { timeout: 10_000 }).toBeGreaterThanOrEqual(FAULT_AFTER);
  const closedAt = Date.now();
  await owner.page.close();
  // One follower owns within seconds; the other keeps following.
  await expect.poll(async () => (await Promise.all(followers.map((f) => f.phase().textContent()))).sort(), { timeout: 10_000 }).toEqual(['following', 'registered']);
  const ownedAfter = Date.now() - closedAt;
  await done;

  report(
    await settle({
      scenario: '(a) owner tab closed',
      coreKind: core.kind,
      stream,
      app: APP,
      witness: () => followers[0]!,
      tabs: () => followers,
      notes: () => `a follower registered ${ownedAfter} ms after the owner closed`,
    }),
  );
});
