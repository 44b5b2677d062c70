/**
 * The soak's core: the embedded core started as `npm start` starts it (scripts/start.ts:
 * startCore on loopback with digest users, SIP over WebSocket, TCP and UDP, default limits),
 * on free ports, alone in its process so that the heap and descriptors sampled are the
 * core's and not the traffic generator's. Driven over the IPC channel (coreIpc.ts); run by
 * spawnCore.ts with --expose-gc, so a sample is the heap that survives a full GC.
 */
import { startCore, type RunningCore } from '../../server/core/index.ts';
import type { FromCore, ToCore } from './coreIpc.ts';

const gc = globalThis.gc;
let core: RunningCore | undefined;

function send(message: FromCore): void {
  process.send?.(message);
}

async function handle(message: ToCore): Promise<void> {
  switch (message.type) {
    case 'start': {
      core = await startCore({ wsPort: 0, sipPort: 0, users: message.users });
      send({ type: 'ready', wsUrl: core.wsUrl, wsPort: Number(new URL(core.wsUrl).port), sipPort: core.tcpPort! });
      return;
    }
    case 'sample': {
      if (!core || !gc) throw new Error(core ? 'started without --expose-gc' : 'sampled before start');
      gc();
      send({ type: 'sample', heapUsedBytes: process.memoryUsage().heapUsed, stats: core.stats() });
      return;
    }
    case 'close': {
      await core?.close();
      process.disconnect();
      return;
    }
  }
}

process.on('message', (message: ToCore) => {
  handle(message).catch((error: unknown) => {
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    process.exitCode = 1;
    process.disconnect();
  });
});
// The parent went away without saying close: nothing left to serve.
process.on('disconnect', () => void core?.close().finally(() => process.exit()));
