import { describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../agent/types.ts';
import type { ConfigSources } from '../config/load.ts';
import { fakeAgent, type FakeAgent } from '../../testing/fakeAgent.ts';
import { createShell } from './shell.ts';

const good = { server: 'ws://127.0.0.1:8066', aor: 'sip:alice@localhost', apps: [{ id: 'news.ua', accept: ['text/plain'] }, { id: 'mms.ua', accept: ['*/*'] }] };

function harness(sources: Partial<ConfigSources> = {}) {
  const agents: FakeAgent[] = [];
  const saved: AgentConfig[] = [];
  const shell = createShell({
    sources: { queryParam: () => null, saved: () => null, fetchDefault: async () => good, ...sources },
    origin: 'http://127.0.0.1:5199',
    createAgent: (config) => {
      const agent = fakeAgent(config);
      agents.push(agent);
      return agent;
    },
    saveSettings: (config) => saved.push(config),
    stopTimeoutMs: 50,
  });
  return { shell, agents, saved };
}

describe('shell', () => {
  it('a #config= link starts with its credentials and saves them, so a reload without the fragment starts the same', async () => {
    const { shell, agents, saved } = harness({ linkConfig: () => JSON.stringify({ authUser: 'alice', password: 'generated', trustAssertedIdentity: true }) });
    await shell.boot();
    expect(agents[0]!.config).toMatchObject({ aor: 'sip:alice@localhost', authUser: 'alice', password: 'generated', trustAssertedIdentity: true });
    expect(saved).toEqual([agents[0]!.config]);
  });

  it('a plain boot saves nothing', async () => {
    const { shell, saved } = harness();
    await shell.boot();
    expect(saved).toEqual([]);
  });

  it('boots: the agent gets the configuration (configured apps declared, no handler) and is started', async () => {
    const { shell, agents } = harness();
    await shell.boot();
    expect(agents).toHaveLength(1);
    const agent = agents[0]!;
    expect(agent.config).toEqual(good);
    expect(agent.registered).toEqual([]);
    expect(agent.started).toBe(1);
    const state = shell.store.getState();
    expect(state.settingsOpen).toBe(false);
    expect(state.session?.agent).toBe(agent);
    state.session!.store.flush();
    expect(state.session!.store.store.getState().apps.map((a) => a.id)).toEqual(['news.ua', 'mms.ua']);
  });

  it('the inbox follows the agent: stored, then dispatched when an in-page app takes the push', async () => {
    const { shell, agents } = harness();
    await shell.boot();
    const agent = agents[0]!;
    const session = shell.store.getState().session!;
    const p = { id: '1', appId: 'news.ua', from: 'sip:a@b', to: 'sip:alice@localhost', contentType: 'text/plain', content: new Uint8Array(), size: 0, receivedAt: 1, via: 'message' as const, dedupKey: 'k', dispatched: false, read: false };
    agent.emit('stored', [p]);
    session.store.flush();
    expect(session.store.store.getState().inboxes['news.ua']![0]!.dispatched).toBe(false);
    agent.emit('dispatched', { ...p, dispatched: true });
    session.store.flush();
    expect(session.store.store.getState().inboxes['news.ua']![0]!.dispatched).toBe(true);
  });

  it('an invalid config parameter starts nothing and opens the settings with its errors', async () => {
    const { shell, agents } = harness({ queryParam: () => JSON.stringify({ server: 'http://x', aor: 'sip:a@h' }) });
    await shell.boot();
    const state = shell.store.getState();
    expect(agents).toHaveLength(0);
    expect(state.settingsOpen).toBe(true);
    expect(state.load?.status === 'invalid' && state.load.errors.server).toMatch(/ws:\/\//);
  });

  it('missing configuration opens the settings', async () => {
    const { shell, agents } = harness({ fetchDefault: async () => null });
    await shell.boot();
    expect(agents).toHaveLength(0);
    expect(shell.store.getState()).toMatchObject({ settingsOpen: true, load: { status: 'missing' } });
  });

  it('saving stores the settings and restarts the agent with them', async () => {
    const { shell, agents, saved } = harness();
    await shell.boot();
    const next: AgentConfig = { server: 'wss://sip.example.com', aor: 'sip:bob@example.com', apps: [{ id: 'x.ua', accept: ['*/*'] }] };
    await shell.applySettings(next);
    expect(saved).toEqual([next]);
    expect(agents).toHaveLength(2);
    expect(agents[0]!.stopped).toBe(1);
    expect(agents[1]!.config).toBe(next);
    expect(agents[1]!.started).toBe(1);
    expect(shell.store.getState()).toMatchObject({ settingsOpen: false, session: { agent: agents[1] }, load: { status: 'ok', source: 'saved' } });
  });

  it('a failing save keeps the running agent and reports the error', async () => {
    const { shell, agents } = harness();
    await shell.boot();
    const broken = createShell({
      sources: { queryParam: () => null, saved: () => null, fetchDefault: async () => good },
      origin: 'http://x',
      createAgent: () => agents[0]!,
      saveSettings: () => {
        throw new Error('quota exceeded');
      },
    });
    await broken.boot();
    await broken.applySettings(good as AgentConfig);
    expect(broken.store.getState().saveError).toBe('quota exceeded');
    expect(agents[0]!.stopped).toBe(0);
  });
});
