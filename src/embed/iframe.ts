/**
 * The host page's side of the iframe embed (the `./iframe` entry): builds the frame's URL
 * and drives the frame over postMessage. Needs neither React nor the agent: the receiver
 * runs in the frame, on the frame's origin.
 *
 *   const frame = embedFrame(container, { frameUrl: 'https://push.example.com/embed/', config, instance: 'shop' });
 *   await frame.registerApp({ id: 'news.ua', accept: ['application/json'] });
 *   frame.on('push', (push) => console.log(push.json));
 */
import type { AgentConfig, AgentState, PushAppSpec } from '../agent/types.ts';
import { exactOrigin, isSipPushMessage, MESSAGE_SOURCE, type FrameCall, type FrameCalls, type FromFrame, type ToFrame } from './frame/protocol.ts';
import type { EmbedEvents, HostApp, HostPush } from './types.ts';

export type { EmbedEvents, HostApp, HostPush } from './types.ts';

export interface FrameOptions {
  /** URL of the frame page (the package's dist-lib/frame/index.html, served from the receiver's origin). */
  frameUrl: string;
  /** The receiver's configuration; put in the frame URL's fragment, so never sent to a server. */
  config: AgentConfig;
  /** Store name inside the frame (as EmbedOptions.instance). */
  instance?: string;
  /** Accessible title of the iframe. */
  title?: string;
  /** Milliseconds a call waits for the frame's answer. Default 15000. */
  timeoutMs?: number;
}

export interface FrameHandle {
  readonly iframe: HTMLIFrameElement;
  /** Resolves once the frame has said it is ready. */
  readonly ready: Promise<void>;
  /** The last state the frame reported. */
  readonly state: AgentState | null;
  /** Registers an app in the frame; its pushes reach `handler` and the `push` event. */
  registerApp(app: HostApp): Promise<() => Promise<void>>;
  apps(): Promise<PushAppSpec[]>;
  start(): Promise<void>;
  stop(): Promise<void>;
  listPushes(appId: string, options?: { limit?: number; before?: string }): Promise<HostPush[]>;
  unreadCount(appId: string): Promise<number>;
  markRead(ids: readonly string[]): Promise<void>;
  deletePushes(ids: readonly string[]): Promise<void>;
  clearApp(appId: string): Promise<void>;
  on<K extends keyof EmbedEvents>(event: K, listener: (payload: EmbedEvents[K]) => void): () => void;
  /** Stops listening and removes the iframe. */
  destroy(): void;
}

/** The frame page's URL for these options: `?parent=<this origin>&instance=…#config=…`. */
export function frameSrc(options: Pick<FrameOptions, 'frameUrl' | 'config' | 'instance'>, parentOrigin: string = location.origin): string {
  const url = new URL(options.frameUrl, document.baseURI);
  url.searchParams.set('parent', parentOrigin);
  if (options.instance) url.searchParams.set('instance', options.instance);
  url.hash = new URLSearchParams({ config: JSON.stringify(options.config) }).toString();
  return url.href;
}

/** Creates the iframe in `container` and connects to it. */
export function embedFrame(container: Element, options: FrameOptions): FrameHandle {
  const iframe = document.createElement('iframe');
  iframe.title = options.title ?? 'SIP Push receiver';
  iframe.src = frameSrc(options);
  container.append(iframe);
  return connectFrame(iframe, { origin: new URL(iframe.src).origin, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) });
}

/** Connects to a frame page already in the document (its `src` built with frameSrc). */
export function connectFrame(iframe: HTMLIFrameElement, options: { origin: string; timeoutMs?: number }): FrameHandle {
  const frameOrigin = exactOrigin(options.origin);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const listeners = new Map<keyof EmbedEvents, Set<(payload: never) => void>>();
  const handlers = new Map<string, NonNullable<HostApp['handler']>>();
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  let nextId = 1;
  let state: AgentState | null = null;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const send = (message: ToFrame) => iframe.contentWindow?.postMessage(message, frameOrigin);
  const emit = <K extends keyof EmbedEvents>(name: K, payload: EmbedEvents[K]) => {
    for (const listener of listeners.get(name) ?? []) (listener as (p: EmbedEvents[K]) => void)(payload);
  };

  const onMessage = (event: MessageEvent<unknown>) => {
    if (event.source !== iframe.contentWindow || event.origin !== frameOrigin || !isSipPushMessage(event.data)) return;
    const message = event.data as FromFrame;
    switch (message.type) {
      case 'ready':
        markReady();
        return;
      case 'reply': {
        const call = pending.get(message.id);
        if (!call) return;
        pending.delete(message.id);
        clearTimeout(call.timer);
        if (message.ok) call.resolve(message.value);
        else call.reject(new Error(message.error));
        return;
      }
      case 'event':
        if (message.name === 'state') state = message.payload;
        if (message.name === 'push') {
          const handler = handlers.get(message.payload.appId);
          if (handler) Promise.resolve(handler(message.payload)).catch((error: unknown) => console.error('sip-push: a push handler threw', error));
        }
        emit(message.name, message.payload as never);
        return;
    }
  };
  window.addEventListener('message', onMessage);
  // The frame says ready on load; if that came before this listener, it says it again.
  send({ source: MESSAGE_SOURCE, type: 'hello' });

  const call = async <K extends FrameCall>(name: K, ...args: FrameCalls[K]['args']): Promise<FrameCalls[K]['value']> => {
    await ready;
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`The receiver frame did not answer ${name} within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      send({ source: MESSAGE_SOURCE, type: 'request', id, call: name, args } as ToFrame);
    });
  };

  return {
    iframe,
    ready,
    get state() {
      return state;
    },
    async registerApp(app) {
      const { handler, ...spec } = app;
      if (handler) handlers.set(app.id, handler);
      await call('registerApp', spec);
      return async () => {
        handlers.delete(app.id);
        await call('unregisterApp', app.id);
      };
    },
    apps: () => call('apps'),
    start: () => call('start'),
    stop: () => call('stop'),
    listPushes: (appId, page) => call('listPushes', appId, page),
    unreadCount: (appId) => call('unreadCount', appId),
    markRead: (ids) => call('markRead', [...ids]),
    deletePushes: (ids) => call('deletePushes', [...ids]),
    clearApp: (appId) => call('clearApp', appId),
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
    destroy() {
      window.removeEventListener('message', onMessage);
      for (const { timer, reject } of pending.values()) {
        clearTimeout(timer);
        reject(new Error('The receiver frame was destroyed'));
      }
      pending.clear();
      iframe.remove();
    },
  };
}
