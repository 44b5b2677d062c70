import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatPapTimestamp,
  formatWapPushAddress,
  OMNA_PUSH_APPLICATIONS,
  omnaPushApplication,
  PapError,
  parsePapTimestamp,
  parseWapPushAddress,
  pushApplicationName,
  type WapPushAddress,
} from './index.ts';
import { expectCodecError } from '../../testing/codecAssertions.ts';

describe('parseWapPushAddress', () => {
  it.each<[string, WapPushAddress]>([
    ['WAPPUSH=+15551234567/TYPE=PLMN@ppg.carrier.com', { type: 'PLMN', value: '+15551234567', qualifiers: [], ppg: 'ppg.carrier.com' }],
    ['WAPPUSH=2100000A%3A100/TYPE=USER@rim.net', { type: 'USER', value: '2100000A:100', qualifiers: [], ppg: 'rim.net' }],
    ['WAPPUSH=alice/TYPE=USER', { type: 'USER', value: 'alice', qualifiers: [] }],
    ['wappush=+44-20.7946/type=plmn', { type: 'PLMN', value: '+44-20.7946', qualifiers: [] }],
    ['WAPPUSH=15551234567/TYPE=PLMN', { type: 'PLMN', value: '15551234567', qualifiers: [] }],
    ['WAPPUSH=10.0.0.255/TYPE=IPv4@ppg-1.example.org', { type: 'IPv4', value: '10.0.0.255', qualifiers: [], ppg: 'ppg-1.example.org' }],
    ['WAPPUSH=fe80::1/TYPE=IPV6', { type: 'IPv6', value: 'fe80::1', qualifiers: [] }],
    ['WAPPUSH=+15551234567/PORT=2948/TYPE=PLMN', { type: 'PLMN', value: '+15551234567', qualifiers: [{ keyword: 'PORT', value: '2948' }] }],
    ['WAPPUSH=j%C3%BCrgen%40example.com/TYPE=USER', { type: 'USER', value: 'jürgen@example.com', qualifiers: [] }],
    ['  WAPPUSH=bob/TYPE=USER  ', { type: 'USER', value: 'bob', qualifiers: [] }],
  ])('reads %s', (text, address) => {
    expect(parseWapPushAddress(text)).toEqual(address);
  });

  it.each([
    ['not WAPPUSH', '+15551234567'],
    ['no TYPE', 'WAPPUSH=12345'],
    ['an unknown TYPE', 'WAPPUSH=12345/TYPE=GSM_MSISDN'],
    ['an empty value', 'WAPPUSH=/TYPE=USER'],
    ['a raw character a USER value must escape', 'WAPPUSH=a b/TYPE=USER'],
    ['a bad escape', 'WAPPUSH=a%G1/TYPE=USER'],
    ['escapes that are not UTF-8', 'WAPPUSH=%FF/TYPE=USER'],
    ['letters in a PLMN number', 'WAPPUSH=+1555CALLME/TYPE=PLMN'],
    ['an IPv4 octet over 255', 'WAPPUSH=10.0.0.256/TYPE=IPv4'],
    ['three IPv4 octets', 'WAPPUSH=10.0.1/TYPE=IPv4'],
    ['a bad IPv6', 'WAPPUSH=1::2::3/TYPE=IPv6'],
    ['a ppg that is no domain', 'WAPPUSH=bob/TYPE=USER@ppg_x'],
    ['a qualifier without =', 'WAPPUSH=bob/PORT/TYPE=USER'],
  ])('refuses %s with 2002 Address Error', (_name, text) => {
    const err = expectCodecError(() => parseWapPushAddress(text), PapError, 'PAP_ERR_ADDRESS', 2002);
    expect(err.message).toContain('WAPPUSH=<value>/TYPE=USER|PLMN|IPv4|IPv6[@ppg]');
    expect(err.fragment).toBe(text);
  });

  it('formats with %HH escapes for USER values', () => {
    expect(formatWapPushAddress({ type: 'USER', value: 'a b@c', qualifiers: [], ppg: 'ppg.example' })).toBe('WAPPUSH=a%20b%40c/TYPE=USER@ppg.example');
    expect(formatWapPushAddress({ type: 'PLMN', value: '+4412', qualifiers: [{ keyword: 'PORT', value: '1' }] })).toBe('WAPPUSH=+4412/PORT=1/TYPE=PLMN');
    expect(() => formatWapPushAddress({ type: 'PLMN', value: 'abc', qualifiers: [] })).toThrow(PapError);
    expect(() => formatWapPushAddress({ type: 'USER', value: '', qualifiers: [] })).toThrow(PapError);
  });

  it('round-trips (fast-check)', () => {
    const dom = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,8}$/);
    const address: fc.Arbitrary<WapPushAddress> = fc.record(
      {
        type: fc.constantFrom('USER', 'PLMN', 'IPv4' as const),
        value: fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }),
        qualifiers: fc.array(fc.record({ keyword: fc.stringMatching(/^[A-Za-z0-9-]{1,6}$/), value: fc.stringMatching(/^[A-Za-z0-9.:-]{1,6}$/) }), { maxLength: 2 }),
        ppg: fc.array(dom, { minLength: 1, maxLength: 3 }).map((f) => f.join('.')),
      },
      { requiredKeys: ['type', 'value', 'qualifiers'] },
    );
    const fixValue = (a: WapPushAddress, n: number, ip: number[]): WapPushAddress =>
      a.type === 'PLMN' ? { ...a, value: `+${n}` } : a.type === 'IPv4' ? { ...a, value: ip.join('.') } : a;
    fc.assert(
      fc.property(address, fc.nat(), fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), (raw, n, ip) => {
        const a = fixValue(raw, n, ip);
        expect(parseWapPushAddress(formatWapPushAddress(a))).toEqual(a);
      }),
    );
  });
});

