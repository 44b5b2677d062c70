/**
 * Where the configuration comes from, in order: a `#config=` link fragment (URL-encoded JSON
 * of the fields to set, merged over the saved settings or `/config.json`; `npm start` prints
 * such a link with the generated credentials, which the shell then saves as settings), else
 * the `config` query parameter (URL-encoded JSON), else the saved settings, else `/config.json`. The sources are injected so the
 * precedence is testable; src/ui/config/browserSources.ts provides the real ones.
 *
 * A source that is present but bad is reported, never skipped: a broken `config` parameter
 * shows its errors instead of silently falling back to something else.
 */
import { identityKey } from '../../agent/store/identityDb.ts';
import type { AgentConfig } from '../../agent/types.ts';
import { validateConfig, type ConfigErrors } from './validate.ts';

export type ConfigSourceName = 'link' | 'query' | 'saved' | 'default';

export interface ConfigSources {
  /**
   * The `config` value of the link's fragment (URL-decoded), or null. Reading it removes it
   * from the address bar and the history entry: a fragment never reaches a server, and a
   * password in it must not stay where it can be copied or seen.
   */
  linkConfig?(): string | null;
  /** The raw (already URL-decoded) `config` query parameter, or null when absent. */
  queryParam(): string | null;
  /**
   * The saved settings as stored (JSON text), or null when nothing is saved. Settings are kept
   * per identity (identitySettings.ts): with `aor`, that identity's; without, this tab's.
   */
  saved(aor?: string): string | null;
  /** The default document (`/config.json`) parsed, or null when there is none. */
  fetchDefault(): Promise<unknown>;
}

export type ConfigLoad =
  | { status: 'ok'; source: ConfigSourceName; config: AgentConfig }
  /** A source was found but is unusable; `raw` is what it held, to prefill the settings form. */
  | { status: 'invalid'; source: ConfigSourceName; errors: ConfigErrors; raw: unknown }
  /** No source at all. */
  | { status: 'missing'; errors: ConfigErrors };

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

const SOURCE_LABEL: Record<ConfigSourceName, string> = {
  link: 'The configuration in the link',
  query: 'The config query parameter',
  saved: 'The saved settings',
  default: '/config.json',
};

function fromValue(source: ConfigSourceName, raw: unknown, origin: string | undefined): ConfigLoad {
  const result = validateConfig(raw, origin !== undefined ? { origin } : {});
  return result.ok ? { status: 'ok', source, config: result.config } : { status: 'invalid', source, errors: result.errors, raw };
}

function fromText(source: ConfigSourceName, text: string, origin: string | undefined): ConfigLoad {
  const parsed = parseJson(text);
  if (!parsed.ok) {
    return { status: 'invalid', source, errors: { config: `${SOURCE_LABEL[source]} is not valid JSON: ${parsed.message}` }, raw: undefined };
  }
  return fromValue(source, parsed.value, origin);
}

export async function loadConfig(sources: ConfigSources, origin?: string): Promise<ConfigLoad> {
  const link = sources.linkConfig?.() ?? null;
  if (link !== null) return fromLink(link, sources, origin);

  const query = sources.queryParam();
  if (query !== null) return fromText('query', query, origin);

  const saved = sources.saved();
  if (saved !== null) return fromText('saved', saved, origin);

  let fetched: unknown;
  try {
    fetched = await sources.fetchDefault();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { status: 'invalid', source: 'default', errors: { config: `Could not read /config.json: ${message}` }, raw: undefined };
  }
  if (fetched === null || fetched === undefined) {
    return { status: 'missing', errors: { config: 'No configuration: fill in the settings below, or pass ?config=<URL-encoded JSON>' } };
  }
  return fromValue('default', fetched, origin);
}

/**
 * The link's fields over the saved settings of the identity it names (this tab's when it
 * names none), or over /config.json when that identity has none. Fields that say who one is
 * (credentials, display name) are never carried from another identity's settings or the
 * default document into a link that names a different AoR.
 */
async function fromLink(text: string, sources: ConfigSources, origin: string | undefined): Promise<ConfigLoad> {
  const parsed = parseJson(text);
  if (!parsed.ok) return { status: 'invalid', source: 'link', errors: { config: `${SOURCE_LABEL.link} is not valid JSON: ${parsed.message}` }, raw: undefined };
  if (!isObject(parsed.value)) return { status: 'invalid', source: 'link', errors: { config: `${SOURCE_LABEL.link} must be a JSON object` }, raw: parsed.value };
  const link = parsed.value;
  const linkAor = typeof link.aor === 'string' && link.aor.trim() !== '' ? link.aor : undefined;
  let base: unknown = null;
  const saved = linkAor !== undefined ? sources.saved(linkAor) : sources.saved();
  if (saved !== null) {
    const savedParsed = parseJson(saved);
    if (savedParsed.ok) base = savedParsed.value;
  }
  if (!isObject(base)) base = await sources.fetchDefault().catch(() => null);
  const over = isObject(base) ? base : {};
  return fromValue('link', { ...(linkAor !== undefined && !sameIdentity(over.aor, linkAor) ? withoutIdentity(over) : over), ...link }, origin);
}

/** Fields that belong to one identity only. */
const IDENTITY_FIELDS = ['aor', 'authUser', 'password', 'displayName'] as const;

function withoutIdentity(config: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...config };
  for (const field of IDENTITY_FIELDS) delete rest[field];
  return rest;
}

function sameIdentity(a: unknown, b: string): boolean {
  if (typeof a !== 'string') return false;
  try {
    return identityKey(a) === identityKey(b);
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
