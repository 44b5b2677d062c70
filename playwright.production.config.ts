import { defineConfig } from '@playwright/test';
import e2e from './playwright.config.ts';

/**
 * One end-to-end pass against the production bundle: `vite build` (mode production: no test
 * hooks, the hash worker as a chunk of its own) served by `vite preview`, never the dev
 * server. The main config's settings, except which specs (the files in e2e/ ending in
 * `.prod.ts`, which the main config's `*.spec.ts` leaves out), the server and the project.
 * The bundle is built afresh on every run (no server is reused), into a folder .gitignore
 * covers. Run by `npm run test:e2e:production`, part of `npm run test:e2e`.
 */
const PORT = Number(process.env.E2E_PRODUCTION_PORT ?? 5175);
const OUT_DIR = '.cache/e2e-production-bundle';

export default defineConfig({
  ...e2e,
  testMatch: '**/*.prod.ts',
  use: { ...e2e.use, baseURL: `http://127.0.0.1:${PORT}` },
  webServer: {
    command: `npx vite build --outDir ${OUT_DIR} --emptyOutDir --logLevel error && npx vite preview --outDir ${OUT_DIR} --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}/config.json`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
  // The pass is about the bundle, not the core: the embedded one.
  projects: [{ name: 'production', use: { coreKind: 'embedded' } as Record<string, unknown> }],
});
