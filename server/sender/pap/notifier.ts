/**
 * Result notifications (WAP-247-PAP section 9.x, resultnotification-message): the gateway
 * POSTs one to the initiator's `ppg-notify-requested-to` URL when an address of its push
 * reaches a reportable state, and reads the resultnotification-response. http(s) only.
 * A send that fails (no connection, timeout, HTTP 5xx) is tried again after `retryDelayMs`,
 * doubling, at most `retries` more times; a 4xx or a response that is not a
 * resultnotification-response is logged and not retried (the initiator would answer the
 * same again). Side effects only here; the message is built by the codec.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { notifyUrlProblem, resolvedProblem } from './notifyTarget.ts';
import { buildPap, parsePap, type PapResultNotificationMessage, type PapResultNotificationResponse, type PapVersion } from '../../../src/protocol/pap/index.ts';

export interface ResultNotifierOptions {
  /** One POST's time limit, ms (default 10 s). */
  timeoutMs?: number;
  /** Further tries after a failed one (default 3). */
  retries?: number;
  /** Wait before the first retry, ms; doubled per retry (default 1 s). */
  retryDelayMs?: number;
  /** Largest response body read, bytes (default 64 KiB). */
  maxResponseBytes?: number;
  /** The pap element's product-name. */
  productName?: string;
  /** Hosts (`host` or `host:port`) notifications may go to although loopback or private (notifyTarget.ts); default none. */
  allowHosts?: readonly string[];
  /** Resolves a host name to its addresses (default node:dns lookup, all of them). */
  lookup?: (host: string) => Promise<string[]>;
  log?: (line: string) => void;
}

export const RESULT_NOTIFIER_DEFAULTS = { timeoutMs: 10_000, retries: 3, retryDelayMs: 1_000, maxResponseBytes: 64 * 1024 } as const;

export interface NotificationOutcome {
  url: string;
  pushId: string;
  address: string;
  /** The initiator's answer, when it sent one we could read. */
  response?: PapResultNotificationResponse;
  /** Why it was not delivered (after the retries). */
  error?: string;
  /** Cut short by close() (the gateway stopping), not given up: to be sent after the next start. */
  aborted?: true;
  tries: number;
}

export interface ResultNotifier {
  send(url: string, message: PapResultNotificationMessage, version: PapVersion): Promise<NotificationOutcome>;
  /** Stop retrying and abort what is in flight. */
  close(): Promise<void>;
}

class Permanent extends Error {}

export function createResultNotifier(options: ResultNotifierOptions = {}): ResultNotifier {
  const o = { ...RESULT_NOTIFIER_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof RESULT_NOTIFIER_DEFAULTS & ResultNotifierOptions;
  for (const name of ['timeoutMs', 'retryDelayMs', 'maxResponseBytes'] as const) {
    if (!Number.isSafeInteger(o[name]) || o[name] < 1) throw new RangeError(`PAP result notifier: ${name} ${o[name]} is not a positive integer`);
  }
  if (!Number.isSafeInteger(o.retries) || o.retries < 0) throw new RangeError(`PAP result notifier: retries ${o.retries} is not a whole number >= 0`);
  const log = o.log ?? ((line: string) => console.error(line));
  const closing = new AbortController();
  const inFlight = new Set<Promise<unknown>>();

  const policy = { allowHosts: o.allowHosts ?? [] };
  const lookup = o.lookup ?? (async (host: string) => (await dnsLookup(host, { all: true })).map((a) => a.address));

  async function postOnce(url: string, body: string): Promise<PapResultNotificationResponse> {
    // One controller of our own, aborted by a timer and by close(), both held until the POST
    // ends: an AbortSignal.timeout() combined by AbortSignal.any() can be garbage-collected
    // before it fires (Node 20, nodejs/node#55428), and the POST then waits for ever on an
    // initiator that never answers.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new DOMException(`no answer in ${o.timeoutMs} ms`, 'TimeoutError')), o.timeoutMs);
    const onClose = () => abort.abort(closing.signal.reason);
    closing.signal.addEventListener('abort', onClose, { once: true });
    if (closing.signal.aborted) onClose();
    try {
      return await postWithin(url, body, abort.signal);
    } finally {
      clearTimeout(timer);
      closing.signal.removeEventListener('abort', onClose);
    }
  }

  async function postWithin(url: string, body: string, signal: AbortSignal): Promise<PapResultNotificationResponse> {
    const written = notifyUrlProblem(url, policy);
    if (written) throw new Permanent(written);
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) === 0) {
      const inside = resolvedProblem(url, await lookup(host), policy);
      if (inside) throw new Permanent(inside);
    }
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/xml; charset=utf-8' }, body, signal, redirect: 'manual' });
    const text = await readLimited(res, o.maxResponseBytes);
    if (res.status >= 500) throw new Error(`HTTP ${res.status}`);
    if (res.status < 200 || res.status > 299) throw new Permanent(`HTTP ${res.status}`);
    let answer;
    try {
      answer = parsePap(text).message;
    } catch (err) {
      throw new Permanent(`the answer is not a PAP document (${(err as Error).message})`);
    }
    if (answer.kind !== 'resultnotification-response') throw new Permanent(`the answer is a ${answer.kind}, not a resultnotification-response`);
    return answer;
  }

  async function deliver(url: string, message: PapResultNotificationMessage, version: PapVersion): Promise<NotificationOutcome> {
    const outcome: NotificationOutcome = { url, pushId: message.pushId, address: message.address, tries: 0 };
    const body = buildPap(message, { version, ...(o.productName !== undefined && { productName: o.productName }) });
    let delay = o.retryDelayMs;
    for (;;) {
      outcome.tries++;
      try {
        outcome.response = await postOnce(url, body);
        return outcome;
      } catch (err) {
        const why = err instanceof Error ? (err.name === 'TimeoutError' ? `no answer in ${o.timeoutMs} ms` : err.message) : String(err);
        const last = err instanceof Permanent || outcome.tries > o.retries || closing.signal.aborted;
        if (last) {
          outcome.error = why;
          if (closing.signal.aborted && !(err instanceof Permanent)) {
            outcome.aborted = true;
            return outcome;
          }
          log(`pap: the result notification for push ${message.pushId} (${message.address}) to ${url} failed after ${outcome.tries} tries: ${why}; the initiator can ask with a statusquery-message`);
          return outcome;
        }
        await wait(delay, closing.signal);
        delay *= 2;
      }
    }
  }

  return {
    send(url, message, version) {
      const p = deliver(url, message, version);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      return p;
    },
    async close() {
      closing.abort();
      await Promise.allSettled([...inFlight]);
    },
  };
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

async function readLimited(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > max) {
      await res.body.cancel().catch(() => undefined);
      throw new Permanent(`the answer is larger than ${max} bytes (maxResponseBytes)`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
