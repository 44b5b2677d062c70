/**
 * bench/msrp-throughput (issue 4): one large push (INVITE + MSRP over WebSocket, flow 5.4.2)
 * from the sender library through the embedded core into one Chromium tab, measured in the
 * same run against a raw WebSocket binary transfer of the same file into the same kind of
 * page (same production build, same browser). The machine is shared and noisy, so only
 * ratios within a run mean anything.
 *
 *   ours     the full web client (src/main.tsx): every chunk stored in IndexedDB, size and
 *            SHA-256 verified, the push committed, then REPORT 200; time = push start (INVITE)
 *            to the sender's result (REPORT 200, then BYE)
 *   agent    the same agent without the React UI (informational: agent vs rendering cost)
 *   raw      a page that counts the bytes of a binary WebSocket transfer from a Node `ws`
 *            server in this process: same chunk size, same bufferedAmount high-water mark;
 *            time = connect to the page's `done`. The issue's baseline.
 *   raw-idb  the same raw transfer, each message also written to IndexedDB as a Blob,
 *            group-committed (informational: what storage alone costs)
 *   raw-idb-buffer, raw-hash  (not run by default) the raw transfer with each message written
 *            to IndexedDB as an ArrayBuffer, or fed to the agent's SHA-256: what one change
 *            to the receiver would buy
 *
 * Each measurement gets a fresh browser with an on-disk profile (a user's client writes its
 * IndexedDB to disk; an incognito context would keep 256 MB of Blobs in memory). JS memory is
 * sampled every 100 ms over CDP (Runtime.getHeapUsage): baseline after a forced GC before the
 * transfer, peak during it; growth = peak - baseline, for the V8 heap and for the V8 heap plus
 * ArrayBuffer backing stores (where received WebSocket messages live).
 *
 * Throughput per size and kind is the median over rounds (with an even --rounds, the mean of
 * the middle two: ../check/median.ts); memory growth is the worst round.
 *
 * Usage:
 *   npm run bench:msrp -- [--sizes 64,256] [--rounds 3] [--kinds raw,ours,agent,raw-idb]
 *                         [--window N] [--check] [--profile KIND]
 * --window sets the sender's maxUnacknowledgedChunks (0 = no window; default the sender's).
 * --check exits 1 when a target of issue 4 is missed (targets.ts), and checks exactly these:
 *   - ours' median MB/s (push start to REPORT 200) >= 80% of raw's at the largest size;
 *   - ours' JS heap growth (V8 heap, peak - baseline) < 64 MB at every size, worst round;
 *   - ours' live JS memory growth (V8 heap + ArrayBuffer backing stores right after a forced GC,
 *     peak - baseline) < 64 MB at every size, worst round.
 *   The growth "with garbage buffers" (no GC) is printed but not a target: it counts received
 *   messages that are already garbage, up to the whole file.
 *   --check refuses to run (exit 2) unless raw and ours are among --kinds, and with --profile.
 * --profile KIND: one transfer of the first size, reporting CPU per process and the page's main
 * thread profile (profiling.ts) instead of the rounds.
 */
import { DEFAULT_DB_PREFIX, identityDbName } from '../../src/agent/store/identityDb.ts';
import { transferDbName } from '../../src/agent/store/transferSchema.ts';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { build, preview } from 'vite';
import { startCore, type RunningCore } from '../../server/core/index.ts';
import { createPushSender, DEFAULT_HIGH_WATER_MARK } from '../../server/sender/index.ts';
import { DEFAULT_CHUNK_SIZE } from '../../src/protocol/msrp/index.ts';
import type { MsrpBenchWindow } from './page/params.ts';
import { makeFile, startRawServer, type BenchFile } from './benchFile.ts';
import { openBrowser, waitForBench, type Browser } from './browser.ts';
import { HeapSampler, type HeapFigures } from './heapSampler.ts';
import { Profiling, type Probe } from './profiling.ts';
import { parseOrExit } from '../check/options.ts';
import { checkExitCode, printTargets } from '../check/target.ts';
import { parseMsrpBenchOptions, type Kind } from './options.ts';
import { summarize, type RoundFigures } from './summary.ts';
import { msrpTargets } from './targets.ts';
import { MB, mb } from './units.ts';

