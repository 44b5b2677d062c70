/**
 * The Push Proxy Gateway (issue 13): PAP over HTTP (WAP-247-PAP section 8) in front of the
 * Push Sender Agent service. One POST endpoint takes every PAP message and answers in the
 * initiator's PAP version (responseVersionFor):
 *
 *   push-message         -> service.submit (one push, a target per address)   -> push-response
 *   cancel-message       -> service.cancel                                     -> cancel-response
 *   statusquery-message  -> service.get                                        -> statusquery-response
 *   ccq-message          -> 3001 Not Implemented                               -> ccq-response
 *   anything unreadable  -> badmessage-response (the PapError's code, the offending fragment)
 *
 * HTTP status, as Kannel's PPG (gw/wap_push_ppg.c, pap_request_thread) does it: a request
 * read far enough to answer in PAP is answered 2xx and the PAP code says the outcome: 202
 * Accepted for the push-response and the badmessage-response, 200 for the synchronous
 * cancel/statusquery/ccq answers. HTTP errors only where PAP has no say: 401 (Basic
 * authentication), 405 (not POST), 413 (over maxBodyBytes or maxControlBytes, with a
 * badmessage-response body), 500 (the gateway failed: a 3000 badmessage-response).
 *
 * Result notifications (notifier.ts) are sent from what the service publishes (onChange),
 * per address, once it is delivered, undeliverable, expired or cancelled. What the gateway
 * keeps of a push (its addresses, notify URL, initiator, notifications sent) is in a
 * PapPushStore (papStore.ts): the queue's database when startPushService mounts it, so a
 * restart forgets nothing and sends the notifications still owed; in memory otherwise.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import {
  PapError,
  badMessageResponseFor,
  buildPap,
  ccqNotSupported,
  pushApplicationName,
  parsePapRequest,
  responseVersionFor,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_CONTROL_BYTES,
  DEFAULT_MAX_PARTS,
  DEFAULT_MAX_FRAGMENT_CHARS,
  type PapCancelMessage,
  type PapCancelResult,
  type PapMessage,
  type PapPushMessage,
  type PapRequest,
  type PapResult,
  type PapStatusQueryMessage,
  type PapStatusQueryResult,
  type PapVersion,
} from '../../../src/protocol/pap/index.ts';
import { expectedAorOf } from '../service/reports/imdnIntake.ts';
import { ApiError } from '../service/http/apiError.ts';
import { checkPushFields } from '../service/http/submitBody.ts';
import { mountPath } from '../service/http/mountPath.ts';
import { ServiceError, type PushPriority, type PushService } from '../service/types.ts';
import { checkAddressMapping, mapPapAddress, type AddressTemplates, type MappedAddress } from './addressMapping.ts';
import { createResultNotifier, type NotificationOutcome, type ResultNotifierOptions } from './notifier.ts';
import { notifyUrlProblem } from './notifyTarget.ts';
import { aorsOf, memoryPapStore, notificationsDone, type PapPushStore, type TrackedPush } from './papStore.ts';
import { deliveriesOf, isReportable, stateOf, type AorState } from './states.ts';

export type { TrackedPush } from './papStore.ts';

export interface PapGatewayOptions {
  /** Where the service's HTTP server mounts the gateway (default `/pap`). */
  path?: string;
  /** The AoRs' domain (default: the service AoR's, filled in by startPushService). */
  domain?: string;
  /** Address TYPE -> AoR templates over DEFAULT_ADDRESS_TEMPLATES (addressMapping.ts). */
  addressTemplates?: Partial<AddressTemplates>;
  /** The app when neither the content entity nor the request has X-Wap-Application-Id (default `wml.ua`, Push OTA's default application). */
  defaultApp?: string;
  /**
   * Basic authentication of initiators (RFC 7617). `false`: open, no Authorization read.
   * Otherwise (the default) Basic is required, checked against `users` and, when given,
   * `apiToken` as the password of any user name; with neither, createPapGateway refuses.
   */
  auth?: boolean;
  /** `user:password` entries (the password may hold `:`). */
  users?: string[];
  /** The service API's bearer token, accepted as a Basic password (startPushService passes it). */
  apiToken?: string;
  /** Largest HTTP body, bytes (default 16 MiB); one past it is 413. */
  maxBodyBytes?: number;
  /** Largest control entity, bytes (default 64 KiB); one past it is 413. */
  maxControlBytes?: number;
  /** Most multipart parts (default 8). */
  maxParts?: number;
  /** Longest bad-message-fragment, characters (default 256). */
  maxFragmentChars?: number;
  /**
   * Where the gateway keeps what it knows of each push (papStore.ts): startPushService gives
   * the queue's database (sqlPapStore), so a restart forgets nothing; default, in memory
   * (memoryPapStore of maxTrackedPushes).
   */
  store?: PapPushStore;
  /** Records kept in memory (the recent ones; all of them without a store), and read back at start with a notification owed (default 10,000). */
  maxTrackedPushes?: number;
  /** Most `<address>` elements in one push-message (default 100, as the API's targets): each gets its own result notification. */
  maxAddresses?: number;
  /** How often the notifications still owed in the store are looked for (a restart, another gateway on the same database), ms (default 60 s). */
  owedSweepMs?: number;
  /** How long a gateway holds the right to send one notification before another may (default 2 min: over the notifier's timeouts and retries). */
  notifyClaimMs?: number;
  /** A kept push-id whose push the service does not have is taken as never submitted (a crash) after this long, ms (default 30 s). */
  submitGraceMs?: number;
  /** The sender-address of push-responses and result notifications (default the URL the push-message came to: http://<Host><path>). */
  senderAddress?: string;
  /** The push-response's sender-name (default `SIP Push Web PPG`). */
  senderName?: string;
  /** Result notification sends: timeoutMs (10 s), retries (3), retryDelayMs (1 s, doubling), maxResponseBytes (64 KiB). */
  notify?: Omit<ResultNotifierOptions, 'log' | 'productName'>;
  /** Epoch ms (default Date.now). */
  clock?: () => number;
  /** Failures worth an operator's attention (default console.error); never given a password. */
  log?: (line: string) => void;
}

