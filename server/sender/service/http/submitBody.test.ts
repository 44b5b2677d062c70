import { describe, expect, it } from 'vitest';
import { ApiError } from './apiError.ts';
import { DEFAULT_SUBMIT_LIMITS, parseSubmitBody } from './submitBody.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const UPLOAD_ID = 'AAAAAAAAAAAAAAAAAAAAAA';
const ctx = { now: NOW, upload: (id: string) => (id === UPLOAD_ID ? { file: '/up/x.upload', size: 5 } : undefined) };
const base = { target: 'sip:alice@example.com', app: 'news.ua', contentType: 'text/plain', content: 'hello' };

function refusal(body: unknown): { field?: string; message: string } {
  try {
    parseSubmitBody(body, ctx);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    return { ...((err as ApiError).field !== undefined ? { field: (err as ApiError).field } : {}), message: (err as Error).message };
  }
  throw new Error('expected a 400');
}

describe('parseSubmitBody: accepted bodies', () => {
  it('the smallest push: defaults for the rest', () => {
    expect(parseSubmitBody(base, ctx)).toEqual({
      request: { targets: [{ aor: 'sip:alice@example.com' }], app: 'news.ua', contentType: 'text/plain', content: new TextEncoder().encode('hello'), reportRequested: false, priority: 'normal', mode: 'auto' },
    });
  });

  it('every field', () => {
    const { request } = parseSubmitBody(
      {
        ...base,
        pushId: 'p-1',
        target: ['sips:bob@example.com', { aor: 'sip:a@d', terminals: 'all' }, { gruu: 'sip:a@d;gr=urn:uuid:1' }, { aor: 'sip:a@d', instance: '<urn:uuid:00000000-0000-4000-8000-000000000000>' }],
        report: true,
        priority: 'high',
        deliverAfter: '2026-06-01T13:00:00+01:00',
        deliverBefore: '2026-06-01t12:30:00z',
        mode: 'msrp',
      },
      ctx,
    );
    expect(request).toMatchObject({
      pushId: 'p-1',
      targets: [{ aor: 'sips:bob@example.com' }, { aor: 'sip:a@d', terminals: 'all' }, { gruu: 'sip:a@d;gr=urn:uuid:1' }, { aor: 'sip:a@d', instance: 'urn:uuid:00000000-0000-4000-8000-000000000000' }],
      reportRequested: true,
      priority: 'high',
      deliverAfter: Date.parse('2026-06-01T12:00:00Z'),
      deliverBefore: Date.parse('2026-06-01T12:30:00Z'),
      mode: 'msrp',
    });
  });

  it('contentBase64 as bytes, upload as the file, expiresInSeconds from now', () => {
    const { content: _c, ...rest } = base;
    expect(parseSubmitBody({ ...rest, contentBase64: '/wA=' }, ctx).request.content).toEqual(new Uint8Array([0xff, 0]));
    expect(parseSubmitBody({ ...rest, upload: UPLOAD_ID }, ctx)).toMatchObject({ request: { content: { file: '/up/x.upload', size: 5 } }, uploadId: UPLOAD_ID });
    expect(parseSubmitBody({ ...base, expiresInSeconds: 60 }, ctx).request.deliverBefore).toBe(NOW + 60_000);
  });

  it('each limit is accepted at the limit', () => {
    expect(parseSubmitBody({ ...base, pushId: 'x'.repeat(DEFAULT_SUBMIT_LIMITS.maxPushIdLength) }, ctx).request.pushId).toHaveLength(256);
    expect(parseSubmitBody({ ...base, target: Array(DEFAULT_SUBMIT_LIMITS.maxTargets).fill('sip:a@d') }, ctx).request.targets).toHaveLength(100);
    expect(parseSubmitBody({ ...base, expiresInSeconds: DEFAULT_SUBMIT_LIMITS.maxExpiresInSeconds }, ctx).request.deliverBefore).toBe(NOW + DEFAULT_SUBMIT_LIMITS.maxExpiresInSeconds * 1000);
    expect(parseSubmitBody({ ...base, target: ['sip:a@d', 'sip:b@d'] }, { ...ctx, limits: { maxTargets: 2 } }).request.targets).toHaveLength(2);
  });
});

