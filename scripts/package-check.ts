/**
 * `npm run test:package` (part of `npm test`): the package as a web developer gets it.
 *
 *   1. `npm run build:lib`, then the size budget (size-limit, .size-limit.json: prints the
 *      widget bundle's gzip size and fails above its limit), and the first load of the widget
 *      and of the frame page (firstLoad.ts: each entry with the chunks it imports statically)
 *      against the same budgets, never holding the XML parser;
 *   2. `npm pack` into a temporary folder;
 *   3. a copy of test-project/ (outside src/, its own package.json) installs the tarball with
 *      `npm ci --offline`: its lockfile is made here from the tarball and the repository's
 *      lockfile entries of the package's dependencies, so npm takes every tarball from its
 *      cache (filled by this repository's `npm ci`) by integrity, with no registry request;
 *   4. the copy is type-checked against the package's declarations and built with Vite.
 *
 * Exits 1 naming the step that failed. `--keep` leaves the temporary folder and prints it.
 */
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstLoad } from './firstLoad.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  link?: boolean;
  [field: string]: unknown;
}

/** Where Node would find `name` from the package at lock path `from` (its own node_modules, then each parent's). */
function resolveInLock(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const key = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[key]) return key;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

/** The lock entries of `dependencies` and everything they need, by the repository's lockfile. */
export function dependencyClosure(packages: Record<string, LockEntry>, dependencies: Record<string, string>): Record<string, LockEntry> {
  const result: Record<string, LockEntry> = {};
  const queue: Array<[from: string, name: string, optional: boolean]> = Object.keys(dependencies).map((name) => ['', name, false]);
  while (queue.length > 0) {
    const [from, name, optional] = queue.shift()!;
    const key = resolveInLock(packages, from, name);
    if (!key) {
      if (optional) continue;
      throw new Error(`package-lock.json has no entry for ${name} (needed by ${from || 'the package'}): run npm install`);
    }
    if (result[key]) continue;
    const { dev: _dev, devOptional: _devOptional, ...entry } = packages[key]!;
    result[key] = entry;
    for (const dep of Object.keys(entry.dependencies ?? {})) queue.push([key, dep, false]);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) queue.push([key, dep, true]);
    for (const [dep] of Object.entries(entry.peerDependencies ?? {})) queue.push([key, dep, entry.peerDependenciesMeta?.[dep]?.optional === true]);
  }
  return result;
}

function integrityOf(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

function run(step: string, command: string, args: string[], options: ExecFileSyncOptions = {}): string {
  console.log(`package-check: ${step}`);
  try {
    return execFileSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...options }) as string;
  } catch (error) {
    const output = (error as { stdout?: string }).stdout;
    if (output) console.error(output);
    throw new Error(`package-check: ${step} failed`);
  }
}

/**
 * The widget's and the frame page's first load (entry + static imports) within the budget
 * size-limit holds their entry file to, and without the XML parser chunk (it loads with the
 * SI/SL codec, on the first Service Indication: XML_PARSER_CHUNK in vite.config.ts).
 */
function checkFirstLoads(): void {
  const budgets = JSON.parse(readFileSync(join(root, '.size-limit.json'), 'utf8')) as Array<{ path: string | string[]; limit: string }>;
  const limitOf = (path: string) => parseFloat(budgets.find((b) => [b.path].flat()[0] === path)!.limit) * 1000;
  const frameHtml = readFileSync(join(root, 'dist-lib/frame/index.html'), 'utf8');
  const frameEntry = /<script[^>]+src="\.\/(assets\/index-[^"]+\.js)"/.exec(frameHtml)?.[1];
  if (!frameEntry) throw new Error('package-check: dist-lib/frame/index.html names no assets/index-*.js script');
  const read = (path: string) => readFileSync(path, 'utf8');
  for (const [name, entry, budget] of [
    ['widget', join(root, 'dist-lib/widget/sip-push-receiver.js'), limitOf('dist-lib/widget/sip-push-receiver.js')],
    ['frame page', join(root, 'dist-lib/frame', frameEntry), limitOf('dist-lib/frame/assets/index-*.js')],
  ] as const) {
    const load = firstLoad(entry, read);
    const names = load.files.map((f) => f.slice(join(root, 'dist-lib').length + 1));
    console.log(`first load of the ${name}: ${(load.gzipBytes / 1000).toFixed(2)} kB gzip in ${names.join(', ')} (budget ${budget / 1000} kB)`);
    const parser = names.find((f) => /(^|\/)xml-parser-[^/]*\.js$/.test(f));
    if (parser) throw new Error(`package-check: the ${name} loads the XML parser (${parser}) at once; keep XML parsing out of its static imports (src/protocol/xml/text.ts has the helpers that need no parser)`);
    if (load.gzipBytes > budget) throw new Error(`package-check: the ${name}'s first load is ${(load.gzipBytes / 1000).toFixed(2)} kB gzip, over its ${budget / 1000} kB budget (.size-limit.json)`);
  }
}

