/**
 * bench/soak (issue 9): mixed valid and malformed traffic and connection churn against the
 * embedded core as `npm start` runs it (coreProcess.ts: digest users, SIP over WebSocket, TCP
 * and UDP, default limits, 127.0.0.1), for N minutes, sampling the core process's heap and
 * descriptors; at the end, whether they stayed flat. Not in CI: it takes minutes.
 *
 *   registered UAs   20 users' UAs (WS, TCP, UDP) register, answer pushes, leave after
 *                    20-50 s by unREGISTER or by dropping the connection; new ones take over
 *   pushes           MESSAGE to them from the sender's user, 20/s, senders replaced every 500
 *   malformed SIP    16 kinds (bad start lines, repeated headers, over the size limits,
 *                    garbage), 2/s each over UDP (new source port each), WS and TCP (new
 *                    connection each)
 *   slow peers       connections that send nothing, half a SIP request, half an upgrade or
 *                    half a WebSocket frame: the core must close each within its limit
 *   churn            WebSockets and TCP connections opened and closed (or reset), 5/s each;
 *                    OPTIONS over UDP from a new source port, 1/s
 *
 * Every kind is bounded in rate and in how many are open at once (pace.ts). All of it comes
 * from 127.0.0.1, which the core admits at most maxConnectionsPerSource (256) WS and TCP
 * connections from: about 100 are open at once here at most, and the load fits a 2-core machine.
 * New UDP sources come at about 3/s: each costs the core some 3.4 KB (its flow, and the
 * transaction that waits out Timer J) until the flow expires after udpFlowIdleMs (2 min), so
 * the table's growth from the warm-up's end to its steady state stays well inside the
 * tolerance; a faster rate would be judged as a leak in any run shorter than a few minutes.
 *
 * The core runs in its own process (spawnCore.ts), so the figures are the core's alone: the
 * V8 heap used after a forced GC (over IPC), descriptors and resident set (/proc/<pid>), every
 * --sample-seconds. The verdict (verdict.ts, which states the tolerance) compares the end of
 * the run with the start after the warm-up; exit 1 if not flat, or if the core misbehaved
 * under the load (a slow peer held past its limit, pushes not answered, the core exiting).
 * Figures and samples go to bench/results/soak.json.
 *
 * Usage: npm run bench:soak -- [--minutes 10] [--sample-seconds 5] [--warmup-seconds 60] [--seed 1]
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseOrExit } from '../check/options.ts';
import { parseSoakOptions } from './options.ts';
import { SeededRandom } from './random.ts';
import { spawnCore, type SpawnedCore } from './spawnCore.ts';
import { startChurn } from './traffic/churn.ts';
import { startMalformed } from './traffic/malformed.ts';
import { startPushes } from './traffic/pushes.ts';
import { startUaPool } from './traffic/registeredUas.ts';
import { startSlowPeers } from './traffic/slowPeers.ts';
import type { Traffic, TrafficContext } from './traffic/types.ts';
import { judge, TOLERANCE, WINDOW_SAMPLES, type Figures, type Sample } from './verdict.ts';

const OPTIONS = parseOrExit('soak', () => parseSoakOptions(process.argv.slice(2)));

/** The load; see the header for what each is and why these bounds. */
const LOAD = {
  uas: 20,
  uaLifeMs: [20_000, 50_000] as [number, number],
  pushes: { everyMs: 50, maxInFlight: 20, perSender: 500, minSuccess: 0.95, timeoutMs: 40_000 },
  malformed: { everyMs: 500, maxInFlight: 4, answerWaitMs: 2000 },
  slowPeers: { perKind: 8, graceMs: 3000 },
  churn: { connections: { everyMs: 200, maxInFlight: 5 }, datagrams: { everyMs: 1000, maxInFlight: 4, answerWaitMs: 2000 } },
};
/** Print a sample line this often (every sample goes to the JSON). */
const PRINT_EVERY_MS = 30_000;

