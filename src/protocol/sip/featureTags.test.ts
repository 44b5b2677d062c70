import { describe, expect, it } from 'vitest';
import { parseParams } from './headers.ts';
import {
  featureSetFromParams,
  isFeatureTag,
  isValidAppId,
  parseFeatureValue,
  PUSH_EVENT_APP_TAG,
  pushAppIdsOf,
  pushEventAppParam,
  type FeatureValue,
} from './featureTags.ts';

describe('parseFeatureValue (RFC 3840 section 9)', () => {
  it.each([
    { raw: null, want: { kind: 'boolean', value: true } },
    { raw: '"TRUE"', want: { kind: 'boolean', value: true } },
    { raw: '"FALSE"', want: { kind: 'boolean', value: false } },
    { raw: '"false"', want: { kind: 'boolean', value: false } },
    { raw: '"news.ua"', want: { kind: 'tokens', values: ['news.ua'] } },
    { raw: '"news.ua,mms.ua"', want: { kind: 'tokens', values: ['news.ua', 'mms.ua'] } },
    { raw: '"news.ua, mms.ua ,ulp.ua"', want: { kind: 'tokens', values: ['news.ua', 'mms.ua', 'ulp.ua'] } },
    { raw: '"!news.ua"', want: { kind: 'tokens', values: ['!news.ua'] } },
    { raw: 'news.ua', want: { kind: 'tokens', values: ['news.ua'] } },
    { raw: '"<http://example.com/uaprof.rdf>"', want: { kind: 'string', value: 'http://example.com/uaprof.rdf' } },
    { raw: '"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>"', want: { kind: 'string', value: 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6' } },
    { raw: '"<>"', want: { kind: 'string', value: '' } },
    { raw: '"#>=3"', want: { kind: 'numeric', raw: '#>=3' } },
    { raw: '"#1:5"', want: { kind: 'numeric', raw: '#1:5' } },
  ] as { raw: string | null; want: FeatureValue }[])('parseFeatureValue($raw)', ({ raw, want }) => {
    expect(parseFeatureValue(raw)).toEqual(want);
  });
});

describe('isFeatureTag', () => {
  it.each([
    ['+g.oma.pusheventapp', true],
    ['+g.oma.uaprof', true],
    ['+sip.instance', true],
    ['audio', true],
    ['Video', true],
    ['methods', true],
    ['extensions', true],
    ['isfocus', true],
    ['tag', false],
    ['expires', false],
    ['q', false],
    ['reg-id', false],
    ['transport', false],
  ] as [string, boolean][])('%s -> %s', (name, want) => expect(isFeatureTag(name)).toBe(want));
});

describe('featureSetFromParams', () => {
  it('keeps the feature tags of a Contact, not +sip.instance or ordinary parameters', () => {
    const params = parseParams(
      ';expires=600;q=0.7;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";reg-id=1;+g.oma.pusheventapp="news.ua,mms.ua";+g.oma.uaprof="<http://h/uaprof.rdf>";audio;methods="MESSAGE,OPTIONS";+G.Example.Flag="FALSE"',
    );
    expect(featureSetFromParams(params)).toEqual(
      new Map<string, FeatureValue>([
        ['+g.oma.pusheventapp', { kind: 'tokens', values: ['news.ua', 'mms.ua'] }],
        ['+g.oma.uaprof', { kind: 'string', value: 'http://h/uaprof.rdf' }],
        ['audio', { kind: 'boolean', value: true }],
        ['methods', { kind: 'tokens', values: ['MESSAGE', 'OPTIONS'] }],
        ['+g.example.flag', { kind: 'boolean', value: false }],
      ]),
    );
  });
});

describe('push application IDs', () => {
  it.each([
    { ids: ['news.ua'], want: '"news.ua"' },
    { ids: ['news.ua', 'mms.ua'], want: '"news.ua,mms.ua"' },
    { ids: ['x-wap-application:push.sia', 'ulp.ua'], want: null },
    { ids: ["a-b.c%d*e_f+g`h'i~j"], want: '"a-b.c%d*e_f+g`h\'i~j"' },
    { ids: ['com.example.push'], want: '"com.example.push"' },
  ])('pushEventAppParam($ids)', ({ ids, want }) => {
    if (want === null) {
      expect(() => pushEventAppParam(ids)).toThrow(/not an RFC 3840 token/);
      return;
    }
    expect(pushEventAppParam(ids)).toEqual([PUSH_EVENT_APP_TAG, want]);
    // What the agent puts in its Contact reads back as the same IDs.
    const [name, value] = pushEventAppParam(ids);
    expect(pushAppIdsOf(parseParams(`;${name}=${value}`))).toEqual(ids);
  });

  it.each(['', 'news ua', 'a,b', '"x"', '!neg', 'caf\u00e9', 'a;b', '<x>', 'a=b', 'a:b', 'a/b'])('rejects invalid app ID %j', (id) => {
    expect(isValidAppId(id)).toBe(false);
    expect(() => pushEventAppParam(['news.ua', id])).toThrow(/not an RFC 3840 token/);
  });

  it.each([
    { params: ';+g.oma.pusheventapp="news.ua,mms.ua"', want: ['news.ua', 'mms.ua'] },
    { params: ';+G.OMA.PushEventApp="news.ua"', want: ['news.ua'] },
    { params: ';+g.oma.pusheventapp="news.ua,!mms.ua"', want: ['news.ua'] },
    { params: ';+g.oma.pusheventapp', want: [] },
    { params: ';+g.oma.pusheventapp="<news.ua>"', want: [] },
    { params: ';expires=60', want: [] },
  ])('pushAppIdsOf($params)', ({ params, want }) => expect(pushAppIdsOf(parseParams(params))).toEqual(want));
});
