/**
 * Validation of the client configuration (issue 2, item 3). Pure: no DOM, no storage.
 *
 * Errors are keyed by field path, the same keys the settings form uses for its inputs:
 * `server`, `aor`, `authUser`, `password`, `displayName`, `uaprofUrl`, `trustAssertedIdentity`, `apps`,
 * `apps.<i>.id`, `apps.<i>.accept`, `apps.<i>.allowFrom`, `apps.<i>.maxBytes`, and `config`
 * for the document as a whole.
 */
import type { AgentConfig, PushAppSpec } from '../../agent/types.ts';
import { isValidAppId } from '../../protocol/sip/featureTags.ts';
import { parseUri } from '../../protocol/sip/headers.ts';

export type ConfigErrors = Record<string, string>;

export type ValidationResult = { ok: true; config: AgentConfig } | { ok: false; errors: ConfigErrors };

export interface ValidateOptions {
  /** Origin that a relative `uaprofUrl` is resolved against (the page's `location.origin`). */
  origin?: string;
}

/** `type/subtype`, `type/*` or `*\/*` (RFC 7231 token characters, no parameters). */
const MEDIA_RANGE = /^(?:\*\/\*|[A-Za-z0-9!#$&^_.+-]+\/(?:\*|[A-Za-z0-9!#$&^_.+-]+))$/;

export function isMediaRange(value: string): boolean {
  return MEDIA_RANGE.test(value);
}

/** True for a `sip:` or `sips:` URI with both a user part and a host. */
export function isSipUriWithUser(value: string): boolean {
  return sipUri(value)?.user !== undefined;
}

/** Host name, IPv4 address or bracketed IPv6 reference. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?|\[[0-9A-Fa-f:.]+\])$/;

function sipUri(value: string): ReturnType<typeof parseUri> | undefined {
  try {
    const uri = parseUri(value);
    if (/[\s<>"]/.test(value)) return undefined;
    if (uri.user !== undefined && uri.user.length === 0) return undefined;
    if (!HOST.test(uri.host)) return undefined;
    if (uri.port !== undefined && !(Number.isInteger(uri.port) && uri.port > 0 && uri.port < 65536)) return undefined;
    return uri;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string field: undefined when absent or blank, an error when not a string. */
function optionalString(raw: Record<string, unknown>, field: string, errors: ConfigErrors): string | undefined {
  const value = raw[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    errors[field] = 'Must be text';
    return undefined;
  }
  const trimmed = field === 'password' ? value : value.trim();
  return trimmed.length > 0 ? trimmed : undefined;
}

function validateServer(value: string | undefined, errors: ConfigErrors): void {
  if (value === undefined) {
    errors.server ??= 'Required: the SIP core WebSocket URL (ws:// or wss://)';
    return;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    errors.server = 'Not a URL: use ws://host:port or wss://host';
    return;
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') errors.server = 'Must start with ws:// or wss://';
  else if (!url.hostname) errors.server = 'The URL has no host';
}

function validateAor(value: string | undefined, errors: ConfigErrors): void {
  if (value === undefined) {
    errors.aor ??= 'Required: your address of record, e.g. sip:alice@example.com';
    return;
  }
  if (!isSipUriWithUser(value)) errors.aor = 'Must be a sip: or sips: URI with a user and a host, e.g. sip:alice@example.com';
}

function resolveUaprof(value: string | undefined, origin: string | undefined, errors: ConfigErrors): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = origin !== undefined ? new URL(value, origin) : new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      errors.uaprofUrl = 'Must be an http:// or https:// URL (or a path on this site)';
      return undefined;
    }
    return url.href;
  } catch {
    if (origin === undefined && value.startsWith('/')) return value; // resolved later, against the page
    errors.uaprofUrl = 'Not a URL or a path';
    return undefined;
  }
}

/** A list given as an array of strings (or, leniently, one comma-separated string). */
function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return value.map((s: string) => s.trim()).filter((s) => s.length > 0);
  }
  return undefined;
}

