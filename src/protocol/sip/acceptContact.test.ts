import { describe, expect, it } from 'vitest';
import { parseNameAddr } from './headers.ts';
import { getHeaders, parseSipMessage } from './message.ts';
import { featureSetFromParams, type FeatureSet } from './featureTags.ts';
import {
  filterContacts,
  matchPredicate,
  parseAcceptContact,
  parseAcceptContactHeaders,
  requestedPushAppIds,
  type PredicateMatch,
} from './acceptContact.ts';

/** Registered contacts of one AoR, as a registrar keeps them. */
const CONTACTS = {
  both: '<sip:a@h1;transport=ws>;+sip.instance="<urn:uuid:1>";reg-id=1;+g.oma.pusheventapp="news.ua,mms.ua"',
  mms: '<sip:a@h2;transport=ws>;+g.oma.pusheventapp="mms.ua"',
  bare: '<sip:a@h3;transport=ws>;expires=600',
  newsAudio: '<sip:a@h4;transport=ws>;+g.oma.pusheventapp="news.ua";audio',
  newsProfile: '<sip:a@h5;transport=ws>;+g.oma.pusheventapp="News.UA";+g.oma.uaprof="<http://a/u.rdf>";+g.oma.size="#=3"',
};
type Name = keyof typeof CONTACTS;
const NAMES = Object.keys(CONTACTS) as Name[];
const featuresOf = (name: Name): FeatureSet => featureSetFromParams(parseNameAddr(CONTACTS[name]).params);

describe('parseAcceptContact (RFC 3841 section 9.2)', () => {
  it('reads the features and the require/explicit flags', () => {
    const p = parseAcceptContact('*;+g.oma.pusheventapp="news.ua";require;explicit');
    expect(p.require).toBe(true);
    expect(p.explicit).toBe(true);
    expect([...p.features]).toEqual([['+g.oma.pusheventapp', { kind: 'tokens', values: ['news.ua'] }]]);
  });

  it.each([
    { value: '*;+g.oma.pusheventapp="news.ua"', require: false, explicit: false },
    { value: ' * ; +g.oma.pusheventapp="news.ua" ; explicit', require: false, explicit: true },
    { value: '*;audio;REQUIRE', require: true, explicit: false },
    { value: ';audio;require;explicit', require: true, explicit: true },
  ])('$value', ({ value, require, explicit }) => {
    const p = parseAcceptContact(value);
    expect({ require: p.require, explicit: p.explicit }).toEqual({ require, explicit });
    expect(p.features.size).toBe(1);
  });

  it('splits several predicates per line and several lines (compact form a)', () => {
    const msg = parseSipMessage(
      'MESSAGE sip:a@h SIP/2.0\r\na: *;+g.oma.pusheventapp="news.ua,mms.ua";require, *;audio\r\nAccept-Contact: *;video;require;explicit\r\nl: 0\r\n\r\n',
    );
    const predicates = parseAcceptContactHeaders(getHeaders(msg, 'accept-contact'));
    expect(predicates.map((p) => [[...p.features.keys()], p.require, p.explicit])).toEqual([
      [['+g.oma.pusheventapp'], true, false],
      [['audio'], false, false],
      [['video'], true, true],
    ]);
  });
});

describe('matchPredicate (RFC 3841 section 7.2.4)', () => {
  it.each([
    { predicate: '*;+g.oma.pusheventapp="news.ua"', contact: 'both', want: 'explicit' },
    { predicate: '*;+g.oma.pusheventapp="news.ua"', contact: 'mms', want: 'none' },
    { predicate: '*;+g.oma.pusheventapp="news.ua"', contact: 'bare', want: 'implicit' },
    { predicate: '*;+g.oma.pusheventapp="news.ua";audio', contact: 'newsAudio', want: 'explicit' },
    { predicate: '*;+g.oma.pusheventapp="news.ua";audio', contact: 'both', want: 'implicit' },
    { predicate: '*;+g.oma.pusheventapp="news.ua";audio="FALSE"', contact: 'newsAudio', want: 'none' },
    { predicate: '*;+g.oma.uaprof="<http://a/u.rdf>"', contact: 'newsProfile', want: 'explicit' },
    { predicate: '*;+g.oma.uaprof="<http://A/u.rdf>"', contact: 'newsProfile', want: 'none' },
    { predicate: '*;+g.oma.size="#>=2"', contact: 'newsProfile', want: 'explicit' },
    { predicate: '*;+g.oma.size="#>=2"', contact: 'newsAudio', want: 'implicit' },
    { predicate: '*;+g.oma.pusheventapp="<news.ua>"', contact: 'both', want: 'none' },
  ] as { predicate: string; contact: Name; want: PredicateMatch }[])('$predicate vs $contact -> $want', ({ predicate, contact, want }) => {
    expect(matchPredicate(parseAcceptContact(predicate), featuresOf(contact))).toBe(want);
  });
});

