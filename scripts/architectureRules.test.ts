/**
 * The layer rules (.dependency-cruiser.cjs, run by `npm run check:deps` in CI) fail on a
 * wrong-way import and name it. A throwaway tree with one offending import per rule (and clean
 * imports beside them) is checked with the real rule file through the real CLI, once.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const RULES = join(ROOT, '.dependency-cruiser.cjs');

/** path -> source; each offending file imports exactly one thing its rule forbids. */
const TREE: Record<string, string> = {
  'src/protocol/codec.ts': "export const codec = 1;\n",
  'src/protocol/wrong.ts': "import { agent } from '../agent/agent.ts';\nexport const wrong = agent;\n",
  'src/protocol/usesNode.ts': "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
  'src/agent/agent.ts': "import { codec } from '../protocol/codec.ts';\nexport const agent = codec;\n",
  'src/agent/usesUi.ts': "import { view } from '../ui/view.ts';\nexport const u = view;\n",
  'src/agent/usesServer.ts': "import { core } from '../../server/core/core.ts';\nexport const s = core;\n",
  'src/agent/usesTestSupport.ts': "import { fake } from '../testing/fake.ts';\nexport const t = fake;\n",
  'src/agent/circleA.ts': "import { b } from './circleB.ts';\nexport const a = () => b;\n",
  'src/agent/circleB.ts': "import type { a } from './circleA.ts';\nexport const b = 1 as unknown as typeof a;\n",
  'src/testing/fake.ts': "import { agent } from '../agent/agent.ts';\nexport const fake = agent;\n",
  'src/ui/view.ts': "import { agent } from '../agent/agent.ts';\nexport const view = agent;\n",
  'server/core/core.ts': "import { codec } from '../../src/protocol/codec.ts';\nexport const core = codec;\n",
  'server/core/usesSender.ts': "import { sender } from '../sender/sender.ts';\nexport const x = sender;\n",
  'server/sender/sender.ts': "import { codec } from '../../src/protocol/codec.ts';\nexport const sender = codec;\n",
  'server/sender/usesCore.ts': "import { core } from '../core/core.ts';\nexport const y = core;\n",
  'server/sender/usesAgent.ts': "import { agent } from '../../src/agent/agent.ts';\nexport const z = agent;\n",
  'server/sender/missing.ts': "import { nothing } from './notThere.ts';\nexport const m = nothing;\n",
  'server/testing/harness.ts': "import { core } from '../core/core.ts';\nimport { sender } from '../sender/sender.ts';\nexport const h = [core, sender];\n",
};

/** rule -> the offending import it must name (from -> to). */
const EXPECTED: [string, string, string][] = [
  ['protocol-is-pure', 'src/protocol/wrong.ts', 'src/agent/agent.ts'],
  ['protocol-no-node', 'src/protocol/usesNode.ts', '→ fs'],
  ['agent-no-ui', 'src/agent/usesUi.ts', 'src/ui/view.ts'],
  ['browser-not-server', 'src/agent/usesServer.ts', 'server/core/core.ts'],
  ['production-not-test-support', 'src/agent/usesTestSupport.ts', 'src/testing/fake.ts'],
  ['no-circular', 'src/agent/circleA.ts', 'src/agent/circleB.ts'],
  ['core-not-sender', 'server/core/usesSender.ts', 'server/sender/sender.ts'],
  ['sender-not-core', 'server/sender/usesCore.ts', 'server/core/core.ts'],
  ['server-only-protocol', 'server/sender/usesAgent.ts', 'src/agent/agent.ts'],
  ['not-to-unresolvable', 'server/sender/missing.ts', './notThere.ts'],
];

let dir: string;
let result: { status: number | null; output: string };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'arch-rules-'));
  for (const [path, source] of Object.entries(TREE)) {
    mkdirSync(join(dir, dirname(path)), { recursive: true });
    writeFileSync(join(dir, path), source);
  }
  const run = spawnSync(process.execPath, [CLI, 'src', 'server', '--config', RULES, '--output-type', 'err'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  result = { status: run.status, output: `${run.stdout}${run.stderr}` };
}, 70_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('architecture rules (.dependency-cruiser.cjs)', () => {
  it('fail the check (exit status not 0)', () => {
    expect(result.status).not.toBe(0);
  });

  it.each(EXPECTED)('%s names %s -> %s', (rule, from, to) => {
    const line = result.output.split('\n').find((l) => l.includes(`error ${rule}: ${from}`));
    expect(line, result.output).toBeDefined();
    if (rule === 'no-circular') {
      // The circle is printed over several lines: from, then each module it passes through.
      expect(result.output.slice(result.output.indexOf(line!))).toContain(to);
    } else {
      expect(line).toContain(to);
    }
  });

  it('report exactly the offending imports: clean layers and test support that imports production pass', () => {
    const errors = result.output.split('\n').filter((l) => /^\s+error /.test(l));
    const offenders = new Set(EXPECTED.map(([, from]) => from));
    // A circle is reported once from each of its members.
    for (const line of errors) expect([...offenders, 'src/agent/circleB.ts'].some((f) => line.includes(`: ${f}`)), line).toBe(true);
  });
});
