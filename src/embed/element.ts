/**
 * The custom element `<sip-push-receiver>`: configuration as attributes and properties,
 * events as DOM CustomEvents (`sip-push:state`, `sip-push:push`, `sip-push:rejected`, which
 * bubble and cross shadow boundaries), the widget in the element's own shadow root.
 *
 *   <sip-push-receiver server="wss://sip.example.com" aor="sip:alice@example.com"
 *                      auth-user="alice" instance="shop"></sip-push-receiver>
 *
 * It starts once connected with `server` and `aor` set (unless it has the `manual`
 * attribute), and starts afresh when a configuration attribute or property changes. Apps
 * registered on the element stay registered across such restarts.
 */
import type { AgentConfig, AgentState, PushAgent, PushAppSpec } from '../agent/types.ts';
import { createReceiver, DEFAULT_INSTANCE } from './receiver.ts';
import type { EmbedEvents, HostApp, HostPush, ReceiverHandle } from './types.ts';
import { renderWidget, type RenderedWidget } from './widget/render.tsx';

export const ELEMENT_NAME = 'sip-push-receiver';

/** Attribute to configuration field. `password` is read from the attribute but set best as a property (attributes show in the DOM). */
const ATTRIBUTES = {
  server: 'server',
  aor: 'aor',
  'auth-user': 'authUser',
  password: 'password',
  'display-name': 'displayName',
  'uaprof-url': 'uaprofUrl',
} as const satisfies Record<string, keyof AgentConfig>;

type AttributeName = keyof typeof ATTRIBUTES;

export type SipPushEventMap = { [K in keyof EmbedEvents as `sip-push:${K}`]: CustomEvent<EmbedEvents[K]> };

export class SipPushReceiverElement extends HTMLElement {
  static readonly observedAttributes = [...Object.keys(ATTRIBUTES), 'instance', 'trust-asserted-identity'];

  readonly #shadow: ShadowRoot;
  readonly #hostApps = new Map<string, { app: HostApp; unregister: (() => void) | null }>();
  #declaredApps: PushAppSpec[] = [];
  #password: string | undefined;
  #receiver: ReceiverHandle | null = null;
  #widget: RenderedWidget | null = null;
  #stopping: Promise<void> = Promise.resolve();
  #restartQueued = false;
  /** The configuration the running receiver was made from. */
  #runningKey = '';

  constructor() {
    super();
    this.#shadow = this.attachShadow({ mode: 'open' });
  }

  connectedCallback(): void {
    this.#queueRestart();
  }

  disconnectedCallback(): void {
    this.#queueRestart();
  }

  attributeChangedCallback(_name: string, oldValue: string | null, newValue: string | null): void {
    if (oldValue !== newValue) this.#queueRestart();
  }

