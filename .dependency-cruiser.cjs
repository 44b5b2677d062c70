/**
 * The layer rules of ARCHITECTURE.md section 4, checked by dependency-cruiser on every
 * `npm test` and in CI (`npm run check:deps`). Imports point one way:
 *
 *   src/protocol  <-  src/agent  <-  src/ui, src/main.tsx  <-  src/embed (the package: widget, element, frame)
 *   src/protocol  <-  server/core, server/sender (never each other)
 *
 * and nothing imports in a circle. Type-only imports count: a circle of types is still a
 * circle for whoever has to read or move the files. A rule's `comment` is what CI prints
 * next to the offending import, so each says what to do instead.
 *
 * dependency-cruiser parses TypeScript with the TypeScript 5 compiler API (the `typescript`
 * dev dependency); the typecheck itself runs TypeScript 7 (`typescript-go`), which has no
 * such API.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import circle. Move the shared piece (often a type) into a module both sides import, e.g. src/agent/types.ts.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'protocol-is-pure',
      severity: 'error',
      comment: 'src/protocol holds pure codecs: it imports nothing of agent, ui, widget, server, deploy, e2e, Node or the DOM.',
      from: { path: '^src/protocol/', pathNot: '\\.test\\.tsx?$' },
      to: { path: '^(src/(agent|ui|widget|embed|main)|server|deploy|e2e|bench|scripts)/|^src/main\\.tsx$' },
    },
    {
      name: 'protocol-no-node',
      severity: 'error',
      comment: 'src/protocol runs in the browser and in Node: no Node built-ins.',
      from: { path: '^src/protocol/', pathNot: '\\.test\\.tsx?$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'agent-no-ui',
      severity: 'error',
      comment: 'src/agent is framework-agnostic: no React, no UI or widget code, no server code.',
      from: { path: '^src/agent/', pathNot: '\\.test\\.tsx?$' },
      to: { path: '^(src/(ui|widget|embed)|server|deploy|e2e|bench|scripts)/|^src/main\\.tsx$|^node_modules/(react|react-dom|zustand)/' },
    },
    {
      name: 'agent-no-node',
      severity: 'error',
      comment: 'src/agent runs in the browser: no Node built-ins.',
      from: { path: '^src/agent/', pathNot: '\\.test\\.tsx?$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'embed-on-top',
      severity: 'error',
      comment: 'src/embed (the package) builds on src/agent and src/ui; nothing in src/ imports it back (the full page never needs the widget).',
      from: { path: '^src/', pathNot: '^src/embed/' },
      to: { path: '^src/embed/' },
    },
    {
      name: 'browser-not-server',
      severity: 'error',
      comment: 'Browser code (src/) never imports server, deploy, e2e or bench code.',
      from: { path: '^src/', pathNot: '\\.test\\.tsx?$' },
      to: { path: '^(server|deploy|e2e|bench|scripts)/' },
    },
    {
      name: 'server-only-protocol',
      severity: 'error',
      comment: 'server/* imports only src/protocol from src/ (the agent and the UI are browser code).',
      from: { path: '^server/' },
      to: { path: '^src/', pathNot: '^src/protocol/' },
    },
    {
      name: 'core-not-sender',
      severity: 'error',
      comment: 'The embedded core never imports the sender: they meet only over SIP.',
      from: { path: '^server/core/' },
      to: { path: '^server/sender/' },
    },
    {
      name: 'sender-not-core',
      severity: 'error',
      comment: 'The sender never imports the core: they meet only over SIP. Tests start a core through server/testing.',
      from: { path: '^server/sender/' },
      to: { path: '^server/core/' },
    },
    {
      name: 'production-not-test-support',
      severity: 'error',
      comment: 'Test support (server/testing, */testing/) is for tests, e2e and benches only; production code never imports it.',
      from: { path: '^(src|server/(core|sender))/', pathNot: '(\\.test\\.tsx?$|/testing/)' },
      to: { path: '(^server/testing/|/testing/)' },
    },
    {
      name: 'console-client-is-browser',
      severity: 'error',
      comment: 'server/sender/console/client is bundled for the browser (esbuild, bundle.ts): no Node built-ins. Do the Node part in server/sender/console/serve.ts, or call the /v1 API.',
      from: { path: '^server/sender/console/client/', pathNot: '\\.test\\.tsx?$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'console-client-pure-server-parts',
      severity: 'error',
      comment: 'The console client takes from the service only pure modules (statuses, the summary rule, types); anything else may pull Node code into the browser bundle. Add a pure module, or go through the /v1 API.',
      from: { path: '^server/sender/console/client/', pathNot: '\\.test\\.tsx?$' },
      to: { path: '^server/', pathNot: '^server/sender/(console/client/|queue/(status|errors)\\.ts$|service/http/(summary|sseParser|pushApiError)\\.ts$|service/types\\.ts$)' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'This import does not resolve to a file: fix the path or install the package.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|test-results|playwright-report)/' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], mainFields: ['module', 'main', 'types', 'typings'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
