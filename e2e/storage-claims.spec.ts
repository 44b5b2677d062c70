/**
 * What a MESSAGE push is answered when storage cannot take it, and when a copy of it arrives
 * while the first is being committed (ARCHITECTURE.md section 2, Responses): full is 503 with
 * Retry-After, a storage error 500, a duplicate 200 again and stored once; never a 200 for a
 * push that is not on disk, and nothing already stored is lost. In Chromium against the core
 * under test, on every core project.
 *
 * The page's own answer is read on its socket (PageSip): both cores send a UA's 503 upstream
 * as 500 (RFC 3261 section 16.7 step 6; the embedded core keeps its Retry-After, Kamailio
 * drops it), so the sender cannot tell full from failed by the status alone.
 */
import type { Page } from '@playwright/test';
import type { PushResult } from '../server/sender/index.ts';
import { settled } from '../server/testing/settled.ts';
import { getHeader } from '../src/protocol/sip/index.ts';
import { connectHandWriter, messageText } from './fixtures/handWrittenSip.ts';
import type { ReceiverPage } from './fixtures/receiverPage.ts';
import { PageSip } from './fixtures/pageSip.ts';
import { expect, test } from './fixtures/test.ts';

const APP = 'news.ua';

function hooks(page: Page) {
  return {
    limits: () => page.evaluate(() => window.__sipPushTest!.limits()),
    failNextCommit: (name: string) => page.evaluate((n) => window.__sipPushTest!.failNextCommit(n), name),
  };
}

/** The page's own final answer to the push the sender got `result` for: status and Retry-After. */
async function pageAnswer(sip: PageSip, result: PushResult): Promise<Array<[number, string | undefined]>> {
  const callId = getHeader(result.response!, 'Call-ID')!;
  await expect.poll(() => sip.finalResponsesSent(callId).length).toBe(1);
  return sip.finalResponsesSent(callId).map((r) => [r.status, getHeader(r, 'Retry-After')]);
}

/** The texts of the app's stored pushes, oldest first. */
async function storedTexts(receiver: ReceiverPage): Promise<string[]> {
  return (await receiver.storedPushes()).filter((p) => p.appId === APP).map((p) => p.text);
}

test.describe('storage outcomes of a MESSAGE push', () => {
  test('with maxStoredPushes reached a push is answered 503 with Retry-After, and every stored push stays', async ({ receiver, sender, core }) => {
    // A small limit, and a Retry-After that is not the default, set before the page loads.
    const limits = { maxStoredPushes: 3, retryAfterSeconds: 7 };
    await receiver.page.addInitScript((l) => (window.__sipPushTestLimits = l), limits);
    const sip = new PageSip(receiver.page, core.wsUrl);
    await receiver.open();
    await receiver.expectRegistered();
    const page = hooks(receiver.page);
    expect(await page.limits()).toMatchObject(limits);
    const push = (body: string) => sender.sendPush({ to: receiver.aor, app: APP, contentType: 'text/plain', body });
    for (const body of ['kept 1', 'kept 2', 'kept 3']) expect((await push(body)).status).toBe(200);

    const refused = await push('one too many');
    expect(await pageAnswer(sip, refused)).toEqual([[503, '7']]);
    expect(refused.status).toBe(500);
    expect(await storedTexts(receiver)).toEqual(['kept 1', 'kept 2', 'kept 3']);

    // Still full after a reload (the agent counts its pushes when it opens), still all there.
    await receiver.page.reload();
    await receiver.page.waitForFunction(() => window.__sipPushTest !== undefined);
    await receiver.expectRegistered();
    expect(await pageAnswer(sip, await push('still too many'))).toEqual([[503, '7']]);
    expect(await storedTexts(receiver)).toEqual(['kept 1', 'kept 2', 'kept 3']);
    await expect(receiver.inboxItems(APP)).toHaveCount(3);
  });

  test('a commit that fails is answered 500 (storage error) or 503 with Retry-After (quota), and every stored push stays', async ({ receiver, sender, core }) => {
    const sip = new PageSip(receiver.page, core.wsUrl);
    await receiver.open();
    await receiver.expectRegistered();
    const page = hooks(receiver.page);
    const push = (body: string) => sender.sendPush({ to: receiver.aor, app: APP, contentType: 'text/plain', body });
    expect((await push('kept')).status).toBe(200);

    await page.failNextCommit('UnknownError');
    const failed = await push('storage error');
    expect(await pageAnswer(sip, failed)).toEqual([[500, undefined]]);
    expect(failed.status).toBe(500);

    await page.failNextCommit('QuotaExceededError');
    const quota = await push('over quota');
    const retryAfter = String((await page.limits()).retryAfterSeconds);
    expect(await pageAnswer(sip, quota)).toEqual([[503, retryAfter]]);
    expect(quota.status).toBe(500);

    // Only one commit failed each time: the next push is stored, the earlier one is still there.
    expect((await push('after')).status).toBe(200);
    expect(await storedTexts(receiver)).toEqual(['kept', 'after']);
    await expect(receiver.inboxItems(APP)).toHaveCount(2);
  });

  test('a copy (same Call-ID and CSeq, new branch) arriving while the first commits: both 200 after the commit, stored once, dispatched once', async ({ receiver, core }) => {
    const sip = new PageSip(receiver.page, core.wsUrl);
    await receiver.open();
    await receiver.expectRegistered();
    await receiver.registerRecordingApp({ id: APP, accept: ['text/plain'] });
    const raw = await connectHandWriter(core);
    try {
      const text = messageText({ to: receiver.aor, from: core.sender.aor, callId: 'copy-while-committing', cseq: 5, app: APP, contentType: 'text/plain', body: 'only once' });
      await receiver.holdCommits();
      let answered = 0;
      const answer = () => answered++;
      const first = raw.request(text);
      void first.then(answer, answer);
      await expect.poll(() => receiver.heldCommits()).toBe(1);
      const copy = raw.request(text);
      void copy.then(answer, answer);
      // The copy is in the page while the first waits at the gate...
      await expect.poll(() => sip.requestsReceived('MESSAGE', 'copy-while-committing')).toBe(2);
      // ...and neither is answered before the commit; the copy started no commit of its own.
      await settled();
      expect(answered, 'a 200 left before the push was committed').toBe(0);
      expect(await receiver.heldCommits()).toBe(1);

      await receiver.releaseCommits();
      expect([(await first).status, (await copy).status]).toEqual([200, 200]);
    } finally {
      await raw.close();
    }
    expect(await storedTexts(receiver)).toEqual(['only once']);
    await expect.poll(async () => (await receiver.deliveries(APP)).length).toBe(1);
    await settled();
    expect((await receiver.deliveries(APP)).map((d) => d.text)).toEqual(['only once']);
  });
});