function main(): void {
  const keep = process.argv.includes('--keep');
  const work = mkdtempSync(join(tmpdir(), 'sip-push-package-'));
  try {
    process.stdout.write(run('npm run build:lib', npm, ['run', '--silent', 'build:lib']));
    process.stdout.write(run('size budget (size-limit)', 'npx', ['--no-install', 'size-limit']));
    checkFirstLoads();

    const packed = JSON.parse(run('npm pack', npm, ['pack', '--json', '--pack-destination', work])) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const tarball = packed[0]!.filename;
    const paths = packed[0]!.files.map((f) => f.path);
    for (const needed of ['dist-lib/index.js', 'dist-lib/element.js', 'dist-lib/iframe.js', 'dist-lib/types/embed/index.d.ts', 'dist-lib/widget/sip-push-receiver.js', 'dist-lib/frame/index.html', 'dist-lib/uaprof.rdf']) {
      if (!paths.includes(needed)) throw new Error(`package-check: the tarball lacks ${needed}`);
    }
    if (paths.some((p) => p.startsWith('src/') || p.startsWith('server/'))) throw new Error('package-check: the tarball carries source folders');

    const consumer = join(work, 'consumer');
    cpSync(join(root, 'test-project'), consumer, { recursive: true, filter: (src) => !/[/\\](node_modules|dist)$/.test(src) });
    const repoPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string> };
    const repoLock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
    const spec = `file:../${tarball}`;
    const consumerPackage = JSON.parse(readFileSync(join(consumer, 'package.json'), 'utf8')) as Record<string, unknown>;
    consumerPackage.dependencies = { [repoPackage.name]: spec };
    writeFileSync(join(consumer, 'package.json'), JSON.stringify(consumerPackage, null, 2));
    const lock = {
      name: consumerPackage.name,
      version: consumerPackage.version,
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: consumerPackage.name, version: consumerPackage.version, dependencies: { [repoPackage.name]: spec } },
        [`node_modules/${repoPackage.name}`]: {
          version: repoPackage.version,
          resolved: spec,
          integrity: integrityOf(join(work, tarball)),
          license: 'UNLICENSED',
          dependencies: repoPackage.dependencies,
        },
        ...dependencyClosure(repoLock.packages, repoPackage.dependencies),
      },
    };
    writeFileSync(join(consumer, 'package-lock.json'), JSON.stringify(lock, null, 2));
    run('npm ci --offline (the tarball, dependencies from the npm cache)', npm, ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: consumer });

    run('type-check the consumer against the package declarations', process.execPath, [join(root, 'node_modules/typescript-go/bin/tsc'), '-p', join(consumer, 'tsconfig.json')]);
    // The repository's Vite, run in the consumer's folder: it resolves sip-push-web and its
    // dependencies from the consumer's node_modules.
    run('vite build of the consumer page', process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: consumer });
    const built = readdirSync(join(consumer, 'dist'));
    const assets = readdirSync(join(consumer, 'dist/assets')).filter((f) => f.endsWith('.js'));
    const js = assets.map((f) => readFileSync(join(consumer, 'dist/assets', f), 'utf8')).join('\n');
    if (!built.includes('index.html') || !js.includes('sip-push-receiver') || !js.includes('sip-push-embed')) {
      throw new Error('package-check: the consumer build lacks its page or the package code');
    }
    const bytes = assets.reduce((sum, f) => sum + statSync(join(consumer, 'dist/assets', f)).size, 0);
    console.log(`package-check: ok: ${tarball} installed offline into a project outside the source tree, type-checked and built (${assets.length} JS files, ${bytes} bytes)`);
  } finally {
    if (keep) console.log(`package-check: kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
