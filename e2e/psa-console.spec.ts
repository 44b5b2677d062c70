/**
 * Issue 13 point 3 acceptance, end to end on each core: the Push Sender Agent service's
 * operator console (server/sender/console), opened in a second page on the in-process
 * service's API origin (e2e/fixtures/psaService.ts), composes a push that the real browser
 * client stores, and its status row turns delivered from the live event stream. Also: the
 * directory lists the receiver with its apps, the API's field errors show next to the field,
 * the token gate, and an axe scan.
 */
import { randomUUID } from 'node:crypto';
import type { Page } from '@playwright/test';
import { seriousViolations } from './fixtures/axe.ts';
import { expect, test } from './fixtures/psaService.ts';

const NEWS = 'news.ua';

/** The console page: its token gate, compose form, directory and pushes table. */
class ConsolePage {
  constructor(
    readonly page: Page,
    readonly url: string,
  ) {}

  async open(token?: string): Promise<void> {
    await this.page.goto(this.url);
    if (token !== undefined) await this.signIn(token);
  }

  async enterToken(token: string): Promise<void> {
    await this.page.getByLabel('API token').fill(token);
    await this.page.getByRole('button', { name: 'Open the console' }).click();
  }

  async signIn(token: string): Promise<void> {
    await this.enterToken(token);
    await expect(this.page.getByRole('heading', { name: 'Compose a push' })).toBeVisible();
  }

  field(label: string | RegExp) {
    return this.page.getByLabel(label, { exact: typeof label === 'string' });
  }

  async compose(fields: { target: string; app?: string; text?: string; pushId?: string; report?: boolean; expires?: string }): Promise<void> {
    await this.field('Target (AoR)').fill(fields.target);
    if (fields.app !== undefined) await this.field('Application ID').fill(fields.app);
    if (fields.text !== undefined) await this.field('Text to push').fill(fields.text);
    if (fields.pushId !== undefined) await this.field('Push ID (optional)').fill(fields.pushId);
    if (fields.expires !== undefined) await this.field('Expires in (seconds)').fill(fields.expires);
    await this.field('Ask for delivery and display reports').setChecked(fields.report ?? true);
    await this.page.getByRole('button', { name: 'Push', exact: true }).click();
  }

  row(pushId: string) {
    return this.page.locator(`tr[data-push-id="${pushId}"]`);
  }

  receiver(aor: string) {
    return this.page.locator(`li.receiver[data-aor="${aor}"]`);
  }
}

test.describe('Operator console of the Push Sender Agent service (issue 13)', () => {
  test('a push composed in the console reaches the browser and its row turns delivered; the directory lists the receiver with its apps', async ({ receiver, psa, psaService, context }) => {
    await receiver.open();
    await receiver.expectRegistered();
    const ops = new ConsolePage(await context.newPage(), psaService.consoleUrl);
    await ops.open(psaService.token);
    await expect(ops.page.getByText('Live: statuses update as they change')).toBeVisible();

    const pushId = `console-${randomUUID()}`;
    const text = `Hello from the console ${randomUUID()}`;
    await ops.compose({ target: receiver.aor, app: NEWS, text, pushId, report: true, expires: '600' });
    await expect(ops.page.getByRole('status').filter({ hasText: `Push ${pushId} queued` })).toBeVisible();

    // The browser stores it; the console's row turns delivered from the event stream.
    await expect.poll(async () => (await receiver.storedPushes()).map((p) => [p.appId, p.text])).toContainEqual([NEWS, text]);
    const row = ops.row(pushId);
    await expect(row.getByTestId('push-status')).toHaveText('delivered');
    await expect(row).toContainText(receiver.aor);
    await expect(row).toContainText(`${NEWS} · text/plain`);
    // What was sent is what the form said.
    const sent = await psa.get(pushId);
    expect([sent.app, sent.contentType, sent.reportRequested, sent.status]).toEqual([NEWS, 'text/plain', true, 'delivered']);
    expect(sent.deliverBefore).toBeGreaterThan(Date.now());

    // A file: uploaded (POST /v1/uploads), then pushed by its upload ID.
    const filePushId = `console-file-${randomUUID()}`;
    const fileText = `file content ${randomUUID()}`;
    await ops.page.getByRole('radio', { name: 'File' }).check();
    await ops.field('File to push').setInputFiles({ name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from(fileText) });
    await expect(ops.field('Content type')).toHaveValue('text/plain');
    await ops.field('Push ID (optional)').fill(filePushId);
    await ops.page.getByRole('button', { name: 'Push', exact: true }).click();
    await expect(ops.row(filePushId).getByTestId('push-status')).toHaveText('delivered');
    await expect.poll(async () => (await receiver.storedPushes()).map((p) => p.text)).toContain(fileText);
    expect((await psa.get(filePushId)).contentSize).toBe(fileText.length);

    // A push made elsewhere (the API) shows up too, from the stream alone, and turns delivered.
    const other = await psa.submit({ target: receiver.aor, app: NEWS, contentType: 'text/plain', content: 'from curl', report: true });
    await expect(ops.row(other.pushId).getByTestId('push-status')).toHaveText('delivered');
    await expect(ops.row(other.pushId)).toContainText('seen on the stream');

    // The directory: the receiver (watched since the first push), its terminal and apps.
    const entry = ops.receiver(receiver.aor);
    await expect(async () => {
      await ops.page.getByRole('button', { name: 'Refresh' }).click();
      await expect(entry.locator('.terminal .apps').first()).toContainText(NEWS, { timeout: 1000 });
    }).toPass({ timeout: 20_000 });
    await expect(entry.locator('.terminal').first()).toContainText('mms.ua');

    expect(await seriousViolations(ops.page)).toEqual([]);
  });

  test('the API refusal shows next to the field it names; a wrong token is refused clearly; #token= signs in and leaves the address bar', async ({ psaService, context }) => {
    const ops = new ConsolePage(await context.newPage(), psaService.consoleUrl);
    await ops.open();
    expect(await seriousViolations(ops.page)).toEqual([]);
    await ops.enterToken('not-the-token');
    await expect(ops.page.getByRole('alert')).toHaveText(/refused this token/);
    await expect(ops.field('API token')).toHaveAttribute('aria-invalid', 'true');

    // The token in the fragment: taken, stored for the tab, removed from the address at once.
    await ops.page.goto(`${psaService.consoleUrl}#token=${encodeURIComponent(psaService.token)}`);
    await expect(ops.page.getByRole('heading', { name: 'Compose a push' })).toBeVisible();
    expect(new URL(ops.page.url()).hash).toBe('');
    expect(await ops.page.evaluate(() => window.location.href)).not.toContain(psaService.token);

    // Empty target: the API says what is missing, next to the target field.
    await ops.compose({ target: '', text: 'nobody' });
    const target = ops.field('Target (AoR)');
    await expect(target).toHaveAttribute('aria-invalid', 'true');
    await expect(target).toHaveAccessibleDescription(/target is missing; give an AoR such as "sip:alice@example.com"/);
    await expect(ops.page.locator('.error[data-field="target"]')).toBeVisible();
    await expect(target).toBeFocused();
    // A bad expiry goes next to the expiry field (and the target error is gone).
    await ops.compose({ target: 'sip:nobody@example.com', text: 'x', expires: 'soon' });
    await expect(ops.field('Expires in (seconds)')).toHaveAccessibleDescription(/expiresInSeconds "soon" is not a whole number of seconds/);
    await expect(target).toHaveAttribute('aria-invalid', 'false');
    expect(await seriousViolations(ops.page)).toEqual([]);
  });
});