  // Configuration properties, reflected to their attributes (password excepted).
  get server(): string { return this.getAttribute('server') ?? ''; }
  set server(value: string) { this.setAttribute('server', value); }
  get aor(): string { return this.getAttribute('aor') ?? ''; }
  set aor(value: string) { this.setAttribute('aor', value); }
  get authUser(): string | null { return this.getAttribute('auth-user'); }
  set authUser(value: string | null) { this.#reflect('auth-user', value); }
  get displayName(): string | null { return this.getAttribute('display-name'); }
  set displayName(value: string | null) { this.#reflect('display-name', value); }
  get uaprofUrl(): string | null { return this.getAttribute('uaprof-url'); }
  set uaprofUrl(value: string | null) { this.#reflect('uaprof-url', value); }
  get instance(): string { return this.getAttribute('instance') ?? DEFAULT_INSTANCE; }
  set instance(value: string) { this.setAttribute('instance', value); }
  get trustAssertedIdentity(): boolean { return this.hasAttribute('trust-asserted-identity'); }
  set trustAssertedIdentity(value: boolean) { this.toggleAttribute('trust-asserted-identity', value); }
  /** Write-only in effect: never reflected to an attribute. */
  get password(): string | undefined { return this.#password ?? this.getAttribute('password') ?? undefined; }
  set password(value: string | undefined) {
    this.#password = value;
    this.#queueRestart();
  }
  /** Apps declared by configuration (shown in the widget, stored; no handler). */
  get apps(): PushAppSpec[] { return this.#declaredApps; }
  set apps(value: PushAppSpec[]) {
    this.#declaredApps = [...value];
    this.#queueRestart();
  }

  /** The running agent, null until the element has started. */
  get agent(): PushAgent | null { return this.#receiver?.agent ?? null; }
  get state(): AgentState | null { return this.#receiver?.agent.state ?? null; }

  /** Register a push application; kept across restarts. Its pushes are also dispatched as `sip-push:push`. */
  registerApp(app: HostApp): () => void {
    this.#hostApps.get(app.id)?.unregister?.();
    const entry = { app, unregister: this.#receiver ? this.#registerIn(this.#receiver, app) : null };
    this.#hostApps.set(app.id, entry);
    return () => {
      if (this.#hostApps.get(app.id) !== entry) return;
      this.#hostApps.delete(app.id);
      entry.unregister?.();
      this.#widget?.store.syncApps();
    };
  }

  registeredApps(): PushAppSpec[] { return this.#receiver?.apps() ?? []; }
  start(): Promise<void> { return this.#running().start(); }
  stop(): Promise<void> { return this.#running().stop(); }
  listPushes(appId: string, options?: { limit?: number; before?: string }): Promise<HostPush[]> { return this.#running().listPushes(appId, options); }
  unreadCount(appId: string): Promise<number> { return this.#running().unreadCount(appId); }
  markRead(ids: readonly string[]): Promise<void> { return this.#running().markRead(ids); }
  deletePushes(ids: readonly string[]): Promise<void> { return this.#running().deletePushes(ids); }
  clearApp(appId: string): Promise<void> { return this.#running().clearApp(appId); }

  #running(): ReceiverHandle {
    if (!this.#receiver) throw new Error(`<${ELEMENT_NAME}> is not running: it needs the server and aor attributes and to be in the document`);
    return this.#receiver;
  }

  #reflect(name: AttributeName, value: string | null): void {
    if (value === null) this.removeAttribute(name);
    else this.setAttribute(name, value);
  }

  #registerIn(receiver: ReceiverHandle, app: HostApp): () => void {
    const unregister = receiver.registerApp(app);
    this.#widget?.store.syncApps();
    return unregister;
  }

  /** Several changes in one task (attributes set one by one) restart once. */
  #queueRestart(): void {
    if (this.#restartQueued) return;
    this.#restartQueued = true;
    queueMicrotask(() => {
      this.#restartQueued = false;
      void this.#restart();
    });
  }

  #config(): AgentConfig | null {
    const config: Partial<AgentConfig> = {};
    for (const [attribute, field] of Object.entries(ATTRIBUTES) as Array<[AttributeName, keyof AgentConfig]>) {
      const value = this.getAttribute(attribute);
      if (value !== null && value !== '') (config as Record<string, unknown>)[field] = value;
    }
    if (this.#password !== undefined) config.password = this.#password;
    if (this.trustAssertedIdentity) config.trustAssertedIdentity = true;
    if (this.#declaredApps.length > 0) config.apps = this.#declaredApps;
    return config.server && config.aor ? (config as AgentConfig) : null;
  }

  async #restart(): Promise<void> {
    const previous = this.#receiver;
    const config = this.#config();
    const key = JSON.stringify([config, this.instance]);
    // Moved within the document, or an attribute set to the value it had: keep running.
    if (previous && this.isConnected && key === this.#runningKey) return;
    if (previous) {
      this.#receiver = null;
      this.#widget?.dispose();
      this.#widget = null;
      for (const entry of this.#hostApps.values()) entry.unregister = null;
      this.#stopping = previous.stop().catch((error: unknown) => console.error(`<${ELEMENT_NAME}>: stop failed`, error));
    }
    if (!this.isConnected || !config) return;
    // The old agent lets go of its registration and database before the new one opens them.
    await this.#stopping;
    if (this.#receiver || !this.isConnected) return;
    const receiver = createReceiver({ ...config, instance: this.instance });
    this.#receiver = receiver;
    this.#runningKey = key;
    this.#widget = renderWidget(this.#shadow, receiver.agent, `SIP Push receiver for ${config.aor}`);
    for (const name of ['state', 'push', 'rejected'] as const) {
      receiver.on(name, (detail) => this.dispatchEvent(new CustomEvent(`sip-push:${name}`, { detail, bubbles: true, composed: true })));
    }
    for (const entry of this.#hostApps.values()) entry.unregister = this.#registerIn(receiver, entry.app);
    if (!this.hasAttribute('manual')) {
      receiver.start().catch((error: unknown) => console.error(`<${ELEMENT_NAME}>: start failed`, error));
    }
  }
}

/** Defines `<sip-push-receiver>` (or the given name) once; returns the class. */
export function defineSipPushReceiver(name: string = ELEMENT_NAME): typeof SipPushReceiverElement {
  const existing = customElements.get(name);
  if (existing) return existing as typeof SipPushReceiverElement;
  // A subclass per name: one constructor may be defined under one name only.
  const defined = name === ELEMENT_NAME ? SipPushReceiverElement : class extends SipPushReceiverElement {};
  customElements.define(name, defined);
  return defined;
}

declare global {
  interface HTMLElementTagNameMap {
    'sip-push-receiver': SipPushReceiverElement;
  }
  interface HTMLElementEventMap extends SipPushEventMap {}
}
