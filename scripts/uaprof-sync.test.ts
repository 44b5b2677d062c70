import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_AGENT_LIMITS } from '../src/agent/types.ts';
import { parseUaprof } from '../src/protocol/uaprof/index.ts';
import { appsOfConfig, CLIENT_NAME, CONFIG_PATH, describeClient, generateUaprof, UAPROF_PATH } from './gen-uaprof.ts';

describe('public/uaprof.rdf', () => {
  it('is what scripts/gen-uaprof.ts generates', () => {
    const committed = readFileSync(UAPROF_PATH, 'utf8');
    expect(committed === generateUaprof(), 'public/uaprof.rdf is stale: run npx tsx scripts/gen-uaprof.ts').toBe(true);
  });

  it("declares the agent's limit and the configured apps", () => {
    const profile = parseUaprof(readFileSync(UAPROF_PATH, 'utf8'));
    const apps = appsOfConfig(readFileSync(CONFIG_PATH, 'utf8'));
    expect(profile.maxMessageBytes).toBe(DEFAULT_AGENT_LIMITS.maxMessageBytes);
    expect(profile.appIds).toEqual(apps.map((a) => a.id));
    expect(new Set(profile.acceptTypes)).toEqual(new Set(apps.flatMap((a) => a.accept)));
    expect(profile.clientName).toBe(CLIENT_NAME);
  });
});

describe('describeClient', () => {
  it('takes the union of accept lists in order of first appearance, and every app ID once', () => {
    const apps = [
      { id: 'news.ua', accept: ['text/plain', 'application/json'] },
      { id: 'mms.ua', accept: ['application/json', 'image/*'] },
      { id: 'news.ua', accept: ['text/plain'] },
    ];
    expect(describeClient(apps, 1000)).toEqual({ clientName: CLIENT_NAME, acceptTypes: ['text/plain', 'application/json', 'image/*'], maxMessageBytes: 1000, appIds: ['news.ua', 'mms.ua'] });
  });

  it('uses the agent maxMessageBytes by default', () => {
    expect(describeClient([]).maxMessageBytes).toBe(DEFAULT_AGENT_LIMITS.maxMessageBytes);
  });

  it.each(['{"apps": {}}', '{"apps": [{"id": 1, "accept": []}]}', '{"apps": [{"id": "a"}]}', '{"apps": [null]}'])('rejects config %s', (json) => {
    expect(() => appsOfConfig(json)).toThrow(/config\.json/);
  });

  it('a config without apps describes no apps', () => {
    expect(appsOfConfig('{}')).toEqual([]);
  });
});
