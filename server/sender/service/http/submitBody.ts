/**
 * POST /v1/pushes: the JSON body a provider sends, checked field by field into the service's
 * SubmitRequest. Pure (the clock and the upload lookup are passed in). Every refusal is a 400
 * naming the field (`target[1].instance`) with the cause and the fix, and unknown fields are
 * refused too, so a misspelt `expiresInSecond` never silently sends a push that never expires.
 *
 *   { "pushId"?: string, "target": "sip:alice@d" | {...} | [...], "app": "news.ua",
 *     "contentType": "text/plain", "content"?: "text" | "contentBase64"?: "..." | "upload"?: "<id>",
 *     "report"?: false, "priority"?: "normal", "deliverAfter"?: RFC 3339,
 *     "deliverBefore"?: RFC 3339 | "expiresInSeconds"?: n, "mode"?: "auto" }
 */
import { isValidAppId } from '../../../../src/protocol/sip/index.ts';
import type { ContentFile } from '../../queue/index.ts';
import type { PushMode, PushPriority, SubmitRequest, TargetSpec } from '../types.ts';
import { fieldError } from './apiError.ts';

export interface SubmitLimits {
  /** Most entries in a `target` array. */
  maxTargets: number;
  /** Largest `expiresInSeconds`. */
  maxExpiresInSeconds: number;
  /** Longest `pushId` (the Push-ID header's limit). */
  maxPushIdLength: number;
  /** Longest `contentType`, parameters included (it becomes a SIP header). */
  maxContentTypeLength: number;
}

export const DEFAULT_SUBMIT_LIMITS: SubmitLimits = {
  maxTargets: 100,
  maxExpiresInSeconds: 30 * 24 * 3600,
  maxPushIdLength: 256,
  maxContentTypeLength: 1024,
};

export interface SubmitContext {
  /** Epoch ms: deliverBefore must be later, expiresInSeconds counts from it. */
  now: number;
  /** The upload with this ID, when there is one not used yet. */
  upload: (id: string) => ContentFile | undefined;
  limits?: Partial<SubmitLimits>;
}

export interface ParsedSubmit {
  request: SubmitRequest;
  /** The upload the push takes its content from (the server claims it). */
  uploadId?: string;
}

