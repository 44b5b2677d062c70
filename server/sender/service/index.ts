/**
 * The Push Sender Agent as a long-running service (issue 12): `startPushService(config)` opens
 * the queue, connects to the core and registers, watches receivers (reg event, OPTIONS,
 * UAProf), runs the delivery worker, takes delivery reports, and serves the HTTP API.
 * `npm run psa` (main.ts) is this with flags; `npm start` runs it beside the embedded core.
 *
 * ```
 *   queue (PGlite dir | memory: | postgres://)   core (ws://)
 *        |                                          |
 *   worker --claims--> deliverClaim --MESSAGE / INVITE+MSRP--> receivers
 *        ^                                          |
 *   reports <--IMDN MESSAGE-------------------------+
 *   directory <--reg-event NOTIFY, OPTIONS 200, UAProf GET
 *   HTTP API (http/) --> service.ts (submit, get, cancel, receivers, events)
 *   operator console (../console/, at /console on the API's server) --> the HTTP API
 * ```
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { openPushQueue, openQueueDatabase, queueLocation, describeQueueLocation, type BackoffOptions } from '../queue/index.ts';
import { createPushSender } from '../pushSender.ts';
import { createReceiverDirectory, type ReceiverDirectoryOptions } from './discovery/directory.ts';
import { createPushApi, type PushApiOptions } from './http/server.ts';
import { expectedAorOf } from './reports/imdnIntake.ts';
import { attachReportIntake } from './runtime/reportIntake.ts';
import { createDeliverClaim } from './runtime/deliverClaim.ts';
import { createChangeFeed } from './runtime/changeFeed.ts';
import { createContentJanitor } from './runtime/contentJanitor.ts';
import { createServiceRegistration, type RegistrationOptions, type ServiceRegistration } from './runtime/registration.ts';
import { createDeliveryWorker, type DeliveryWorkerOptions } from './runtime/worker.ts';
import { createPushService, type ServiceLimits } from './service.ts';
import { createPapGateway, type PapGateway, type PapGatewayOptions } from '../pap/gateway.ts';
import { createConsole, type ConsoleOptions } from '../console/index.ts';
import { domainOfAor } from '../pap/addressMapping.ts';
import { sqlPapStore } from '../pap/papStore.ts';
import type { PushService } from './types.ts';

export interface PushServiceConfig {
  /** The core and the service's identity there (the user the core lets push: `psa`). */
  core: { server: string; aor: string; authUser?: string; password?: string; displayName?: string };
  /** The HTTP API (host 127.0.0.1, port 8077, Bearer token unless `auth: false`). */
  api?: PushApiOptions;
  /** Where the queue lives (server/sender/queue/open.ts): default SIP_PUSH_QUEUE_URL, else `.runtime/psa-queue`. */
  queue?: string;
  /** Where contents sent over MSRP are kept (default `.runtime/psa-content`). */
  contentDir?: string;
  /** This instance's name in the queue's leases (default host:pid). */
  workerId?: string;
  limits?: Partial<ServiceLimits>;
  backoff?: Partial<BackoffOptions>;
  registration?: Omit<RegistrationOptions, 'aor'>;
  worker?: Pick<DeliveryWorkerOptions, 'maxConcurrentSends' | 'pollIntervalMs' | 'expireIntervalMs' | 'leaseMs' | 'maxRecordBatch'>;
  directory?: Omit<ReceiverDirectoryOptions, 'client'>;
  /** How often the content files of settled pushes are removed, ms (default 60000). */
  contentSweepMs?: number;
  /** SIP transaction timeout, ms (default 32000). */
  sipTimeoutMs?: number;
  /** How long start waits for the first registration before serving anyway, ms (default 10000). */
  registerWaitMs?: number;
  /** One line per event worth an operator's attention (default console.log). */
  log?: (line: string) => void;
  /**
   * The PAP gateway (issue 13, server/sender/pap), mounted on the API's server at `path`
   * (default /pap). Basic auth by `users`, or with the API token as password; `auth: false`
   * opens it. The AoR domain defaults to core.aor's; what it keeps of each push goes to the
   * queue's database (store: sqlPapStore). `false`: not mounted. Without credentials (no users,
   * no API token, auth not false) it is not mounted, and one line says so.
   */
  pap?: PapGatewayOptions | false;
  /**
   * The operator console (issue 13, server/sender/console), a web page on the API's server at
   * `path` (default /console). The page holds no data: it asks for the API token (or takes
   * `#token=` from its URL) and reads everything from /v1 with it. `false`: not served.
   */
  console?: ConsoleOptions | false;
}

export interface RunningPushService {
  apiUrl: string;
  /** The API's bearer token, null when started without auth. */
  token: string | null;
  service: PushService;
  registration: ServiceRegistration;
  /** Where the queue is, for the log (password masked). */
  queueDescription: string;
  /** The operator console's URL (`http://127.0.0.1:8077/console`), null when `console: false`. */
  consoleUrl: string | null;
  close(): Promise<void>;
}

