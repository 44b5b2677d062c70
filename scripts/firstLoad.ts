/**
 * What a page loads before any dynamic import: an entry chunk and every chunk it imports
 * statically, transitively (`import ... from"./x.js"`, `import"./x.js"`; never `import(...)`).
 * size-limit measures the files it is given, so a chunk the build splits off but the entry
 * still imports at once would escape its budget; package-check.ts measures this closure
 * instead, and refuses one that holds a chunk meant to load later (the XML parser). Sizes are
 * gzip level 9.
 */
import { gzipSync } from 'node:zlib';
import { dirname, join, normalize } from 'node:path';

/** Relative static import specifiers of a built ES module (minified or not). */
export function staticImports(code: string): string[] {
  const found = new Set<string>();
  // `from"./a.js"`, `from './a.js'`, and bare side-effect imports `import"./a.js"`; a dynamic
  // `import("./a.js")` has a parenthesis between `import` and the quote, so it never matches.
  for (const m of code.matchAll(/(?:\bfrom|\bimport)\s*(["'])(\.{1,2}\/[^"']+)\1/g)) found.add(m[2]!);
  return [...found];
}

/** The entry and every file it reaches by static imports, entry first. */
export function staticClosure(entry: string, read: (path: string) => string): string[] {
  const seen = new Set<string>();
  const visit = (path: string): void => {
    const file = normalize(path);
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(read(file))) visit(join(dirname(file), spec));
  };
  visit(entry);
  return [...seen];
}

export interface FirstLoad {
  files: string[];
  gzipBytes: number;
}

export function firstLoad(entry: string, read: (path: string) => string): FirstLoad {
  const files = staticClosure(entry, read);
  return { files, gzipBytes: files.reduce((sum, f) => sum + gzipSync(read(f), { level: 9 }).length, 0) };
}
