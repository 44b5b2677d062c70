/**
 * `npm run build:lib`: the package's build into dist-lib/ (the full-page client's `npm run
 * build` into dist/ is untouched). Three Vite passes (vite.lib.config.ts: lib, widget, frame),
 * then the type declarations (tsconfig.lib.json) with their relative imports pointing at the
 * `.js` names a consumer's TypeScript resolves to the `.d.ts` beside them.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'dist-lib');
const configFile = join(root, 'vite.lib.config.ts');

/** `from './mount.ts'` -> `from './mount.js'` (also `import('./x.tsx')`), relative specifiers only. */
export function rewriteDeclarationImports(text: string): string {
  return text.replace(/((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+?)\.tsx?(['"])/g, '$1$2.js$3');
}

async function* declarationFiles(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* declarationFiles(path);
    else if (entry.name.endsWith('.d.ts')) yield path;
  }
}

async function main(): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  for (const mode of ['lib', 'widget', 'frame']) {
    await build({ configFile, mode, root: mode === 'frame' ? undefined : root, logLevel: 'warn' });
  }
  execFileSync(process.execPath, [join(root, 'node_modules/typescript-go/bin/tsc'), '-p', join(root, 'tsconfig.lib.json')], { stdio: 'inherit' });
  let count = 0;
  for await (const file of declarationFiles(join(outDir, 'types'))) {
    const text = await readFile(file, 'utf8');
    const rewritten = rewriteDeclarationImports(text);
    if (rewritten !== text) await writeFile(file, rewritten);
    count++;
  }
  console.log(`dist-lib: ESM entries, the widget bundle, the frame page and ${count} declaration files`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
