/**
 * The browser side of configuration: link fragment, query string, localStorage and `/config.json`.
 * Side effects live here, outside components (ARCHITECTURE.md section 6).
 */
import type { AgentConfig } from '../../agent/types.ts';
import type { ConfigSources } from './load.ts';

export const SETTINGS_KEY = 'sip-push-web:settings';
const QUERY_PARAM = 'config';

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined; // disabled storage (privacy mode, sandboxed frame)
  }
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
    saved: () => storage()?.getItem(SETTINGS_KEY) ?? null,
    fetchDefault: async () => {
      const response = await fetch('/config.json', { cache: 'no-cache' });
      if (response.status === 404) return null;
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return (await response.json()) as unknown;
    },
  };
}

/**
 * Saves settings, and drops a `config` query parameter from the address bar so that a reload
 * uses what was just saved rather than the parameter that takes precedence over it.
 */
export function saveSettings(config: AgentConfig): void {
  const store = storage();
  if (!store) throw new Error('This browser does not allow saving settings (localStorage is unavailable)');
  store.setItem(SETTINGS_KEY, JSON.stringify(config));
  const url = new URL(window.location.href);
  if (url.searchParams.has(QUERY_PARAM)) {
    url.searchParams.delete(QUERY_PARAM);
    window.history.replaceState(window.history.state, '', url.href);
  }
}
