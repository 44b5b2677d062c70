import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The XML parser (src/protocol/xml/parser.ts with fast-xml-parser and everything it imports:
 * rolldown's includeDependenciesRecursively) in a chunk of its own, loaded only with a codec
 * that parses XML (the SI/SL codec, on the first Service Indication). The page itself only
 * builds XML (IMDN reports: src/protocol/xml/text.ts). Without this group Rolldown put the
 * parser in the chunk the page shares with that codec, which the page loads at once (about
 * 22 kB gzip). .size-limit.json counts the chunk with the first load whenever the page
 * imports it, so it cannot slip back in unseen. The library build (vite.lib.config.ts) uses it too.
 */
export const XML_PARSER_CHUNK = { name: 'xml-parser', test: /[\\/]src[\\/]protocol[\\/]xml[\\/]parser\.ts$|[\\/]node_modules[\\/]fast-xml-parser[\\/]/ };

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
