/**
 * The operator console over HTTP (issue 13, point 3), mounted on the API's server
 * (server.ts's `console` hook) at `path` (default /console):
 *
 *   GET <path>, <path>/   the page shell: no data, only whether the API wants a token
 *   GET <path>/app.js     the bundled client (bundle.ts), ETag / 304
 *   GET <path>/app.css
 *   anything else under <path>: 404; a method other than GET or HEAD: 405
 *
 * The shell and its assets need no token: they hold nothing but code. Every piece of data the
 * page shows comes from the /v1 API with the Bearer token (the page asks for it; client/auth.ts).
 * Every answer carries a strict Content-Security-Policy (no inline script or style, same origin
 * only, no framing), nosniff and no-referrer.
 */
import type http from 'node:http';
import { consoleBundle, type ConsoleAsset } from './bundle.ts';
import { mountPath } from '../service/http/mountPath.ts';

export interface ConsoleOptions {
  /** Where the page is served (default /console): a path of its own, not under /v1. */
  path?: string;
}

export const CONSOLE_DEFAULTS = { path: '/console' } as const;

export interface ConsoleMount {
  path: string;
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
}

export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** Checks the path: absolute, no trailing slash, plain characters, not the API's /v1 (mountPath). */
export function consolePath(path: string | undefined): string {
  return mountPath(path ?? CONSOLE_DEFAULTS.path, 'console', '/console');
}

export function createConsole(options: ConsoleOptions & { /** The API wants a Bearer token. */ auth: boolean; log?: (line: string) => void }): ConsoleMount {
  const path = consolePath(options.path);
  const log = options.log ?? ((line: string) => console.error(line));
  const shell = Buffer.from(shellHtml(path, options.auth));

  async function handler(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const pathname = (req.url ?? '/').split('?')[0]!;
    const sub = pathname.slice(path.length);
    const known = sub === '' || sub === '/' || sub === '/app.js' || sub === '/app.css';
    if (!known) return text(res, 404, `No console page ${pathname}; the console is at ${path}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, `${req.method} is not allowed on the console; use GET`, { Allow: 'GET, HEAD' });
    if (sub === '' || sub === '/') return send(req, res, { body: shell, contentType: 'text/html; charset=utf-8', etag: '' });
    let bundle;
    try {
      bundle = await consoleBundle();
    } catch (err) {
      log(`psa console: the page's script could not be built: ${err instanceof Error ? err.message : String(err)}`);
      return text(res, 500, 'The console could not be built; see the service log');
    }
    return send(req, res, sub === '/app.js' ? bundle.js : bundle.css);
  }
  return { path, handler };
}

function send(req: http.IncomingMessage, res: http.ServerResponse, asset: ConsoleAsset): void {
  const headers: Record<string, string | number> = { ...CONSOLE_SECURITY_HEADERS, 'Content-Type': asset.contentType, 'Cache-Control': 'no-cache' };
  if (asset.etag) {
    headers.ETag = asset.etag;
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
  }
  headers['Content-Length'] = asset.body.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}

function text(res: http.ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  const body = `${message}\n`;
  res.writeHead(status, { ...CONSOLE_SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...extra });
  res.end(body);
}

/** The static page: the path is checked plain (consolePath), so it needs no escaping. */
function shellHtml(path: string, auth: boolean): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="psa-auth" content="${auth ? 'bearer' : 'none'}">
<title>Push Sender Agent console</title>
<link rel="stylesheet" href="${path}/app.css">
<script type="module" src="${path}/app.js"></script>
</head>
<body>
<div id="root"></div>
<noscript>The console needs JavaScript. The same operations are in the HTTP API (README, "Push Sender Agent service").</noscript>
</body>
</html>
`;
}
