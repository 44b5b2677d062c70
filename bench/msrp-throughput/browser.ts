/**
 * A fresh Chromium for one measurement, with an on-disk profile (a user's client writes its
 * IndexedDB to disk; an incognito context would keep 256 MB of Blobs in memory) and a CDP
 * session for the heap sampler and the profiler; and the wait for a bench page to be ready.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type CDPSession, type Page } from '@playwright/test';
import { chromiumLaunch } from '../../playwright.config.ts';
import type { MsrpBenchWindow } from './page/params.ts';

export interface Browser {
  /** The --user-data-dir. */
  profile: string;
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  close: () => Promise<void>;
}

export async function openBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'msrp-bench-profile-'));
  const context = await chromium.launchPersistentContext(profile, { ...chromiumLaunch, args: [...chromiumLaunch.args, '--enable-precise-memory-info'] });
  const page = context.pages()[0] ?? (await context.newPage());
  const cdp = await context.newCDPSession(page);
  return {
    profile,
    context,
    page,
    cdp,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export function waitForBench(page: Page): Promise<unknown> {
  return page.waitForFunction(() => (window as unknown as MsrpBenchWindow).__benchReady === true, undefined, { timeout: 30_000 });
}
