/**
 * Flow 5.4.1 (small content over SIP MESSAGE) from the real sender through the core into the
 * browser: stored, shown, dispatched, and answered only after the IndexedDB commit.
 */
import { connectHandWriter, messageText } from './fixtures/handWrittenSip.ts';
import { test, expect } from './fixtures/test.ts';
import { settled } from '../server/testing/settled.ts';

test.describe('small-content push (flow 5.4.1)', () => {
  test('a push is answered 200 only after its IndexedDB commit, then shown and dispatched', async ({ receiver, sender }) => {
    await receiver.open();
    await receiver.expectRegistered();
    await receiver.registerRecordingApp({ id: 'news.ua', accept: ['text/plain'] });

    await receiver.holdCommits();
    let answered = false;
    const result = sender.sendPush({ to: receiver.aor, app: 'news.ua', contentType: 'text/plain', body: 'Breaking: SIP Push works' }).then((r) => {
      answered = true;
      return r;
    });
    // The push reached the agent and waits at the commit gate: nothing stored, nothing answered.
    await expect.poll(() => receiver.heldCommits()).toBe(1);
    await settled();
    expect(await receiver.storedPushes()).toEqual([]);
    expect(answered).toBe(false);

    await receiver.releaseCommits();
    expect((await result).status).toBe(200);
    // Read IndexedDB directly the moment the 200 is in: the record is already there.
    const stored = await receiver.storedPushes();
    expect(stored.map((p) => [p.appId, p.contentType, p.text])).toEqual([['news.ua', 'text/plain', 'Breaking: SIP Push works']]);

    await expect(receiver.inboxItems('news.ua')).toHaveCount(1);
    await expect(receiver.inboxItems('news.ua').getByTestId('push-content')).toHaveText('Breaking: SIP Push works');
    await expect.poll(() => receiver.deliveries('news.ua')).toEqual([{ id: stored[0]!.id, appId: 'news.ua', contentType: 'text/plain', text: 'Breaking: SIP Push works', via: 'message', size: 24 }]);
  });

  test('refusals: 403 sender, 404 app, 413 size, 415 type, 480 at the core; nothing stored', async ({ receiver, sender, core }) => {
    await receiver.open({
      apps: [{ id: 'news.ua', accept: ['text/plain'], allowFrom: ['sip:boss@' + core.domain], maxBytes: 100 }],
    });
    await receiver.expectRegistered();
    const raw = await connectHandWriter(core);
    try {
      // Allowed sender, at exactly the size limit: accepted.
      const atLimit = await raw.request(messageText({ to: receiver.aor, from: `sip:boss@${core.domain}`, callId: 'lim-1', cseq: 1, app: 'news.ua', contentType: 'text/plain', body: 'x'.repeat(100) }));
      expect(atLimit.status).toBe(200);

      const cases: Array<[string, Parameters<typeof messageText>[0], number]> = [
        ['sender not in allowFrom', { to: receiver.aor, from: core.sender.aor, callId: 'c403', cseq: 1, app: 'news.ua', contentType: 'text/plain', body: 'hi' }, 403],
        // Without `require` the core forks to every contact and the agent itself decides.
        ['unknown app', { to: receiver.aor, from: `sip:boss@${core.domain}`, callId: 'c404', cseq: 1, acceptContact: '*;+g.oma.pusheventapp="nope.ua"', contentType: 'text/plain', body: 'hi' }, 404],
        ['one byte over maxBytes', { to: receiver.aor, from: `sip:boss@${core.domain}`, callId: 'c413', cseq: 1, app: 'news.ua', contentType: 'text/plain', body: 'x'.repeat(101) }, 413],
        ['type not accepted', { to: receiver.aor, from: `sip:boss@${core.domain}`, callId: 'c415', cseq: 1, app: 'news.ua', contentType: 'application/pdf', body: '%PDF' }, 415],
        ['app not registered at the core', { to: receiver.aor, from: `sip:boss@${core.domain}`, callId: 'c480', cseq: 1, app: 'nope.ua', contentType: 'text/plain', body: 'hi' }, 480],
      ];
      for (const [name, push, status] of cases) {
        const response = await raw.request(messageText(push));
        expect(response.status, name).toBe(status);
        if (status === 415) expect(response.headers.find((h) => h.name.toLowerCase() === 'accept')?.value).toBe('text/plain');
      }
      expect((await receiver.storedPushes()).map((p) => p.dedupKey)).toEqual([`sip:${JSON.stringify([`sip:boss@${core.domain}`, 'news.ua', 'lim-1', 1])}`]);
    } finally {
      await raw.close();
    }
    await expect(receiver.page.getByTestId('rejected-item')).toHaveCount(4);
  });

  test('a re-sent push (same Call-ID and CSeq, or same imdn.Message-ID) is answered 200 again, stored and dispatched once', async ({ receiver, core }) => {
    await receiver.open();
    await receiver.expectRegistered();
    await receiver.registerRecordingApp({ id: 'news.ua', accept: ['text/plain'] });
    const raw = await connectHandWriter(core);
    try {
      const push = messageText({ to: receiver.aor, from: core.sender.aor, callId: 'dup-1', cseq: 7, app: 'news.ua', contentType: 'text/plain', body: 'once' });
      expect((await raw.request(push)).status).toBe(200);
      expect((await raw.request(push)).status).toBe(200);

      const cpim = (callId: string) =>
        messageText({
          to: receiver.aor, from: core.sender.aor, callId, cseq: 1, app: 'news.ua', contentType: 'message/cpim',
          body: `From: <${core.sender.aor}>\r\nTo: <${receiver.aor}>\r\nNS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: m-42\r\n\r\nContent-Type: text/plain\r\n\r\nwrapped`,
        });
      expect((await raw.request(cpim('cpim-a'))).status).toBe(200);
      expect((await raw.request(cpim('cpim-b'))).status).toBe(200);
    } finally {
      await raw.close();
    }
    const stored = await receiver.storedPushes();
    expect(stored.map((p) => [p.dedupKey, p.text]).sort()).toEqual([
      [`imdn:${JSON.stringify([core.sender.aor, 'news.ua', 'm-42'])}`, 'wrapped'],
      [`sip:${JSON.stringify([core.sender.aor, 'news.ua', 'dup-1', 7])}`, 'once'],
    ]);
    await expect.poll(async () => (await receiver.deliveries('news.ua')).map((d) => d.text).sort()).toEqual(['once', 'wrapped']);
    await expect(receiver.inboxItems('news.ua')).toHaveCount(2);
  });

  test('the inbox survives a reload and nothing is dispatched twice', async ({ receiver, sender }) => {
    await receiver.open();
    await receiver.expectRegistered();
    await receiver.registerRecordingApp({ id: 'news.ua', accept: ['text/plain'] });
    for (const body of ['first', 'second']) {
      expect((await sender.sendPush({ to: receiver.aor, app: 'news.ua', contentType: 'text/plain', body })).status).toBe(200);
    }
    await expect.poll(async () => (await receiver.deliveries('news.ua')).length).toBe(2);
    await receiver.page.reload();
    await receiver.expectRegistered();
    await expect(receiver.inboxItems('news.ua')).toHaveCount(2);
    await receiver.registerRecordingApp({ id: 'news.ua', accept: ['text/plain'] });
    // The stored pushes were already dispatched before the reload: the new handler gets none.
    expect((await receiver.storedPushes()).every((p) => p.dispatched)).toBe(true);
    await settled();
    expect(await receiver.deliveries('news.ua')).toEqual([]);
  });

  test('an app registered after the push still receives it', async ({ receiver, sender }) => {
    await receiver.open();
    await receiver.expectRegistered();
    expect((await sender.sendPush({ to: receiver.aor, app: 'mms.ua', contentType: 'application/json', body: '{"a":1}' })).status).toBe(200);
    await receiver.selectApp('mms.ua');
    await expect(receiver.inboxItems('mms.ua')).toHaveCount(1);
    expect(await receiver.deliveries('mms.ua')).toEqual([]);
    await receiver.registerRecordingApp({ id: 'mms.ua', accept: ['application/json'] });
    await expect.poll(async () => (await receiver.deliveries('mms.ua')).map((d) => d.text)).toEqual(['{"a":1}']);
  });
});
