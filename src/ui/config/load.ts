/**
 * Where the configuration comes from, in order: the `config` query parameter (URL-encoded
 * JSON), else the saved settings, else `/config.json`. The sources are injected so the
 * precedence is testable; src/ui/config/browserSources.ts provides the real ones.
 *
 * A source that is present but bad is reported, never skipped: a broken `config` parameter
 * shows its errors instead of silently falling back to something else.
 */
import type { AgentConfig } from '../../agent/types.ts';
import { validateConfig, type ConfigErrors } from './validate.ts';

export type ConfigSourceName = 'query' | 'saved' | 'default';

export interface ConfigSources {
  /** The raw (already URL-decoded) `config` query parameter, or null when absent. */
  queryParam(): string | null;
  /** The saved settings as stored (JSON text), or null when nothing is saved. */
  saved(): string | null;
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