function validateApp(raw: unknown, index: number, seen: Set<string>, errors: ConfigErrors): PushAppSpec | undefined {
  const key = `apps.${index}`;
  if (!isRecord(raw)) {
    errors[key] = 'Each application must be an object with id and accept';
    return undefined;
  }
  const before = Object.keys(errors).length;

  const id = typeof raw.id === 'string' ? raw.id.trim() : '';
  if (raw.id !== undefined && typeof raw.id !== 'string') errors[`${key}.id`] = 'Must be text';
  else if (id.length === 0) errors[`${key}.id`] = 'Required: an application ID such as news.ua';
  else if (!isValidAppId(id)) errors[`${key}.id`] = 'Not an RFC 3840 token: letters, digits and - . % * _ + ` \' ~ only';
  else if (seen.has(id)) errors[`${key}.id`] = `Duplicate application ID ${id}`;
  seen.add(id);

  const accept = stringList(raw.accept);
  if (accept === undefined) errors[`${key}.accept`] = 'Must be a list of content types';
  else if (accept.length === 0) errors[`${key}.accept`] = 'Required: at least one content type, e.g. text/plain or image/*';
  else {
    const bad = accept.filter((t) => !isMediaRange(t));
    if (bad.length > 0) errors[`${key}.accept`] = `Not type/subtype: ${bad.join(', ')}`;
  }

  let allowFrom: string[] | undefined;
  if (raw.allowFrom !== undefined && raw.allowFrom !== null) {
    allowFrom = stringList(raw.allowFrom);
    if (allowFrom === undefined) errors[`${key}.allowFrom`] = 'Must be a list of SIP URIs';
    else {
      const bad = allowFrom.filter((u) => sipUri(u) === undefined);
      if (bad.length > 0) errors[`${key}.allowFrom`] = `Not a sip: or sips: URI: ${bad.join(', ')}`;
    }
  }

  let maxBytes: number | undefined;
  if (raw.maxBytes !== undefined && raw.maxBytes !== null && raw.maxBytes !== '') {
    const n = typeof raw.maxBytes === 'string' && /^\s*\d+\s*$/.test(raw.maxBytes) ? Number(raw.maxBytes) : raw.maxBytes;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) errors[`${key}.maxBytes`] = 'Must be a positive whole number of bytes';
    else maxBytes = n;
  }

  if (Object.keys(errors).length !== before) return undefined;
  const app: PushAppSpec = { id, accept: accept ?? [] };
  if (allowFrom !== undefined && allowFrom.length > 0) app.allowFrom = allowFrom;
  if (maxBytes !== undefined) app.maxBytes = maxBytes;
  return app;
}

/**
 * Checks a configuration document (as parsed from JSON, or built by the settings form) and
 * returns it normalised (trimmed, blank optional fields dropped, uaprofUrl absolute).
 */
export function validateConfig(raw: unknown, options: ValidateOptions = {}): ValidationResult {
  if (!isRecord(raw)) return { ok: false, errors: { config: 'The configuration must be a JSON object' } };
  const errors: ConfigErrors = {};

  const server = optionalString(raw, 'server', errors);
  validateServer(server, errors);
  const aor = optionalString(raw, 'aor', errors);
  validateAor(aor, errors);
  const authUser = optionalString(raw, 'authUser', errors);
  const password = optionalString(raw, 'password', errors);
  const displayName = optionalString(raw, 'displayName', errors);
  if (displayName !== undefined && /[\r\n"]/.test(displayName)) errors.displayName = 'Must not contain quotes or line breaks';
  if (authUser !== undefined && /[\s"]/.test(authUser)) errors.authUser = 'Must not contain spaces or quotes';
  const uaprofUrl = resolveUaprof(optionalString(raw, 'uaprofUrl', errors), options.origin, errors);
  const trust = raw.trustAssertedIdentity;
  if (trust !== undefined && trust !== null && typeof trust !== 'boolean') errors.trustAssertedIdentity = 'Must be true or false';

  const apps: PushAppSpec[] = [];
  if (raw.apps !== undefined && raw.apps !== null) {
    if (!Array.isArray(raw.apps)) errors.apps = 'Must be a list of applications';
    else {
      const seen = new Set<string>();
      raw.apps.forEach((entry, i) => {
        const app = validateApp(entry, i, seen, errors);
        if (app) apps.push(app);
      });
    }
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const config: AgentConfig = { server: server!, aor: aor!, apps };
  if (authUser !== undefined) config.authUser = authUser;
  if (password !== undefined) config.password = password;
  if (displayName !== undefined) config.displayName = displayName;
  if (uaprofUrl !== undefined) config.uaprofUrl = uaprofUrl;
  if (trust === true) config.trustAssertedIdentity = true;
  return { ok: true, config };
}
