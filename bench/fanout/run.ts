/**
 * bench/fanout (issue 12): one push to each of N light receivers (Node SIP-over-WebSocket UAs
 * registered on the embedded core, receivers.ts; not browser tabs) through the Push Sender
 * Agent service, against sipp sending the same MESSAGEs through the same core in the same run
 * (the machine is shared and noisy: only ratios within a run mean anything).
 *
 *   sipp     sipp.ts: one MESSAGE per AoR over TCP to the core's SIP port, at most
 *            --in-flight outstanding; delivered = its 200 reached sipp
 *   service  service.ts: POST /v1/pushes per AoR to the service (server/sender/service), at most
 *            --in-flight HTTP requests outstanding; delivered = the service's SSE status event
 *            `delivered` for the push (it records the receiver's SIP 200: what a push provider
 *            sees), no report (IMDN) requested, so the MESSAGE is the same plain text as sipp's
 *
 * Both carry the same body (body.ts: a token and padding to --body-bytes), Content-Type
 * text/plain and Accept-Contact for the app bench.ua. Per path and round: pushes delivered per
 * second from the first push sent to the last delivered, and p50/p99 time to delivered; the
 * receivers also note each arrival (arrival rate, informational). Rounds alternate which path
 * goes first; each figure is the median over rounds. The service's first round includes its
 * discovery of the N receivers (reg-event subscriptions), printed as it is.
 *
 * Processes (2 cores): the core alone in one (spawnCore.ts), the service in another
 * (serviceProcess.ts), sipp in its own; the receivers and the driver in this one, for both paths.
 * Figures go to bench/results/fanout.json and fanout.md (gitignored).
 *
 * Usage: npm run bench:fanout -- [--receivers 1000] [--rounds 3] [--in-flight 64] [--body-bytes 128]
 *                                [--timeout-seconds 60] [--queue memory:|postgres://...] [--sipp-only] [--check]
 * --queue: the service's queue (default a fresh PGlite data directory on disk, as `npm run psa`).
 * --check exits 1 when a target is missed (targets.ts): every push delivered, and the service's
 * pushes/s at least 80% of sipp's. Without it the bench reports and asserts nothing timed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { percentile } from '../../server/sender/index.ts';
import { parseOrExit } from '../check/options.ts';
import { checkExitCode, printTargets } from '../check/target.ts';
import { pushBody, tokenKey } from './body.ts';
import { ALL_PATHS, parseFanoutOptions, type FanoutPath } from './options.ts';
import { startReceiverPool, type ReceiverPool } from './receivers.ts';
import { fanoutMarkdown } from './report.ts';
import { runServiceFanout, startServiceProcess, type ServiceHandle } from './service.ts';
import { spawnCore, type FanoutCore } from './spawnCore.ts';
import { runSippFanout, SIPP_BODY_TRAILER } from './sipp.ts';
import { roundFigures, summarize, type RoundFigures, type TimedPush } from './summary.ts';
import { fanoutTargets } from './targets.ts';

const OPTIONS = parseOrExit('fanout', () => parseFanoutOptions(process.argv.slice(2)));
const PATHS: FanoutPath[] = OPTIONS.sippOnly ? ['sipp'] : [...ALL_PATHS];

interface RoundResult extends RoundFigures {
  /** Service only: p50 and p99 of POST /v1/pushes answered 202, ms (part of the time to delivered). */
  submit?: { p50Ms: number; p99Ms: number };
  /** Body sizes the receivers got on this path (bytes, as framed by Content-Length). */
  bodySizes: number[];
  problem?: string;
}