/** Query of raw.html per raw kind. */
const RAW_PAGES: Partial<Record<Kind, string>> = { raw: 'store=none', 'raw-idb': 'store=blob', 'raw-idb-buffer': 'store=buffer', 'raw-hash': 'store=none&hash=1' };
const APP = 'bench.ua';
const CONTENT_TYPE = 'application/octet-stream';

const OPTIONS = parseOrExit('msrp-throughput', () => parseMsrpBenchOptions(process.argv.slice(2)));
const { sizesMB: SIZES_MB, rounds: ROUNDS, kinds: KINDS, window: WINDOW } = OPTIONS;
/** `--profile <kind>`: one push of the first size with the CDP sampling profiler on, no rounds. */
const PROFILE = OPTIONS.profile;

interface RunResult extends RoundFigures {
  round: number;
  /** Push start (INVITE) or connect (raw) to REPORT 200 (ours, agent) or the page's `done` (raw). */
  wallMs: number;
  /** First chunk on the wire to the same end: the transfer alone, without INVITE and hashing. */
  transferMs: number;
  baseline: HeapFigures;
  peak: HeapFigures;
  /** After the transfer and a forced GC. */
  retained: HeapFigures;
  samples: number;
  /** Sender side: most bytes sent but not yet answered 200 (ours, agent). */
  maxUnackedBytes?: number;
  maxUnacknowledged?: number;
  windowWaits?: number;
  drainWaits?: number;
  maxBufferedAmount?: number;
}

let aorCounter = 0;

async function measure(vite: string, core: RunningCore, kind: Kind, file: BenchFile, round: number, probe?: (browser: Browser) => Probe): Promise<RunResult> {
  const browser = await openBrowser();
  const { page } = browser;
  const sampler = new HeapSampler(browser.cdp, probe?.(browser));
  try {
    const sizeMB = file.size / MB;
    const finish = (wallMs: number, transferMs: number, baseline: HeapFigures, retained: HeapFigures, extra: Partial<RunResult>): RunResult => ({
      kind,
      sizeMB,
      round,
      wallMs,
      transferMs,
      mbps: sizeMB / (wallMs / 1000),
      transferMbps: sizeMB / (transferMs / 1000),
      baseline,
      peak: { ...sampler.peak },
      growth: { heap: sampler.peak.heap - baseline.heap, withBuffers: sampler.peak.withBuffers - baseline.withBuffers, live: Math.max(0, sampler.livePeak - baseline.withBuffers) },
      retained,
      samples: sampler.samples,
      ...extra,
    });

    const rawQuery = RAW_PAGES[kind];
    if (rawQuery !== undefined) {
      await page.goto(`${vite}/bench/msrp-throughput/page/raw.html?${rawQuery}`);
      await waitForBench(page);
      const server = await startRawServer(file, DEFAULT_CHUNK_SIZE, DEFAULT_HIGH_WATER_MARK);
      try {
        const baseline = await sampler.readAfterGc();
        await sampler.start();
        const t0 = performance.now();
        await page.evaluate(([url, total]) => (window as unknown as MsrpBenchWindow).__benchConnect!(url, total), [server.url, file.size] as const);
        const t1 = await server.done;
        await sampler.stop();
        const stats = server.stats();
        const bytes = await page.evaluate(() => (window as unknown as MsrpBenchWindow).__benchBytes);
        if (bytes !== file.size) throw new Error(`${kind}: page counted ${bytes} of ${file.size} bytes`);
        const retained = await sampler.readAfterGc();
        return finish(t1 - t0, t1 - stats.firstChunkAt, baseline, retained, { maxBufferedAmount: stats.maxBufferedAmount, drainWaits: stats.drainWaits });
      } finally {
        await server.close();
      }
    }

    const aor = `sip:bench${++aorCounter}@localhost`;
    if (kind === 'ours') {
      const config = { server: core.wsUrl, aor, apps: [{ id: APP, accept: [CONTENT_TYPE] }] };
      await page.goto(`${vite}/?config=${encodeURIComponent(JSON.stringify(config))}`);
      await page.waitForFunction(() => window.__sipPushTest?.state().phase === 'registered', undefined, { timeout: 30_000 });
    } else {
      await page.goto(`${vite}/bench/msrp-throughput/page/agent.html?server=${encodeURIComponent(core.wsUrl)}&aor=${encodeURIComponent(aor)}&app=${APP}`);
      await waitForBench(page);
    }
    const sender = createPushSender({ server: core.wsUrl, from: 'sip:psa@localhost', timeoutMs: 20_000, ...(WINDOW !== undefined ? { msrp: { maxUnacknowledgedChunks: WINDOW } } : {}) });
    await sender.connect();
    await sender.msrpEndpoint();
    try {
      const baseline = await sampler.readAfterGc();
      let firstChunkAt = 0;
      let maxUnackedBytes = 0;
      await sampler.start();
      const t0 = performance.now();
      const result = await sender.sendLargePush({
        to: aor,
        app: APP,
        file: file.path,
        contentType: CONTENT_TYPE,
        onProgress: (p) => {
          if (firstChunkAt === 0 && p.bytesSent > 0) firstChunkAt = performance.now();
          maxUnackedBytes = Math.max(maxUnackedBytes, p.bytesSent - p.bytesAcked);
        },
      });
      const t1 = performance.now();
      await sampler.stop();
      if (!result.ok) throw new Error(`${kind}: push failed in ${result.phase}: ${result.status} ${result.reason}`);
      if (result.sha256 !== file.sha256) throw new Error(`${kind}: sender offered hash ${result.sha256}, file is ${file.sha256}`);
      await verifyStored(page, kind, file, aor);
      const retained = await sampler.readAfterGc();
      return finish(t1 - t0, t1 - firstChunkAt, baseline, retained, {
        maxUnackedBytes,
        maxUnacknowledged: result.maxUnacknowledged,
        windowWaits: result.windowWaits,
        drainWaits: result.drainWaits,
        maxBufferedAmount: result.maxBufferedAmount,
      });
    } finally {
      await sender.close();
    }
  } finally {
    await browser.close();
  }
}

