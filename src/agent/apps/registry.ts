/**
 * The in-page push applications, by application ID (OMA SIP Push PRA function 3).
 *
 * IDs are RFC 3840 tokens and are looked up case-insensitively, as the core matches the
 * `+g.oma.pusheventapp` tokens of Accept-Contact case-insensitively (RFC 3841 section 7.4.2
 * via RFC 2533). Registering an ID that is already registered REPLACES the previous app
 * (spec and handler); the previous registration's unregister function then does nothing.
 *
 * Events:
 *   changed     the set of registered IDs changed (the SIP layer re-registers with it)
 *   registered  an app was registered or replaced (the dispatcher replays its stored pushes)
 */
import { TypedEmitter } from '../events.ts';
import { addressOfRecord } from '../../protocol/sip/headers.ts';
import { isValidAppId } from '../../protocol/sip/featureTags.ts';
import type { PushApp, PushAppSpec } from '../types.ts';

export interface AppRegistryEvents {
  changed: { ids: string[] };
  registered: PushApp;
  unregistered: { id: string };
}

const MEDIA_RANGE = /^(\*\/\*|\*|[A-Za-z0-9!#$&^_.+-]+\/(\*|[A-Za-z0-9!#$&^_.+-]+))\s*(;.*)?$/;

export class AppRegistry extends TypedEmitter<AppRegistryEvents> {
  private readonly apps = new Map<string, PushApp>();

  /**
   * Register an app; returns its unregister function. Throws an Error with a clear message
   * when the spec is invalid. Replaces an app registered under the same ID.
   */
  register(app: PushApp): () => void {
    const entry = validateApp(app);
    const key = entry.id.toLowerCase();
    const replaced = this.apps.has(key);
    this.apps.set(key, entry);
    if (!replaced) this.emit('changed', { ids: this.ids() });
    this.emit('registered', entry);
    return () => {
      if (this.apps.get(key) !== entry) return; // replaced or already unregistered
      this.apps.delete(key);
      this.emit('unregistered', { id: entry.id });
      this.emit('changed', { ids: this.ids() });
    };
  }

  get(id: string): PushApp | undefined {
    return this.apps.get(id.toLowerCase());
  }

  has(id: string): boolean {
    return this.apps.has(id.toLowerCase());
  }

  /** IDs as registered, in registration order. */
  ids(): string[] {
    return [...this.apps.values()].map((a) => a.id);
  }

  /** Specs (without handlers) of the registered apps, as copies. */
  specs(): PushAppSpec[] {
    return [...this.apps.values()].map(toSpec);
  }
}

export function toSpec(app: PushAppSpec): PushAppSpec {
  const spec: PushAppSpec = { id: app.id, accept: [...app.accept] };
  if (app.allowFrom !== undefined) spec.allowFrom = [...app.allowFrom];
  if (app.maxBytes !== undefined) spec.maxBytes = app.maxBytes;
  return spec;
}

/** Validate an app and return a frozen copy of it (later mutations by the caller do not leak in). */
export function validateApp(app: PushApp): PushApp {
  if (typeof app.id !== 'string' || !isValidAppId(app.id)) {
    throw new Error(`Push application ID ${JSON.stringify(app.id)} is not a valid RFC 3840 token (letters, digits and -.!%*_+\`'~)`);
  }
  if (!Array.isArray(app.accept) || app.accept.length === 0) {
    throw new Error(`Push application ${app.id}: accept must list at least one content type`);
  }
  for (const range of app.accept) {
    if (typeof range !== 'string' || !MEDIA_RANGE.test(range.trim())) {
      throw new Error(`Push application ${app.id}: ${JSON.stringify(range)} is not a content type (type/subtype, type/* or */*)`);
    }
  }
  for (const sender of app.allowFrom ?? []) {
    try {
      addressOfRecord(sender);
    } catch {
      throw new Error(`Push application ${app.id}: allowFrom entry ${JSON.stringify(sender)} is not a SIP URI`);
    }
  }
  if (app.maxBytes !== undefined && !(Number.isInteger(app.maxBytes) && app.maxBytes >= 0)) {
    throw new Error(`Push application ${app.id}: maxBytes must be a non-negative integer`);
  }
  if (typeof app.handler !== 'function') {
    throw new Error(`Push application ${app.id}: handler must be a function`);
  }
  return Object.freeze({ ...toSpec(app), handler: app.handler });
}
