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
 * Throughput: N pushes with K in flight (closed loop). Latency: pushes at a fixed rate, p50.
 * Rounds rotate the order of the receivers. Usage:
 *   npm run bench -- [--pushes 4000] [--in-flight 64] [--rounds 3] [--rate 100] [--latency-pushes 400] [--check]
 * --check exits 1 when a target of issue 2 is missed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from '@playwright/test';
import { build, preview } from 'vite';
import { startCore, type RunningCore } from '../../server/core/index.ts';
import { createPushSender, percentile, runLoad } from '../../server/sender/index.ts';
import { chromiumLaunch } from '../../playwright.config.ts';

type Kind = 'ours' | 'agent' | 'jssip' | 'raw';
/** `agent` is the same agent without the React UI: informational, it splits agent and rendering cost. */
const KINDS: Kind[] = ['raw', 'jssip', 'agent', 'ours'];

interface RoundResult {
  kind: Kind;
  round: number;
  pushes: number;
  ok: number;
  elapsedMs: number;
  rate: number;
  p50Ms: number;
  p99Ms: number;
  stored?: number;
}

const { values } = parseArgs({
  options: {
    pushes: { type: 'string', default: '4000' },
    'in-flight': { type: 'string', default: '64' },
    rounds: { type: 'string', default: '3' },
    rate: { type: 'string', default: '100' },
    'latency-pushes': { type: 'string', default: '400' },
    check: { type: 'boolean', default: false },
  },
});
const PUSHES = Number(values.pushes);
const IN_FLIGHT = Number(values['in-flight']);
const ROUNDS = Number(values.rounds);
const RATE = Number(values.rate);
const LATENCY_PUSHES = Number(values['latency-pushes']);
const WARMUP = 300;

let aorCounter = 0;

async function openReceiver(browser: Browser, vite: string, core: RunningCore, kind: Kind): Promise<{ page: Page; aor: string; close: () => Promise<void> }> {
  const aor = `sip:bench${++aorCounter}${kind}@localhost`;
  const context = await browser.newContext();
  const page = await context.newPage();
  if (kind === 'ours') {
    const config = { server: core.wsUrl, aor, apps: [{ id: 'news.ua', accept: ['text/plain'] }] };
    await page.goto(`${vite}/?config=${encodeURIComponent(JSON.stringify(config))}`);
    await page.waitForFunction(() => window.__sipPushTest?.state().phase === 'registered', undefined, { timeout: 30_000 });
  } else {
    await page.goto(`${vite}/bench/push-throughput/page/${kind}.html?server=${encodeURIComponent(core.wsUrl)}&aor=${encodeURIComponent(aor)}&app=news.ua`);
    await page.waitForFunction(() => (window as unknown as { __benchReady?: boolean }).__benchReady === true, undefined, { timeout: 30_000 });
  }
  return { page, aor, close: () => context.close() };
}