/**
 * Independent witness, read from IndexedDB with the raw API: one transfer record, complete
 * (the agent marks it so only after checking size and SHA-256), with the file's size and
 * hash, pushed; and (full client) one stored push of the file's type.
 */
async function verifyStored(page: Page, kind: Kind, file: BenchFile, aor: string): Promise<void> {
  // One database per identity (src/agent/store/identityDb.ts); the bench page uses the prefix 'bench-msrp'.
  const dbName = transferDbName(identityDbName(kind === 'ours' ? DEFAULT_DB_PREFIX : 'bench-msrp', aor));
  const records = await page.evaluate(
    (name) =>
      new Promise<Array<Record<string, unknown>>>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction('transfers', 'readonly').objectStore('transfers').getAll();
          request.onerror = () => reject(request.error);
          request.onsuccess = () => {
            open.result.close();
            resolve(request.result as Array<Record<string, unknown>>);
          };
        };
      }),
    dbName,
  );
  const [record] = records;
  const facts = record && { state: record.state, size: record.size, receivedBytes: record.receivedBytes, hashAlgorithm: record.hashAlgorithm, expectedHash: record.expectedHash, pushed: record.pushed };
  const expected = { state: 'complete', size: file.size, receivedBytes: file.size, hashAlgorithm: 'sha-256', expectedHash: file.sha256, pushed: true };
  if (records.length !== 1 || JSON.stringify(facts) !== JSON.stringify(expected)) {
    throw new Error(`${kind}: transfer store holds ${records.length} record(s), first ${JSON.stringify(facts)}; expected ${JSON.stringify(expected)}`);
  }
  if (kind === 'ours') {
    const pushes = await page.evaluate(() => window.__sipPushTest!.storedPushes());
    if (pushes.length !== 1 || pushes[0]!.contentType !== CONTENT_TYPE) throw new Error(`ours: ${pushes.length} stored pushes ${JSON.stringify(pushes.map((p) => p.contentType))}`);
  }
}

