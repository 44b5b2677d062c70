/**
 * The browser side of configuration: link fragment, query string, localStorage and `/config.json`.
 * Side effects live here, outside components (ARCHITECTURE.md section 6).
 */
import type { AgentConfig } from '../../agent/types.ts';
import { createIdentitySettings, TAB_IDENTITY_KEY, type IdentitySettings } from './identitySettings.ts';
import type { ConfigSources } from './load.ts';

const QUERY_PARAM = 'config';

function storage(kind: 'localStorage' | 'sessionStorage'): Storage | undefined {
  try {
    return window[kind];
  } catch {
    return undefined; // disabled storage (privacy mode, sandboxed frame)
  }
}

/**
 * This browsing context's entry for the identity it runs: the tab's, or a named frame's own
 * (a frame shares its tab's sessionStorage and must not change the identity of the page it is
 * in); an unnamed frame keeps none and opens as the identity saved last.
 */
function tabKey(): string | undefined {
  if (window.self === window.top) return TAB_IDENTITY_KEY;
  return window.name ? `${TAB_IDENTITY_KEY}:frame:${window.name}` : undefined;
}

let settings: IdentitySettings | undefined;
function identitySettings(): IdentitySettings {
  settings ??= createIdentitySettings({ local: storage('localStorage'), session: storage('sessionStorage'), tabKey: tabKey() });
  return settings;
}

export function browserConfigSources(): ConfigSources {
  return {
    // URLSearchParams decodes the percent-encoding.
    linkConfig: () => {
      const fragment = window.location.hash.replace(/^#/, '');
      const value = new URLSearchParams(fragment).get(QUERY_PARAM);
      if (value === null) return null;
      // Out of the address bar and out of this history entry before anything else runs.
      window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}`);
      return value;
    },
    queryParam: () => new URLSearchParams(window.location.search).get(QUERY_PARAM),
    saved: (aor) => identitySettings().saved(aor),
    fetchDefault: async () => {
      const response = await fetch('/config.json', { cache: 'no-cache' });
      if (response.status === 404) return null;
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return (await response.json()) as unknown;
    },
  };
}

/**
 * Saves settings as their identity's (identitySettings.ts), and drops a `config` query
 * parameter from the address bar so that a reload uses what was just saved rather than the
 * parameter that takes precedence over it.
 */
export function saveSettings(config: AgentConfig): void {
  identitySettings().save(config);
  const url = new URL(window.location.href);
  if (url.searchParams.has(QUERY_PARAM)) {
    url.searchParams.delete(QUERY_PARAM);
    window.history.replaceState(window.history.state, '', url.href);
  }
}