async function measure(browser: Browser, vite: string, core: RunningCore, kind: Kind, round: number): Promise<RoundResult> {
  const receiver = await openReceiver(browser, vite, core, kind);
  const sender = createPushSender({ server: core.wsUrl, from: 'sip:psa@localhost', timeoutMs: 20_000 });
  await sender.connect();
  try {
    let n = 0;
    const push = () => sender.sendPush({ to: receiver.aor, app: 'news.ua', contentType: 'text/plain', body: `bench push ${++n} ${'x'.repeat(64)}` });
    await runLoad({ count: WARMUP, concurrency: IN_FLIGHT }, push);
    const load = await runLoad({ count: PUSHES, concurrency: IN_FLIGHT }, push);
    const latency = await runLoad({ count: LATENCY_PUSHES, ratePerSecond: RATE }, push);
    const result: RoundResult = {
      kind,
      round,
      pushes: PUSHES,
      ok: load.ok,
      elapsedMs: load.elapsedMs,
      rate: (load.ok / load.elapsedMs) * 1000,
      p50Ms: percentile(latency.latenciesMs, 50),
      p99Ms: percentile(latency.latenciesMs, 99),
    };
    if (load.failed > 0) console.warn(`  ${kind}: ${load.failed} failed: ${JSON.stringify(load.statuses)} ${load.firstError ?? ''}`);
    if (kind === 'ours') {
      // Durability check: every push answered 200 is in IndexedDB.
      result.stored = await receiver.page.evaluate(async () => (await window.__sipPushTest!.storedPushes()).length);
      const answered = WARMUP + load.ok + latency.ok;
      if (result.stored !== answered) throw new Error(`ours: ${answered} pushes answered 200 but ${result.stored} stored`);
    }
    return result;
  } finally {
    await sender.close();
    await receiver.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const core = await startCore({ wsPort: 0, sipPort: null });
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
  const viteUrl = (vite.resolvedUrls?.local[0] ?? '').replace(/\/$/, '');
  const browser = await chromium.launch(chromiumLaunch);
  const results: RoundResult[] = [];
  try {
    console.log(`push-throughput: ${PUSHES} pushes x ${IN_FLIGHT} in flight, ${ROUNDS} rounds; latency at ${RATE}/s over ${LATENCY_PUSHES} pushes`);
    for (let round = 1; round <= ROUNDS; round++) {
      const order = [...KINDS.slice(round % KINDS.length), ...KINDS.slice(0, round % KINDS.length)];
      for (const kind of order) {
        const r = await measure(browser, viteUrl, core, kind, round);
        results.push(r);
        console.log(`  round ${round} ${kind.padEnd(5)} ${r.rate.toFixed(0).padStart(6)} pushes/s   p50 ${r.p50Ms.toFixed(2)} ms   p99 ${r.p99Ms.toFixed(2)} ms${r.stored !== undefined ? `   stored ${r.stored}` : ''}`);
      }
    }
  } finally {
    await browser.close();
    await vite.close();
    await core.close();
  }

  const summary = Object.fromEntries(
    KINDS.map((kind) => {
      const rs = results.filter((r) => r.kind === kind);
      return [kind, { rate: median(rs.map((r) => r.rate)), p50Ms: median(rs.map((r) => r.p50Ms)) }];
    }),
  ) as Record<Kind, { rate: number; p50Ms: number }>;
  const ratioRaw = summary.ours.rate / summary.raw.rate;
  const ratioJssip = summary.ours.rate / summary.jssip.rate;
  const latencyRatio = summary.ours.p50Ms / summary.raw.p50Ms;
  const targets = [
    { name: 'ours >= 1000 durably stored pushes/s', ok: summary.ours.rate >= 1000, value: `${summary.ours.rate.toFixed(0)}/s` },
    { name: 'ours >= 70% of raw', ok: ratioRaw >= 0.7, value: `${(ratioRaw * 100).toFixed(0)}%` },
    { name: 'ours above bare JsSIP', ok: ratioJssip > 1, value: `${ratioJssip.toFixed(2)}x` },
    { name: 'p50 at 100/s within 2x raw', ok: latencyRatio <= 2, value: `${latencyRatio.toFixed(2)}x (${summary.ours.p50Ms.toFixed(2)} vs ${summary.raw.p50Ms.toFixed(2)} ms)` },
  ];
  console.log('\nmedians:');
  for (const kind of KINDS) console.log(`  ${kind.padEnd(5)} ${summary[kind].rate.toFixed(0).padStart(6)} pushes/s   p50 ${summary[kind].p50Ms.toFixed(2)} ms`);
  console.log('targets:');
  for (const t of targets) console.log(`  ${t.ok ? 'ok  ' : 'MISS'} ${t.name}: ${t.value}`);

  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/push-throughput.json', JSON.stringify({ date: new Date().toISOString(), params: { PUSHES, IN_FLIGHT, ROUNDS, RATE, LATENCY_PUSHES }, results, summary, targets }, null, 2));
  if (values.check && targets.some((t) => !t.ok)) process.exit(1);
}

await main();