describe('filterContacts (RFC 3841 section 7.2.4: require discards, explicit needs every tag)', () => {
  it.each([
    { name: 'require;explicit picks the terminals that name the app', headers: ['*;+g.oma.pusheventapp="news.ua";require;explicit'], want: ['both', 'newsAudio', 'newsProfile'] },
    { name: 'require alone keeps contacts without the tag (implicit match)', headers: ['*;+g.oma.pusheventapp="news.ua";require'], want: ['both', 'bare', 'newsAudio', 'newsProfile'] },
    { name: 'without require nothing is discarded', headers: ['*;+g.oma.pusheventapp="news.ua"'], want: NAMES },
    { name: 'explicit without require discards nothing either', headers: ['*;+g.oma.pusheventapp="nope.ua";explicit'], want: NAMES },
    { name: 'a token list is a disjunction', headers: ['*;+g.oma.pusheventapp="news.ua,mms.ua";require;explicit'], want: ['both', 'mms', 'newsAudio', 'newsProfile'] },
    { name: 'token matching ignores case', headers: ['*;+g.oma.pusheventapp="NEWS.ua";require;explicit'], want: ['both', 'newsAudio', 'newsProfile'] },
    { name: 'negation: some offered app other than news.ua', headers: ['*;+g.oma.pusheventapp="!news.ua";require;explicit'], want: ['both', 'mms'] },
    { name: 'negation or a token', headers: ['*;+g.oma.pusheventapp="!news.ua,news.ua";require;explicit'], want: ['both', 'mms', 'newsAudio', 'newsProfile'] },
    { name: 'several features in one predicate are a conjunction', headers: ['*;+g.oma.pusheventapp="news.ua";audio;require;explicit'], want: ['newsAudio'] },
    { name: 'several features, implicit allowed', headers: ['*;+g.oma.pusheventapp="news.ua";audio;require'], want: ['both', 'bare', 'newsAudio', 'newsProfile'] },
    { name: 'several predicates must all hold', headers: ['*;+g.oma.pusheventapp="news.ua";require;explicit', '*;+g.oma.uaprof="<http://a/u.rdf>";require;explicit'], want: ['newsProfile'] },
    { name: 'several predicates in one line', headers: ['*;+g.oma.pusheventapp="mms.ua";require;explicit, *;audio;require'], want: ['both', 'mms'] },
    { name: 'a boolean that nobody offers', headers: ['*;video;require;explicit'], want: [] },
    { name: 'a boolean FALSE against TRUE', headers: ['*;audio="FALSE";require'], want: ['both', 'mms', 'bare', 'newsProfile'] },
    { name: 'numeric ranges are treated as present', headers: ['*;+g.oma.size="#<=1";require;explicit'], want: ['newsProfile'] },
    { name: 'no Accept-Contact: every contact', headers: [], want: NAMES },
  ] as { name: string; headers: string[]; want: Name[] }[])('$name', ({ headers, want }) => {
    expect(filterContacts(NAMES, featuresOf, parseAcceptContactHeaders(headers))).toEqual(want);
  });
});

describe('requestedPushAppIds', () => {
  it.each([
    { headers: ['*;+g.oma.pusheventapp="news.ua";require;explicit'], want: ['news.ua'] },
    { headers: ['*;+g.oma.pusheventapp="news.ua,mms.ua"', '*;+g.oma.pusheventapp="mms.ua,ulp.ua";require'], want: ['news.ua', 'mms.ua', 'ulp.ua'] },
    { headers: ['*;+g.oma.pusheventapp="!news.ua,mms.ua"'], want: ['mms.ua'] },
    { headers: ['*;audio;require', '*;+g.oma.pusheventapp="<news.ua>"'], want: [] },
    { headers: [], want: [] },
  ])('$headers -> $want', ({ headers, want }) => expect(requestedPushAppIds(parseAcceptContactHeaders(headers))).toEqual(want));
});
