import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildPushControlHeaders,
  MAX_PUSH_ID_LENGTH,
  MAX_PUSH_MESSAGE_ID_LENGTH,
  parsePushControl,
  parseReportMessageId,
  PushControlError,
  reportMessageId,
  type PushControl,
  type PushControlErrorCode,
} from './index.ts';
import type { SipHeader } from '../sip/message.ts';
import { expectCodecError } from '../../testing/codecAssertions.ts';

function lookup(headers: Record<string, string>): (name: string) => string | undefined {
  return (name) => Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
}

function fromHeaders(headers: SipHeader[]): (name: string) => string | undefined {
  return (name) => headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
}

const BEFORE = Date.parse('2026-12-02T17:30:00.000Z');
const AFTER = Date.parse('2026-12-02T17:00:00.000Z');

describe('buildPushControlHeaders', () => {
  it('writes every field in the contract order and nothing for absent fields', () => {
    expect(
      buildPushControlHeaders({ pushId: 'news "17" \\ x', deliverBefore: BEFORE, deliverAfter: AFTER, priority: 'urgent', reportMessageId: 'psa.abc', displayRequested: true }),
    ).toEqual([
      { name: 'Push-ID', value: '"news \\"17\\" \\\\ x"' },
      { name: 'Push-Deliver-Before', value: '2026-12-02T17:30:00.000Z' },
      { name: 'Push-Deliver-After', value: '2026-12-02T17:00:00.000Z' },
      { name: 'Priority', value: 'urgent' },
      { name: 'Push-Message-ID', value: 'psa.abc' },
      { name: 'Push-Disposition-Notification', value: 'display' },
    ]);
    expect(buildPushControlHeaders({})).toEqual([]);
    expect(buildPushControlHeaders({ displayRequested: false })).toEqual([]);
  });

  const bad: [string, PushControl, PushControlErrorCode, string][] = [
    ['empty push ID', { pushId: '' }, 'PUSH_ERR_PUSH_ID', 'Push-ID'],
    ['push ID one over the limit', { pushId: 'x'.repeat(MAX_PUSH_ID_LENGTH + 1) }, 'PUSH_ERR_PUSH_ID', 'Push-ID'],
    ['CR LF in the push ID', { pushId: 'a\r\nVia: x' }, 'PUSH_ERR_PUSH_ID', 'Push-ID'],
    ['NaN instant', { deliverBefore: NaN }, 'PUSH_ERR_DELIVER_BEFORE', 'Push-Deliver-Before'],
    ['instant before 1970', { deliverAfter: -1 }, 'PUSH_ERR_DELIVER_AFTER', 'Push-Deliver-After'],
    ['instant after 9999', { deliverBefore: 253402300800000 }, 'PUSH_ERR_DELIVER_BEFORE', 'Push-Deliver-Before'],
    ['unknown priority', { priority: 'high' as never }, 'PUSH_ERR_PRIORITY', 'Priority'],
    ['message ID with a space', { reportMessageId: 'a b' }, 'PUSH_ERR_MESSAGE_ID', 'Push-Message-ID'],
  ];
  it.each(bad)('refuses %s', (_name, control, code, header) => {
    const err = expectCodecError(() => buildPushControlHeaders(control), PushControlError, code, 400);
    expect(err.header).toBe(header);
  });

  it('takes a push ID exactly at the limit', () => {
    const id = 'x'.repeat(MAX_PUSH_ID_LENGTH);
    expect(parsePushControl(fromHeaders(buildPushControlHeaders({ pushId: id }))).pushId).toBe(id);
  });
});

