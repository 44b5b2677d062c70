/**
 * Test helpers for the sender's CLI (server/sender/cli.ts): run it as a child process as
 * users do, capture what `main` prints in-process, and take the message of a usage error.
 * runScript runs any other entry point (npm start, npm run core) the same way.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { parseCli, UsageError, type CliIo } from '../sender/cli.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = 'server/sender/cli.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Spawn the CLI as users run it (node with the tsx loader), without SIP_PUSH_SERVER from the
 * environment unless `extraEnv` sets it; asynchronous, so it never blocks the event loop of a
 * fake core in the test.
 */
export function runCli(args: string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
  return runScript(CLI, args, { SIP_PUSH_SERVER: undefined, ...extraEnv });
}

/**
 * Run a TypeScript entry point of the repository (`scripts/start.ts`, `server/core/cli.ts`...)
 * as npm runs it, with `env` over this process's environment (undefined removes a variable);
 * resolves when it exits (killed after `timeoutMs`: code -1).
 */
export function runScript(script: string, args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 30_000): Promise<CliRun> {
  return new Promise((resolve) => {
    const merged = { ...process.env };
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined) delete merged[name];
      else merged[name] = value;
    }
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, script), ...args], { cwd: ROOT, env: merged, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Lines `main` writes to stdout and stderr (and progress text when `withProgress`, as on a TTY). */
export function captureIo(withProgress = false): { out: string[]; err: string[]; progress: string[]; io: CliIo } {
  const out: string[] = [];
  const err: string[] = [];
  const progress: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l) };
  if (withProgress) io.progress = (t) => progress.push(t);
  return { out, err, progress, io };
}

/** The message of the UsageError that parseCli throws for `args` (fails the test when none is thrown). */
export function usageMessage(args: string[], env: Record<string, string | undefined> = {}): string {
  try {
    parseCli(args, env);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a usage error');
}