const FIELDS = ['pushId', 'target', 'app', 'contentType', 'content', 'contentBase64', 'upload', 'report', 'priority', 'deliverAfter', 'deliverBefore', 'expiresInSeconds', 'mode'];
const PRIORITIES: readonly PushPriority[] = ['low', 'normal', 'high'];
const MODES: readonly PushMode[] = ['auto', 'message', 'msrp'];
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*;.*)?$/;
const SIP_URI = /^sips?:[^\s<>"@]+@[^\s<>"@]+$/i;
const URN = /^urn:[a-z0-9][a-z0-9-]{0,31}:[^\s<>"]+$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

export function parseSubmitBody(body: unknown, ctx: SubmitContext): ParsedSubmit {
  const limits = { ...DEFAULT_SUBMIT_LIMITS, ...ctx.limits };
  if (!isObject(body)) throw fieldError('(body)', `The body is ${describe(body)}; send a JSON object such as {"target": "sip:alice@example.com", "app": "news.ua", "contentType": "text/plain", "content": "hello"}`);
  for (const key of Object.keys(body)) {
    if (!FIELDS.includes(key)) throw fieldError(key, `Unknown field ${JSON.stringify(key)}; the fields are ${FIELDS.join(', ')}`);
  }

  const request: Partial<SubmitRequest> = {};
  if (body.pushId !== undefined) request.pushId = pushId(body.pushId, limits.maxPushIdLength);
  request.targets = targets(body.target, limits.maxTargets);
  request.app = app(body.app);
  request.contentType = contentType(body.contentType, limits.maxContentTypeLength);
  const { content, uploadId } = contentOf(body, ctx);
  request.content = content;
  request.reportRequested = optionalBoolean(body.report, 'report') ?? false;
  request.priority = oneOf(body.priority, 'priority', PRIORITIES) ?? 'normal';
  request.mode = oneOf(body.mode, 'mode', MODES) ?? 'auto';

  if (body.deliverAfter !== undefined) request.deliverAfter = instant(body.deliverAfter, 'deliverAfter');
  if (body.deliverBefore !== undefined && body.expiresInSeconds !== undefined) {
    throw fieldError('expiresInSeconds', 'Give either deliverBefore or expiresInSeconds, not both');
  }
  if (body.deliverBefore !== undefined) request.deliverBefore = instant(body.deliverBefore, 'deliverBefore');
  if (body.expiresInSeconds !== undefined) request.deliverBefore = ctx.now + 1000 * expiresIn(body.expiresInSeconds, limits.maxExpiresInSeconds);
  if (request.deliverBefore !== undefined && request.deliverBefore <= ctx.now) {
    throw fieldError('deliverBefore', `${new Date(request.deliverBefore).toISOString()} has already passed (the service's clock says ${new Date(ctx.now).toISOString()}); give a later time, or leave it out for no expiry`);
  }
  if (request.deliverBefore !== undefined && request.deliverAfter !== undefined && request.deliverAfter >= request.deliverBefore) {
    throw fieldError('deliverAfter', 'deliverAfter is not before the push expires (deliverBefore / expiresInSeconds), so it could never be sent; give an earlier deliverAfter or a later expiry');
  }
  return { request: request as SubmitRequest, ...(uploadId !== undefined ? { uploadId } : {}) };
}

/**
 * The checks POST /v1/pushes makes on these fields, for the other way in (the PAP gateway
 * submits to the service directly): one rule for a push-id, an AoR, an app and a content type
 * wherever a push comes from. Throws the ApiError naming the field.
 */
export function checkPushFields(fields: { pushId: string; aors: readonly string[]; app: string; contentType: string }, limits: Partial<SubmitLimits> = {}): void {
  const l = { ...DEFAULT_SUBMIT_LIMITS, ...limits };
  pushId(fields.pushId, l.maxPushIdLength);
  fields.aors.forEach((aor, i) => sipUri(aor, `target[${i}]`, 'an AoR'));
  app(fields.app);
  contentType(fields.contentType, l.maxContentTypeLength);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function pushId(value: unknown, max: number): string {
  if (typeof value !== 'string') throw fieldError('pushId', `pushId is ${describe(value)}; give a string, or leave it out and the service makes one`);
  if (value.length === 0 || value.length > max) throw fieldError('pushId', `pushId has ${value.length} characters; give 1 to ${max}`);
  if (CONTROL.test(value)) throw fieldError('pushId', 'pushId holds a control character; use printable characters only');
  return value;
}

function targets(value: unknown, max: number): TargetSpec[] {
  if (value === undefined) throw fieldError('target', 'target is missing; give an AoR such as "sip:alice@example.com", an object ({aor, terminals?} | {gruu} | {aor, instance}) or an array of these');
  if (!Array.isArray(value)) return [target(value, 'target')];
  if (value.length === 0) throw fieldError('target', 'target is an empty array; name at least one receiver');
  if (value.length > max) throw fieldError('target', `target lists ${value.length} receivers, more than ${max}; split the push into several`);
  return value.map((one, i) => target(one, `target[${i}]`));
}

function target(value: unknown, field: string): TargetSpec {
  if (typeof value === 'string') return { aor: sipUri(value, field, 'an AoR') };
  if (!isObject(value)) throw fieldError(field, `${field} is ${describe(value)}; give an AoR string or an object {aor, terminals?} | {gruu} | {aor, instance}`);
  const keys = Object.keys(value);
  const allowed = 'gruu' in value ? ['gruu'] : 'instance' in value ? ['aor', 'instance'] : ['aor', 'terminals'];
  for (const key of keys) {
    if (!allowed.includes(key)) throw fieldError(`${field}.${key}`, `${field} cannot have ${key} together with ${keys.filter((k) => k !== key).join(', ') || 'nothing else'}; the forms are {aor, terminals?}, {gruu} and {aor, instance}`);
  }
  if ('gruu' in value) return { gruu: sipUri(value.gruu, `${field}.gruu`, 'a public GRUU') };
  if (value.aor === undefined) throw fieldError(`${field}.aor`, `${field}.aor is missing; give the receiver's AoR such as "sip:alice@example.com"`);
  const aor = sipUri(value.aor, `${field}.aor`, 'an AoR');
  if ('instance' in value) {
    const raw = value.instance;
    const instance = typeof raw === 'string' ? raw.replace(/^<(.*)>$/, '$1') : raw;
    if (typeof instance !== 'string' || !URN.test(instance)) {
      throw fieldError(`${field}.instance`, `${field}.instance ${JSON.stringify(raw)} is not a +sip.instance URN; give one such as "urn:uuid:00000000-0000-4000-8000-000000000000" (GET /v1/receivers lists them)`);
    }
    return { aor, instance };
  }
  if (value.terminals === undefined) return { aor };
  if (value.terminals !== 'app' && value.terminals !== 'all') {
    throw fieldError(`${field}.terminals`, `${field}.terminals ${JSON.stringify(value.terminals)} is not "app" (terminals that announced the app, the default) or "all"`);
  }
  return { aor, terminals: value.terminals };
}

function sipUri(value: unknown, field: string, what: string): string {
  if (typeof value !== 'string' || !SIP_URI.test(value)) {
    throw fieldError(field, `${field} ${JSON.stringify(value)} is not a sip: or sips: URI; give ${what} such as "sip:alice@example.com"`);
  }
  return value;
}

function app(value: unknown): string {
  if (value === undefined) throw fieldError('app', 'app is missing; give the push application ID the receiver registered, such as "news.ua"');
  if (typeof value !== 'string' || !isValidAppId(value)) {
    throw fieldError('app', `app ${JSON.stringify(value)} is not a push application ID (an RFC 3840 token: letters, digits and - . % * _ + \` ' ~), such as "news.ua"`);
  }
  return value;
}

function contentType(value: unknown, max: number): string {
  if (value === undefined) throw fieldError('contentType', 'contentType is missing; give the content\'s media type, such as "text/plain"');
  if (typeof value === 'string' && value.length > max) throw fieldError('contentType', `contentType has ${value.length} characters; give at most ${max}`);
  if (typeof value !== 'string' || !MEDIA_TYPE.test(value)) throw fieldError('contentType', `contentType ${JSON.stringify(value)} is not a media type (type/subtype), such as "text/plain"`);
  return value;
}

function contentOf(body: Record<string, unknown>, ctx: SubmitContext): { content: Uint8Array | ContentFile; uploadId?: string } {
  const given = (['content', 'contentBase64', 'upload'] as const).filter((k) => body[k] !== undefined);
  if (given.length === 0) throw fieldError('content', 'The push has no content; give content (text), contentBase64 (bytes) or upload (the uploadId of POST /v1/uploads)');
  if (given.length > 1) throw fieldError(given[1]!, `Give one of content, contentBase64 and upload, not ${given.join(' and ')}`);
  const field = given[0]!;
  const value = body[field];
  if (typeof value !== 'string') throw fieldError(field, `${field} is ${describe(value)}; give a string`);
  if (field === 'upload') {
    const file = ctx.upload(value);
    if (!file) throw fieldError('upload', `No upload ${JSON.stringify(value)} (unknown, already used by a push, or removed unused); upload the file again with POST /v1/uploads`);
    return { content: file, uploadId: value };
  }
  if (value.length === 0) throw fieldError(field, `${field} is empty; a push needs at least one byte`);
  if (field === 'content') return { content: new TextEncoder().encode(value) };
  if (!BASE64.test(value)) throw fieldError('contentBase64', 'contentBase64 is not base64 (RFC 4648 section 4: A-Z a-z 0-9 + /, padded with = to a multiple of 4); encode the bytes again, or send text as content');
  return { content: new Uint8Array(Buffer.from(value, 'base64')) };
}

function optionalBoolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw fieldError(field, `${field} is ${JSON.stringify(value)}; give true or false`);
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !allowed.includes(value as T)) throw fieldError(field, `${field} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  return value as T;
}

/** An RFC 3339 date-time (section 5.6), offset required; a day the month does not have is refused. */
function instant(value: unknown, field: string): number {
  const match = typeof value === 'string' ? RFC3339.exec(value) : null;
  const fix = 'give an RFC 3339 time with its offset, such as "2026-12-02T17:30:00Z"';
  if (!match) throw fieldError(field, `${field} ${JSON.stringify(value)} is not an RFC 3339 date-time; ${fix}`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  const daysInMonth = new Date(Date.UTC(y!, mo!, 0)).getUTCDate();
  const ms = Date.parse(value as string);
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > daysInMonth || h! > 23 || mi! > 59 || s! > 60 || Number.isNaN(ms)) {
    throw fieldError(field, `${field} ${JSON.stringify(value)} is not a valid date and time; ${fix}`);
  }
  return ms;
}

function expiresIn(value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw fieldError('expiresInSeconds', `expiresInSeconds ${JSON.stringify(value)} is not a whole number of seconds from 1 to ${max}`);
  }
  return value;
}
