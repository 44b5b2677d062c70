/**
 * The SIP and MSRP trace panel (issue 11 item 3): closed by default; open, it shows a pushed
 * MESSAGE and its 200 (direction, first line, full text as text), filters by method and text,
 * exports and copies them; closed or paused, it records nothing; a following tab says where
 * the trace is; axe finds no serious or critical violation in either theme.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { seriousViolations } from './fixtures/axe.ts';
import { ReceiverPage } from './fixtures/receiverPage.ts';
import { test, expect } from './fixtures/test.ts';

function trace(page: Page) {
  const panel = page.getByTestId('trace-panel');
  return {
    panel,
    toggle: page.getByTestId('trace-toggle'),
    entries: panel.getByTestId('trace-entry'),
    method: panel.getByTestId('trace-method'),
    filter: panel.getByTestId('trace-filter'),
    /** MESSAGE requests received. */
    messagesIn: panel.locator('[data-testid="trace-entry"][data-direction="in"][data-method="MESSAGE"]'),
  };
}

/** Opens the panel and waits for the method filter to offer MESSAGE. */
async function filterMessages(page: Page): Promise<void> {
  const t = trace(page);
  await expect(t.method.locator('option[value="MESSAGE"]')).toHaveCount(1);
  await t.method.selectOption('MESSAGE');
}

