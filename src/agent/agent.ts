/**
 * The Push Receiver Agent facade: wires the SIP endpoint (registration, intercepting socket),
 * the MESSAGE intake, the group-committing store and the app dispatcher.
 *
 * Apps come from two places. Configuration *declares* apps (AgentConfig.apps): they are
 * announced in REGISTER, their pushes are accepted and stored, and the UI shows them. In-page
 * code *registers* apps with a handler (registerApp): a registered spec overrides a declared
 * one of the same ID, and the handler receives every stored push of that app exactly once,
 * including those stored before it registered.
 *
 *   socket --MESSAGE--> intake --policy--> committer --(one IDB transaction per tick)--> 200
 *                                               '--committed--> 'stored' event + dispatcher --> handler
 *   socket --INVITE/ACK/BYE/CANCEL--> MsrpReceiver --(MSRP over WebSocket, chunks to the
 *          transfer store)--> verified --> committer (a push record, content left in the
 *          transfer store) --> 'stored' + dispatcher --> handler (with the content as a Blob)
 */
import { createResponse, randomToken, type SipRequest, type SipResponse } from '../protocol/sip/index.ts';
import { AppRegistry } from './apps/registry.ts';
import { Dispatcher } from './apps/dispatcher.ts';
import { TypedEmitter } from './events.ts';
import { createMessageIntake, type MessageIntake } from './push/messageIntake.ts';
import { answerOptions } from './sip/optionsResponder.ts';
import { initialState } from './sip/registrationState.ts';
import { SipEndpoint } from './sip/sipEndpoint.ts';
import { MsrpReceiver } from './msrp/receiver.ts';
import { transferIdOf, transferToPush } from './msrp/transferRecords.ts';
import { progressOf } from './msrp/progress.ts';
import { transferDbName } from './store/transferSchema.ts';
import { TransferStore } from './store/transferStore.ts';
import { startHashWorker } from './hash/workerHash.ts';
import { GroupCommitter } from './store/groupCommit.ts';
import { PushStore } from './store/pushStore.ts';
import { DEFAULT_DB_PREFIX, identityDbName } from './store/identityDb.ts';
import {
  DEFAULT_AGENT_LIMITS,
  type AgentConfig,
  type AgentEvents,
  type AgentLimits,
  type AgentOptions,
  type AgentState,
  type PushAgent,
  type PushApp,
  type PushAppSpec,
  type StoredPush,
  type TransferProgress,
} from './types.ts';

const INSTANCE_ID_KEY = 'instanceId';
/** Content types every agent accepts on the wire: CPIM wraps the app's own type (RFC 3862). */
const WRAPPER_TYPES = ['message/cpim'];

interface Running {
  store: PushStore;
  committer: GroupCommitter;
  dispatcher: Dispatcher;
  intake: MessageIntake;
  msrp: MsrpReceiver;
  transfers: TransferStore;
  hashes: { close: () => void };
  endpoint: SipEndpoint;
}

/** SIP methods the agent answers itself; everything else goes to JsSIP (REGISTER responses...). */
const INTERCEPTED_METHODS: ReadonlySet<string> = new Set(['MESSAGE', 'OPTIONS', ...MsrpReceiver.METHODS]);

export function createPushAgent(config: AgentConfig, options: AgentOptions = {}): PushAgent {
  return new PushReceiverAgent(config, options);
}

class PushReceiverAgent implements PushAgent {
  readonly config: AgentConfig;
  readonly limits: AgentLimits;
  private readonly options: AgentOptions;
  private readonly events = new TypedEmitter<AgentEvents>();
  private readonly registry = new AppRegistry();
  /** Declared by configuration, keyed by lower-case ID (IDs compare case-insensitively). */
  private readonly declared = new Map<string, PushAppSpec>();
  private running: Running | null = null;
  private starting: Promise<Running> | null = null;
  private stopped = false;
  private idleState: AgentState = initialState();

  constructor(config: AgentConfig, options: AgentOptions) {
    this.config = config;
    this.options = options;
    this.limits = { ...DEFAULT_AGENT_LIMITS, ...options.limits };
    for (const spec of config.apps ?? []) this.declared.set(spec.id.toLowerCase(), spec);
    this.registry.on('changed', () => this.running?.endpoint.refreshRegistration());
  }

  get state(): AgentState {
    return this.running?.endpoint.state ?? this.idleState;
  }

  on<K extends keyof AgentEvents>(event: K, listener: (payload: AgentEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  registerApp(app: PushApp): () => void {
    return this.registry.register(app);
  }

  apps(): PushAppSpec[] {
    const registered = this.registry.specs();
    const ids = new Set(registered.map((s) => s.id.toLowerCase()));
    return [...registered, ...[...this.declared.values()].filter((s) => !ids.has(s.id.toLowerCase()))];
  }

  async listPushes(appId: string, options: { limit?: number } = {}): Promise<StoredPush[]> {
    const running = await this.ready();
    return running.store.list(appId, options);
  }

  async listTransfers(): Promise<TransferProgress[]> {
    const running = await this.ready();
    const records = await running.transfers.list();
    return records.map((r) => progressOf(r)).sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1));
  }

  async deleteTransfer(id: string): Promise<void> {
    const running = await this.ready();
    await running.msrp.deleteTransfer(id);
  }

