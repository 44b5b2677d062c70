/**
 * The service path: the Push Sender Agent service (server/sender/service) in a process of its
 * own (serviceProcess.ts), driven over its HTTP API as a push provider would: the status
 * stream (GET /v1/events, Server-Sent Events) opened first, then one POST /v1/pushes per
 * receiver, at most `inFlight` outstanding. A push's time to delivered runs from just before
 * its POST to the SSE `delivered` event for it, both read on this process's clock.
 *
 * Each push carries a pushId of ours (unique per run), so an event that arrives before its
 * POST's answer (the service may send and hear the 200 first) is matched all the same.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { nowEpochMs, PUSH_APP } from './receivers.ts';
import type { TimedPush } from './summary.ts';

export interface ServiceHandle {
  apiUrl: string;
  token: string;
  close(): Promise<void>;
}

/** What serviceProcess.ts is asked and answers over IPC. */
export interface ServiceStart {
  type: 'start';
  wsUrl: string;
  domain: string;
  /** The queue's location; absent: a fresh PGlite data directory. */
  queue?: string;
}
export type ServiceReply = { type: 'ready'; apiUrl: string; token: string } | { type: 'failed'; message: string };

const SERVICE_PROCESS = fileURLToPath(new URL('./serviceProcess.ts', import.meta.url));

export async function startServiceProcess(core: Omit<ServiceStart, 'type'>): Promise<ServiceHandle> {
  const child = fork(SERVICE_PROCESS, [], { execArgv: ['--import', 'tsx', ...(process.env.FANOUT_SERVICE_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.FANOUT_SERVICE_PROF] : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const reply = await new Promise<ServiceReply>((resolve) => {
    child.once('message', (m: ServiceReply) => resolve(m));
    void exited.then((code) => resolve({ type: 'failed', message: `the service process exited (${code}) before it was ready: see its error above` }));
    child.send({ type: 'start', ...core } satisfies ServiceStart);
  });
  const close = async () => {
    if (child.connected) child.send({ type: 'close' });
    await exited;
  };
  if (reply.type === 'failed') {
    await close();
    throw new Error(`fanout: the service did not start: ${reply.message}`);
  }
  return { apiUrl: reply.apiUrl.replace(/\/$/, ''), token: reply.token, close };
}

/** A status change as the SSE stream carries it (server/sender/queue StatusChange, the fields read here). */
interface StatusEvent {
  pushId: string;
  terminal: string;
  to: string;
  reason?: string;
  sipStatus?: number;
}

/** Statuses after which a push will never be delivered. */
const NEVER_DELIVERED = new Set(['undeliverable', 'expired', 'cancelled']);

export interface ServiceFanout {
  service: ServiceHandle;
  aors: readonly string[];
  bodies: readonly string[];
  inFlight: number;
  /** After the last submit, how long to wait for the remaining deliveries. */
  timeoutMs: number;
}

export interface ServiceFanoutResult {
  pushes: TimedPush[];
  /** How long each accepted POST took to be answered 202, ms: the submit's share of the time to delivered. */
  submitMs: number[];
  problems: string[];
}

const runId = randomBytes(4).toString('hex');

export async function runServiceFanout(run: ServiceFanout): Promise<ServiceFanoutResult> {
  const { service } = run;
  const auth = { authorization: `Bearer ${service.token}` };
  const ids = run.aors.map((_, i) => `fanout-${runId}-${randomBytes(3).toString('hex')}-${i}`);
  const index = new Map(ids.map((id, i) => [id, i]));
  const pushes: TimedPush[] = run.aors.map(() => ({ sentAt: NaN }));
  const problems: string[] = [];
  const submitMs: number[] = [];
  const finalReasons = new Map<string, number>();
  let settled = 0;
  let allSettled!: () => void;
  const done = new Promise<void>((resolve) => (allSettled = resolve));
  const settle = () => {
    if (++settled === pushes.length) allSettled();
  };
  const ended = new Set<number>();

  const onEvent = (change: StatusEvent): void => {
    const i = index.get(change.pushId);
    if (i === undefined || ended.has(i)) return;
    if (change.to === 'delivered' || change.to === 'displayed') {
      pushes[i]!.deliveredAt = nowEpochMs();
    } else if (NEVER_DELIVERED.has(change.to)) {
      const key = `${change.to}${change.sipStatus ? ` ${change.sipStatus}` : ''}${change.reason ? ` (${change.reason})` : ''}`;
      finalReasons.set(key, (finalReasons.get(key) ?? 0) + 1);
    } else return;
    ended.add(i);
    settle();
  };

  const events = new AbortController();
  const stream = await openEventStream(`${service.apiUrl}/v1/events`, auth, events.signal, onEvent);

  let next = 0;
  const submitter = async (): Promise<void> => {
    while (next < run.aors.length) {
      const i = next++;
      pushes[i]!.sentAt = nowEpochMs();
      const response = await fetch(`${service.apiUrl}/v1/pushes`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ pushId: ids[i], target: run.aors[i], app: PUSH_APP, contentType: 'text/plain', content: run.bodies[i], report: false }),
      }).catch((error: unknown) => error as Error);
      if (response instanceof Error || response.status !== 202) {
        const why = response instanceof Error ? response.message : `${response.status} ${(await response.text()).slice(0, 300)}`;
        if (problems.length < 5) problems.push(`POST /v1/pushes for ${run.aors[i]}: ${why}`);
        if (!ended.has(i)) {
          ended.add(i);
          settle();
        }
      } else {
        submitMs.push(nowEpochMs() - pushes[i]!.sentAt);
        await response.body?.cancel();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(run.inFlight, run.aors.length) }, submitter));

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), run.timeoutMs)));
  const outcome = await Promise.race([done.then(() => 'done' as const), timedOut, stream.ended.then(() => 'stream-ended' as const)]);
  clearTimeout(timer);
  events.abort();
  await stream.ended;
  if (outcome === 'timeout') problems.push(`${pushes.length - settled} pushes neither delivered nor failed ${run.timeoutMs} ms after the last submit`);
  if (outcome === 'stream-ended') problems.push(`the SSE stream ended with ${pushes.length - settled} pushes unsettled${stream.error ? `: ${stream.error}` : ''}`);
  for (const [reason, count] of finalReasons) problems.push(`${count} ended ${reason}`);
  return { pushes, submitMs, problems };
}

/**
 * GET an SSE stream and call `onEvent` with each `event: status` data parsed; resolves once
 * the response headers are in (the stream is live), `ended` once it closes or is aborted.
 */
async function openEventStream(url: string, headers: Record<string, string>, signal: AbortSignal, onEvent: (change: StatusEvent) => void): Promise<{ ended: Promise<void>; error?: string }> {
  const response = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' }, signal });
  if (!response.ok || !response.body) throw new Error(`GET /v1/events answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  const handle: { ended: Promise<void>; error?: string } = { ended: Promise.resolve() };
  const decoder = new TextDecoder();
  handle.ended = (async () => {
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        // Events end with a blank line (WHATWG HTML, server-sent events); CRLF tolerated.
        for (let end = buffer.search(/\r?\n\r?\n/); end >= 0; end = buffer.search(/\r?\n\r?\n/)) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
          let type = 'message';
          const data: string[] = [];
          for (const line of block.split(/\r?\n/)) {
            if (line.startsWith('event:')) type = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
          }
          if (type === 'status' && data.length > 0) onEvent(JSON.parse(data.join('\n')) as StatusEvent);
        }
      }
    } catch (error) {
      if (!signal.aborted) handle.error = error instanceof Error ? error.message : String(error);
    }
  })();
  return handle;
}
