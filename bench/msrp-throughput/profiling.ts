/**
 * `--profile` support for bench/msrp-throughput: where the time goes during one transfer.
 *
 * - The page's main thread: the CDP sampling profiler (self and inclusive time per function).
 * - Every process: CPU seconds from /proc (Linux) for the Chromium processes of the bench's
 *   own browser (found by its --user-data-dir, then by parent pid) and for this Node process
 *   (sender, embedded core, raw server), against the machine's total.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { CDPSession } from '@playwright/test';

export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Something that runs alongside a measured transfer. */
export interface Probe {
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface ProcTimes {
  label: string;
  /** utime + stime, clock ticks. */
  ticks: number;
}

/** Linux USER_HZ: 100 on every mainstream kernel configuration. */
const TICKS_PER_SECOND = 100;

async function readProcs(): Promise<Map<number, { ppid: number; ticks: number; cmdline: string }>> {
  const procs = new Map<number, { ppid: number; ticks: number; cmdline: string }>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at field 3 (state).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').join(' ');
      procs.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), cmdline });
    } catch {
      // The process ended while we read it.
    }
  }
  return procs;
}

function labelOf(cmdline: string): string {
  const type = /--type=(\S+)/.exec(cmdline)?.[1];
  if (!type) return 'browser';
  const sub = /--utility-sub-type=(\S+)/.exec(cmdline)?.[1];
  return sub ? `utility ${sub.replace(/\.mojom\./, '.').replace(/^[a-z_]+\./, '')}` : type;
}

async function chromiumTimes(userDataDir: string): Promise<Map<number, ProcTimes>> {
  const procs = await readProcs();
  const root = [...procs].find(([, p]) => p.cmdline.includes(`--user-data-dir=${userDataDir}`) && !p.cmdline.includes('--type='))?.[0];
  const times = new Map<number, ProcTimes>();
  if (root === undefined) return times;
  const ours = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, p] of procs) {
      if (!ours.has(pid) && ours.has(p.ppid)) {
        ours.add(pid);
        grew = true;
      }
    }
  }
  for (const pid of ours) {
    const p = procs.get(pid)!;
    times.set(pid, { label: labelOf(p.cmdline), ticks: p.ticks });
  }
  return times;
}

async function machineTicks(): Promise<{ busy: number; all: number }> {
  const cpu = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const all = cpu.reduce((a, b) => a + b, 0);
  const idle = cpu[3]! + (cpu[4] ?? 0);
  return { busy: all - idle, all };
}

export class Profiling implements Probe {
  profile: CpuProfile | undefined;
  private wall = 0;
  private chromiumBefore = new Map<number, ProcTimes>();
  private machineBefore = { busy: 0, all: 0 };
  private nodeBefore: NodeJS.CpuUsage = { user: 0, system: 0 };
  /** CPU seconds per process kind over the transfer. */
  readonly cpu: Array<{ process: string; seconds: number }> = [];
  machine = { busySeconds: 0, wallSeconds: 0 };

  constructor(
    private readonly cdp: CDPSession,
    private readonly userDataDir: string,
  ) {}

  async start(): Promise<void> {
    await this.cdp.send('Profiler.enable');
    await this.cdp.send('Profiler.setSamplingInterval', { interval: 250 });
    this.chromiumBefore = await chromiumTimes(this.userDataDir);
    this.machineBefore = await machineTicks();
    this.nodeBefore = process.cpuUsage();
    this.wall = performance.now();
    await this.cdp.send('Profiler.start');
  }

  async stop(): Promise<void> {
    const node = process.cpuUsage(this.nodeBefore);
    const machine = await machineTicks();
    const after = await chromiumTimes(this.userDataDir);
    this.machine = { busySeconds: (machine.busy - this.machineBefore.busy) / TICKS_PER_SECOND, wallSeconds: (performance.now() - this.wall) / 1000 };
    this.profile = ((await this.cdp.send('Profiler.stop')) as { profile: CpuProfile }).profile;
    const byLabel = new Map<string, number>();
    for (const [pid, t] of after) {
      const ticks = t.ticks - (this.chromiumBefore.get(pid)?.ticks ?? 0);
      byLabel.set(`chromium ${t.label}`, (byLabel.get(`chromium ${t.label}`) ?? 0) + ticks / TICKS_PER_SECOND);
    }
    byLabel.set('node (sender, core, raw server)', (node.user + node.system) / 1e6);
    this.cpu.push(...[...byLabel].map(([process, seconds]) => ({ process, seconds })).sort((a, b) => b.seconds - a.seconds));
  }

  summary(top = 30): string {
    const { wallSeconds, busySeconds } = this.machine;
    const lines = [`  CPU over ${wallSeconds.toFixed(1)} s of transfer (machine busy ${busySeconds.toFixed(1)} s, ${((busySeconds / wallSeconds) * 100).toFixed(0)}% of one core):`];
    for (const { process, seconds } of this.cpu) lines.push(`    ${seconds.toFixed(2).padStart(6)} s ${((seconds / wallSeconds) * 100).toFixed(0).padStart(4)}%  ${process}`);
    if (this.profile) lines.push(summarizeProfile(this.profile, top));
    return lines.join('\n');
  }
}

/** Self and inclusive time per function of a CDP CPU profile, the largest first. */
export function summarizeProfile(profile: CpuProfile, top = 30): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (id: number) => {
    const f = byId.get(id)!.callFrame;
    return `${f.functionName || '(anonymous)'} ${f.url.split('/').pop() ?? ''}:${f.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    all += dt;
    self.set(label(id), (self.get(label(id)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const l = label(at);
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + dt);
    }
  });
  const fmt = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([l, us]) => `    ${(us / 1000).toFixed(0).padStart(7)} ms ${((us / all) * 100).toFixed(1).padStart(5)}%  ${l}`)
      .join('\n');
  return `  page main thread: ${(all / 1000).toFixed(0)} ms sampled\n  self:\n${fmt(self)}\n  inclusive:\n${fmt(total)}`;
}
