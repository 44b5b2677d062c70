/**
 * Host pages for the embedding specs (e2e/embed*.spec.ts), served by a small HTTP server on
 * loopback at a port of its own: a different origin from the receiver's (the Vite dev server),
 * as a site embedding the receiver is; a second port serves the same pages at a wrong origin.
 *
 * Pages load the package's sources from the dev server (src/embed/*), after the preamble Vite's
 * React plugin expects of a page it did not serve (Vite's backend-integration guide).
 */
import type { SipIdentity } from './fixtures/cores.ts';
import { test } from './fixtures/test.ts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EmbedHost {
  /** `http://127.0.0.1:<port>`: the host page's origin. */
  readonly origin: string;
  /**
   * `http://127.0.0.1:<another port>`: a second origin of the same pages (a wrong origin). The
   * same site as the others (ports do not make sites), so a receiver frame in it keeps its storage.
   */
  readonly otherOrigin: string;
  /** Serves `html` at `path` (on both origins). */
  page(path: string, html: string): void;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function startEmbedHost(): Promise<EmbedHost> {
  const pages = new Map<string, string>();
  const serve = (request: IncomingMessage, response: ServerResponse) => {
    const html = pages.get(new URL(request.url ?? '/', 'http://host').pathname);
    response.writeHead(html === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    response.end(html ?? 'not found');
  };
  const servers = [createServer(serve), createServer(serve)];
  const [origin, otherOrigin] = await Promise.all(servers.map(listen));
  return {
    origin: origin!,
    otherOrigin: otherOrigin!,
    page: (path, html) => void pages.set(path, html),
    close: async () => {
      for (const server of servers) server.closeAllConnections();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}

/**
 * Styles a careless host might have: everything it can reach forced with !important, custom
 * properties named like the widget's, and the widget's class names and element types.
 */
export const AGGRESSIVE_HOST_STYLES = `
  * { color: rgb(255, 0, 0) !important; background: rgb(0, 255, 0) !important; font-family: serif !important;
      font-size: 40px !important; line-height: 3 !important; letter-spacing: 5px !important; text-transform: uppercase !important;
      padding: 13px !important; margin: 7px !important; border: 5px dashed rgb(0, 0, 255) !important; box-sizing: content-box !important; }
  :root, sip-push-receiver, [data-sip-push-receiver] { --spr-text: rgb(255, 0, 0); --spr-bg: rgb(0, 255, 0); --spr-border: rgb(0, 0, 255); }
  section, header, nav, ol, li, span, time, button, p { display: inline !important; visibility: visible !important; }
  .spr, .spr-root, .spr-push, .spr-head, .spr-app, .spr-text { display: none !important; }
`;

/** What inside the widget must look like whatever the host's styles, read in the page. */
export const WIDGET_STYLE_PROBES = ['[data-testid=widget]', '[data-testid=widget-phase]', '[data-testid=widget-app]', '[data-testid=widget-push]', '[data-testid=widget-push-text]'] as const;
export const STYLE_PROPERTIES = ['display', 'color', 'background-color', 'font-family', 'font-size', 'line-height', 'letter-spacing', 'text-transform', 'padding-top', 'margin-top', 'border-top-style', 'border-top-color', 'box-sizing'] as const;

/** A page of the host: preamble, styles, body and a module script. */
export function hostPageHtml(options: { client: string; styles?: string; body: string; script: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Host page</title>
<style>${options.styles ?? ''}</style>
<script type="module">
import RefreshRuntime from '${options.client}/@react-refresh';
RefreshRuntime.injectIntoGlobalHook(window);
window.$RefreshReg$ = () => {};
window.$RefreshSig$ = () => (type) => type;
window.__vite_plugin_react_preamble_installed__ = true;
</script>
</head><body>
${options.body}
<script type="module">
${options.script}
</script>
</body></html>`;
}

/** Module script text that keeps what a host page's handlers receive in window.received, as plain data. */
export const RECORD_PUSHES = `
window.received = [];
window.record = async (push, how) => {
  window.received.push({ how, id: push.id, appId: push.appId, from: push.from, contentType: push.contentType, size: push.size, via: push.via,
    text: push.text, json: push.json, blob: { size: push.blob.size, text: await push.blob.text() } });
};
`;

/** Computed styles of the outside probe: what would change if the widget's styles leaked out. */
export const OUTSIDE_PROPERTIES = ['display', 'position', 'width', 'clip-path', 'border-top-left-radius', 'color', 'background-color', 'font-size', 'font-family', 'padding-top', 'grid-template-columns', 'white-space'] as const;
/** An element of the host page carrying the widget's class names. */
export const OUTSIDE_PROBE = '<p id="outside" class="spr spr-root spr-push spr-hidden spr-text spr-unread">Host content</p>';

/** The receiver configuration of an identity on the core under test, as a host page passes it. */
export function configOf(core: { wsUrl: string }, identity: SipIdentity): { server: string; aor: string; authUser?: string; password?: string } {
  return { server: core.wsUrl, aor: identity.aor, ...(identity.authUser ? { authUser: identity.authUser } : {}), ...(identity.password ? { password: identity.password } : {}) };
}

/** Host-page script lines that configure the element `el` from `config`: credentials first, the AoR last (it starts the agent). */
export const CONFIGURE_ELEMENT = `
          el.password = config.password;
          if (config.authUser) el.authUser = config.authUser;
          el.server = config.server;
          el.aor = config.aor;`;

/** The specs' test with a host-page server (`host`) and the receiver's origin (`client`). */
export const hostTest = test.extend<{ host: EmbedHost; client: string }>({
  host: async ({}, use) => {
    const host = await startEmbedHost();
    await use(host);
    await host.close();
  },
  client: async ({ baseURL }, use) => use(new URL(baseURL!).origin),
});
