/**
 * The finished inbox (issue 11 item 4) in the full page: unread counts that fall when a push
 * is opened (in a second tab of the identity too), delete, clear an app's inbox, the empty
 * state's sender command, and browser notifications only with permission.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures/test.ts';
import type { ReceiverPage } from './fixtures/receiverPage.ts';
import type { PushSender } from '../server/sender/index.ts';
import { settled } from '../server/testing/settled.ts';

const unread = (page: Page, appId: string) => page.getByTestId(`app-${appId}`);

async function push(sender: PushSender, receiver: ReceiverPage, body: string, app = 'news.ua'): Promise<void> {
  expect((await sender.sendPush({ to: receiver.aor, app, contentType: 'text/plain', body })).status).toBe(200);
}

/** A second tab of the same profile and identity (it follows the first tab's registration). */
async function secondTab(receiver: ReceiverPage): Promise<Page> {
  const tab = await receiver.page.context().newPage();
  await tab.goto(`/?config=${encodeURIComponent(JSON.stringify(receiver.config))}`);
  await expect(tab.getByTestId('agent-phase')).toHaveText('following');
  return tab;
}

/** Records every notification the page creates (title and body), before any script of the page runs. */
async function recordNotifications(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const Original = window.Notification;
    const shown: Array<{ title: string; body: string | undefined }> = [];
    (window as unknown as { __notifications: typeof shown }).__notifications = shown;
    const Recording = function (this: unknown, title: string, options?: NotificationOptions) {
      shown.push({ title, body: options?.body });
      return new Original(title, options);
    } as unknown as typeof Notification;
    Object.defineProperty(Recording, 'permission', { get: () => Original.permission });
    Object.defineProperty(Recording, 'requestPermission', { value: (...args: Parameters<typeof Notification.requestPermission>) => Original.requestPermission(...args) });
    window.Notification = Recording;
  });
}

const notifications = (page: Page) => page.evaluate(() => (window as unknown as { __notifications: Array<{ title: string; body?: string }> }).__notifications);

