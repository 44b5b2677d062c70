/**
 * The Push Receiver Agent without the React UI, receiving MSRP pushes (INVITE, WebSocket
 * `msrp`, chunks stored in IndexedDB, size and SHA-256 verified, push committed, REPORT 200):
 * splits the full page's cost into agent and rendering. `?server=ws://...&aor=sip:...&app=...`.
 */
import { createPushAgent } from '../../../src/agent/agent.ts';
import { benchWindow, setStatus } from './params.ts';

const q = new URLSearchParams(location.search);
const server = q.get('server') ?? 'ws://127.0.0.1:8066';
const aor = q.get('aor') ?? 'sip:bench@localhost';
const app = q.get('app') ?? 'bench.ua';
const w = benchWindow();
w.__benchBytes = 0;
w.__benchCompleted = [];
const agent = createPushAgent({ server, aor, apps: [{ id: app, accept: ['application/octet-stream'] }] }, { dbName: 'bench-msrp' });
agent.on('transfer', (progress) => {
  w.__benchBytes = progress.receivedBytes;
  if (progress.state === 'complete' || progress.state === 'failed') {
    w.__benchCompleted!.push({ id: progress.id, size: progress.size, state: progress.state });
    if (progress.state === 'failed') w.__benchError = progress.reason ?? 'failed';
  }
});
agent.on('state', (state) => {
  setStatus(state.phase);
  if (state.phase === 'registered') w.__benchReady = true;
});
void agent.start();
