/** Replaced at build time by vite.config.ts: true only in the `e2e` mode (tests and benchmarks). */
declare const __TEST_HOOKS__: boolean;
