/**
 * Accessibility (issue 11 item 6): axe-core scans of the full page, the settings form and the
 * inbox with an expanded push, in the light and the dark theme; a violation of serious or
 * critical impact fails the test, named with its nodes.
 */
import { seriousViolations } from './fixtures/axe.ts';
import { test, expect } from './fixtures/test.ts';

const THEMES = ['light', 'dark'] as const;

for (const theme of THEMES) {
  test.describe(`accessibility, ${theme} theme`, () => {
    test.beforeEach(async ({ page }) => {
      await page.emulateMedia({ colorScheme: theme });
    });

    test('the full page with pushes, and the inbox with an expanded push', async ({ receiver, sender }) => {
      await receiver.open();
      await receiver.expectRegistered();
      for (const [contentType, body] of [
        ['text/plain', 'Hello from SIP Push'],
        ['application/json', '{"title":"hi"}'],
      ] as const) {
        expect((await sender.sendPush({ to: receiver.aor, app: 'news.ua', contentType, body })).status).toBe(200);
      }
      await expect(receiver.inboxItems('news.ua')).toHaveCount(2);
      expect(await seriousViolations(receiver.page)).toEqual([]);

      const toggle = receiver.inboxItems('news.ua').first().getByTestId('push-toggle');
      await toggle.click();
      await expect(toggle).toHaveAttribute('aria-expanded', 'true');
      await receiver.page.getByTestId('inbox-clear').click();
      await expect(receiver.page.getByTestId('inbox-clear-yes')).toBeFocused();
      expect(await seriousViolations(receiver.page)).toEqual([]);
    });

    test('the empty inbox and the settings form', async ({ receiver }) => {
      await receiver.open();
      await receiver.expectRegistered();
      await expect(receiver.page.getByTestId('inbox-empty')).toBeVisible();
      await receiver.page.getByTestId('settings-toggle').click();
      await expect(receiver.page.getByTestId('settings-toggle')).toHaveAttribute('aria-expanded', 'true');
      expect(await seriousViolations(receiver.page)).toEqual([]);
    });

    test('a page that never connected: the status with its hint', async ({ receiver }) => {
      await receiver.open({ server: 'ws://127.0.0.1:9' });
      await expect(receiver.page.getByTestId('agent-hint')).toHaveAttribute('data-trouble', 'never-connected');
      await expect(receiver.page.getByTestId('agent-hint')).toContainText('ws://127.0.0.1:9');
      expect(await seriousViolations(receiver.page)).toEqual([]);
    });
  });
}
