/**
 * The frame page: a compact receiver a host page embeds in an <iframe>. It takes its
 * configuration from its own URL and talks only to its parent window, only at the parent
 * origin the URL names (messages from any other window or origin are ignored, and nothing is
 * posted anywhere else).
 *
 *   embed.html?parent=https://shop.example.com&instance=shop#config=<URL-encoded JSON>
 *
 * `config` may be in the fragment (never sent to a server: put a password there) or the
 * query; its fields are the full page's (README, "Configuration of the web client").
 */
import { validateConfig } from '../../ui/config/validate.ts';
import { createReceiver } from '../receiver.ts';
import { renderWidget } from '../widget/render.tsx';
import { exactOrigin, isSipPushMessage, MESSAGE_SOURCE, type FrameCall, type FrameCalls, type FromFrame, type ToFrame } from './protocol.ts';

/** The frame's own UAProf document, served beside this page (dist-lib/frame/uaprof.rdf). */
const FRAME_UAPROF = 'uaprof.rdf';

interface FrameSettings {
  parentOrigin: string;
  instance: string | undefined;
  config: unknown;
}

function readSettings(url: URL): FrameSettings {
  const parent = url.searchParams.get('parent');
  if (!parent) throw new Error('The frame URL needs ?parent=<the embedding page\'s origin>');
  const fragment = new URLSearchParams(url.hash.slice(1)).get('config');
  const raw = fragment ?? url.searchParams.get('config');
  if (!raw) throw new Error('The frame URL needs a config parameter (URL-encoded JSON)');
  let config: unknown;
  try {
    config = JSON.parse(raw);
  } catch {
    throw new Error('The frame URL\'s config is not JSON');
  }
  return { parentOrigin: exactOrigin(parent), instance: url.searchParams.get('instance') ?? undefined, config };
}

function showError(message: string, replace = true): void {
  const p = document.createElement('p');
  p.id = 'frame-error';
  p.setAttribute('role', 'alert');
  p.textContent = message;
  if (replace) document.getElementById('receiver')?.replaceChildren(p);
  else document.body.prepend(p);
}

function boot(): void {
  const settings = readSettings(new URL(location.href));
  const validated = validateConfig(settings.config, { origin: location.origin });
  if (!validated.ok) throw new Error(`Invalid configuration: ${Object.entries(validated.errors).map(([field, error]) => `${field}: ${error}`).join('; ')}`);
  const config = { ...validated.config, uaprofUrl: validated.config.uaprofUrl ?? new URL(FRAME_UAPROF, location.href).href };
  // The fragment may hold a password: keep it out of the history.
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);

  const receiver = createReceiver({ ...config, ...(settings.instance ? { instance: settings.instance } : {}) });
  const host = document.getElementById('receiver');
  if (!host) throw new Error('The frame page has no #receiver element');
  const widget = renderWidget(host.attachShadow({ mode: 'open' }), receiver.agent, `SIP Push receiver for ${config.aor}`);

  const post = (message: FromFrame) => window.parent.postMessage(message, settings.parentOrigin);
  const unregister = new Map<string, () => void>();
  const calls: { [K in FrameCall]: (...args: FrameCalls[K]['args']) => FrameCalls[K]['value'] | Promise<FrameCalls[K]['value']> } = {
    registerApp(app) {
      unregister.get(app.id)?.();
      // Only the policy crosses over: the handler is the parent's, reached by the 'push' event.
      unregister.set(app.id, receiver.registerApp({ id: app.id, accept: app.accept, ...(app.allowFrom ? { allowFrom: app.allowFrom } : {}), ...(app.maxBytes !== undefined ? { maxBytes: app.maxBytes } : {}) }));
      widget.store.syncApps();
    },
    unregisterApp(appId) {
      unregister.get(appId)?.();
      unregister.delete(appId);
      widget.store.syncApps();
    },
    apps: () => receiver.apps(),
    start: () => receiver.start(),
    stop: () => receiver.stop(),
    listPushes: (appId, options) => receiver.listPushes(appId, options),
    unreadCount: (appId) => receiver.unreadCount(appId),
    markRead: (ids) => receiver.markRead(ids),
    deletePushes: (ids) => receiver.deletePushes(ids),
    clearApp: (appId) => receiver.clearApp(appId),
  };

  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    // Only the parent, only at its configured origin.
    if (event.source !== window.parent || event.origin !== settings.parentOrigin || !isSipPushMessage(event.data)) return;
    const message = event.data as ToFrame;
    if (message.type === 'hello') {
      post({ source: MESSAGE_SOURCE, type: 'ready', instance: receiver.instance });
      return;
    }
    if (message.type !== 'request' || !Object.hasOwn(calls, message.call)) return;
    const call = calls[message.call] as (...args: unknown[]) => unknown;
    Promise.resolve()
      .then(() => call(...(Array.isArray(message.args) ? message.args : [])))
      .then(
        (value) => post({ source: MESSAGE_SOURCE, type: 'reply', id: message.id, ok: true, value }),
        (error: unknown) => post({ source: MESSAGE_SOURCE, type: 'reply', id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
      );
  });
  for (const name of ['state', 'push', 'rejected'] as const) {
    receiver.on(name, (payload) => post({ source: MESSAGE_SOURCE, type: 'event', name, payload } as FromFrame));
  }
  post({ source: MESSAGE_SOURCE, type: 'ready', instance: receiver.instance });
  receiver.start().catch((error: unknown) => {
    // Typically storage: a browser that blocks storage in frames of other sites denies IndexedDB here.
    console.error('sip-push frame: start failed', error);
    showError(`The receiver could not start: ${error instanceof Error ? error.message : String(error)}. If this page is embedded in another site, the browser may block its storage there.`, false);
  });
}

try {
  boot();
} catch (error) {
  showError(error instanceof Error ? error.message : String(error));
}
