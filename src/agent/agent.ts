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
 *
 * Tabs (src/agent/tabs): every tab of a browser profile opens the identity's database and
 * joins its tab group; one tab, the owner, runs the receiving pipeline above (socket,
 * registration, intake, MSRP, committer) and posts its events to the others; followers show
 * them, state `following`. Every tab dispatches to the apps registered in it (the dispatcher
 * claims each push in IndexedDB first, so one tab hands it), and the owner's registration
 * announces the apps of all tabs.
 *
 * Reports (IMDN, src/agent/reports) go out from the owner only: delivered right after a
 * MESSAGE push that asked for it is committed; displayed and failed (expired) from the
 * reports outbox in IndexedDB, which markRead (any tab) and the owner's ExpirySweeper fill in
 * the same transaction as the change they report, and which the owner drains when it hears
 * of a read mark, after a discard, and when it takes over.
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
import { browserChannel, browserLocks } from './tabs/locks.ts';
import { TabGroup } from './tabs/tabGroup.ts';
import type { TabMessage } from './tabs/tabMessages.ts';
import { startHashWorker } from './hash/workerHash.ts';
import { Tracer } from './trace/tracer.ts';
import { Reporter } from './reports/reporter.ts';
import { ExpirySweeper } from './reports/expirySweeper.ts';
import { GroupCommitter } from './store/groupCommit.ts';
import { PushStore } from './store/pushStore.ts';
import { DEFAULT_DB_PREFIX, identityDbName } from './store/identityDb.ts';
import { importLegacyData } from './store/legacyImport.ts';
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
/** How often the owning tab looks for tabs that died without saying goodbye. */
const TAB_PRUNE_INTERVAL_MS = 2000;
/** Content types every agent accepts on the wire: CPIM wraps the app's own type (RFC 3862). */
const WRAPPER_TYPES = ['message/cpim'];

/** What every tab of the identity has: its storage, its dispatcher, its place in the group. */
interface Shared {
  store: PushStore;
  transfers: TransferStore;
  dispatcher: Dispatcher;
  group: TabGroup;
  instanceId: string;
}

/** What only the owning tab runs: the SIP connection and the receiving pipeline. */
interface Pipeline {
  committer: GroupCommitter;
  intake: MessageIntake;
  msrp: MsrpReceiver;
  hashes: { close: () => void };
  endpoint: SipEndpoint;
  reporter: Reporter;
  sweeper: ExpirySweeper;
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
  private shared: Shared | null = null;
  private opening: Promise<Shared> | null = null;
  private pipeline: Pipeline | null = null;
  /** The owner's pipeline being built and started (resolves when the first REGISTER settles). */
  private owning: Promise<void> | null = null;
  /** This tab's state while it follows another tab; null while it owns or has not joined. */
  private followerState: AgentState | null = null;
  /** The newest push this tab has heard of: what it missed is read back after an owner change. */
  private lastSeenId: string | undefined;
  private stopped = false;
  private idleState: AgentState = initialState();
  /**
   * The SIP and MSRP trace. Its taps sit in this tab's sockets, which only the owning tab has:
   * a following tab's trace records nothing (ownsConnection false) and its panel says where
   * the traffic is. Frames are not forwarded over the tabs' BroadcastChannel: that would put a
   * structured clone per frame on the owner's hot path whenever any tab watched.
   */
  readonly trace: Tracer;

  constructor(config: AgentConfig, options: AgentOptions) {
    this.config = config;
    this.options = options;
    this.limits = { ...DEFAULT_AGENT_LIMITS, ...options.limits };
    for (const spec of config.apps ?? []) this.declared.set(spec.id.toLowerCase(), spec);
    this.trace = new Tracer({ ...(options.traceLimits ? { limits: options.traceLimits } : {}), ownsConnection: () => this.pipeline !== null || this.owning !== null });
    this.registry.on('changed', () => {
      this.pipeline?.endpoint.refreshRegistration();
      this.shared?.group.postApps();
    });
  }

  get state(): AgentState {
    return this.pipeline?.endpoint.state ?? this.followerState ?? this.idleState;
  }