describe('parsePushControl', () => {
  const good: [string, Record<string, string>, PushControl][] = [
    ['nothing', {}, {}],
    ['a quoted push ID with escapes', { 'Push-ID': '"a\\"b\\\\c"' }, { pushId: 'a"b\\c' }],
    ['a bare token push ID (lenient)', { 'push-id': 'news-17' }, { pushId: 'news-17' }],
    ['white space around the value', { 'Push-ID': '  "x y"  ' }, { pushId: 'x y' }],
    ['UTF-8 in the push ID', { 'Push-ID': '"nouvelles-été"' }, { pushId: 'nouvelles-été' }],
    ['deliver-before in UTC', { 'Push-Deliver-Before': '2026-12-02T17:30:00.000Z' }, { deliverBefore: BEFORE }],
    ['deliver-before with an offset and no fraction', { 'Push-Deliver-Before': '2026-12-02T18:30:00+01:00' }, { deliverBefore: BEFORE }],
    ['lower-case t and z', { 'Push-Deliver-After': '2026-12-02t17:00:00z' }, { deliverAfter: AFTER }],
    ['priority non-urgent', { Priority: 'non-urgent' }, { priority: 'non-urgent' }],
    ['priority case-insensitive', { Priority: 'Urgent' }, { priority: 'urgent' }],
    ['priority emergency counts as urgent', { Priority: 'emergency' }, { priority: 'urgent' }],
    ['an unknown priority token is ignored (RFC 3261 other-priority)', { Priority: 'whenever' }, {}],
    ['message ID and display', { 'Push-Message-ID': 'psa.xyz', 'Push-Disposition-Notification': 'display' }, { reportMessageId: 'psa.xyz', displayRequested: true }],
    ['a disposition list without display', { 'Push-Disposition-Notification': 'positive-delivery, x-other' }, { displayRequested: false }],
  ];
  it.each(good)('reads %s', (_name, headers, expected) => {
    expect(parsePushControl(lookup(headers))).toEqual(expected);
  });

  const bad: [string, Record<string, string>, PushControlErrorCode, string][] = [
    ['an unclosed quoted push ID', { 'Push-ID': '"abc' }, 'PUSH_ERR_PUSH_ID', 'Push-ID'],
    ['text after the quoted push ID', { 'Push-ID': '"abc" x' }, 'PUSH_ERR_PUSH_ID', 'Push-ID'],
    ['an escape at the end', { 'Push-ID': '"abc\\' }, 'PUSH_ERR_PUSH_ID', 'Push-ID'],
    ['an unquoted push ID with spaces', { 'Push-ID': 'a b' }, 'PUSH_ERR_PUSH_ID', 'Push-ID'],
    ['an empty push ID', { 'Push-ID': '""' }, 'PUSH_ERR_PUSH_ID', 'Push-ID'],
    ['a push ID one over the limit', { 'Push-ID': `"${'x'.repeat(MAX_PUSH_ID_LENGTH + 1)}"` }, 'PUSH_ERR_PUSH_ID', 'Push-ID'],
    ['a date without time', { 'Push-Deliver-Before': '2026-12-02' }, 'PUSH_ERR_DELIVER_BEFORE', 'Push-Deliver-Before'],
    ['an HTTP date', { 'Push-Deliver-Before': 'Wed, 02 Dec 2026 17:30:00 GMT' }, 'PUSH_ERR_DELIVER_BEFORE', 'Push-Deliver-Before'],
    ['an impossible month', { 'Push-Deliver-After': '2026-13-02T17:30:00Z' }, 'PUSH_ERR_DELIVER_AFTER', 'Push-Deliver-After'],
    ['epoch seconds', { 'Push-Deliver-After': '1796232600' }, 'PUSH_ERR_DELIVER_AFTER', 'Push-Deliver-After'],
    ['a priority that is not a token', { Priority: 'very urgent' }, 'PUSH_ERR_PRIORITY', 'Priority'],
    ['a message ID with a space', { 'Push-Message-ID': 'a b' }, 'PUSH_ERR_MESSAGE_ID', 'Push-Message-ID'],
    ['a message ID one over the limit', { 'Push-Message-ID': 'x'.repeat(MAX_PUSH_MESSAGE_ID_LENGTH + 1) }, 'PUSH_ERR_MESSAGE_ID', 'Push-Message-ID'],
    ['a disposition item that is not a token', { 'Push-Disposition-Notification': 'display, "x"' }, 'PUSH_ERR_DISPOSITION', 'Push-Disposition-Notification'],
  ];
  it.each(bad)('refuses %s, naming the header', (_name, headers, code, header) => {
    const err = expectCodecError(() => parsePushControl(lookup(headers)), PushControlError, code, 400);
    expect(err.header).toBe(header);
    expect(err.message).toContain(header);
  });

  it('takes a message ID exactly at the limit', () => {
    const id = 'x'.repeat(MAX_PUSH_MESSAGE_ID_LENGTH);
    expect(parsePushControl(lookup({ 'Push-Message-ID': id })).reportMessageId).toBe(id);
  });

  it('round-trips every control it can write', () => {
    const printable = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 64 }).filter((s) => !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(s) && s.length <= MAX_PUSH_ID_LENGTH);
    const instant = fc.integer({ min: 0, max: 253402300799999 });
    const control = fc.record(
      {
        pushId: printable,
        deliverBefore: instant,
        deliverAfter: instant,
        priority: fc.constantFrom('non-urgent' as const, 'normal' as const, 'urgent' as const),
        reportMessageId: fc.tuple(printable, printable).map(([p, t]) => reportMessageId(p, t)),
        displayRequested: fc.constant(true),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(control, (c) => {
        expect(parsePushControl(fromHeaders(buildPushControlHeaders(c)))).toEqual(c);
      }),
    );
  });
});

describe('reportMessageId / parseReportMessageId', () => {
  it('is deterministic, a token, and reads back', () => {
    const id = reportMessageId('news-17', 'instance:<urn:uuid:3f1b4c2e-0000-4000-8000-00000000a11c>');
    expect(id).toBe(reportMessageId('news-17', 'instance:<urn:uuid:3f1b4c2e-0000-4000-8000-00000000a11c>'));
    expect(id).toMatch(/^psa\.[A-Za-z0-9_-]+$/);
    expect(parseReportMessageId(id)).toEqual({ pushId: 'news-17', terminal: 'instance:<urn:uuid:3f1b4c2e-0000-4000-8000-00000000a11c>' });
  });

  it('writes the contract form psa. + base64url(JSON)', () => {
    // base64url('["p1","aor:sip:a@b"]')
    expect(reportMessageId('p1', 'aor:sip:a@b')).toBe('psa.WyJwMSIsImFvcjpzaXA6YUBiIl0');
  });

  it.each([
    ['another prefix', 'x.WyJwMSIsImFvcjpzaXA6YUBiIl0'],
    ['no prefix', '34jk324j'],
    ['not base64url', 'psa.@@@@'],
    ['an impossible length', 'psa.W'],
    ['non-zero trailing bits', 'psa.WyJwMSIsImFvcjpzaXA6YUBiIl1'],
    ['not JSON', `psa.${'bm90IGpzb24'}`],
    ['JSON of the wrong shape', `psa.${'WyJhIl0'}`],
  ])('refuses %s', (_name, id) => {
    expect(parseReportMessageId(id)).toBeUndefined();
  });

  it('round-trips any push ID and terminal', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (pushId, terminal) => {
        const id = reportMessageId(pushId, terminal);
        expect(id).toMatch(/^psa\.[A-Za-z0-9_-]*$/);
        expect(parseReportMessageId(id)).toEqual({ pushId, terminal });
      }),
    );
  });
});
