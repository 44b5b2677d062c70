/**
 * Chaos (e): the browser killed with SIGKILL right after the acknowledgements. The test runs
 * a Chromium of its own on a persistent profile (persistentBrowser.ts), sends the stream,
 * kills the browser process the moment the last push has its final status, launches it again
 * on the same profile and reads what IndexedDB holds: every push answered 200 must be there,
 * once. (The 200 is sent only after a 'strict' IndexedDB commit.)
 */
import { test, expect } from './chaosTest.ts';
import { settle } from './ledger.ts';
import { persistentBrowser } from './persistentBrowser.ts';
import { newStream, openRecordingTab, report, APP } from './scenario.ts';

test('chaos (e): the browser killed right after the acknowledgements', async ({ core, sender, baseURL }) => {
  const browser = persistentBrowser(baseURL!);
  try {
    const identity = core.newReceiver();
    const first = await openRecordingTab(await (await browser.launch()).newPage(), core.wsUrl, identity);
    await first.expectRegistered();

    const stream = newStream(sender, core, identity.aor, 'e');
    await stream.start();
    const pid = await browser.kill();
    expect(stream.count('ok')).toBeGreaterThan(0);

    const again = await openRecordingTab(await (await browser.launch()).newPage(), core.wsUrl, identity);
    await again.expectRegistered();
    report(
      await settle({
        scenario: '(e) browser SIGKILL',
        coreKind: core.kind,
        stream,
        app: APP,
        witness: () => again,
        tabs: () => [again],
        notes: () => `browser pid ${pid} killed after the last answer`,
      }),
    );
  } finally {
    await browser.dispose();
  }
});
