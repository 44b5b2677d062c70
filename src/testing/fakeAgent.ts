/** An in-memory PushAgent for the UI's unit tests: emits events on demand, records calls. */
import { TypedEmitter } from '../agent/events.ts';
import { Tracer } from '../agent/trace/tracer.ts';
import { DEFAULT_AGENT_LIMITS, type AgentConfig, type AgentEvents, type AgentState, type PushAgent, type PushApp, type PushAppSpec, type StoredPush, type TransferProgress } from '../agent/types.ts';

export interface FakeAgent extends PushAgent {
  emit<K extends keyof AgentEvents>(event: K, payload: AgentEvents[K]): void;
  /** Pushes listPushes answers with, per app (newest first). */
  stored: Map<string, StoredPush[]>;
  registered: PushApp[];
  started: number;
  stopped: number;
  listCalls: Array<{ appId: string; limit?: number }>;
  /** Transfers listTransfers answers with (newest first). */
  transfers: TransferProgress[];
  /** Blobs openContent answers with, by push ID (default: the push's content). */
  contents: Map<string, Blob>;
  deletedTransfers: string[];
  /** A real trace with its taps callable by the test (trace.sip('in', frame)). */
  trace: Tracer;
}

export function fakeAgent(config: AgentConfig = { server: 'ws://127.0.0.1:1', aor: 'sip:alice@localhost' }): FakeAgent {
  const emitter = new TypedEmitter<AgentEvents>();
  let state: AgentState = { phase: 'idle', registeredApps: [] };
  const agent: FakeAgent = {
    get state() {
      return state;
    },
    config,
    limits: DEFAULT_AGENT_LIMITS,
    stored: new Map(),
    registered: [],
    started: 0,
    stopped: 0,
    listCalls: [],
    transfers: [],
    contents: new Map(),
    deletedTransfers: [],
    trace: new Tracer({ ownsConnection: () => state.phase !== 'following' }),
    emit(event, payload) {
      if (event === 'state') state = payload as AgentState;
      emitter.emit(event, payload);
    },
    on: (event, listener) => emitter.on(event, listener),
    registerApp(app) {
      agent.registered.push(app);
      return () => {
        agent.registered = agent.registered.filter((a) => a !== app);
      };
    },
    // Like the real agent: registered apps, then configured (declared) ones not registered.
    apps: (): PushAppSpec[] => {
      const registered = agent.registered.map(({ handler: _h, ...spec }): PushAppSpec => spec);
      const ids = new Set(registered.map((a) => a.id));
      return [...registered, ...(config.apps ?? []).filter((a) => !ids.has(a.id))];
    },
    async listPushes(appId, options) {
      agent.listCalls.push(options?.limit !== undefined ? { appId, limit: options.limit } : { appId });
      return (agent.stored.get(appId) ?? []).slice(0, options?.limit);
    },
    async unreadCount(appId) {
      return (agent.stored.get(appId) ?? []).filter((p) => !p.read).length;
    },
    async markRead(ids) {
      const changed: string[] = [];
      for (const [appId, list] of agent.stored) {
        agent.stored.set(
          appId,
          list.map((p) => {
            if (!ids.includes(p.id) || p.read) return p;
            changed.push(p.id);
            return { ...p, read: true };
          }),
        );
      }
      if (changed.length > 0) emitter.emit('read', { ids: changed });
    },
    async deletePushes(ids) {
      const gone: string[] = [];
      for (const [appId, list] of agent.stored) {
        gone.push(...list.filter((p) => ids.includes(p.id)).map((p) => p.id));
        agent.stored.set(appId, list.filter((p) => !ids.includes(p.id)));
      }
      if (gone.length > 0) emitter.emit('deleted', { ids: gone });
    },
    async clearApp(appId) {
      const gone = (agent.stored.get(appId) ?? []).map((p) => p.id);
      agent.stored.set(appId, []);
      if (gone.length > 0) emitter.emit('deleted', { ids: gone });
    },
    async clearFinishedTransfers() {
      const gone = agent.transfers.filter((t) => t.state !== 'receiving' && t.state !== 'verifying').map((t) => t.id);
      agent.transfers = agent.transfers.filter((t) => !gone.includes(t.id));
      if (gone.length > 0) emitter.emit('transfersRemoved', { ids: gone });
    },
    async listTransfers() {
      return [...agent.transfers];
    },
    async deleteTransfer(id) {
      agent.deletedTransfers.push(id);
      agent.transfers = agent.transfers.filter((t) => t.id !== id);
      emitter.emit('transfersRemoved', { ids: [id] });
    },
    async openContent(p) {
      return agent.contents.get(p.id) ?? new Blob([p.content as Uint8Array<ArrayBuffer>], { type: p.contentType });
    },
    async start() {
      agent.started++;
    },
    async stop() {
      agent.stopped++;
    },
  };
  return agent;
}

let seq = 0;
export function push(over: Partial<StoredPush> = {}): StoredPush {
  seq++;
  const content = over.content ?? new TextEncoder().encode(`push ${seq}`);
  return {
    id: String(seq),
    appId: 'news.ua',
    from: 'sip:news@example.com',
    to: 'sip:alice@localhost',
    contentType: 'text/plain',
    content,
    size: content.length,
    receivedAt: 1_700_000_000_000 + seq,
    via: 'message',
    dedupKey: `sip:call-${seq}:1`,
    dispatched: false,
    read: false,
    ...over,
  };
}

let transferSeq = 0;
/** A transfer report: 50 MB expected, 10 MB received at 4 MB/s unless overridden. */
export function transfer(over: Partial<TransferProgress> = {}): TransferProgress {
  transferSeq++;
  return {
    id: `t${transferSeq}`,
    appId: 'mms.ua',
    from: 'sip:files@example.com',
    fileName: `file-${transferSeq}.bin`,
    contentType: 'application/octet-stream',
    size: 50 * 1024 * 1024,
    receivedBytes: 10 * 1024 * 1024,
    rate: 4 * 1024 * 1024,
    secondsLeft: 10,
    state: 'receiving',
    resumable: false,
    startedAt: 1_700_000_000_000 + transferSeq,
    updatedAt: 1_700_000_000_000 + transferSeq,
    ...over,
  };
}
