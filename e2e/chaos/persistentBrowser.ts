/**
 * A Chromium of the test's own on a persistent profile (a user data dir that outlives the
 * process), so a test can SIGKILL the browser and launch it again on the same profile:
 * what IndexedDB holds afterwards is what reached the disk.
 *
 * The browser process is found by its unique --user-data-dir in /proc and killed by its PID;
 * Playwright gives no process handle for a persistent context.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from '@playwright/test';
import { chromiumLaunch } from '../../playwright.config.ts';
import { until } from '../../server/testing/until.ts';

export interface PersistentBrowser {
  readonly profileDir: string;
  readonly context: BrowserContext;
  /** Launch (again) on the profile. */
  launch(): Promise<BrowserContext>;
  /** SIGKILL the browser process (no shutdown, no flush), wait until every process of the profile is gone. */
  kill(): Promise<number>;
  /** Close the browser if it runs and remove the profile. */
  dispose(): Promise<void>;
}

/** PIDs of the processes running with this user data dir; the browser itself has no --type. */
function profileProcesses(profileDir: string): Array<{ pid: number; browser: boolean }> {
  const found: Array<{ pid: number; browser: boolean }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited meanwhile
    }
    if (!args.includes(`--user-data-dir=${profileDir}`)) continue;
    found.push({ pid: Number(entry), browser: !args.some((a) => a.startsWith('--type=')) });
  }
  return found;
}

export function persistentBrowser(baseURL: string): PersistentBrowser {
  const profileDir = mkdtempSync(join(tmpdir(), 'chaos-profile-'));
  let context: BrowserContext | undefined;
  return {
    profileDir,
    get context() {
      if (!context) throw new Error('the persistent browser is not running');
      return context;
    },
    async launch() {
      context = await chromium.launchPersistentContext(profileDir, { executablePath: chromiumLaunch.executablePath, args: chromiumLaunch.args, baseURL });
      return context;
    },
    async kill() {
      const browser = profileProcesses(profileDir).filter((p) => p.browser);
      if (browser.length !== 1) throw new Error(`expected one browser process for ${profileDir}, found ${browser.length}`);
      const pid = browser[0]!.pid;
      const closed = new Promise<void>((resolve) => context?.once('close', () => resolve()));
      process.kill(pid, 'SIGKILL');
      await closed;
      context = undefined;
      // Its children (renderers, GPU, storage) exit when their browser is gone.
      await until(() => profileProcesses(profileDir).length === 0, 10_000);
      return pid;
    },
    async dispose() {
      await context?.close().catch(() => {});
      context = undefined;
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}
