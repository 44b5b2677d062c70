import { describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../agent/types.ts';
import { createIdentitySettings, LAST_IDENTITY_KEY, LEGACY_SETTINGS_KEY, TAB_IDENTITY_KEY, type KeyValueStore } from './identitySettings.ts';
import { loadConfig, type ConfigSources } from './load.ts';

class MemoryStore implements KeyValueStore {
  readonly map = new Map<string, string>();
  getItem(key: string) {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.map.set(key, value);
  }
  removeItem(key: string) {
    this.map.delete(key);
  }
}

const config = (aor: string, over: Partial<AgentConfig> = {}): AgentConfig => ({ server: 'ws://127.0.0.1:8066', aor, apps: [{ id: 'news.ua', accept: ['text/plain'] }], ...over });
const ALICE = config('sip:alice@example.com', { authUser: 'alice', password: 'a-pw' });
const BOB = config('sip:bob@example.com', { authUser: 'bob', password: 'b-pw', apps: [{ id: 'mms.ua', accept: ['*/*'] }] });

/** One browser profile: localStorage shared, one sessionStorage per tab (a reload keeps it). */
function profile() {
  const local = new MemoryStore();
  /** `tabKey` null: an unnamed frame, which keeps no entry. */
  const tab = (session = new MemoryStore(), tabKey: string | null = TAB_IDENTITY_KEY) => ({ session, open: () => createIdentitySettings({ local, session, tabKey: tabKey ?? undefined }) });
  return { local, tab };
}

const parsed = (text: string | null) => (text === null ? null : (JSON.parse(text) as AgentConfig));

describe('settings per identity', () => {
  it('two tabs, alice and bob, never overwrite each other: after a reload each is still who it was, with its own settings', () => {
    const { tab } = profile();
    const one = tab();
    const two = tab();
    one.open().save(ALICE);
    two.open().save(BOB); // bob saved last: a new tab opens as bob
    // Reload: fresh instances over the same storage.
    expect(parsed(one.open().saved())).toEqual(ALICE);
    expect(parsed(two.open().saved())).toEqual(BOB);
    expect(one.open().tabIdentity()).toBe('sip:alice@example.com');
  });

  it('a new tab opens as the identity saved last, and keeps it when another identity is saved later', () => {
    const { tab } = profile();
    tab().open().save(ALICE);
    const fresh = tab();
    expect(parsed(fresh.open().saved())).toEqual(ALICE);
    tab().open().save(BOB);
    expect(parsed(fresh.open().saved())).toEqual(ALICE); // pinned when it opened
    expect(parsed(tab().open().saved())).toEqual(BOB);
  });

  it('reads the settings of a named identity, compared as SIP compares AoRs', () => {
    const { tab } = profile();
    tab().open().save(BOB);
    expect(parsed(tab().open().saved('sip:bob@EXAMPLE.com;transport=ws'))).toEqual(BOB);
    expect(tab().open().saved('sip:Bob@example.com')).toBeNull(); // the user part is case-sensitive
    expect(tab().open().saved('not a uri')).toBeNull();
  });

  it('moves the single key of earlier versions to its identity on first read, and makes it the one new tabs open as', () => {
    const { local, tab } = profile();
    local.setItem(LEGACY_SETTINGS_KEY, JSON.stringify(ALICE));
    expect(parsed(tab().open().saved())).toEqual(ALICE);
    expect(local.getItem(LEGACY_SETTINGS_KEY)).toBeNull();
    expect(local.getItem(LAST_IDENTITY_KEY)).toBe('sip:alice@example.com');
    expect(parsed(tab().open().saved('sip:alice@example.com'))).toEqual(ALICE);
  });

  it('migration never overwrites settings already saved for that identity', () => {
    const { local, tab } = profile();
    tab().open().save(ALICE);
    local.setItem(LEGACY_SETTINGS_KEY, JSON.stringify({ ...ALICE, password: 'stale' }));
    expect(parsed(tab().open().saved('sip:alice@example.com'))?.password).toBe('a-pw');
    expect(local.getItem(LEGACY_SETTINGS_KEY)).toBeNull();
  });

  it('legacy settings without a usable AoR stay and are offered, to be fixed; saving replaces them', () => {
    const { local, tab } = profile();
    local.setItem(LEGACY_SETTINGS_KEY, '{"aor":"alice"}');
    expect(tab().open().saved()).toBe('{"aor":"alice"}');
    tab().open().save(ALICE);
    expect(local.getItem(LEGACY_SETTINGS_KEY)).toBeNull();
  });

  it("a frame keeps its own entry, or none, and never changes the identity of the page it is in", () => {
    const { tab } = profile();
    const page = tab();
    page.open().save(ALICE);
    // Frames share the page's sessionStorage.
    const unnamed = tab(page.session, null);
    unnamed.open().save(BOB);
    const named = tab(page.session, `${TAB_IDENTITY_KEY}:frame:bob`);
    named.open().save(BOB);
    expect(parsed(page.open().saved())).toEqual(ALICE);
    expect(parsed(named.open().saved())).toEqual(BOB);
  });

  it('saving without localStorage says so', () => {
    expect(() => createIdentitySettings({ local: undefined, session: undefined, tabKey: undefined }).save(ALICE)).toThrow(/localStorage/);
    expect(createIdentitySettings({ local: undefined, session: undefined, tabKey: undefined }).saved()).toBeNull();
  });
});

describe('loadConfig with settings per identity: a #config= link', () => {
  const sources = (local: ReturnType<typeof profile>, link: object, fetched: unknown = null): ConfigSources => {
    const settings = local.tab().open();
    return { linkConfig: () => JSON.stringify(link), queryParam: () => null, saved: (aor) => settings.saved(aor), fetchDefault: async () => fetched };
  };

  it("naming another identity merges over that identity's saved settings, not this tab's", async () => {
    const p = profile();
    p.tab().open().save(ALICE);
    p.tab().open().save(BOB);
    const load = await loadConfig(sources(p, { aor: 'sip:alice@example.com', password: 'new' }));
    expect(load.status === 'ok' && load.config).toEqual({ ...ALICE, password: 'new' });
  });

  it("naming an identity with no settings takes /config.json's other fields but never another identity's credentials or name", async () => {
    const p = profile();
    p.tab().open().save({ ...ALICE, displayName: 'Alice' });
    const load = await loadConfig(sources(p, { aor: 'sip:bob@example.com' }, { ...ALICE, displayName: 'Alice', uaprofUrl: 'http://x/u.rdf' }));
    expect(load.status === 'ok' && load.config).toEqual({ server: ALICE.server, aor: 'sip:bob@example.com', uaprofUrl: 'http://x/u.rdf', apps: ALICE.apps });
  });

  it("naming no identity merges over this tab's settings, as before", async () => {
    const p = profile();
    p.tab().open().save(ALICE);
    const load = await loadConfig(sources(p, { password: 'fresh' }));
    expect(load.status === 'ok' && load.config).toEqual({ ...ALICE, password: 'fresh' });
  });
});
