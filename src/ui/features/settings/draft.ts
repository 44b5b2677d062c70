/**
 * The settings form's editable copy of the configuration: every field a string, lists as
 * comma-separated text. Pure conversions to and from the configuration document; validation
 * is validateConfig's job.
 */

export interface AppDraft {
  /** Stable React key for the row (not part of the configuration). */
  key: number;
  id: string;
  accept: string;
  allowFrom: string;
  maxBytes: string;
}

export interface SettingsDraft {
  server: string;
  aor: string;
  authUser: string;
  password: string;
  displayName: string;
  uaprofUrl: string;
  apps: AppDraft[];
}

export type DraftField = Exclude<keyof SettingsDraft, 'apps'>;
export type AppField = Exclude<keyof AppDraft, 'key'>;

export const DRAFT_FIELDS: readonly DraftField[] = ['server', 'aor', 'authUser', 'password', 'displayName', 'uaprofUrl'];

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return '';
}

function list(value: unknown): string {
  if (Array.isArray(value)) return value.filter((v) => typeof v === 'string').join(', ');
  return text(value);
}

let nextKey = 1;
export function emptyApp(): AppDraft {
  return { key: nextKey++, id: '', accept: '', allowFrom: '', maxBytes: '' };
}

/** From a configuration document, valid or not (an invalid one is shown for fixing). */
export function draftFromConfig(raw: unknown): SettingsDraft {
  const r = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const apps = Array.isArray(r.apps) ? r.apps : [];
  return {
    server: text(r.server),
    aor: text(r.aor),
    authUser: text(r.authUser),
    password: text(r.password),
    displayName: text(r.displayName),
    uaprofUrl: text(r.uaprofUrl),
    apps: apps.map((entry: unknown) => {
      const a = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {};
      return { ...emptyApp(), id: text(a.id), accept: list(a.accept), allowFrom: list(a.allowFrom), maxBytes: text(a.maxBytes) };
    }),
  };
}

function splitList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** To a configuration document for validateConfig. Blank optional fields are left out. */
export function draftToRaw(draft: SettingsDraft): Record<string, unknown> {
  const raw: Record<string, unknown> = { server: draft.server.trim(), aor: draft.aor.trim() };
  for (const field of ['authUser', 'displayName', 'uaprofUrl'] as const) {
    if (draft[field].trim() !== '') raw[field] = draft[field].trim();
  }
  if (draft.password !== '') raw.password = draft.password;
  raw.apps = draft.apps.map((app) => {
    const entry: Record<string, unknown> = { id: app.id.trim(), accept: splitList(app.accept) };
    const allowFrom = splitList(app.allowFrom);
    if (allowFrom.length > 0) entry.allowFrom = allowFrom;
    if (app.maxBytes.trim() !== '') entry.maxBytes = app.maxBytes.trim();
    return entry;
  });
  return raw;
}