  on<K extends keyof AgentEvents>(event: K, listener: (payload: AgentEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  registerApp(app: PushApp): () => void {
    return this.registry.register(app);
  }

  /** Apps registered in this tab, then those of the other tabs, then those configuration declares. */
  apps(): PushAppSpec[] {
    const specs: PushAppSpec[] = [];
    const ids = new Set<string>();
    const add = (spec: PushAppSpec) => {
      if (ids.has(spec.id.toLowerCase())) return;
      ids.add(spec.id.toLowerCase());
      specs.push(spec);
    };
    for (const spec of this.registry.specs()) add(spec);
    for (const spec of this.shared?.group.directory.specs() ?? []) add(spec);
    for (const spec of this.declared.values()) add(spec);
    return specs;
  }

  async listPushes(appId: string, options: { limit?: number; before?: string } = {}): Promise<StoredPush[]> {
    return (await this.open()).store.list(appId, options);
  }

  async unreadCount(appId: string): Promise<number> {
    return (await this.open()).store.unreadCount(appId);
  }

  async markRead(pushIds: readonly string[]): Promise<void> {
    const ids = await (await this.open()).store.markRead(pushIds);
    if (ids.length > 0) this.announce({ type: 'read', ids });
    // Display reports the read marks queued: sent by the owner (this tab, or on hearing 'read').
    void this.pipeline?.reporter.drain();
  }

  async deletePushes(pushIds: readonly string[]): Promise<void> {
    const { store } = await this.open();
    await this.dropContent(await store.delete(pushIds));
  }

  async clearApp(appId: string): Promise<void> {
    const { store } = await this.open();
    await this.dropContent(await store.clearApp(appId));
  }

  async listTransfers(): Promise<TransferProgress[]> {
    const records = await (await this.open()).transfers.list();
    return records
      .filter((r) => !r.hidden)
      .map((r) => progressOf(r))
      .sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1));
  }

  async deleteTransfer(id: string): Promise<void> {
    await (await this.open()).transfers.deleteTransfer(id);
    this.announce({ type: 'transfersRemoved', ids: [id] });
  }

  async clearFinishedTransfers(): Promise<void> {
    const { transfers } = await this.open();
    const removed: string[] = [];
    for (const record of await transfers.list()) {
      if (record.hidden) continue;
      if (record.state === 'failed') await transfers.deleteTransfer(record.id);
      else if (record.state === 'complete' && record.pushed) await transfers.putTransfer({ ...record, hidden: true });
      else continue;
      removed.push(record.id);
    }
    if (removed.length > 0) this.announce({ type: 'transfersRemoved', ids: removed });
  }

  /** Deleted pushes: their MSRP content goes too, and every tab hears of it. */
  private async dropContent(deleted: readonly StoredPush[]): Promise<void> {
    if (deleted.length === 0) return;
    const { transfers } = await this.open();
    for (const push of deleted) {
      const transferId = transferIdOf(push);
      if (transferId !== undefined) await transfers.deleteTransfer(transferId);
    }
    this.announce({ type: 'deleted', ids: deleted.map((p) => p.id) });
  }

  /** A change this tab made to what is stored: an event here, a message to the other tabs. */
  private announce(message: Extract<TabMessage, { type: 'read' | 'deleted' | 'transfersRemoved' }>): void {
    this.events.emit(message.type, { ids: message.ids });
    this.shared?.group.post(message);
  }

  async openContent(push: StoredPush): Promise<Blob> {
    const transferId = transferIdOf(push);
    if (transferId === undefined) return new Blob([push.content as Uint8Array<ArrayBuffer>], { type: push.contentType });
    return transferContent((await this.open()).transfers, transferId, push.contentType);
  }

  /** Join the identity's tabs: as owner, connect and register; as follower, show the owner's state. */
  async start(): Promise<void> {
    const shared = await this.open();
    if (shared.group.role === 'joining') {
      const role = await shared.group.join();
      if (role === 'follower' && !this.pipeline && !this.owning) this.follow();
    }
    if (this.owning) await this.owning;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const shared = this.shared ?? (this.opening ? await this.opening.catch(() => null) : null);
    await this.owning?.catch(() => undefined);
    const pipeline = this.pipeline;
    this.pipeline = null;
    if (pipeline) {
      pipeline.sweeper.close();
      pipeline.reporter.close();
      await pipeline.endpoint.stop();
      await pipeline.msrp.close();
      pipeline.intake.close();
      await pipeline.committer.idle();
      pipeline.hashes.close();
    }
    if (!shared) return;
    // After the pipeline: the next tab takes over only once this one has unregistered.
    shared.group.leave();
    shared.dispatcher.close();
    await shared.dispatcher.idle();
    shared.store.close();
    shared.transfers.close();
    this.shared = null;
  }

  /** Open the identity's storage and the dispatcher once; the group is joined by start(). */
  private open(): Promise<Shared> {
    this.opening ??= this.openShared();
    return this.opening;
  }

