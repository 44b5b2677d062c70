/**
 * The library build (`npm run build:lib`, into dist-lib/; the full-page client stays in
 * vite.config.ts and dist/). Three passes, by mode:
 *
 *   lib     dist-lib/{index,element,iframe}.js   ESM for bundlers; dependencies stay imports
 *   widget  dist-lib/widget/sip-push-receiver.js one self-contained module (React, JsSIP in it),
 *                                                 the bundle the size budget holds (.size-limit.json)
 *   frame   dist-lib/frame/index.html            the iframe embed's page, to serve from the receiver's origin
 *
 * Each pass writes the UAProf document beside its output (uaprof.rdf), which the embedded
 * receiver publishes as an absolute URL unless configured otherwise (src/embed/receiver.ts).
 * Type declarations come from tsc (tsconfig.lib.json) into dist-lib/types/.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin, type UserConfig } from 'vite';
import react from '@vitejs/plugin-react';
import pkg from './package.json' with { type: 'json' };
import { XML_PARSER_CHUNK } from './vite.config.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
export const LIB_OUT_DIR = here('dist-lib');

/** Writes public/uaprof.rdf into the output folder. */
function uaprofDocument(): Plugin {
  return {
    name: 'sip-push-uaprof-document',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'uaprof.rdf', source: readFileSync(here('public/uaprof.rdf')) });
    },
  };
}

const dependencies = Object.keys(pkg.dependencies);
/** A bare import of a dependency (or a path inside one) stays an import in the lib pass. */
const isDependency = (id: string) => dependencies.some((dep) => id === dep || id.startsWith(`${dep}/`));


/** The size budget is .size-limit.json's (npm run size), not Vite's generic warning. */
const CHUNK_WARNING_KB = 1000;

const shared: UserConfig = {
  plugins: [react(), uaprofDocument()],
  define: { __TEST_HOOKS__: 'false', 'process.env.NODE_ENV': JSON.stringify('production') },
  publicDir: false,
};

export default defineConfig(({ mode }): UserConfig => {
  switch (mode) {
    case 'widget':
      return {
        ...shared,
        build: {
          outDir: `${LIB_OUT_DIR}/widget`,
          emptyOutDir: true,
          chunkSizeWarningLimit: CHUNK_WARNING_KB,
          // Not library mode, which leaves ES output's whitespace unminified: an app build of one
          // entry that keeps its exports.
          rolldownOptions: {
            input: here('src/embed/standalone.ts'),
            preserveEntrySignatures: 'strict',
            output: { entryFileNames: 'sip-push-receiver.js', codeSplitting: { groups: [XML_PARSER_CHUNK] } },
          },
        },
      };
    case 'frame':
      return {
        ...shared,
        root: here('src/embed/frame'),
        base: './',
        build: { outDir: `${LIB_OUT_DIR}/frame`, emptyOutDir: true, chunkSizeWarningLimit: CHUNK_WARNING_KB, rolldownOptions: { output: { codeSplitting: { groups: [XML_PARSER_CHUNK] } } } },
      };
    default:
      return {
        ...shared,
        build: {
          outDir: LIB_OUT_DIR,
          emptyOutDir: false,
          lib: {
            entry: { index: here('src/embed/index.ts'), element: here('src/embed/define.ts'), iframe: here('src/embed/iframe.ts') },
            formats: ['es'],
            fileName: (_format, name) => `${name}.js`,
          },
          rolldownOptions: { external: isDependency },
        },
      };
  }
});
