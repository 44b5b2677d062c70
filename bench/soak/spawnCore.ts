/**
 * Starts coreProcess.ts in a process of its own and reads it: the heap after a forced GC and
 * the core's stats over IPC, resident set and descriptors from /proc (procStatus.ts).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CoreStats } from '../../server/core/index.ts';
import type { FromCore, ToCore } from './coreIpc.ts';
import { readProcess } from './procStatus.ts';
import type { CoreAddress } from './traffic/types.ts';

export interface CoreReading {
  heapUsedBytes: number;
  rssBytes: number;
  descriptors: number;
  stats: CoreStats;
}

export interface SpawnedCore {
  readonly address: CoreAddress;
  readonly pid: number;
  /** Resolves with the exit code when the process ends, whoever ends it. */
  readonly exited: Promise<number | null>;
  read(): Promise<CoreReading>;
  close(): Promise<void>;
}

const CORE_PROCESS = fileURLToPath(new URL('./coreProcess.ts', import.meta.url));

export async function spawnCore(users: Record<string, string>): Promise<SpawnedCore> {
  const child = fork(CORE_PROCESS, [], { execArgv: ['--expose-gc', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Replies come in the order asked: one waiter per request.
  const waiting: Array<{ resolve: (m: FromCore) => void; reject: (e: Error) => void }> = [];
  const failAll = (error: Error) => {
    for (const w of waiting.splice(0)) w.reject(error);
  };
  child.on('message', (message: FromCore) => {
    if (message.type === 'failed') return failAll(new Error(`core process: ${message.message}`));
    waiting.shift()?.resolve(message);
  });
  void exited.then((code) => failAll(new Error(`core process exited (${code})`)));
  const ask = <T extends FromCore['type']>(message: ToCore, reply: T): Promise<Extract<FromCore, { type: T }>> =>
    new Promise((resolve, reject) => {
      waiting.push({ resolve: (m) => (m.type === reply ? resolve(m as Extract<FromCore, { type: T }>) : reject(new Error(`core process answered ${m.type} to ${message.type}`))), reject });
      child.send(message);
    });

  const ready = await ask({ type: 'start', users }, 'ready');
  return {
    address: { wsUrl: ready.wsUrl, wsPort: ready.wsPort, sipPort: ready.sipPort, domain: 'localhost' },
    pid: child.pid!,
    exited,
    read: async () => {
      const { heapUsedBytes, stats } = await ask({ type: 'sample' }, 'sample');
      return { heapUsedBytes, stats, ...(await readProcess(child.pid!)) };
    },
    close: async () => {
      if (child.connected) child.send({ type: 'close' } satisfies ToCore);
      await exited;
    },
  };
}