const password = () => randomBytes(12).toString('base64url');
const MiB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(2)} MiB`;
const describe = (f: Figures) => `heap ${mib(f.heapUsedBytes)}, descriptors ${f.descriptors}, RSS ${mib(f.rssBytes)}`;

async function sample(core: SpawnedCore, atMs: number): Promise<Sample> {
  const r = await core.read();
  return { atMs, heapUsedBytes: r.heapUsedBytes, descriptors: r.descriptors, rssBytes: r.rssBytes, ...r.stats };
}

function printSample(s: Sample): void {
  console.log(
    `  ${(s.atMs / 1000).toFixed(0).padStart(5)} s   heap ${mib(s.heapUsedBytes).padStart(10)}   descriptors ${String(s.descriptors).padStart(4)}   RSS ${mib(s.rssBytes).padStart(10)}   ` +
      `connections ${s.connections}, UDP flows ${s.udpFlows}, flows ${s.flows}`,
  );
}

async function main(): Promise<number> {
  const users = Object.fromEntries(Array.from({ length: LOAD.uas }, (_, i) => [`ua${i}`, password()]));
  const sender = { user: 'psa', password: password() };
  const core = await spawnCore({ ...users, [sender.user]: sender.password });
  let coreExited: number | null | undefined;
  void core.exited.then((code) => (coreExited = code));
  const { durationMs, sampleEveryMs, warmupMs } = OPTIONS;
  console.log(
    `soak: ${durationMs / 60_000} min against the core (pid ${core.pid}, ${core.address.wsUrl}, SIP ${core.address.sipPort} TCP/UDP), ` +
      `sampled every ${sampleEveryMs / 1000} s, warm-up ${warmupMs / 1000} s, seed ${OPTIONS.seed}`,
  );

  const before = await sample(core, 0);
  console.log(`before traffic: ${describe(before)}`);
  const controller = new AbortController();
  // Every UA slot and prober waits on it: more than Node's default warning threshold of 10.
  setMaxListeners(4 * LOAD.uas, controller.signal);
  const context: TrafficContext = { core: core.address, random: new SeededRandom(OPTIONS.seed), signal: controller.signal };
  const pool = startUaPool(context, { users, lifeMs: LOAD.uaLifeMs, expires: 120, retryMs: 1000 });
  const traffic: Traffic[] = [
    pool,
    startPushes(context, pool, { ...LOAD.pushes, sender }),
    startMalformed(context, LOAD.malformed),
    startSlowPeers(context, LOAD.slowPeers),
    startChurn(context, LOAD.churn),
  ];

  const samples: Sample[] = [];
  const started = performance.now();
  let lastPrinted = -Infinity;
  for (let next = sampleEveryMs; next <= durationMs && coreExited === undefined; next += sampleEveryMs) {
    await sleep(Math.max(0, started + next - performance.now()));
    const s = await sample(core, performance.now() - started).catch(() => undefined);
    if (!s) break;
    samples.push(s);
    if (s.atMs - lastPrinted >= PRINT_EVERY_MS) {
      printSample(s);
      lastPrinted = s.atMs;
    }
  }
  controller.abort();
  await Promise.all(traffic.map((t) => t.stop()));
  const after = coreExited === undefined ? await sample(core, performance.now() - started) : undefined;

  const problems = traffic.flatMap((t) => t.problems());
  if (coreExited !== undefined) problems.unshift(`the core process exited (${coreExited}) during the soak`);
  console.log('\ntraffic:');
  for (const t of traffic) console.log(`  ${t.name}: ${t.report()}`);
  if (after) console.log(`\nafter traffic stopped (informational): ${describe(after)}, connections ${after.connections}, UDP flows ${after.udpFlows}`);

  const verdict = samples.filter((s) => s.atMs >= warmupMs).length >= 2 * WINDOW_SAMPLES ? judge(samples, warmupMs) : undefined;
  if (verdict) {
    console.log(`\nstart (median of the first ${WINDOW_SAMPLES} samples after ${warmupMs / 1000} s): ${describe(verdict.start)}`);
    console.log(`end   (median of the last ${WINDOW_SAMPLES} samples):             ${describe(verdict.end)}`);
    console.log(
      `tolerance: heap end <= start + max(${TOLERANCE.heapFraction * 100}%, ${mib(TOLERANCE.heapBytes)}) = ${mib(verdict.allowed.heapUsedBytes)} (${verdict.heapFlat ? 'ok' : 'EXCEEDED'}); ` +
        `descriptors end <= start + ${TOLERANCE.descriptors} = ${verdict.allowed.descriptors} (${verdict.descriptorsFlat ? 'ok' : 'EXCEEDED'})`,
    );
  } else problems.push('too few samples after the warm-up for a verdict');
  for (const p of problems) console.log(`problem: ${p}`);
  const flat = verdict?.flat === true;
  console.log(`verdict: ${flat ? 'flat' : 'NOT flat'}${problems.length > 0 ? `, ${problems.length} problem(s)` : ''}`);

  await mkdir('bench/results', { recursive: true });
  await writeFile(
    'bench/results/soak.json',
    JSON.stringify({ date: new Date().toISOString(), options: OPTIONS, load: LOAD, tolerance: TOLERANCE, before, after, verdict, problems, traffic: traffic.map((t) => ({ name: t.name, report: t.report() })), samples }, null, 2),
  );
  await core.close();
  return flat && problems.length === 0 ? 0 : 1;
}

process.exit(await main());