test.describe('inbox', () => {
  test('the unread count falls when a push is expanded, in a second tab of the identity too; the row is a keyboard-operable button', async ({ receiver, sender }) => {
    await receiver.open();
    await receiver.expectRegistered();
    const other = await secondTab(receiver);
    await push(sender, receiver, 'first');
    await push(sender, receiver, 'second');
    for (const page of [receiver.page, other]) await expect(unread(page, 'news.ua')).toHaveAttribute('data-unread', '2');

    const newest = receiver.inboxItems('news.ua').first();
    await expect(newest).toHaveAttribute('data-read', 'false');
    const toggle = newest.getByTestId('push-toggle');
    await expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await toggle.focus();
    await receiver.page.keyboard.press('Enter');
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    await expect(newest).toHaveAttribute('data-read', 'true');
    for (const page of [receiver.page, other]) await expect(unread(page, 'news.ua')).toHaveAttribute('data-unread', '1');
    await expect(other.getByTestId('push-item').and(other.locator(`[data-push-id="${await newest.getAttribute('data-push-id')}"]`))).toHaveAttribute('data-read', 'true');

    // Read in the other tab: this one hears of it.
    await other.getByTestId('push-item').nth(1).getByTestId('push-toggle').click();
    await expect(unread(receiver.page, 'news.ua')).toHaveAttribute('data-unread', '0');
    // Still read after a reload (stored).
    await receiver.page.reload();
    await expect(unread(receiver.page, 'news.ua')).toHaveAttribute('data-count', '2');
    await expect(unread(receiver.page, 'news.ua')).toHaveAttribute('data-unread', '0');
    await other.close();
  });

  test('delete one push, then clear the inbox after a confirmation; both are stored, and the other tab follows', async ({ receiver, sender }) => {
    await receiver.open();
    await receiver.expectRegistered();
    const other = await secondTab(receiver);
    for (const body of ['one', 'two', 'three']) await push(sender, receiver, body);
    await push(sender, receiver, 'a file', 'mms.ua');
    await expect(receiver.inboxItems('news.ua')).toHaveCount(3);

    await receiver.inboxItems('news.ua').filter({ hasText: 'two' }).getByTestId('push-delete').click();
    await expect(receiver.inboxItems('news.ua').getByTestId('push-content')).toHaveText(['three', 'one']);
    await expect(unread(other, 'news.ua')).toHaveAttribute('data-count', '2');

    await receiver.page.getByTestId('inbox-clear').click();
    await expect(receiver.page.getByTestId('inbox-clear-confirm')).toContainText('Delete all 2 pushes of news.ua?');
    await receiver.page.getByTestId('inbox-clear-no').click();
    await expect(receiver.inboxItems('news.ua')).toHaveCount(2);
    await receiver.page.getByTestId('inbox-clear').click();
    await receiver.page.getByTestId('inbox-clear-yes').click();
    await expect(receiver.inboxItems('news.ua')).toHaveCount(0);
    await expect(unread(other, 'news.ua')).toHaveAttribute('data-count', '0');
    // Another app's inbox is untouched.
    await expect(unread(receiver.page, 'mms.ua')).toHaveAttribute('data-count', '1');
    await receiver.page.reload();
    await expect(unread(receiver.page, 'mms.ua')).toHaveAttribute('data-count', '1');
    await expect(unread(receiver.page, 'news.ua')).toHaveAttribute('data-count', '0');
    expect((await receiver.storedPushes()).map((p) => p.appId)).toEqual(['mms.ua']);
    await other.close();
  });

  test('an empty inbox says how to send a push to this page: the sender command with its AoR and app', async ({ receiver }) => {
    await receiver.open();
    await receiver.expectRegistered();
    await expect(receiver.page.getByTestId('inbox-empty')).toContainText('No pushes for news.ua yet');
    await expect(receiver.page.getByTestId('inbox-empty-command')).toHaveText(`npm run push -- --to ${receiver.aor} --app news.ua --data "hello"`);
    await receiver.selectApp('mms.ua');
    await expect(receiver.page.getByTestId('inbox-empty-command')).toHaveText(`npm run push -- --to ${receiver.aor} --app mms.ua --data "hello"`);
  });

  test('notifications: with permission granted, a new push of an app turned on is announced by sender and app, never its content', async ({ receiver, sender, page }) => {
    await page.context().grantPermissions(['notifications']);
    await recordNotifications(page);
    await receiver.open();
    await receiver.expectRegistered();
    await page.getByTestId('notify-toggle').check();
    await expect(page.getByTestId('notify-toggle')).toBeChecked();
    await push(sender, receiver, '<b>secret content</b>');
    await push(sender, receiver, 'not for news', 'mms.ua');
    await expect.poll(() => notifications(page)).toHaveLength(1);
    const [shown] = await notifications(page);
    expect(shown!.title).toBe('New push for news.ua');
    expect(shown!.body).toMatch(/^From .*sip:/);
    expect(JSON.stringify(shown)).not.toContain('secret');
    // Turned off: nothing more.
    await page.getByTestId('notify-toggle').uncheck();
    await push(sender, receiver, 'quiet');
    await expect(receiver.inboxItems('news.ua')).toHaveCount(2);
    await settled();
    expect(await notifications(page)).toHaveLength(1);
  });

  test('notifications: without permission the toggle stays off, says why, and nothing is shown', async ({ receiver, sender, page }) => {
    await recordNotifications(page);
    await receiver.open();
    await receiver.expectRegistered();
    await page.getByTestId('notify-toggle').click();
    await expect(page.getByTestId('notify-blocked')).toContainText('blocked');
    await expect(page.getByTestId('notify-toggle')).not.toBeChecked();
    await push(sender, receiver, 'unannounced');
    await expect(receiver.inboxItems('news.ua')).toHaveCount(1);
    await settled();
    expect(await notifications(page)).toEqual([]);
  });
});
