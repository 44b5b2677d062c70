/**
 * Chaos (b): the page's WebSocket is dropped mid-burst. The page reaches the core through a
 * TCP relay in the test process (tcpCutter.ts), cut with a reset while pushes are in flight;
 * the agent reconnects through it and registers again. A follower tab of the same identity
 * must show everything the owner stores.
 */
import { test, expect } from './chaosTest.ts';
import { settle } from './ledger.ts';
import { FAULT_AFTER, newStream, openRecordingTab, report, APP } from './scenario.ts';
import { startTcpCutter } from './tcpCutter.ts';

test('chaos (b): the WebSocket dropped mid-burst', async ({ core, sender, page }) => {
  const cutter = await startTcpCutter(core.wsUrl);
  try {
    const identity = core.newReceiver();
    const owner = await openRecordingTab(page, cutter.url, identity);
    await owner.expectRegistered();
    const follower = await openRecordingTab(await page.context().newPage(), cutter.url, identity);
    await follower.expectPhase('following');

    const stream = newStream(sender, core, identity.aor, 'b');
    const done = stream.start();
    await expect.poll(() => stream.count('ok'), { timeout: 10_000 }).toBeGreaterThanOrEqual(FAULT_AFTER);
    const cutAt = Date.now();
    expect(cutter.cut()).toBe(1);
    // The agent notices and connects again through the relay, then registers again.
    await expect.poll(() => cutter.accepted, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    await owner.expectRegistered();
    const backAfter = Date.now() - cutAt;
    await done;

    report(
      await settle({
        scenario: '(b) websocket drop',
        coreKind: core.kind,
        stream,
        app: APP,
        witness: () => owner,
        tabs: () => [owner, follower],
        notes: () => `registered again ${backAfter} ms after the cut`,
      }),
    );
  } finally {
    await cutter.close();
  }
});
