/**
 * bench/push-throughput: MESSAGE pushes from the sender library through the embedded core into
 * one Chromium tab, for three receivers measured in the same run (the machine is shared and
 * noisy, so only ratios within a run mean anything):
 *
 *   ours   the full web client (src/main.tsx): stores each push in IndexedDB, answers 200 after
 *          the commit, renders the inbox
 *   jssip  a bare JsSIP page: JsSIP answers 200 itself, nothing stored
 *   raw    a raw WebSocket page answering 200 by hand, nothing stored
 *
 * and, only when named in --kinds, the trace's cost (issue 11 item 3):
 *
 *   notap  ours built with the trace taps stripped from the sockets (stripTraceTaps.ts)
 *   trace  ours with the trace panel open (every frame recorded and shown)
 *
 * `ours` runs with the panel closed, as users do; "closed vs notap" and "trace vs ours" are
 * printed as ratios of medians. E.g. npm run bench -- --kinds notap,ours,trace
 *
 * Throughput: N pushes with K in flight (closed loop), pushes answered 2xx per second. Latency:
 * pushes at a fixed rate, p50 and p99 over the pushes that succeeded. A push that failed (no 2xx,
 * or an error) is left out of both, counted and printed per round and in the summary. Rounds
 * rotate the order of the receivers; each figure is the median over rounds (with an even
 * --rounds, the mean of the middle two: ../check/median.ts). Usage:
 *   npm run bench -- [--pushes 4000] [--in-flight 64] [--rounds 3] [--rate 100] [--latency-pushes 400]
 *                    [--kinds raw,jssip,agent,ours] [--check]
 * --check exits 1 when a target of issue 2 is missed (targets.ts), and checks exactly these:
 *   - no failed push, in the warm-up, throughput or latency run of any kind and round;
 *   - ours >= 1000 durably stored pushes/s;
 *   - ours >= 70% of raw's pushes/s;
 *   - ours' pushes/s above the bare JsSIP page's;
 *   - ours' p50 at the latency rate within 2x raw's.
 *   --check refuses to run (exit 2) unless raw, jssip and ours are among --kinds.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { chromium, type Browser, type Page } from '@playwright/test';
import { build, preview } from 'vite';
import { startCore, type RunningCore } from '../../server/core/index.ts';
import { createPushSender, percentile, runLoad, type LoadReport, type PushResult } from '../../server/sender/index.ts';
import { chromiumLaunch } from '../../playwright.config.ts';
import { parseOrExit } from '../check/options.ts';
import { checkExitCode, printTargets } from '../check/target.ts';
import { FULL_CLIENT_KINDS, parsePushBenchOptions, type Kind } from './options.ts';
import { stripTraceTaps } from './stripTraceTaps.ts';
import { succeededLatencies, summarize, traceCost, type KindRatio, type RoundFigures } from './summary.ts';
import { pushTargets } from './targets.ts';

interface RoundResult extends RoundFigures {
  round: number;
  pushes: number;
  ok: number;
  elapsedMs: number;
  p99Ms: number;
  /** Failed pushes per run, and their final statuses (0: an error, no response). */
  failures: Record<'warmup' | 'throughput' | 'latency', { failed: number; statuses: LoadReport['statuses']; firstError?: string }>;
  stored?: number;
}

const OPTIONS = parseOrExit('push-throughput', () => parsePushBenchOptions(process.argv.slice(2)));
const { pushes: PUSHES, inFlight: IN_FLIGHT, rounds: ROUNDS, rate: RATE, latencyPushes: LATENCY_PUSHES, kinds: KINDS } = OPTIONS;
const WARMUP = 300;

let aorCounter = 0;

/** Where each build is served: the main one, and the tap-less one when notap is measured. */
interface Servers {
  main: string;
  notap?: string;
}

