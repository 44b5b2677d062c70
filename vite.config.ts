import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The XML parser (fast-xml-parser and src/protocol/xml) in a chunk of its own, loaded only with
 * the codecs that parse XML (the SI/SL codec, on the first Service Indication). Without this
 * group Rolldown puts it in the chunk the page shares with those codecs (CodecError, SI content
 * types, the link card), which the page loads at once: 23 kB gzip more for every page that
 * never sees an SI. The library build (vite.lib.config.ts) uses it too.
 */
export const XML_PARSER_CHUNK = { name: 'xml-parser', test: /[\\/]node_modules[\\/](fast-xml-parser|strnum|is-unsafe)[\\/]|[\\/]src[\\/]protocol[\\/]xml[\\/]/ };

// The dev server is what `npm start` and the end-to-end tests run against (never the build output).
export default defineConfig(({ mode }) => ({
  plugins: [react()],
  // e2e: no hot reload. A test's tabs must run the code they loaded; an edit elsewhere in the
  // tree reloading them mid-spec would look like a fault of the receiver.
  server: { host: '127.0.0.1', strictPort: true, ...(mode === 'e2e' ? { hmr: false } : {}) },
  preview: { host: '127.0.0.1', strictPort: true },
  build: { rolldownOptions: { output: { codeSplitting: { groups: [XML_PARSER_CHUNK] } } } },
  define: {
    // Test hooks are compiled in only for the e2e/bench modes (ARCHITECTURE.md section 6).
    __TEST_HOOKS__: JSON.stringify(mode === 'e2e'),
  },
  // Pre-bundle at start so the first page load never triggers a dependency re-optimisation reload.
  optimizeDeps: { include: ['jssip', 'react', 'react-dom', 'react-dom/client', 'idb', 'zustand', 'zustand/vanilla', 'hash-wasm'] },
}));
