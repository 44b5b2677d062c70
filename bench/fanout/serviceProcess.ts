/**
 * The bench's Push Sender Agent service, alone in its process (run by service.ts), as a push
 * provider runs it beside the core: startPushService with its defaults (delivery worker,
 * directory, HTTP API with a bearer token) but on a free port, as user `psa` of the bench's
 * open core, its queue a fresh PGlite data directory (the default kind: on disk, as
 * `npm run psa` keeps it), removed on close, unless the bench's --queue names another.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPushService, type RunningPushService } from '../../server/sender/service/index.ts';
import type { ServiceReply, ServiceStart } from './service.ts';

let running: RunningPushService | undefined;
let workDir: string | undefined;

const send = (reply: ServiceReply) => process.send?.(reply);

async function start(message: ServiceStart): Promise<void> {
  workDir = await mkdtemp(join(tmpdir(), 'bench-fanout-psa-'));
  const token = randomBytes(18).toString('base64url');
  running = await startPushService({
    core: { server: message.wsUrl, aor: `sip:psa@${message.domain}` },
    api: { port: 0, token, uploadDir: join(workDir, 'uploads') },
    queue: message.queue ?? join(workDir, 'queue'),
    contentDir: join(workDir, 'content'),
    log: (line) => console.error(`  [service] ${line}`),
  });
  send({ type: 'ready', apiUrl: running.apiUrl, token });
}

async function close(): Promise<void> {
  await running?.close();
  running = undefined;
  if (workDir) await rm(workDir, { recursive: true, force: true });
}

process.on('message', (message: ServiceStart | { type: 'close' }) => {
  const work = message.type === 'start' ? start(message) : close().then(() => process.disconnect());
  work.catch((error: unknown) => {
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    void close().finally(() => process.exit(1));
  });
});
// The parent went away without saying close: nothing left to serve.
process.on('disconnect', () => void close().finally(() => process.exit()));
