/**
 * The console's browser code (client/), bundled in memory with esbuild's JS API the first time
 * the page is asked for, then kept for the life of the process: the service runs with Node
 * alone (tsx), with no build step before it. esbuild is loaded only then, so a service whose
 * console nobody opens never loads it.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export interface ConsoleAsset {
  body: Buffer;
  contentType: string;
  /** A strong validator for If-None-Match. */
  etag: string;
}

export interface ConsoleBundle {
  js: ConsoleAsset;
  css: ConsoleAsset;
}

const ENTRY = fileURLToPath(new URL('./client/main.tsx', import.meta.url));

let cached: Promise<ConsoleBundle> | undefined;

/** The bundle, built once per process (a failed build is retried on the next call). */
export function consoleBundle(): Promise<ConsoleBundle> {
  cached ??= buildConsole().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function buildConsole(): Promise<ConsoleBundle> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    outdir: '/psa-console',
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'));
  if (!js || !css) throw new Error(`the console bundle lacks its ${js ? 'CSS' : 'script'} (esbuild wrote ${result.outputFiles.map((f) => f.path).join(', ')})`);
  return { js: asset(js.contents, 'text/javascript; charset=utf-8'), css: asset(css.contents, 'text/css; charset=utf-8') };
}

function asset(contents: Uint8Array, contentType: string): ConsoleAsset {
  const body = Buffer.from(contents);
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}