async function measure(path: FanoutPath, round: number, core: FanoutCore, pool: ReceiverPool, service: ServiceHandle | undefined): Promise<RoundResult> {
  // sipp adds a CRLF to the body it is given: both paths then deliver --body-bytes.
  const size = path === 'sipp' ? OPTIONS.bodyBytes - SIPP_BODY_TRAILER : OPTIONS.bodyBytes;
  const bodies = pool.aors.map((_, index) => pushBody({ path, round, index }, size));
  let pushes: TimedPush[];
  let problem: string | undefined;
  let submit: RoundResult['submit'];
  if (path === 'sipp') {
    const users = pool.aors.map((aor) => aor.slice(4, aor.indexOf('@')));
    const result = await runSippFanout({
      host: '127.0.0.1',
      port: core.sipPort,
      domain: core.domain,
      pushes: users.map((user, i) => ({ user, body: bodies[i]! })),
      inFlight: OPTIONS.inFlight,
      timeoutSeconds: Math.ceil(OPTIONS.timeoutMs / 1000),
    });
    pushes = result.calls.map((c) => ({ sentAt: c.sentAt, deliveredAt: c.answeredAt }));
    // A call not answered: counted as not delivered (its send time is not in sipp's file).
    const firstSent = Math.min(...pushes.map((p) => p.sentAt), 0);
    for (let i = 0; i < result.failed; i++) pushes.push({ sentAt: firstSent });
    if (result.exitCode !== 0 || result.failed > 0) problem = `sipp exited ${result.exitCode}, ${result.failed} not answered 200:\n${result.diagnostics ?? ''}`;
  } else {
    const result = await runServiceFanout({ service: service!, aors: pool.aors, bodies, inFlight: OPTIONS.inFlight, timeoutMs: OPTIONS.timeoutMs });
    pushes = result.pushes;
    submit = { p50Ms: percentile(result.submitMs, 50), p99Ms: percentile(result.submitMs, 99) };
    if (result.problems.length > 0) problem = result.problems.join('; ');
  }
  const keys = pool.aors.map((_, index) => tokenKey({ path, round, index }));
  const arrivals = keys.map((k) => pool.arrivals.get(k)).filter((t): t is number => t !== undefined);
  const figures = roundFigures(path, round, pushes, arrivals);
  const bodySizes = [...(pool.bodySizes.get(path) ?? [])];
  return { ...figures, bodySizes, ...(submit ? { submit } : {}), ...(problem ? { problem } : {}) };
}

async function main(): Promise<number> {
  const core = await spawnCore(OPTIONS.receivers);
  let pool: ReceiverPool | undefined;
  let service: ServiceHandle | undefined;
  const results: RoundResult[] = [];
  try {
    const started = performance.now();
    pool = await startReceiverPool({ wsUrl: core.wsUrl, domain: core.domain, count: OPTIONS.receivers });
    console.log(`fanout: ${OPTIONS.receivers} receivers registered on the core (pid ${core.pid}, ${core.wsUrl}, SIP ${core.sipPort}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    if (PATHS.includes('service')) service = await startServiceProcess({ wsUrl: core.wsUrl, domain: core.domain, ...(OPTIONS.queue !== undefined ? { queue: OPTIONS.queue } : {}) });
    console.log(`  ${OPTIONS.rounds} rounds, ${OPTIONS.inFlight} in flight, ${OPTIONS.bodyBytes}-byte bodies, paths ${PATHS.join(', ')}`);
    for (let round = 1; round <= OPTIONS.rounds; round++) {
      const order = round % 2 === 1 ? PATHS : [...PATHS].reverse();
      for (const path of order) {
        const r = await measure(path, round, core, pool, service);
        results.push(r);
        console.log(
          `  round ${round} ${path.padEnd(7)} ${r.rate.toFixed(0).padStart(6)} pushes/s   p50 ${r.p50Ms.toFixed(1)} ms   p99 ${r.p99Ms.toFixed(1)} ms   ` +
            `arrivals ${r.arrivalRate.toFixed(0)}/s   delivered ${r.delivered}/${r.pushes}` +
            (r.submit ? `   (POST answered: p50 ${r.submit.p50Ms.toFixed(1)} ms, p99 ${r.submit.p99Ms.toFixed(1)} ms)` : ''),
        );
        if (r.problem) console.warn(`    problem: ${r.problem}`);
      }
    }
  } finally {
    await service?.close();
    await pool?.close();
    await core.close();
  }

  const summary = summarize(results);
  const targets = fanoutTargets(summary);
  console.log('\nmedians:');
  for (const path of PATHS) {
    const s = summary.paths[path]!;
    console.log(`  ${path.padEnd(7)} ${s.rate.toFixed(0).padStart(6)} pushes/s   p50 ${s.p50Ms.toFixed(1)} ms   p99 ${s.p99Ms.toFixed(1)} ms   not delivered ${s.failed}`);
  }
  if (summary.ratio !== undefined) console.log(`service / sipp: ${(summary.ratio * 100).toFixed(0)}%`);
  console.log(`body sizes received: ${PATHS.map((p) => `${p} ${[...new Set(results.filter((r) => r.path === p).flatMap((r) => r.bodySizes))].join(',')} bytes`).join(', ')}`);
  console.log(`receiver anomalies: ${JSON.stringify(pool.anomalies)}`);
  printTargets(targets);

  const record = { date: new Date().toISOString(), options: OPTIONS, paths: PATHS, results, summary, targets, anomalies: pool.anomalies };
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/fanout.json', JSON.stringify(record, null, 2));
  await writeFile('bench/results/fanout.md', fanoutMarkdown(record));
  console.log('written: bench/results/fanout.json, bench/results/fanout.md');
  return OPTIONS.check ? checkExitCode(targets) : 0;
}

process.exit(await main());
