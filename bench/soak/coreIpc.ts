/** Messages between the soak (spawnCore.ts) and its core process (coreProcess.ts). */
import type { CoreStats } from '../../server/core/index.ts';

export type ToCore = { type: 'start'; users: Record<string, string> } | { type: 'sample' } | { type: 'close' };

export type FromCore =
  | { type: 'ready'; wsUrl: string; wsPort: number; sipPort: number }
  | { type: 'sample'; heapUsedBytes: number; stats: CoreStats }
  | { type: 'failed'; message: string };
