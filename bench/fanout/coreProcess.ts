/**
 * The bench's core, alone in its process (run by spawnCore.ts), so that on a 2-core machine the
 * core has a thread of its own and the receivers' and the driver's work is not counted as the
 * core's. The embedded core on loopback, free ports, SIP over WebSocket, TCP and UDP, open
 * (noAuth: sipp and the service then both send one MESSAGE per push, no 407 round trip).
 *
 * Two limits are raised, both because every receiver here comes from 127.0.0.1 where a
 * deployment's come from as many addresses: WS connections per source (default 256) and
 * reg-event subscriptions (default 1000; the service watches every receiver's AoR).
 */
import { startCore, type RunningCore } from '../../server/core/index.ts';

export interface CoreStart {
  type: 'start';
  receivers: number;
}
export interface CoreReady {
  type: 'ready';
  wsUrl: string;
  sipPort: number;
  domain: string;
}

let core: RunningCore | undefined;

process.on('message', (message: CoreStart | { type: 'close' }) => {
  void (async () => {
    if (message.type === 'start') {
      // Headroom over the receivers: the service's own connection, sipp's, the inspection API.
      const headroom = message.receivers + 64;
      core = await startCore({ wsPort: 0, sipPort: 0, noAuth: true, limits: { maxConnectionsPerSource: headroom, maxRegSubscriptions: headroom } });
      process.send?.({ type: 'ready', wsUrl: core.wsUrl, sipPort: core.tcpPort!, domain: core.domain } satisfies CoreReady);
    } else {
      await core?.close();
      process.disconnect();
    }
  })().catch((error: unknown) => {
    console.error(`fanout core: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
});
// The parent went away without saying close: nothing left to serve.
process.on('disconnect', () => void (core?.close() ?? Promise.resolve()).finally(() => process.exit()));