  async openContent(push: StoredPush): Promise<Blob> {
    const transferId = transferIdOf(push);
    if (transferId === undefined) return new Blob([push.content as Uint8Array<ArrayBuffer>], { type: push.contentType });
    return transferContent((await this.ready()).msrp, transferId, push.contentType);
  }

  async start(): Promise<void> {
    const running = await this.ready();
    await running.endpoint.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const running = this.running ?? (this.starting ? await this.starting.catch(() => null) : null);
    if (!running) return;
    await running.endpoint.stop();
    await running.msrp.close();
    running.intake.close();
    running.dispatcher.close();
    await running.committer.idle();
    await running.dispatcher.idle();
    running.store.close();
    running.transfers.close();
    running.hashes.close();
    this.running = null;
  }

  /** Open storage and build the pipeline once; the socket is opened by start(). */
  private ready(): Promise<Running> {
    this.starting ??= this.build();
    return this.starting;
  }

  private async build(): Promise<Running> {
    if (this.stopped) throw new Error('This agent was stopped; create a new one');
    const dbName = identityDbName(this.options.dbName ?? DEFAULT_DB_PREFIX, this.config.aor);
    const store = await PushStore.open(dbName);
    const transfers = await TransferStore.open(transferDbName(dbName));
    const instanceId = await store.ensureMeta<string>(INSTANCE_ID_KEY, () => crypto.randomUUID());
    const committer = await GroupCommitter.create({
      store,
      limits: this.limits,
      ...(this.options.beforeCommit ? { beforeCommit: this.options.beforeCommit } : {}),
    });
    const dispatcher = new Dispatcher({
      store,
      apps: this.registry,
      withContent: (push) => this.withBlob(push, msrp),
      onDispatched: (push) => this.events.emit('dispatched', push),
    });
    committer.on('committed', (pushes) => {
      this.events.emit('stored', pushes);
      dispatcher.dispatchStored(pushes);
    });
    const lookup = { get: (id: string) => this.registry.get(id) ?? this.declared.get(id.toLowerCase()) };
    const intake = createMessageIntake({
      apps: lookup,
      committer,
      limits: this.limits,
      trustAssertedIdentity: this.config.trustAssertedIdentity ?? false,
      onRejected: (rejection) => this.events.emit('rejected', rejection),
    });
    // File hashes off the main thread when the page may start a worker (see workerHash.ts).
    const hashes = startHashWorker();
    const msrp = new MsrpReceiver({
      apps: lookup,
      store: transfers,
      createHash: hashes.create,
      contact: () => endpoint.contactHeader(),
      sendRequest: (request) => void endpoint.sendRequest(request),
      via: () => endpoint.via(),
      trustAssertedIdentity: this.config.trustAssertedIdentity ?? false,
      limits: this.options.msrpLimits ?? {},
      onComplete: async (transfer) => {
        const outcome = await committer.enqueue(transferToPush(transfer));
        if (typeof outcome === 'object') throw new Error(outcome.message);
      },
    });
    msrp.on('progress', (progress) => this.events.emit('transfer', progress));
    msrp.on('rejected', (rejection) => this.events.emit('rejected', rejection));
    const endpoint = new SipEndpoint({
      config: this.config,
      instanceId,
      ...(this.config.uaprofUrl ? { uaprofUrl: absoluteUrl(this.config.uaprofUrl) } : {}),
      appIds: () => this.apps().map((a) => a.id),
      interceptMethods: INTERCEPTED_METHODS,
      onRequest: (request) => this.handleRequest(request),
      onStateChange: (state) => this.events.emit('state', state),
    });
    this.idleState = initialState(instanceId);
    // Transfers a reload interrupted become failed (resumable); complete ones not yet
    // committed as pushes are committed now, before the dispatcher replays stored pushes.
    await msrp.recover();
    dispatcher.start();
    this.running = { store, committer, dispatcher, intake, msrp, transfers, hashes, endpoint };
    return this.running;
  }

  /** The copy of an MSRP push handed to a handler carries its content as a Blob. */
  private async withBlob(push: StoredPush, msrp: MsrpReceiver): Promise<StoredPush> {
    const transferId = transferIdOf(push);
    if (transferId === undefined) return push;
    return { ...push, blob: await transferContent(msrp, transferId, push.contentType) };
  }

  private handleRequest(request: SipRequest): Promise<SipResponse | null> | SipResponse | null {
    const running = this.running;
    if (!running) return createResponse(request, 503, { reason: 'Push Receiver Not Ready', toTag: randomToken(10) });
    if (request.method === 'OPTIONS') {
      const accept = new Set<string>(WRAPPER_TYPES);
      for (const app of this.apps()) for (const type of app.accept) accept.add(type);
      return answerOptions(request, { contact: running.endpoint.contactHeader(), accept: [...accept], toTag: randomToken(10) });
    }
    if (request.method === 'MESSAGE') return running.intake.handle(request);
    return running.msrp.handle(request);
  }
}

/** The stored chunks of an MSRP push as one Blob typed as the push. */
async function transferContent(msrp: MsrpReceiver, transferId: string, contentType: string): Promise<Blob> {
  const blob = await msrp.openTransferContent(transferId);
  return blob.type === contentType ? blob : new Blob([blob], { type: contentType });
}

/** A relative UAProf URL is resolved against the page (config.json ships `/uaprof.rdf`). */
function absoluteUrl(url: string): string {
  if (typeof location === 'undefined') return url;
  return new URL(url, location.href).href;
}
