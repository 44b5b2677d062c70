/**
 * One embedded receiver without its view: the agent on its own store (an IndexedDB prefix
 * per instance), the host's apps wrapped so their handlers get HostPush objects, and typed
 * events. mount(), the custom element and the frame page all build on it.
 */
import { createPushAgent } from '../agent/agent.ts';
import type { PushAgent } from '../agent/types.ts';
import { toHostPush } from './pushObject.ts';
import type { EmbedEvents, EmbedOptions, HostApp, ReceiverHandle } from './types.ts';

/** Database prefix of embedded instances: `sip-push-embed:<instance>:<aor>`. */
export const EMBED_DB_PREFIX = 'sip-push-embed';
export const DEFAULT_INSTANCE = 'default';
/** The UAProf document the package ships beside its modules (dist-lib/uaprof.rdf). */
const PACKAGE_UAPROF_FILE = 'uaprof.rdf';

/** Instance names become part of database, lock and channel names: keep them plain. */
const INSTANCE_NAME = /^[\w.-]{1,64}$/;

export function instanceDbPrefix(instance: string): string {
  if (!INSTANCE_NAME.test(instance)) throw new Error(`Invalid instance name "${instance}": use 1 to 64 letters, digits, '.', '_' or '-'`);
  return `${EMBED_DB_PREFIX}:${instance}`;
}

/**
 * The UAProf URL to publish, always absolute: a configured one resolved against the host
 * page, else the document shipped beside this module (the package's own origin). Bundlers
 * move this module into the host's bundle, where that file is not served: then configure it.
 */
export function resolveUaprofUrl(configured: string | undefined, base: string = document.baseURI): string {
  if (configured) return new URL(configured, base).href;
  const file = PACKAGE_UAPROF_FILE;
  return new URL(file, import.meta.url).href;
}

type Listener<T> = (payload: T) => void;

export class EmbedEmitter {
  private readonly listeners = new Map<keyof EmbedEvents, Set<Listener<never>>>();

  on<K extends keyof EmbedEvents>(event: K, listener: Listener<EmbedEvents[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  emit<K extends keyof EmbedEvents>(event: K, payload: EmbedEvents[K]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        (listener as Listener<EmbedEvents[K]>)(payload);
      } catch (error) {
        // One host listener's failure never stops the others or the agent.
        console.error(`sip-push: a '${event}' listener threw`, error);
      }
    }
  }
}

export type CreateAgent = typeof createPushAgent;

/** Builds the receiver; nothing starts until start() (mount() and the element start it unless told not to). */
export function createReceiver(options: EmbedOptions, createAgent: CreateAgent = createPushAgent): ReceiverHandle & { readonly emitter: EmbedEmitter } {
  const { instance = DEFAULT_INSTANCE, autoStart: _autoStart, limits, ...config } = options;
  const agent: PushAgent = createAgent(
    { ...config, uaprofUrl: resolveUaprofUrl(config.uaprofUrl) },
    { dbName: instanceDbPrefix(instance), ...(limits ? { limits } : {}) },
  );
  const emitter = new EmbedEmitter();
  agent.on('state', (state) => emitter.emit('state', state));
  agent.on('rejected', (event) => emitter.emit('rejected', event));

  const hostPush = (push: Parameters<typeof toHostPush>[1]) => toHostPush(agent, push);

  return {
    agent,
    instance,
    emitter,
    start: () => agent.start(),
    stop: () => agent.stop(),
    registerApp(app: HostApp) {
      const { handler, ...spec } = app;
      return agent.registerApp({
        ...spec,
        handler: async (stored) => {
          const push = await hostPush(stored);
          emitter.emit('push', push);
          await handler?.(push);
        },
      });
    },
    apps: () => agent.apps(),
    on: (event, listener) => emitter.on(event, listener),
    listPushes: async (appId, page) => Promise.all((await agent.listPushes(appId, page)).map(hostPush)),
    unreadCount: (appId) => agent.unreadCount(appId),
    markRead: (ids) => agent.markRead(ids),
    deletePushes: (ids) => agent.deletePushes(ids),
    clearApp: (appId) => agent.clearApp(appId),
  };
}
