/**
 * The chaos specs' `test`: the suite's fixtures, plus every tab's console (the agent's own
 * messages and each phase the page shows, logged by an init script) attached to a failing test.
 */
import { writeFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test as base } from '../fixtures/test.ts';

export { expect } from '../fixtures/test.ts';

export const test = base.extend<{ tabLogs: void }>({
  tabLogs: [
    async ({ context }, use, testInfo) => {
      const lines: string[] = [];
      let tabs = 0;
      const watch = (page: Page) => {
        const name = `tab ${++tabs}`;
        const start = Date.now();
        page.on('console', (m) => lines.push(`+${Date.now() - start} ms ${name} ${m.type()}: ${m.text()}`));
        page.on('pageerror', (e) => lines.push(`+${Date.now() - start} ms ${name} pageerror: ${e.message}`));
        page.on('close', () => lines.push(`+${Date.now() - start} ms ${name} closed`));
      };
      await context.addInitScript(() => {
        let last = '';
        const read = () => {
          const el = document.querySelector('[data-testid="agent-phase"]');
          const now = `${el?.textContent ?? ''} ${document.querySelector('[data-testid="agent-reason"]')?.textContent ?? ''}`.trim();
          if (el && now !== last) console.debug(`phase: ${now}`);
          last = now;
        };
        addEventListener('DOMContentLoaded', () => new MutationObserver(read).observe(document.body, { subtree: true, childList: true, characterData: true }));
      });
      context.pages().forEach(watch);
      context.on('page', watch);
      await use();
      if (testInfo.status !== testInfo.expectedStatus) {
        // A file (the list reporter shortens an inline attachment to its first lines).
        const path = testInfo.outputPath('tabs.log');
        writeFileSync(path, lines.join('\n'));
        await testInfo.attach('tabs.log', { path, contentType: 'text/plain' });
      }
    },
    { auto: true },
  ],
});
