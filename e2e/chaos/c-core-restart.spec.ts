/**
 * Chaos (c): the core restarted mid-burst, on the same ports. The test starts a core of its
 * own (restartableCore.ts; the worker's core is left alone) and a sender bound to it. The
 * sender's connection dies with the core: the next push reconnects it, and a push sent while
 * the core is down is that push's error. The agent reconnects and registers again by itself.
 * Kamailio keeps its databases across the restart (msilo's messages, the bindings it wrote
 * back); the embedded core keeps nothing.
 */
import { test, expect } from './chaosTest.ts';
import { connectSender } from '../fixtures/senders.ts';
import { settle } from './ledger.ts';
import { startRestartableCore } from './restartableCore.ts';
import { FAULT_AFTER, newStream, openRecordingTab, report, APP } from './scenario.ts';

test('chaos (c): the core restarted mid-burst', async ({ coreKind, page }, testInfo) => {
  test.setTimeout(90_000);
  const core = await startRestartableCore(coreKind);
  const sender = await connectSender(core);
  try {
    const identity = core.newReceiver();
    const owner = await openRecordingTab(page, core.wsUrl, identity);
    await owner.expectRegistered();
    const follower = await openRecordingTab(await page.context().newPage(), core.wsUrl, identity);
    await follower.expectPhase('following');

    const stream = newStream(sender, core, identity.aor, 'c');
    const done = stream.start();
    await expect.poll(() => stream.count('ok'), { timeout: 10_000 }).toBeGreaterThanOrEqual(FAULT_AFTER);
    const restartAt = Date.now();
    await core.restart();
    const downFor = Date.now() - restartAt;
    // Registered again at the restarted core (a binding there, not only the page's word for it).
    await expect.poll(async () => (await core.bindings(identity.aor)).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    await owner.expectRegistered();
    const backAfter = Date.now() - restartAt;
    await done;

    report(
      await settle({
        scenario: '(c) core restart',
        coreKind: core.kind,
        stream,
        app: APP,
        witness: () => owner,
        tabs: () => [owner, follower],
        arrivalTimeoutMs: 30_000,
        notes: () => `core down ${downFor} ms, registered again ${backAfter} ms after the restart began`,
      }),
    );
  } finally {
    await sender.close();
    // This core's log, not the worker core's (the coreLog fixture attaches that one).
    if (testInfo.status !== testInfo.expectedStatus && core.log) await testInfo.attach(`restarted-${core.kind}.log`, { body: core.log(), contentType: 'text/plain' });
    await core.close();
  }
});
