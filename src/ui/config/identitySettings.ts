/**
 * Saved settings, one set per identity (issue 10 item 2), so two tabs of one origin configured
 * as different users never overwrite each other's settings, and a reload keeps each tab the
 * identity it was.
 *
 *   localStorage   `sip-push-web:settings:<identityKey(aor)>`  the settings of that identity
 *                  `sip-push-web:last-identity`               identity saved last: a new tab's
 *   sessionStorage `sip-push-web:identity`                    the identity this tab runs
 *                                                             (per tab, survives a reload)
 *
 * A frame shares its tab's sessionStorage, so it keeps its own entry (`...:frame:<name>`)
 * when it has a name and none otherwise: a frame never changes the identity of the page it
 * is in. The single key of earlier versions (`sip-push-web:settings`) is moved to its
 * identity's key on first use; settings that name no valid AoR stay under it and are still
 * offered (to be fixed in the form) until settings are saved.
 *
 * Storage is injected (`KeyValueStore`), so this is tested without a browser; browserSources.ts
 * passes localStorage and sessionStorage.
 */
import { identityKey } from '../../agent/store/identityDb.ts';
import type { AgentConfig } from '../../agent/types.ts';
import { isSipUriWithUser } from './validate.ts';

export const LEGACY_SETTINGS_KEY = 'sip-push-web:settings';
export const SETTINGS_KEY_PREFIX = 'sip-push-web:settings:';
export const LAST_IDENTITY_KEY = 'sip-push-web:last-identity';
export const TAB_IDENTITY_KEY = 'sip-push-web:identity';

/** The part of the Web Storage API used here. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface IdentitySettingsStorage {
  /** localStorage: settings per identity and the identity saved last. Absent: nothing is saved. */
  local: KeyValueStore | undefined;
  /** sessionStorage: the identity this tab (or named frame) runs. */
  session: KeyValueStore | undefined;
  /** Key of this browsing context's entry in `session`; undefined: keep none (unnamed frame). */
  tabKey: string | undefined;
}

export interface IdentitySettings {
  /**
   * The saved settings (JSON text) of `aor`, or, without it, of this tab's identity, else of
   * the identity saved last (which this tab then keeps), else unmigratable legacy settings.
   */
  saved(aor?: string): string | null;
  /** Save `config` as its identity's settings; this tab runs it and new tabs open as it. */
  save(config: AgentConfig): void;
  /** The identity (key) this tab runs, if one was chosen. */
  tabIdentity(): string | null;
}

/** The identity key of a text that may not be a SIP URI; undefined when it is not one. */
function keyOf(aor: unknown): string | undefined {
  if (typeof aor !== 'string' || !isSipUriWithUser(aor.trim())) return undefined;
  try {
    return identityKey(aor);
  } catch {
    return undefined;
  }
}

function aorIn(text: string): unknown {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>).aor : undefined;
  } catch {
    return undefined;
  }
}

export function createIdentitySettings(storage: IdentitySettingsStorage): IdentitySettings {
  const { local, session, tabKey } = storage;
  const pin = (key: string) => {
    if (session && tabKey !== undefined) session.setItem(tabKey, key);
  };
  const read = (key: string | null | undefined) => (key ? (local?.getItem(`${SETTINGS_KEY_PREFIX}${key}`) ?? null) : null);

  /** The single key of earlier versions, moved to its identity's key when it names one. */
  const migrate = () => {
    const legacy = local?.getItem(LEGACY_SETTINGS_KEY);
    if (!local || legacy === null || legacy === undefined) return;
    const key = keyOf(aorIn(legacy));
    if (key === undefined) return; // kept, and offered until settings are saved
    if (local.getItem(`${SETTINGS_KEY_PREFIX}${key}`) === null) local.setItem(`${SETTINGS_KEY_PREFIX}${key}`, legacy);
    if (local.getItem(LAST_IDENTITY_KEY) === null) local.setItem(LAST_IDENTITY_KEY, key);
    local.removeItem(LEGACY_SETTINGS_KEY);
  };

  const tabIdentity = () => (session && tabKey !== undefined ? session.getItem(tabKey) : null);

  return {
    saved(aor) {
      migrate();
      if (aor !== undefined) return read(keyOf(aor));
      const mine = read(tabIdentity());
      if (mine !== null) return mine;
      const last = local?.getItem(LAST_IDENTITY_KEY) ?? null;
      const lastSettings = read(last);
      if (last !== null && lastSettings !== null) {
        pin(last);
        return lastSettings;
      }
      return local?.getItem(LEGACY_SETTINGS_KEY) ?? null;
    },
    save(config) {
      if (!local) throw new Error('This browser does not allow saving settings (localStorage is unavailable)');
      migrate();
      const key = identityKey(config.aor);
      local.setItem(`${SETTINGS_KEY_PREFIX}${key}`, JSON.stringify(config));
      local.setItem(LAST_IDENTITY_KEY, key);
      // Settings that could not be migrated were being edited: these replace them.
      local.removeItem(LEGACY_SETTINGS_KEY);
      pin(key);
    },
    tabIdentity,
  };
}