test.describe('trace panel', () => {
  test('shows a pushed MESSAGE and its 200, filters them, exports and copies them; text stays text', async ({ receiver, sender }) => {
    await receiver.open();
    await receiver.expectRegistered();
    const t = trace(receiver.page);
    await expect(t.toggle).toHaveAttribute('aria-expanded', 'false');
    await expect(t.panel).toHaveCount(0);
    await t.toggle.click();
    await expect(t.toggle).toHaveAttribute('aria-expanded', 'true');
    await expect(t.panel).toBeVisible();

    const token = `trace-${Date.now()}`;
    const body = `<b id="injected">${token}</b>`;
    expect((await sender.sendPush({ to: receiver.aor, app: 'news.ua', contentType: 'text/plain', body })).status).toBe(200);

    await filterMessages(receiver.page);
    const request = t.messagesIn;
    const answer = t.panel.locator('[data-testid="trace-entry"][data-direction="out"][data-method="MESSAGE"][data-status="200"]');
    await expect(request).toHaveCount(1);
    await expect(answer).toHaveCount(1);
    await expect(request.locator('.trace-first')).toHaveText(/^MESSAGE sip:\S+ SIP\/2\.0$/);
    await expect(answer.locator('.trace-first')).toHaveText('SIP/2.0 200 OK');
    // Only MESSAGE traffic under the method filter (no REGISTER, no OPTIONS).
    await expect(t.entries).toHaveCount(2);

    // The text filter finds the push by its content; expanded, the body is text, not markup.
    await t.filter.fill(token);
    await expect(t.entries).toHaveCount(1);
    const row = t.entries.first().getByRole('button');
    await row.click();
    await expect(row).toHaveAttribute('aria-expanded', 'true');
    await expect(t.panel.getByTestId('trace-text')).toContainText(body);
    await expect(receiver.page.locator('#injected')).toHaveCount(0);
    await t.filter.fill('');
    await expect(t.entries).toHaveCount(2);

    // Export: the MESSAGE and its 200, oldest first, as a text file.
    const [download] = await Promise.all([receiver.page.waitForEvent('download'), t.panel.getByTestId('trace-export').click()]);
    expect(download.suggestedFilename()).toMatch(/^sip-push-trace-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.txt$/);
    const exported = await readFile(await download.path(), 'utf8');
    expect(exported).toMatch(/<-- in  SIP, \d+ bytes\nMESSAGE sip:\S+ SIP\/2\.0\n/);
    expect(exported).toMatch(/--> out SIP, \d+ bytes\nSIP\/2\.0 200 OK\n/);
    expect(exported.indexOf('MESSAGE sip:')).toBeLessThan(exported.indexOf('SIP/2.0 200 OK'));
    expect(exported).toContain(body);
    expect(exported).not.toContain('REGISTER sip:');

    // Copy: the same text on the clipboard.
    await receiver.page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await t.panel.getByTestId('trace-copy').click();
    await expect(t.panel.getByTestId('trace-notice')).toHaveText('Copied 2 frames.');
    expect(await receiver.page.evaluate(() => navigator.clipboard.readText())).toBe(exported);
  });

  test('records only while open and not paused; clear empties it', async ({ receiver, sender }) => {
    await receiver.open();
    await receiver.expectRegistered();
    const t = trace(receiver.page);
    const push = async (text: string) => expect((await sender.sendPush({ to: receiver.aor, app: 'news.ua', contentType: 'text/plain', body: text })).status).toBe(200);

    // Sent while the panel was closed: never traced.
    await push('sent while closed');
    await expect(receiver.inboxItems('news.ua')).toHaveCount(1);
    await t.toggle.click();
    await expect(t.panel.locator('.empty')).toHaveText(/No frames yet/);
    await expect(t.panel.getByTestId('trace-status')).toHaveText(/^Recording\. 0 frames kept \(at most 1000\)$/);

    await push('sent while open');
    await filterMessages(receiver.page);
    await expect(t.messagesIn).toHaveCount(1);

    // Paused: not recorded.
    await t.panel.getByTestId('trace-pause').click();
    await expect(t.panel.getByTestId('trace-pause')).toHaveAttribute('aria-pressed', 'true');
    await expect(t.panel.getByTestId('trace-status')).toHaveText(/^Paused/);
    await push('sent while paused');
    await expect(receiver.inboxItems('news.ua')).toHaveCount(3);
    await t.panel.getByTestId('trace-pause').click();
    await push('sent after resuming');
    await expect(t.messagesIn).toHaveCount(2);
    await t.filter.fill('sent while paused');
    await expect(t.entries).toHaveCount(0);
    await t.filter.fill('');

    // Closed again, then reopened: the frames of a push sent meanwhile are missing.
    await t.toggle.click();
    await expect(t.panel).toHaveCount(0);
    await push('sent after closing');
    await expect(receiver.inboxItems('news.ua')).toHaveCount(5);
    await t.toggle.click();
    await filterMessages(receiver.page);
    await expect(t.messagesIn).toHaveCount(2);

    await t.panel.getByTestId('trace-clear').click();
    await expect(t.panel.getByTestId('trace-status')).toHaveText(/0 frames kept/);
  });

  test('a following tab says the trace is in the owning tab', async ({ receiver, core }) => {
    await receiver.open();
    await receiver.expectRegistered();
    const follower = new ReceiverPage(await receiver.page.context().newPage(), core.wsUrl, receiver.identity);
    await follower.open();
    await follower.expectPhase('following');
    await trace(follower.page).toggle.click();
    await expect(follower.page.getByTestId('trace-elsewhere')).toContainText('traced there');
    await trace(receiver.page).toggle.click();
    await expect(receiver.page.getByTestId('trace-elsewhere')).toHaveCount(0);
  });

  for (const theme of ['light', 'dark'] as const) {
    test(`accessibility, ${theme} theme: the open panel with an expanded frame`, async ({ receiver, sender }) => {
      await receiver.page.emulateMedia({ colorScheme: theme });
      await receiver.open();
      await receiver.expectRegistered();
      const t = trace(receiver.page);
      await t.toggle.click();
      expect((await sender.sendPush({ to: receiver.aor, app: 'news.ua', contentType: 'text/plain', body: 'axe' })).status).toBe(200);
      await filterMessages(receiver.page);
      await t.entries.first().getByRole('button').click();
      await expect(t.panel.getByTestId('trace-text')).toBeVisible();
      expect(await seriousViolations(receiver.page, '[data-testid="trace-panel"]')).toEqual([]);
      expect(await seriousViolations(receiver.page)).toEqual([]);
    });
  }
});