async function openReceiver(browser: Browser, servers: Servers, core: RunningCore, kind: Kind): Promise<{ page: Page; aor: string; close: () => Promise<void> }> {
  const aor = `sip:bench${++aorCounter}${kind}@localhost`;
  const context = await browser.newContext();
  const page = await context.newPage();
  const vite = kind === 'notap' ? servers.notap! : servers.main;
  if (FULL_CLIENT_KINDS.includes(kind)) {
    const config = { server: core.wsUrl, aor, apps: [{ id: 'news.ua', accept: ['text/plain'] }] };
    await page.goto(`${vite}/?config=${encodeURIComponent(JSON.stringify(config))}`);
    await page.waitForFunction(() => window.__sipPushTest?.state().phase === 'registered', undefined, { timeout: 30_000 });
    if (kind === 'trace') {
      await page.getByTestId('trace-toggle').click();
      await page.getByTestId('trace-status').getByText('Recording.').waitFor({ timeout: 10_000 });
    }
  } else {
    await page.goto(`${vite}/bench/push-throughput/page/${kind}.html?server=${encodeURIComponent(core.wsUrl)}&aor=${encodeURIComponent(aor)}&app=news.ua`);
    await page.waitForFunction(() => (window as unknown as { __benchReady?: boolean }).__benchReady === true, undefined, { timeout: 30_000 });
  }
  return { page, aor, close: () => context.close() };
}

async function measure(browser: Browser, servers: Servers, core: RunningCore, kind: Kind, round: number): Promise<RoundResult> {
  const receiver = await openReceiver(browser, servers, core, kind);
  const sender = createPushSender({ server: core.wsUrl, from: 'sip:psa@localhost', timeoutMs: 20_000 });
  await sender.connect();
  try {
    let n = 0;
    const push = () => sender.sendPush({ to: receiver.aor, app: 'news.ua', contentType: 'text/plain', body: `bench push ${++n} ${'x'.repeat(64)}` });
    const warmup = await runLoad({ count: WARMUP, concurrency: IN_FLIGHT }, push);
    const load = await runLoad({ count: PUSHES, concurrency: IN_FLIGHT }, push);
    // Which latency pushes succeeded, by index: only their latencies count.
    const succeeded: boolean[] = [];
    const latency = await runLoad({ count: LATENCY_PUSHES, ratePerSecond: RATE }, async (i): Promise<PushResult> => {
      const result = await push();
      succeeded[i] = result.ok;
      return result;
    });
    const latencies = succeededLatencies(latency.latenciesMs, succeeded);
    const failures = { warmup: failuresOf(warmup), throughput: failuresOf(load), latency: failuresOf(latency) };
    const result: RoundResult = {
      kind,
      round,
      pushes: PUSHES,
      ok: load.ok,
      elapsedMs: load.elapsedMs,
      rate: (load.ok / load.elapsedMs) * 1000,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      failed: warmup.failed + load.failed + latency.failed,
      failures,
    };
    for (const [run, f] of Object.entries(failures)) {
      if (f.failed > 0) console.warn(`  ${kind} ${run}: ${f.failed} failed, statuses ${JSON.stringify(f.statuses)}${f.firstError ? `, first error ${f.firstError}` : ''}`);
    }
    if (FULL_CLIENT_KINDS.includes(kind)) {
      // Durability check: every push answered 200 is in IndexedDB.
      result.stored = await receiver.page.evaluate(async () => (await window.__sipPushTest!.storedPushes()).length);
      const answered = warmup.ok + load.ok + latency.ok;
      if (result.stored !== answered) throw new Error(`${kind}: ${answered} pushes answered 200 but ${result.stored} stored`);
    }
    return result;
  } finally {
    await sender.close();
    await receiver.close();
  }
}

/** A run's failed pushes for the report; the statuses of the pushes that succeeded left out. */
function failuresOf(report: LoadReport): RoundResult['failures']['warmup'] {
  const statuses = Object.fromEntries(Object.entries(report.statuses).filter(([status]) => !(Number(status) >= 200 && Number(status) < 300)));
  return { failed: report.failed, statuses, ...(report.firstError !== undefined ? { firstError: String(report.firstError) } : {}) };
}