describe('X-Wap-Application-Id', () => {
  it.each([
    ['x-wap-application:mms.ua', 'mms.ua'],
    ['mms.ua', 'mms.ua'],
    ['4', 'mms.ua'],
    ['0x04', 'mms.ua'],
    ['2', 'wml.ua'],
    ['x-wap-application:push.sia', 'push.sia'],
    ['1', 'push.sia'],
    ['X-WAP-Application:WML.UA', 'wml.ua'],
    ['0x0A', 'wv.ua'],
    ['x-wap-application:*', '*'],
    ['0', '*'],
    ['x-oma-application:ulp.ua', 'ulp.ua'],
    ['news.ua', 'news.ua'],
    [' x-wap-application:emn.ua ', 'emn.ua'],
  ])('%s is %s', (value, name) => {
    expect(pushApplicationName(value)).toBe(name);
  });

  it.each(['11', '0x8000', '', 'not an app', 'x-wap-application:'])('refuses %j', (value) => {
    expectCodecError(() => pushApplicationName(value), PapError, 'PAP_ERR_APP_ID', 2000);
  });

  it('knows the OMNA well-known values 0x00-0x0A, each by number, URN and name', () => {
    expect(OMNA_PUSH_APPLICATIONS.map((a) => a.code)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const app of OMNA_PUSH_APPLICATIONS) {
      expect(omnaPushApplication(String(app.code))).toBe(app);
      expect(omnaPushApplication(app.urn)).toBe(app);
      expect(app.urn).toBe(`x-wap-application:${app.name}`);
    }
    expect(omnaPushApplication('news.ua')).toBeUndefined();
    expect(omnaPushApplication('99')).toBeUndefined();
  });
});

describe('PAP timestamps', () => {
  it.each([
    ['2001-04-29T12:00:00Z', Date.UTC(2001, 3, 29, 12)],
    ['2000-02-29T23:59:59Z', Date.UTC(2000, 1, 29, 23, 59, 59)],
    ['1970-01-01T00:00:00Z', 0],
    [' 2030-12-31T00:00:00Z ', Date.UTC(2030, 11, 31)],
  ])('reads %s', (text, ms) => {
    expect(parsePapTimestamp(text).getTime()).toBe(ms);
  });

  it.each([
    '2001-04-29',
    '2001-04-29T12:00:00',
    '2001-04-29T12:00:00.000Z',
    '2001-04-29T12:00:00+00:00',
    '2001-04-29t12:00:00z',
    '2001-04-29 12:00:00Z',
    '2001-02-29T00:00:00Z',
    '2001-13-01T00:00:00Z',
    '2001-04-31T00:00:00Z',
    '2001-04-29T24:00:00Z',
    '2001-04-29T12:60:00Z',
    '2001-04-29T12:00:60Z',
    '',
  ])('refuses %j with PAP_ERR_TIMESTAMP naming the form', (text) => {
    const err = expectCodecError(() => parsePapTimestamp(text, 'deliver-before-timestamp'), PapError, 'PAP_ERR_TIMESTAMP', 2000);
    expect(err.message).toContain(`deliver-before-timestamp="${text}"`);
    expect(err.message).toContain('YYYY-MM-DDThh:mm:ssZ');
  });

  it('writes whole seconds in UTC and reads them back (fast-check)', () => {
    expect(formatPapTimestamp(new Date(Date.UTC(2001, 3, 29, 12, 0, 0, 999)))).toBe('2001-04-29T12:00:00Z');
    expect(parsePapTimestamp('0050-01-01T00:00:00Z').getUTCFullYear()).toBe(50); // not 1950, as Date.UTC would have it
    expect(() => formatPapTimestamp(new Date(NaN))).toThrow(PapError);
    expect(() => formatPapTimestamp(new Date(Date.UTC(10000, 0, 1)))).toThrow(PapError);
    fc.assert(
      fc.property(fc.integer({ min: -62167219200, max: 253402300799 }), (s) => {
        const date = new Date(s * 1000);
        expect(parsePapTimestamp(formatPapTimestamp(date))).toEqual(date);
      }),
    );
  });
});
