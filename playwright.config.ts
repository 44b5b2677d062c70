import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests in Debian's Chromium (Playwright's own browser download is not available
 * here) against the Vite dev server in `e2e` mode, which compiles the typed test hooks in.
 * Cores (embedded, Kamailio) and the sender are started by fixtures in e2e/fixtures.
 */
const CLIENT_PORT = Number(process.env.E2E_CLIENT_PORT ?? 5174);

export const chromiumLaunch = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
};

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // A test.only left in a spec fails the run in CI instead of silently skipping the rest.
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    baseURL: `http://127.0.0.1:${CLIENT_PORT}`,
    launchOptions: chromiumLaunch,
    trace: 'off',
  },
  webServer: {
    command: `npx vite --mode e2e --port ${CLIENT_PORT} --strictPort`,
    url: `http://127.0.0.1:${CLIENT_PORT}/config.json`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
  projects: [
    // Every spec runs on both cores, except those about one core itself (no skipped tests).
    { name: 'embedded', use: { coreKind: 'embedded' } as Record<string, unknown>, testIgnore: /kamailio\.spec\.ts$/ },
    { name: 'kamailio', use: { coreKind: 'kamailio' } as Record<string, unknown>, testIgnore: /embedded-core\.spec\.ts$/ },
  ],
});
