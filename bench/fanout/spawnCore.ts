/** Starts coreProcess.ts in a process of its own; resolves once the core listens. */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CoreReady, CoreStart } from './coreProcess.ts';

export interface FanoutCore {
  wsUrl: string;
  sipPort: number;
  domain: string;
  pid: number;
  close(): Promise<void>;
}

const CORE_PROCESS = fileURLToPath(new URL('./coreProcess.ts', import.meta.url));

export async function spawnCore(receivers: number): Promise<FanoutCore> {
  const child = fork(CORE_PROCESS, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<CoreReady>((resolve, reject) => {
    child.once('message', (m: CoreReady) => resolve(m));
    void exited.then((code) => reject(new Error(`the bench's core process exited (${code}) before it listened: see its error above`)));
    child.send({ type: 'start', receivers } satisfies CoreStart);
  });
  return {
    ...ready,
    pid: child.pid!,
    close: async () => {
      if (child.connected) child.send({ type: 'close' });
      await exited;
    },
  };
}