  private async openShared(): Promise<Shared> {
    if (this.stopped) throw new Error('This agent was stopped; create a new one');
    const prefix = this.options.dbName ?? DEFAULT_DB_PREFIX;
    const dbName = identityDbName(prefix, this.config.aor);
    const store = await PushStore.open(dbName);
    const transfers = await TransferStore.open(transferDbName(dbName));
    // Before the instance ID is made: the first identity opened takes the one of the profile's
    // single database from before identities were kept apart (legacyImport.ts).
    await importLegacyData({ pushes: store.db, transfers: transfers.db }, this.config.aor, { legacyDbName: prefix }).catch((error: unknown) =>
      console.error('SIP Push: importing the pushes stored before identities were kept apart failed; they stay where they were', error),
    );
    const instanceId = await store.ensureMeta<string>(INSTANCE_ID_KEY, () => crypto.randomUUID());
    const dispatcher = new Dispatcher({
      store,
      apps: this.registry,
      limits: this.limits,
      withContent: (push) => this.withBlob(push, transfers),
      onDispatched: (push) => {
        this.events.emit('dispatched', push);
        this.shared?.group.post({ type: 'dispatched', push });
      },
      // Not handed: the owner's sweeper discards it and reports it expired (followers leave it to the owner's timer).
      onExpired: () => void this.pipeline?.sweeper.sweep(),
    });
    const group = new TabGroup({
      name: dbName,
      tabId: crypto.randomUUID(),
      locks: browserLocks(),
      channel: browserChannel(dbName),
      pruneIntervalMs: TAB_PRUNE_INTERVAL_MS,
      localApps: () => this.registry.specs(),
      onOwner: () => this.own(),
      onRemoteAppsChanged: () => this.pipeline?.endpoint.refreshRegistration(),
      onMessage: (message) => this.receive(message),
    });
    this.idleState = initialState(instanceId);
    this.lastSeenId = await store.lastId();
    dispatcher.start();
    this.shared = { store, transfers, dispatcher, group, instanceId };
    return this.shared;
  }

  /** This tab owns the identity now (at join, or because the owner went away). */
  private own(): void {
    if (this.stopped || this.owning) return;
    this.owning = this.buildPipeline()
      .then(async (pipeline) => {
        this.followerState = null;
        // Before registering: what the previous owner stored but could not post.
        await this.catchUp();
        const registered = pipeline.endpoint.start();
        // What expired or was read while no owner ran (or the previous one left unsent).
        void pipeline.sweeper.start().then(() => pipeline.reporter.drain());
        return registered;
      })
      .catch((error: unknown) => {
        console.error('SIP Push: taking over the registration failed', error);
        throw error;
      });
  }

  private follow(): void {
    const instanceId = this.shared?.instanceId;
    this.followerState = {
      phase: 'following',
      reason: 'Receiving in another tab of this browser',
      registeredApps: [],
      ...(instanceId ? { instanceId } : {}),
    };
    this.events.emit('state', this.followerState);
  }

  private receive(message: TabMessage): void {
    switch (message.type) {
      case 'hello':
        if (this.pipeline) this.shared?.group.post({ type: 'state', tabId: this.shared.group.tabId, state: this.pipeline.endpoint.state });
        return;
      case 'state':
        if (this.pipeline || this.shared?.group.role !== 'follower') return;
        this.followerState = followingState(message.state);
        this.events.emit('state', this.followerState);
        return;
      case 'stored':
        this.heard(message.pushes);
        return;
      case 'dispatched':
        this.events.emit('dispatched', message.push);
        return;
      case 'rejected':
        this.events.emit('rejected', message.rejection);
        return;
      case 'transfer':
        this.events.emit('transfer', message.progress);
        return;
      case 'read':
        this.events.emit('read', { ids: message.ids });
        void this.pipeline?.reporter.drain();
        return;
      case 'deleted':
      case 'transfersRemoved':
        this.events.emit(message.type, { ids: message.ids });
        return;
      case 'owner':
        // Another tab took over: the old owner may have stored pushes it never posted.
        void this.catchUp().catch((error: unknown) => console.error('SIP Push: reading the pushes missed at a handover failed', error));
        return;
      case 'apps':
      case 'leave':
        return; // the group's own business
    }
  }

  /** Pushes stored (here, or posted by the owner): every tab shows them and dispatches its apps'. */
  private heard(pushes: StoredPush[]): void {
    if (pushes.length === 0) return;
    for (const push of pushes) if (this.lastSeenId === undefined || push.id > this.lastSeenId) this.lastSeenId = push.id;
    this.events.emit('stored', pushes);
    this.shared?.dispatcher.dispatchStored(pushes);
  }

  /** Read back the pushes stored after the last one this tab heard of (an owner died before posting them). */
  private async catchUp(): Promise<void> {
    const shared = this.shared;
    if (!shared) return;
    this.heard(await shared.store.after(this.lastSeenId));
  }