async function main(): Promise<void> {
  const core = await startCore({ wsPort: 0, sipPort: null, noAuth: true });
  // A production build (what users deploy), in `e2e` mode so the test hooks are compiled in.
  const outDir = '.cache/bench-msrp-throughput';
  await build({
    mode: 'e2e',
    logLevel: 'warn',
    build: {
      // Readable function names in a profile.
      ...(PROFILE ? { minify: false } : {}),
      outDir,
      emptyOutDir: true,
      rollupOptions: { input: { main: 'index.html', agent: 'bench/msrp-throughput/page/agent.html', raw: 'bench/msrp-throughput/page/raw.html' } },
    },
  });
  const vite = await preview({ mode: 'e2e', logLevel: 'warn', build: { outDir }, preview: { port: 0, host: '127.0.0.1', strictPort: false } });
  const viteUrl = (vite.resolvedUrls?.local[0] ?? '').replace(/\/$/, '');
  const results: RunResult[] = [];
  const files: BenchFile[] = [];
  try {
    console.log(`msrp-throughput: sizes ${SIZES_MB.join(', ')} MB, ${ROUNDS} rounds, kinds ${KINDS.join(', ')}, chunk ${DEFAULT_CHUNK_SIZE} B, high-water mark ${DEFAULT_HIGH_WATER_MARK} B, window ${WINDOW ?? 'sender default'}`);
    if (PROFILE) {
      const file = await makeFile(SIZES_MB[0]!);
      files.push(file);
      let profiling: Profiling | undefined;
      const r = await measure(viteUrl, core, PROFILE, file, 1, (b) => (profiling = new Profiling(b.cdp, b.profile)));
      await mkdir('.cache', { recursive: true });
      await writeFile('.cache/msrp-throughput.cpuprofile', JSON.stringify(profiling!.profile));
      console.log(`  ${PROFILE} ${r.mbps.toFixed(1)} MB/s; page profile in .cache/msrp-throughput.cpuprofile (open in DevTools)\n${profiling!.summary()}`);
      return;
    }
    for (const sizeMB of SIZES_MB) {
      const file = await makeFile(sizeMB);
      files.push(file);
      for (let round = 1; round <= ROUNDS; round++) {
        const shift = (round - 1) % KINDS.length;
        for (const kind of [...KINDS.slice(shift), ...KINDS.slice(0, shift)]) {
          const r = await measure(viteUrl, core, kind, file, round);
          results.push(r);
          const sender = r.maxUnackedBytes !== undefined ? `   unacked max ${mb(r.maxUnackedBytes)} (${r.maxUnacknowledged} chunks)` : '';
          console.log(
            `  ${String(sizeMB).padStart(4)} MB round ${round} ${kind.padEnd(14)} ${r.mbps.toFixed(1).padStart(6)} MB/s (transfer ${r.transferMbps.toFixed(1)})   ` +
              `heap +${mb(r.growth.heap)}, live +${mb(r.growth.live)}, with garbage buffers +${mb(r.growth.withBuffers)} (base ${mb(r.baseline.withBuffers)}, retained ${mb(r.retained.withBuffers)}, ${r.samples} samples)${sender}`,
          );
        }
      }
      await rm(file.path, { force: true });
    }
  } finally {
    await Promise.all(files.map((f) => rm(f.path, { force: true })));
    await vite.close();
    await core.close();
  }

  const summary = summarize(results, SIZES_MB, KINDS);
  const targets = msrpTargets(summary);

  console.log('\nmedian throughput, worst-round memory growth (MB = 2^20 bytes):');
  for (const s of summary) {
    for (const kind of KINDS) {
      const k = s.kinds[kind]!;
      const ratio = k.ratioToRaw !== undefined && kind !== 'raw' ? `${(k.ratioToRaw * 100).toFixed(0).padStart(3)}% of raw` : '           ';
      console.log(
        `  ${String(s.sizeMB).padStart(4)} MB ${kind.padEnd(14)} ${k.mbps.toFixed(1).padStart(6)} MB/s ${ratio} (transfer ${k.transferMbps.toFixed(1).padStart(5)})   ` +
          `heap +${mb(k.growth.heap)}, live +${mb(k.growth.live)}, with garbage buffers +${mb(k.growth.withBuffers)}`,
      );
    }
  }
  printTargets(targets);

  await mkdir('bench/results', { recursive: true });
  await writeFile(
    'bench/results/msrp-throughput.json',
    JSON.stringify({ date: new Date().toISOString(), params: { SIZES_MB, ROUNDS, KINDS, WINDOW: WINDOW ?? 'default', CHUNK: DEFAULT_CHUNK_SIZE, HIGH_WATER_MARK: DEFAULT_HIGH_WATER_MARK }, results, summary, targets }, null, 2),
  );
  if (OPTIONS.check) process.exit(checkExitCode(targets));
}

await main();