export async function startPushService(config: PushServiceConfig): Promise<RunningPushService> {
  const log = config.log ?? ((line: string) => console.log(line));
  const location = config.queue ?? queueLocation();
  const sql = await openQueueDatabase(location);
  const closers: Array<() => Promise<unknown> | unknown> = [() => sql.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
  };
  try {
    const queue = await openPushQueue(sql, { ...(config.backoff && { backoff: config.backoff }), ...(config.worker?.leaseMs !== undefined && { leaseMs: config.worker.leaseMs }) });
    const sender = createPushSender({
      server: config.core.server,
      from: config.core.aor,
      ...(config.core.authUser !== undefined && { authUser: config.core.authUser }),
      ...(config.core.password !== undefined && { password: config.core.password }),
      displayName: config.core.displayName ?? 'Push Sender Agent',
      ...(config.sipTimeoutMs !== undefined && { timeoutMs: config.sipTimeoutMs }),
    });
    closers.push(() => sender.close());
    const registration = createServiceRegistration(sender.client, { aor: config.core.aor, ...config.registration });
    closers.push(() => registration.stop());
    const directory = createReceiverDirectory({ client: sender.client, ...config.directory });
    closers.push(() => directory.close());
    const feed = createChangeFeed({ queue, onError: (err) => log(`psa: reading status changes failed: ${String(err)}`) });
    await feed.start();
    closers.push(() => feed.stop());

    const deliverClaim = createDeliverClaim({ sender, directory, serviceAor: config.core.aor, limits: config.limits });
    const worker = createDeliveryWorker({
      queue,
      workerId: config.workerId ?? `${hostname()}:${process.pid}`,
      deliver: deliverClaim,
      ...config.worker,
      onRecorded: () => feed.poke(),
      onError: (err, what) => log(`psa: ${what}: ${err instanceof Error ? err.message : String(err)}`),
    });
    closers.push(() => worker.stop());
    closers.push(
      attachReportIntake(sender.client.wire, queue, {
        onApplied: () => feed.poke(),
        onError: (err) => log(`psa: a delivery report could not be recorded: ${err instanceof Error ? err.message : String(err)}`),
      }),
    );

    // After a restart, the receivers of what is still queued are watched again, so their
    // contacts appearing wake the deliveries parked for them (store and forward survives it).
    let rewatched = false;
    registration.onRegistered(() => {
      directory.start();
      worker.kick();
      if (rewatched) return;
      rewatched = true;
      queue
        .unsettledTargets()
        .then((open) => {
          for (const { target, terminals } of open) {
            for (const key of terminals) {
              const aor = expectedAorOf({ target }, key);
              if (aor !== undefined) directory.watch(aor);
            }
          }
        })
        .catch((err: unknown) => log(`psa: watching the receivers of queued pushes failed: ${err instanceof Error ? err.message : String(err)}`));
    });
    registration.onPhase((status) => {
      if (status.phase === 'failed' || (status.phase === 'waiting' && status.error)) log(`psa: ${status.error}`);
      if (status.phase === 'registered') log(`psa: registered as ${config.core.aor} at ${config.core.server}`);
    });
    // A contact appearing brings the deliveries parked for it forward.
    directory.onContactAppeared((aor, keys) => {
      queue
        .wake([...new Set([...keys, `aor:${aor}`])])
        .then((woken) => {
          if (woken > 0) worker.kick();
        })
        .catch((err: unknown) => log(`psa: waking deliveries for ${aor} failed: ${String(err)}`));
    });

    const janitor = createContentJanitor({
      queue,
      ...(config.contentSweepMs !== undefined && { intervalMs: config.contentSweepMs }),
      onError: (err) => log(`psa: removing settled contents failed: ${err instanceof Error ? err.message : String(err)}`),
    });
    janitor.start();
    closers.push(() => janitor.stop());

    const service = createPushService({
      queue,
      directory,
      worker,
      feed,
      contentDir: config.contentDir ?? join('.runtime', 'psa-content'),
      ...(config.limits && { limits: config.limits }),
      health: () => ({ sip: registration.status.phase, queue: describeQueueLocation(location) }),
    });
    // PAP gateway (issue 13): mounted on the API's server, see PushServiceConfig.pap.
    let pap: PapGateway | undefined;
    if (config.pap !== false) {
      const apiToken = config.api?.auth === false ? undefined : config.api?.token;
      // What the gateway keeps of each push lives in the queue's database: a restart forgets nothing.
      const papOptions: PapGatewayOptions = { domain: domainOfAor(config.core.aor), ...(apiToken !== undefined && { apiToken }), store: sqlPapStore(sql), log, ...config.pap };
      if (papOptions.auth === false || (papOptions.users?.length ?? 0) > 0 || papOptions.apiToken !== undefined) {
        pap = createPapGateway(service, papOptions);
        const gateway = pap;
        closers.push(() => gateway.close());
      } else log('psa: the PAP gateway is not served: no initiator credentials; give pap.users (user:password), an API token, or pap.auth false');
    }
    const consoleMount = config.console === false ? undefined : createConsole({ ...config.console, auth: config.api?.auth !== false, log });
    const api = createPushApi(service, { ...config.api, ...(pap && { pap: { path: pap.path, handler: pap } }), ...(consoleMount && { console: consoleMount }) });
    const { url } = await api.listen();
    closers.push(() => api.close());

    await registration.start();
    worker.start();
    if (registration.status.phase !== 'registered') {
      await registration.whenRegistered(config.registerWaitMs ?? 10_000).catch((err: unknown) => log(`psa: ${err instanceof Error ? err.message : String(err)}; serving the API anyway, pushes wait in the queue`));
    }
    const token = config.api?.auth === false ? null : (config.api?.token ?? null);
    return {
      apiUrl: url,
      token,
      service,
      registration,
      queueDescription: describeQueueLocation(location),
      consoleUrl: consoleMount ? `${url}${consoleMount.path}` : null,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
