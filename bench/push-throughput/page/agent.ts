/**
 * The Push Receiver Agent without the React UI, same storage and dispatch path: tells how much
 * of the full page's cost is the agent and how much is rendering.
 */
import { createPushAgent } from '../../../src/agent/agent.ts';
import { benchParams, benchWindow, setStatus } from './params.ts';

const { server, aor, app } = benchParams();
const w = benchWindow();
w.__benchReceived = 0;
const agent = createPushAgent({ server, aor, apps: [{ id: app, accept: ['text/plain'] }] }, { dbName: `bench-${aor}` });
agent.on('stored', (pushes) => {
  w.__benchReceived = (w.__benchReceived ?? 0) + pushes.length;
});
agent.on('state', (state) => {
  setStatus(state.phase);
  if (state.phase === 'registered') w.__benchReady = true;
});
void agent.start();