async function main(): Promise<void> {
  const core = await startCore({ wsPort: 0, sipPort: null, noAuth: true });
  // A production build (what users deploy), in `e2e` mode so the test hooks are compiled in.
  const outDir = '.cache/bench-push-throughput';
  await build({
    mode: 'e2e',
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      rollupOptions: { input: { main: 'index.html', ...Object.fromEntries(['raw', 'jssip', 'agent'].map((k) => [k, `bench/push-throughput/page/${k}.html`])) } },
    },
  });
  const vite = await preview({ mode: 'e2e', logLevel: 'warn', build: { outDir }, preview: { port: 0, host: '127.0.0.1', strictPort: false } });
  const servers: Servers = { main: (vite.resolvedUrls?.local[0] ?? '').replace(/\/$/, '') };
  // The same client without the trace taps: the baseline of the trace's cost when closed.
  let notapVite: Awaited<ReturnType<typeof preview>> | undefined;
  if (KINDS.includes('notap')) {
    const notapDir = `${outDir}-notap`;
    await build({ mode: 'e2e', logLevel: 'warn', plugins: [stripTraceTaps()], build: { outDir: notapDir, emptyOutDir: true, rollupOptions: { input: { main: 'index.html' } } } });
    notapVite = await preview({ mode: 'e2e', logLevel: 'warn', build: { outDir: notapDir }, preview: { port: 0, host: '127.0.0.1', strictPort: false } });
    servers.notap = (notapVite.resolvedUrls?.local[0] ?? '').replace(/\/$/, '');
  }
  const browser = await chromium.launch(chromiumLaunch);
  const results: RoundResult[] = [];
  try {
    console.log(`push-throughput: ${PUSHES} pushes x ${IN_FLIGHT} in flight, ${ROUNDS} rounds, kinds ${KINDS.join(', ')}; latency at ${RATE}/s over ${LATENCY_PUSHES} pushes`);
    for (let round = 1; round <= ROUNDS; round++) {
      const order = [...KINDS.slice(round % KINDS.length), ...KINDS.slice(0, round % KINDS.length)];
      for (const kind of order) {
        const r = await measure(browser, servers, core, kind, round);
        results.push(r);
        console.log(`  round ${round} ${kind.padEnd(5)} ${r.rate.toFixed(0).padStart(6)} pushes/s   p50 ${r.p50Ms.toFixed(2)} ms   p99 ${r.p99Ms.toFixed(2)} ms   failed ${r.failed}${r.stored !== undefined ? `   stored ${r.stored}` : ''}`);
      }
    }
  } finally {
    await browser.close();
    await vite.close();
    await notapVite?.close();
    await core.close();
  }

  const summary = summarize(results, KINDS);
  const targets = pushTargets(summary, RATE);
  console.log('\nmedians:');
  for (const kind of KINDS) {
    const k = summary.kinds[kind]!;
    const failed = results.filter((r) => r.kind === kind).reduce((sum, r) => sum + r.failed, 0);
    console.log(`  ${kind.padEnd(5)} ${k.rate.toFixed(0).padStart(6)} pushes/s   p50 ${k.p50Ms.toFixed(2)} ms   failed pushes ${failed}`);
  }
  const cost = traceCost(summary);
  if (cost.closedVsNoTap || cost.openVsClosed) {
    const line = (name: string, r: KindRatio) => console.log(`  ${name}: pushes/s x${r.rate.toFixed(3)}, p50 x${r.p50.toFixed(3)}`);
    console.log('trace cost (ratios of medians):');
    if (cost.closedVsNoTap) line('panel closed (ours) vs no taps (notap)', cost.closedVsNoTap);
    if (cost.openVsClosed) line('panel open (trace) vs closed (ours)', cost.openVsClosed);
  }
  printTargets(targets);

  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/push-throughput.json', JSON.stringify({ date: new Date().toISOString(), params: { PUSHES, IN_FLIGHT, ROUNDS, RATE, LATENCY_PUSHES, KINDS }, results, summary, traceCost: cost, targets }, null, 2));
  if (OPTIONS.check) process.exit(checkExitCode(targets));
}

await main();