  /** The owner's receiving pipeline; its events go to this tab and, posted, to the others. */
  private async buildPipeline(): Promise<Pipeline> {
    const shared = await this.open();
    const { store, transfers, group, instanceId } = shared;
    const committer = await GroupCommitter.create({
      store,
      limits: this.limits,
      ...(this.options.beforeCommit ? { beforeCommit: this.options.beforeCommit } : {}),
    });
    const reporter = new Reporter({
      send: (message) => endpoint.sendMessage(message),
      store,
      from: this.config.aor,
      limits: this.limits,
    });
    const sweeper = new ExpirySweeper({ store, onDiscarded: () => void reporter.drain() });
    committer.on('committed', (pushes) => {
      group.post({ type: 'stored', pushes });
      this.heard(pushes);
      reporter.delivered(pushes);
      sweeper.watch(pushes);
    });
    const lookup = { get: (id: string) => this.registry.get(id) ?? group.directory.get(id) ?? this.declared.get(id.toLowerCase()) };
    const rejected = (rejection: AgentEvents['rejected']) => {
      this.events.emit('rejected', rejection);
      group.post({ type: 'rejected', rejection });
    };
    const intake = createMessageIntake({
      apps: lookup,
      committer,
      limits: this.limits,
      trustAssertedIdentity: this.config.trustAssertedIdentity ?? false,
      onRejected: rejected,
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
      trace: this.trace,
      onComplete: async (transfer) => {
        const outcome = await committer.enqueue(transferToPush(transfer));
        if (typeof outcome === 'object') throw new Error(outcome.message);
      },
    });
    msrp.on('progress', (progress) => {
      this.events.emit('transfer', progress);
      group.post({ type: 'transfer', progress });
    });
    msrp.on('rejected', rejected);
    const endpoint = new SipEndpoint({
      config: this.config,
      instanceId,
      ...(this.config.uaprofUrl ? { uaprofUrl: absoluteUrl(this.config.uaprofUrl) } : {}),
      appIds: () => this.apps().map((a) => a.id),
      interceptMethods: INTERCEPTED_METHODS,
      keepAliveSeconds: this.limits.keepAliveSeconds,
      trace: this.trace,
      onRequest: (request) => this.handleRequest(request),
      onStateChange: (state) => {
        this.events.emit('state', state);
        group.post({ type: 'state', tabId: group.tabId, state });
      },
    });
    // Transfers the previous owner (or a reload) interrupted become failed (resumable);
    // complete ones not yet committed as pushes are committed now. Every tab's view may have
    // listed them as receiving: say they failed.
    const { interrupted } = await msrp.recover();
    for (const transfer of interrupted) {
      const progress = progressOf(transfer);
      this.events.emit('transfer', progress);
      group.post({ type: 'transfer', progress });
    }
    this.pipeline = { committer, intake, msrp, hashes, endpoint, reporter, sweeper };
    return this.pipeline;
  }

  /** The copy of an MSRP push handed to a handler carries its content as a Blob. */
  private async withBlob(push: StoredPush, transfers: TransferStore): Promise<StoredPush> {
    const transferId = transferIdOf(push);
    if (transferId === undefined) return push;
    return { ...push, blob: await transferContent(transfers, transferId, push.contentType) };
  }

  private handleRequest(request: SipRequest): Promise<SipResponse | null> | SipResponse | null {
    const pipeline = this.pipeline;
    if (!pipeline) return createResponse(request, 503, { reason: 'Push Receiver Not Ready', toTag: randomToken(10) });
    if (request.method === 'OPTIONS') {
      const accept = new Set<string>(WRAPPER_TYPES);
      for (const app of this.apps()) for (const type of app.accept) accept.add(type);
      return answerOptions(request, { contact: pipeline.endpoint.contactHeader(), accept: [...accept], toTag: randomToken(10) });
    }
    if (request.method === 'MESSAGE') return pipeline.intake.handle(request);
    return pipeline.msrp.handle(request);
  }
}

/** A follower's state: the owner's, said as what it is for this tab (never `registered`). */
function followingState(owner: AgentState): AgentState {
  const state: AgentState = {
    phase: 'following',
    reason: `Receiving in another tab of this browser (that tab: ${owner.phase}${owner.reason ? `, ${owner.reason}` : ''})`,
    registeredApps: owner.registeredApps,
  };
  if (owner.instanceId) state.instanceId = owner.instanceId;
  if (owner.gruu) state.gruu = owner.gruu;
  return state;
}

/** The stored chunks of an MSRP push as one Blob typed as the push. */
async function transferContent(transfers: TransferStore, transferId: string, contentType: string): Promise<Blob> {
  const blob = await transfers.openContent(transferId);
  return blob.type === contentType ? blob : new Blob([blob], { type: contentType });
}

/** A relative UAProf URL is resolved against the page (config.json ships `/uaprof.rdf`). */
function absoluteUrl(url: string): string {
  if (typeof location === 'undefined') return url;
  return new URL(url, location.href).href;
}