describe('parseSubmitBody: every field refused with a 400 naming it', () => {
  const { content: _c, ...noContent } = base;
  const rows: [string, unknown, string, RegExp][] = [
    ['not an object', [base], '(body)', /is an array; send a JSON object/],
    ['null body', null, '(body)', /is null/],
    ['unknown field', { ...base, expiresInSecond: 5 }, 'expiresInSecond', /Unknown field "expiresInSecond"; the fields are/],
    ['pushId not a string', { ...base, pushId: 7 }, 'pushId', /is a number; give a string/],
    ['pushId empty', { ...base, pushId: '' }, 'pushId', /has 0 characters; give 1 to 256/],
    ['pushId one past the limit', { ...base, pushId: 'x'.repeat(257) }, 'pushId', /has 257 characters; give 1 to 256/],
    ['pushId with a control character', { ...base, pushId: 'a\nb' }, 'pushId', /control character/],
    ['target missing', { ...base, target: undefined }, 'target', /target is missing; give an AoR/],
    ['target not a SIP URI', { ...base, target: 'alice@example.com' }, 'target', /not a sip: or sips: URI; give an AoR such as/],
    ['target without a user', { ...base, target: 'sip:example.com' }, 'target', /not a sip: or sips: URI/],
    ['target a number', { ...base, target: 5 }, 'target', /is a number; give an AoR string or an object/],
    ['target empty array', { ...base, target: [] }, 'target', /empty array/],
    ['target one past the limit', { ...base, target: Array(101).fill('sip:a@d') }, 'target', /lists 101 receivers, more than 100/],
    ['target[1] bad', { ...base, target: ['sip:a@d', 'mailto:b@d'] }, 'target[1]', /"mailto:b@d" is not a sip: or sips: URI/],
    ['target.aor missing', { ...base, target: { terminals: 'all' } }, 'target.aor', /missing/],
    ['target.aor bad', { ...base, target: { aor: 'bob' } }, 'target.aor', /not a sip: or sips: URI/],
    ['target.terminals bad', { ...base, target: { aor: 'sip:a@d', terminals: 'some' } }, 'target.terminals', /is not "app".*or "all"/],
    ['target.gruu bad', { ...base, target: { gruu: 42 } }, 'target.gruu', /give a public GRUU/],
    ['target gruu with aor', { ...base, target: { gruu: 'sip:a@d;gr', aor: 'sip:a@d' } }, 'target.aor', /cannot have aor together with gruu; the forms are/],
    ['target.instance bad', { ...base, target: [{ aor: 'sip:a@d', instance: 'uuid-1' }] }, 'target[0].instance', /not a \+sip\.instance URN/],
    ['target instance with terminals', { ...base, target: { aor: 'sip:a@d', instance: 'urn:uuid:1', terminals: 'all' } }, 'target.terminals', /cannot have terminals/],
    ['target unknown key', { ...base, target: { aor: 'sip:a@d', user: 'x' } }, 'target.user', /cannot have user/],
    ['app missing', { ...base, app: undefined }, 'app', /app is missing/],
    ['app not a token', { ...base, app: 'news ua' }, 'app', /not a push application ID/],
    ['contentType missing', { ...base, contentType: undefined }, 'contentType', /contentType is missing/],
    ['contentType not a media type', { ...base, contentType: 'text' }, 'contentType', /not a media type/],
    ['no content', noContent, 'content', /no content; give content \(text\), contentBase64 \(bytes\) or upload/],
    ['two contents', { ...base, contentBase64: 'AA==' }, 'contentBase64', /Give one of content, contentBase64 and upload, not content and contentBase64/],
    ['content not a string', { ...base, content: { text: 'x' } }, 'content', /is a object; give a string/],
    ['content empty', { ...base, content: '' }, 'content', /empty/],
    ['contentBase64 not base64', { ...noContent, contentBase64: 'abc' }, 'contentBase64', /not base64/],
    ['contentBase64 url alphabet', { ...noContent, contentBase64: '-_==' }, 'contentBase64', /not base64/],
    ['upload unknown', { ...noContent, upload: 'nope' }, 'upload', /No upload "nope".*upload the file again/],
    ['report not a boolean', { ...base, report: 'yes' }, 'report', /give true or false/],
    ['priority unknown', { ...base, priority: 'urgent' }, 'priority', /not one of low, normal, high/],
    ['mode unknown', { ...base, mode: 'sms' }, 'mode', /not one of auto, message, msrp/],
    ['deliverAfter not RFC 3339', { ...base, deliverAfter: '2026-06-01 13:00' }, 'deliverAfter', /not an RFC 3339 date-time; give/],
    ['deliverAfter epoch number', { ...base, deliverAfter: NOW }, 'deliverAfter', /not an RFC 3339/],
    ['deliverBefore without offset', { ...base, deliverBefore: '2026-06-01T13:00:00' }, 'deliverBefore', /not an RFC 3339/],
    ['deliverBefore impossible day', { ...base, deliverBefore: '2026-02-30T13:00:00Z' }, 'deliverBefore', /not a valid date and time/],
    ['deliverBefore passed', { ...base, deliverBefore: '2026-06-01T11:59:59Z' }, 'deliverBefore', /has already passed/],
    ['deliverBefore now', { ...base, deliverBefore: '2026-06-01T12:00:00Z' }, 'deliverBefore', /has already passed/],
    ['deliverAfter not before the expiry', { ...base, deliverAfter: '2026-06-01T12:10:00Z', expiresInSeconds: 600 }, 'deliverAfter', /could never be sent/],
    ['both expiries', { ...base, deliverBefore: '2026-06-02T00:00:00Z', expiresInSeconds: 5 }, 'expiresInSeconds', /either deliverBefore or expiresInSeconds/],
    ['expiresInSeconds zero', { ...base, expiresInSeconds: 0 }, 'expiresInSeconds', /from 1 to 2592000/],
    ['expiresInSeconds fraction', { ...base, expiresInSeconds: 1.5 }, 'expiresInSeconds', /whole number/],
    ['expiresInSeconds one past the limit', { ...base, expiresInSeconds: 2592001 }, 'expiresInSeconds', /from 1 to 2592000/],
    ['expiresInSeconds a string', { ...base, expiresInSeconds: '60' }, 'expiresInSeconds', /whole number/],
  ];
  it.each(rows)('%s', (_name, body, field, message) => {
    const error = refusal(body);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
  });

  it('a named limit lowers the target limit', () => {
    expect(parseSubmitBody({ ...base, target: ['sip:a@d', 'sip:b@d', 'sip:c@d'] }, ctx).request.targets).toHaveLength(3);
    expect(() => parseSubmitBody({ ...base, target: ['sip:a@d', 'sip:b@d', 'sip:c@d'] }, { ...ctx, limits: { maxTargets: 2 } })).toThrow(/more than 2/);
  });
});

describe('contentType length: maxContentTypeLength', () => {
  const typeOf = (n: number) => `text/plain; x=${'a'.repeat(n - 'text/plain; x='.length)}`;
  it('takes a content type of exactly the limit, refuses one more', () => {
    const max = DEFAULT_SUBMIT_LIMITS.maxContentTypeLength;
    expect(parseSubmitBody({ ...base, contentType: typeOf(max) }, ctx).request.contentType).toHaveLength(max);
    expect(refusal({ ...base, contentType: typeOf(max + 1) })).toEqual({ field: 'contentType', message: `contentType has ${max + 1} characters; give at most ${max}` });
  });
});
