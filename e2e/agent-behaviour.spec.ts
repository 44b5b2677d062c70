/**
 * The receiver's SIP behaviour beyond the push itself: OPTIONS, and how content is shown (as
 * data, never as HTML). Digest auth and reconnection need a core of their own per test:
 * embedded-core.spec.ts and kamailio.spec.ts.
 */
import { connectHandWriter } from './fixtures/handWrittenSip.ts';
import { test, expect } from './fixtures/test.ts';
import { settled } from '../server/testing/settled.ts';

test.describe('receiver agent', () => {
  test('answers OPTIONS with its feature tags, Accept and Allow', async ({ receiver, core }) => {
    await receiver.open();
    await receiver.expectRegistered();
    const raw = await connectHandWriter(core);
    try {
      const response = await raw.request(
        `OPTIONS ${receiver.aor} SIP/2.0\r\nMax-Forwards: 70\r\nFrom: <${core.sender.aor}>;tag=o1\r\nTo: <${receiver.aor}>\r\nCall-ID: options-1\r\nCSeq: 1 OPTIONS\r\nAccept: application/sdp\r\nContent-Length: 0\r\n\r\n`,
      );
      const header = (name: string) => response.headers.find((h) => h.name.toLowerCase() === name)?.value ?? '';
      expect(response.status).toBe(200);
      expect(header('contact')).toContain('+g.oma.pusheventapp="news.ua,mms.ua"');
      expect(header('accept').split(/\s*,\s*/)).toEqual(expect.arrayContaining(['message/cpim', 'text/plain', 'application/json', 'image/*', '*/*']));
      expect(header('allow').split(/\s*,\s*/)).toEqual(expect.arrayContaining(['MESSAGE', 'OPTIONS', 'INVITE', 'BYE']));
    } finally {
      await raw.close();
    }
  });

  test('shows text as text (never as HTML), JSON pretty-printed, images as images, anything else as a download', async ({ receiver, sender }) => {
    await receiver.open();
    await receiver.expectRegistered();
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
    const html = '<b id="injected">bold</b><img src=x onerror="window.__pwned=1">';
    const pushes: Array<[string, string, string | Uint8Array]> = [
      ['news.ua', 'text/plain', html],
      ['news.ua', 'application/json', '{"title":"hi","n":[1,2]}'],
      ['news.ua', 'image/png', new Uint8Array(png)],
      ['mms.ua', 'application/octet-stream', new Uint8Array([0, 1, 2, 255])],
    ];
    for (const [app, contentType, body] of pushes) {
      expect((await sender.sendPush({ to: receiver.aor, app, contentType, body })).status).toBe(200);
    }
    const items = receiver.inboxItems('news.ua');
    await expect(items).toHaveCount(3);
    const byType = (type: string) => items.filter({ has: receiver.page.getByTestId('push-type').getByText(type, { exact: true }) }).getByTestId('push-content');
    await expect(byType('text/plain')).toHaveText(html);
    await settled(); // an injected <img onerror> would have fired by now
    await expect(receiver.page.locator('#injected')).toHaveCount(0);
    expect(await receiver.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await expect(byType('application/json')).toHaveText(JSON.stringify({ title: 'hi', n: [1, 2] }, null, 2));
    await expect(byType('image/png').locator('img')).toHaveAttribute('src', /^blob:/);
    await receiver.selectApp('mms.ua');
    await expect(receiver.inboxItems('mms.ua').getByTestId('push-content').locator('a[download]')).toHaveCount(1);
  });
});