export const PAP_GATEWAY_DEFAULTS: Required<Pick<PapGatewayOptions, 'path' | 'defaultApp' | 'auth' | 'maxBodyBytes' | 'maxControlBytes' | 'maxParts' | 'maxFragmentChars' | 'maxTrackedPushes' | 'maxAddresses' | 'owedSweepMs' | 'notifyClaimMs' | 'submitGraceMs' | 'senderName'>> = {
  path: '/pap',
  defaultApp: 'wml.ua',
  auth: true,
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  maxControlBytes: DEFAULT_MAX_CONTROL_BYTES,
  maxParts: DEFAULT_MAX_PARTS,
  maxFragmentChars: DEFAULT_MAX_FRAGMENT_CHARS,
  maxTrackedPushes: 10_000,
  maxAddresses: 100,
  owedSweepMs: 60_000,
  notifyClaimMs: 120_000,
  submitGraceMs: 30_000,
  senderName: 'SIP Push Web PPG',
};

/** The HTTP handler, with the gateway's state for its owner. */
export interface PapGateway {
  (req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
  readonly path: string;
  tracked(pushId: string): TrackedPush | undefined;
  /** Every result notification sent so far resolves here (tests, logs). */
  onNotified(listener: (outcome: NotificationOutcome) => void): () => void;
  /** Unsubscribe from the service and stop notification retries. */
  close(): Promise<void>;
}

/** Who sent a request, as authenticate() found. */
interface Initiator {
  user?: string;
  /** May query and cancel every push, not only its own. */
  anyPush: boolean;
}

const PRIORITY: Record<string, PushPriority> = { high: 'high', medium: 'normal', low: 'low' };

export function createPapGateway(service: PushService, options: PapGatewayOptions): PapGateway {
  const o = { ...PAP_GATEWAY_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof PAP_GATEWAY_DEFAULTS & PapGatewayOptions;
  for (const name of ['maxBodyBytes', 'maxControlBytes', 'maxParts', 'maxFragmentChars', 'maxTrackedPushes', 'maxAddresses', 'owedSweepMs', 'notifyClaimMs', 'submitGraceMs'] as const) {
    if (!Number.isSafeInteger(o[name]) || o[name] < 1) throw new RangeError(`createPapGateway: ${name} ${o[name]} is not a positive integer`);
  }
  mountPath(o.path, 'createPapGateway: the PAP gateway', '/pap');
  if (o.domain === undefined) throw new Error('createPapGateway: no domain; give the SIP domain of the receivers\' AoRs (startPushService uses its own AoR\'s)');
  const mapping = { domain: o.domain, ...(o.addressTemplates && { templates: o.addressTemplates }) };
  checkAddressMapping(mapping);
  pushApplicationName(o.defaultApp);
  const credentials = (o.users ?? []).map((entry) => {
    if (!entry.includes(':') || entry.startsWith(':')) throw new Error('createPapGateway: a users entry is not user:password; write each as name:password');
    return sha256(entry);
  });
  if (o.auth !== false && credentials.length === 0 && !o.apiToken) {
    throw new Error('createPapGateway: no initiator credentials; give users (user:password), or the API token, or set auth: false to serve PAP without authentication');
  }
  const tokenHash = o.apiToken ? sha256(o.apiToken) : undefined;
  const clock = o.clock ?? Date.now;
  const log = o.log ?? ((line: string) => console.error(line));
  const notifier = createResultNotifier({ ...o.notify, log, productName: o.senderName });
  const store = o.store ?? memoryPapStore(o.maxTrackedPushes);
  /** The records read or written lately, newest last (at most maxTrackedPushes). */
  const recent = new Map<string, TrackedPush>();
  /**
   * The records this gateway accepted (or read back at start) with a notification owed, at
   * most maxTrackedPushes: the service's changes are matched against these. Anything owed
   * beyond them, or accepted by another gateway on the same database, the sweep finds.
   */
  const owed = new Map<string, TrackedPush>();
  const notifiedListeners = new Set<(outcome: NotificationOutcome) => void>();
  const sends = new Set<Promise<unknown>>();
  let closed = false;

  const unsubscribe = service.onChange((change) => {
    const record = owed.get(change.pushId);
    if (record && change.to !== 'pending' && change.to !== 'accepted') void checkNotifications(record);
  });

  /** Cache a record; `watch` also matches the service's changes against it while a notification is owed. */
  function remember(record: TrackedPush, watch: boolean): TrackedPush {
    recent.delete(record.pushId);
    recent.set(record.pushId, record);
    while (recent.size > o.maxTrackedPushes) recent.delete(recent.keys().next().value!);
    if (watch && !notificationsDone(record) && (owed.has(record.pushId) || owed.size < o.maxTrackedPushes)) owed.set(record.pushId, record);
    return record;
  }

  /** A record for a statusquery or cancel (read-only use: never watched here). */
  async function lookup(pushId: string): Promise<TrackedPush | undefined> {
    const known = owed.get(pushId) ?? recent.get(pushId);
    if (known) return known;
    const stored = await store.get(pushId);
    return stored && remember(stored, false);
  }

  /**
   * Every notification still owed in the database, page by page, checked now: at start (a
   * push may have settled while the gateway was down) and every owedSweepMs (one owed beyond
   * maxTrackedPushes, one a stopped or crashed gateway had claimed, one another gateway on the
   * same database accepted and can no longer send). Claims keep two gateways from both sending.
   */
  async function sweepOwed(watch: boolean): Promise<void> {
    let after: { receivedAt: number; pushId: string } | undefined;
    for (;;) {
      if (closed) return;
      const page = await store.owed(o.maxTrackedPushes, after);
      for (const stored of page) {
        const record = owed.get(stored.pushId) ?? remember(stored, watch);
        await checkNotifications(record);
      }
      if (page.length < o.maxTrackedPushes) return;
      const last = page[page.length - 1]!;
      after = { receivedAt: last.receivedAt, pushId: last.pushId };
    }
  }
  const sweepFailed = (err: unknown) => log(`pap: reading the result notifications owed failed: ${err instanceof Error ? err.message : String(err)}; tried again in ${o.owedSweepMs} ms`);
  let sweeping: Promise<void> = sweepOwed(true).catch(sweepFailed);
  const sweepTimer = setInterval(() => {
    sweeping = sweeping.then(() => sweepOwed(false)).catch(sweepFailed);
  }, o.owedSweepMs);
  sweepTimer.unref();

  async function checkNotifications(record: TrackedPush): Promise<void> {
    if (record.notifyTo === undefined || closed) return;
    let states: AorState[];
    if (record.localState === 'expired') {
      states = aorsOf(record).map((aor) => ({ aor, status: 'expired', state: 'expired', result: { code: 4000, desc: 'Service Failure: deliver-before-timestamp already past when received' }, deliveries: [], eventTime: record.receivedAt }));
    } else {
      const push = await service.get(record.pushId).catch((err: unknown) => {
        log(`pap: reading push ${record.pushId} for its result notification failed: ${String(err)}`);
        return undefined;
      });
      if (!push) {
        // Kept but never submitted (a crash between the two): nothing will ever be reported. The
        // initiator, never answered, sends it again; the record is dropped so that it can.
        if (clock() - record.receivedAt > o.submitGraceMs) {
          owed.delete(record.pushId);
          recent.delete(record.pushId);
          await store.remove(record.pushId).catch(() => undefined);
        }
        return;
      }
      states = aorsOf(record).map((aor) => stateOf(aor, deliveriesOf(push, aor), push.updatedAt));
    }
    for (const s of states) {
      if (!isReportable(s.state) || record.notified.has(s.aor) || closed) continue;
      const now = clock();
      const claimed = await store.claimNotification(record.pushId, s.aor, now + o.notifyClaimMs, now).catch((err: unknown) => {
        log(`pap: claiming the result notification of ${record.pushId} for ${s.aor} failed: ${err instanceof Error ? err.message : String(err)}; the sweep tries again`);
        return false;
      });
      // Not claimed: sent already, or being sent by another gateway (or this one, a moment ago).
      if (!claimed || record.notified.has(s.aor)) continue;
      record.notified.add(s.aor);
      if (notificationsDone(record)) owed.delete(record.pushId);
      const aorSends: Promise<NotificationOutcome>[] = [];
      for (const address of record.addresses.filter((a) => a.aor === s.aor)) {
        const send = notifier
          .send(record.notifyTo, {
            kind: 'resultnotification-message',
            pushId: record.pushId,
            senderAddress: record.senderAddress,
            senderName: o.senderName,
            receivedTime: new Date(record.receivedAt),
            eventTime: new Date(s.eventTime),
            messageState: s.state,
            address: address.addressValue,
            ...s.result,
          }, record.version)
          .then((outcome) => {
            for (const listener of [...notifiedListeners]) listener(outcome);
            return outcome;
          });
        sends.add(send);
        aorSends.push(send);
        void send.finally(() => sends.delete(send));
      }
      // Recorded once its sends have ended. A stop cuts sends short (the notifier aborts them):
      // those are given back unsent, for the next start to send.
      const recorded = Promise.all(aorSends)
        .then((outcomes) => (outcomes.some((x) => x.aborted) ? store.releaseClaim(record.pushId, s.aor) : store.markNotified(record.pushId, s.aor)))
        .catch((err: unknown) => log(`pap: recording the result notification of ${record.pushId} for ${s.aor} failed: ${err instanceof Error ? err.message : String(err)}; it may be sent again`));
      sends.add(recorded);
      void recorded.finally(() => sends.delete(recorded));
    }
  }

  // ---- HTTP

  function answer(res: http.ServerResponse, status: number, message: PapMessage, version: PapVersion, headers: Record<string, string> = {}): void {
    const xml = buildPap(message, { version, productName: o.senderName });
    res.writeHead(status, { 'Content-Type': 'application/xml; charset=utf-8', 'Content-Length': Buffer.byteLength(xml), 'Cache-Control': 'no-store', ...headers });
    res.end(xml);
  }

  function plain(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text + '\n'), ...headers });
    res.end(text + '\n');
  }

  /**
   * Who sent the request: the Basic user name, and `anyPush` when it may query and cancel every
   * push (the API token was the password, or the gateway is open); `ok` false when it may not
   * pass (then answered 401).
   */
  function authenticate(req: http.IncomingMessage, res: http.ServerResponse): Initiator & { ok: boolean } {
    if (o.auth === false) return { ok: true, anyPush: true };
    const challenge = { 'WWW-Authenticate': 'Basic realm="pap", charset="UTF-8"', ...(req.complete ? {} : { Connection: 'close' }) };
    const m = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(req.headers.authorization ?? '');
    const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (!m || colon < 0) {
      plain(res, 401, `${req.headers.authorization === undefined ? 'No Authorization header' : 'The Authorization header is not Basic user:password'}; the PAP gateway needs Basic authentication with a configured initiator (user:password)`, challenge);
      return { ok: false, anyPush: false };
    }
    const user = decoded.slice(0, colon);
    const given = sha256(decoded);
    const givenPassword = sha256(decoded.slice(colon + 1));
    // Every entry compared, no early exit: the time does not say which one matched.
    let ok = false;
    for (const expected of credentials) ok = timingSafeEqual(given, expected) || ok;
    const byToken = tokenHash !== undefined && timingSafeEqual(givenPassword, tokenHash);
    if (!ok && !byToken) {
      plain(res, 401, 'The PAP user name or password is wrong; use a configured initiator (user:password) or the API token as the password', challenge);
      return { ok: false, anyPush: false };
    }
    return { ok: true, user, anyPush: byToken };
  }

  async function readBody(req: http.IncomingMessage): Promise<Uint8Array | 'too-large'> {
    const length = req.headers['content-length'];
    if (length !== undefined && Number(length) > o.maxBodyBytes) return 'too-large';
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > o.maxBodyBytes) return 'too-large';
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }

  function badMessage(res: http.ServerResponse, err: unknown, body: Uint8Array | undefined, version: PapVersion = '2.0'): void {
    const tooLarge = err instanceof PapError && err.code === 'PAP_ERR_TOO_LARGE';
    // The start of the body stands for the fragment when the error names none (never a 10 MB one).
    const document = body && !tooLarge ? Buffer.from(body.subarray(0, 4096)).toString('utf8') : undefined;
    const message = badMessageResponseFor(err, { maxFragmentChars: o.maxFragmentChars, ...(document !== undefined && { document }) });
    answer(res, tooLarge ? 413 : 202, message, version, tooLarge ? { Connection: 'close' } : {});
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'POST') return plain(res, 405, `${req.method} is not allowed on ${o.path}; PAP messages are POSTed`, { Allow: 'POST' });
    const auth = authenticate(req, res);
    if (!auth.ok) return;
    const body = await readBody(req);
    if (body === 'too-large') {
      return badMessage(res, new PapError('PAP_ERR_TOO_LARGE', 2000, `The PAP body is larger than ${o.maxBodyBytes} bytes (option maxBodyBytes); send smaller content`), undefined);
    }
    const contentType = req.headers['content-type'];
    let request: PapRequest;
    try {
      if (contentType === undefined) throw new PapError('PAP_ERR_MULTIPART', 2000, 'The request has no Content-Type; send multipart/related (push-message) or application/xml');
      request = parsePapRequest(body, contentType, { maxBodyBytes: o.maxBodyBytes, maxControlBytes: o.maxControlBytes, maxParts: o.maxParts });
    } catch (err) {
      if (!(err instanceof PapError)) throw err;
      return badMessage(res, err, body);
    }
    const version = responseVersionFor(request.document.version);
    const message = request.document.message;
    const initiatorUri = header(req, 'x-wap-initiator-uri');
    switch (message.kind) {
      case 'push-message':
        return answer(res, 202, await push(req, request, message, version, { ...(auth.user !== undefined && { user: auth.user }), ...(initiatorUri !== undefined && { initiatorUri }) }), version);
      case 'cancel-message':
        return answer(res, 200, await cancel(message, auth), version);
      case 'statusquery-message':
        return answer(res, 200, await statusQuery(message, auth), version);
      case 'ccq-message':
        return answer(res, 200, ccqNotSupported(message), version);
      default:
        return badMessage(res, new PapError('PAP_ERR_SCHEMA', 2000, `A ${message.kind} is an answer, not a request a PPG takes; send a push-message, cancel-message, statusquery-message or ccq-message`, `<${message.kind}>`), undefined, version);
    }
  }

  async function push(req: http.IncomingMessage, request: PapRequest, m: PapPushMessage, version: PapVersion, who: { user?: string; initiatorUri?: string }): Promise<PapMessage> {
    const now = clock();
    const senderAddress = o.senderAddress ?? `http://${req.headers.host ?? 'localhost'}${o.path}`;
    const reply = (result: PapResult): PapMessage => ({
      kind: 'push-response',
      pushId: m.pushId,
      senderAddress,
      senderName: o.senderName,
      replyTime: new Date(now),
      progressNotes: [],
      result,
    });
    if (m.replacePushId !== undefined) return reply({ code: 3011, desc: 'Replacement Not Supported: send a cancel-message for the old push, then a new push-message' });
    if (m.addresses.length > o.maxAddresses) {
      return reply({ code: 2000, desc: `Bad Request: ${m.addresses.length} addresses, more than the ${o.maxAddresses} this gateway takes in one push-message (option maxAddresses); split the push` });
    }
    const notifyProblem = m.ppgNotifyRequestedTo === undefined ? undefined : notifyUrlProblem(m.ppgNotifyRequestedTo, { allowHosts: o.notify?.allowHosts ?? [] });
    if (notifyProblem !== undefined) return reply({ code: 2000, desc: `Bad Request: ${notifyProblem}` });
    let addresses: MappedAddress[];
    let app: string;
    try {
      addresses = m.addresses.map((a) => mapPapAddress(a, mapping));
      const appId = request.content?.applicationId ?? header(req, 'x-wap-application-id');
      app = appId === undefined ? o.defaultApp : pushApplicationName(appId);
    } catch (err) {
      if (!(err instanceof PapError)) throw err;
      return reply({ code: err.status, desc: err.message });
    }
    // What the API would refuse, the gateway refuses too, before keeping anything (2000).
    try {
      checkPushFields({ pushId: m.pushId, aors: addresses.map((a) => a.aor), app, contentType: request.content?.contentType ?? '' });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return reply({ code: 2000, desc: `Bad Request: ${err.message}` });
    }
    const deliverBefore = m.deliverBefore?.getTime();
    const deliverAfter = m.deliverAfter?.getTime();
    if (deliverBefore !== undefined && deliverAfter !== undefined && deliverAfter >= deliverBefore) {
      return reply({ code: 2000, desc: 'Bad Request: deliver-after-timestamp must come before deliver-before-timestamp' });
    }
    const record: TrackedPush = {
      pushId: m.pushId,
      addresses,
      version,
      receivedAt: now,
      senderAddress,
      notified: new Set(),
      ...(m.ppgNotifyRequestedTo !== undefined && { notifyTo: m.ppgNotifyRequestedTo }),
      ...who,
    };
    const duplicate = () => reply({ code: 2007, desc: `Duplicate Push ID: ${m.pushId} was used before; give each push a new push-id` });
    if (deliverBefore !== undefined && deliverBefore <= now) {
      // Kannel's PPG answers a push already past its deliver-before 2001 Forbidden and keeps it as expired; so do we (the queue refuses it, nothing is sent).
      if (await service.get(m.pushId)) return duplicate();
      const expired: TrackedPush = { ...record, localState: 'expired' };
      if (!(await store.insert(expired))) return duplicate();
      void checkNotifications(remember(expired, true));
      return reply({ code: 2001, desc: 'Forbidden: deliver-before-timestamp is already past; the push expired and is not sent' });
    }
    // Kept before the push is submitted: once the service has it, a restart must find the
    // addresses and the notification owed. A push-id kept already is a duplicate (2007),
    // unless its push never reached the service (a crash between the two, more than
    // submitGraceMs ago): then this, the initiator's retry, takes its place.
    if (!(await store.insert(record)) && !(await takesOverUnsubmitted(record))) return duplicate();
    const qos = m.qualityOfService;
    const content = request.content!;
    try {
      await service.submit({
        pushId: m.pushId,
        targets: [...new Set(addresses.map((a) => a.aor))].map((aor) => ({ aor })),
        app,
        contentType: content.contentType,
        content: content.body,
        reportRequested: qos?.deliveryMethod === 'confirmed' || qos?.deliveryMethod === 'preferconfirmed',
        priority: PRIORITY[qos?.priority ?? 'medium'] ?? 'normal',
        ...(deliverAfter !== undefined && { deliverAfter }),
        ...(deliverBefore !== undefined && { deliverBefore }),
        mode: 'auto',
      });
    } catch (err) {
      // Refused: the push-id stays free for a corrected push. Any other failure may have come
      // after the queue took the push: the record stays (the sweep drops it if the push is not there).
      if (!(err instanceof ServiceError)) throw err;
      if (err.code !== 'PSA_ERR_PUSH_ID_TAKEN') await store.remove(m.pushId);
      const code = { PSA_ERR_PUSH_ID_TAKEN: 2007, PSA_ERR_CAPABILITIES: 2005, PSA_ERR_INPUT: 2000, PSA_ERR_NOT_FOUND: 2000, PSA_ERR_UNAVAILABLE: 4001 }[err.code];
      return reply({ code, desc: err.message });
    }
    void checkNotifications(remember(record, true));
    const notes = m.progressNotesRequested ? '; progress notes are not sent by this gateway (ask with a statusquery-message)' : '';
    return reply({ code: 1001, desc: `Accepted for Processing${notes}` });
  }

  /** Whether `record` replaced a kept one whose push the service never got (see push()). */
  async function takesOverUnsubmitted(record: TrackedPush): Promise<boolean> {
    const kept = await store.get(record.pushId);
    if (!kept || kept.localState !== undefined || record.receivedAt - kept.receivedAt <= o.submitGraceMs) return false;
    if (await service.get(record.pushId)) return false;
    await store.replace(record);
    owed.delete(record.pushId);
    recent.delete(record.pushId);
    return true;
  }

  /** The requested address-values' AoRs, or an error result for those that map to none. */
  function mapRequested(values: string[]): { aors: Map<string, string[]>; bad: PapCancelResult[] } {
    const aors = new Map<string, string[]>();
    const bad: PapCancelResult[] = [];
    for (const value of values) {
      try {
        const { aor } = mapPapAddress(value, mapping);
        aors.set(aor, [...(aors.get(aor) ?? []), value]);
      } catch (err) {
        if (!(err instanceof PapError)) throw err;
        bad.push({ code: err.status, desc: err.message, addresses: [value] });
      }
    }
    return { aors, bad };
  }

  /**
   * Whether an initiator may query or cancel a push: its own (same Basic user), or any with the
   * API token (or an open gateway). Another initiator's push, or one submitted through the API,
   * is answered as unknown (2004): its existence is not told either.
   */
  function mayAccess(initiator: Initiator, record: TrackedPush | undefined): boolean {
    return initiator.anyPush || (record !== undefined && record.user === initiator.user);
  }

  async function cancel(m: PapCancelMessage, initiator: Initiator): Promise<PapMessage> {
    const respond = (results: PapCancelResult[]): PapMessage => ({ kind: 'cancel-response', pushId: m.pushId, results });
    const record = await lookup(m.pushId);
    if (!mayAccess(initiator, record)) return respond([{ code: 2004, desc: `Push ID Not Found: no push ${m.pushId} of yours; check the push-id`, addresses: m.addresses }]);
    const push = await service.get(m.pushId);
    if (!push) {
      if (record?.localState === 'expired') return respond([{ code: 2008, desc: 'Cancellation Not Possible: the push expired when received', addresses: m.addresses }]);
      return respond([{ code: 2004, desc: `Push ID Not Found: no push ${m.pushId}; check the push-id`, addresses: m.addresses }]);
    }
    const { aors, bad } = mapRequested(m.addresses);
    const pushAors = new Set(push.deliveries.map((d) => expectedAorOf(push, d.terminal) ?? d.terminal));
    const unknown = [...aors.keys()].filter((aor) => !pushAors.has(aor));
    for (const aor of unknown) bad.push({ code: 2003, desc: `Address Not Found: ${aor} is not an address of push ${m.pushId}`, addresses: aors.get(aor)! });
    if (m.addresses.length > 0 && [...pushAors].some((aor) => !aors.has(aor))) {
      // The service cancels a push as a whole; cancelling for some of its addresses only would cancel more than asked.
      const known = [...aors.keys()].filter((aor) => pushAors.has(aor)).flatMap((aor) => aors.get(aor)!);
      return respond([...(known.length > 0 ? [{ code: 3003, desc: 'Not Possible: this gateway cancels a push for all of its addresses; send the cancel-message without address elements', addresses: known }] : []), ...bad]);
    }
    let outcome;
    try {
      outcome = await service.cancel(m.pushId);
    } catch (err) {
      if (err instanceof ServiceError && err.code === 'PSA_ERR_NOT_FOUND') return respond([{ code: 2004, desc: err.message, addresses: m.addresses }]);
      throw err;
    }
    const { cancelled, inFlight, unchanged } = outcome.cancel;
    const requested = [...aors.keys()].filter((aor) => pushAors.has(aor)).flatMap((aor) => aors.get(aor)!);
    const result: PapCancelResult =
      cancelled.length + inFlight.length > 0
        ? { code: 1000, desc: unchanged.length > 0 ? `OK: cancelled where not delivered yet (${unchanged.length} already ${[...new Set(unchanged.map((u) => u.status))].join(', ')})` : 'OK', addresses: requested }
        : { code: 2008, desc: `Cancellation Not Possible: already ${[...new Set(unchanged.map((u) => u.status))].join(', ')}`, addresses: requested };
    return respond([result, ...bad]);
  }

  async function statusQuery(m: PapStatusQueryMessage, initiator: Initiator): Promise<PapMessage> {
    const respond = (results: PapStatusQueryResult[]): PapMessage => ({ kind: 'statusquery-response', pushId: m.pushId, results });
    const record = await lookup(m.pushId);
    if (!mayAccess(initiator, record)) return respond([{ code: 2004, desc: `Push ID Not Found: no push ${m.pushId} of yours; check the push-id`, messageState: 'unknown', addresses: m.addresses }]);
    if (record?.localState === 'expired') {
      // Asked about the whole push: its address-values, as for one that was accepted (below).
      const addresses = m.addresses.length > 0 ? m.addresses : record.addresses.map((a) => a.addressValue);
      return respond([{ code: 1000, desc: 'OK: the push expired when received (deliver-before-timestamp already past)', messageState: 'expired', eventTime: new Date(record.receivedAt), addresses }]);
    }
    const push = await service.get(m.pushId);
    if (!push) return respond([{ code: 2004, desc: `Push ID Not Found: no push ${m.pushId}; check the push-id`, messageState: 'unknown', addresses: m.addresses }]);
    const toResult = (s: AorState, addresses: string[]): PapStatusQueryResult => ({ ...s.result, code: s.state === 'undeliverable' || s.state === 'expired' ? s.result.code : 1000, messageState: s.state, eventTime: new Date(s.eventTime), addresses });
    if (m.addresses.length > 0) {
      const { aors, bad } = mapRequested(m.addresses);
      const results: PapStatusQueryResult[] = bad.map((b) => ({ ...b, messageState: 'unknown' as const }));
      for (const [aor, values] of aors) {
        const deliveries = deliveriesOf(push, aor);
        if (deliveries.length === 0) results.push({ code: 2003, desc: `Address Not Found: ${aor} is not an address of push ${m.pushId}`, messageState: 'unknown', addresses: values });
        else results.push(toResult(stateOf(aor, deliveries, push.updatedAt), values));
      }
      return respond(results);
    }
    if (!record) return respond([toResult(stateOf('', push.deliveries, push.updatedAt), [])]);
    return respond(aorsOf(record).map((aor) => toResult(stateOf(aor, deliveriesOf(push, aor), push.updatedAt), record.addresses.filter((a) => a.aor === aor).map((a) => a.addressValue))));
  }

  const gateway = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    try {
      await handle(req, res);
    } catch (err) {
      log(`pap: 3000 on ${req.method} ${o.path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (res.headersSent) return void res.end();
      answer(res, 500, { kind: 'badmessage-response', code: 3000, desc: 'Internal Server Error: the gateway failed while answering; see its log, and retry' }, '2.0', req.complete ? {} : { Connection: 'close' });
    }
  };
  return Object.assign(gateway, {
    path: o.path,
    tracked: (pushId: string) => owed.get(pushId) ?? recent.get(pushId),
    onNotified(listener: (outcome: NotificationOutcome) => void) {
      notifiedListeners.add(listener);
      return () => notifiedListeners.delete(listener);
    },
    async close() {
      clearInterval(sweepTimer);
      closed = true;
      await sweeping;
      unsubscribe();
      await notifier.close();
      await Promise.allSettled([...sends]);
    },
  });
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
