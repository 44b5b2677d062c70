import { describe, expect, it } from 'vitest';
import { createResponse, type SipRequest, type SipResponse } from '../../../../src/protocol/sip/index.ts';
import type { SipRequestSpec, SipResult } from '../../sipClient.ts';
import { capabilityRequest, createCapabilityQuery, parseCapabilityAnswer } from './capabilityQuery.ts';

const INSTANCE = 'urn:uuid:00000000-0000-4000-8000-0000000000b1';
const options: SipRequest = {
  kind: 'request',
  method: 'OPTIONS',
  uri: 'sip:bob@d',
  headers: [
    { name: 'Via', value: 'SIP/2.0/WS x.invalid;branch=z9hG4bK1' },
    { name: 'From', value: '<sip:psa@d>;tag=1' },
    { name: 'To', value: '<sip:bob@d>' },
    { name: 'Call-ID', value: 'c' },
    { name: 'CSeq', value: '1 OPTIONS' },
  ],
  body: new Uint8Array(0),
};
const withContact = (contact: string | undefined): SipResponse => ({
  kind: 'response',
  status: 200,
  reason: 'OK',
  headers: contact === undefined ? [] : [{ name: 'Contact', value: contact }],
  body: new Uint8Array(0),
});

describe('capability query (RFC 3840 section 7)', () => {
  it('reads the browser agent\'s answer (the headers of src/agent/sip/optionsResponder.ts): apps, instance, UAProf', () => {
    const contact = `<sip:k1@x.invalid;transport=ws;alias=127.0.0.1~4000~5>;+g.oma.pusheventapp="news.ua,mms.ua";+sip.instance="<${INSTANCE}>";reg-id=1;+g.oma.uaprof="<https://p.example/u.rdf>"`;
    // server/ may not import the agent (check:deps): its answer as it writes it.
    const response = createResponse(options, 200, {
      toTag: 't',
      headers: [
        { name: 'Contact', value: contact },
        { name: 'Accept', value: 'text/plain' },
        { name: 'Allow', value: 'INVITE, ACK, CANCEL, BYE, MESSAGE, OPTIONS' },
        { name: 'Accept-Encoding', value: 'identity' },
        { name: 'Supported', value: 'gruu' },
      ],
    });
    expect(parseCapabilityAnswer(response)).toEqual({
      contactUri: 'sip:k1@x.invalid;transport=ws;alias=127.0.0.1~4000~5',
      pushApps: ['news.ua', 'mms.ua'],
      uaprofUrl: 'https://p.example/u.rdf',
      instanceId: INSTANCE,
      pubGruu: null,
    });
  });

  it.each([
    ['no feature tags: apps not announced', '<sip:k@h>', { pushApps: null, uaprofUrl: null, instanceId: null }],
    ['the uaprof URI parameter (Kamailio drops header parameters)', `<sip:k@h;uaprof=${encodeURIComponent('http://u/p.rdf')}>;+g.oma.pusheventapp="a.ua"`, { pushApps: ['a.ua'], uaprofUrl: 'http://u/p.rdf' }],
    ['negated apps are not announced', '<sip:k@h>;+g.oma.pusheventapp="!x.ua,y.ua"', { pushApps: ['y.ua'] }],
    ['case of the tag names', '<sip:k@h>;+G.OMA.PushEventApp="z.ua"', { pushApps: ['z.ua'] }],
    ['a pub-gruu parameter (RFC 5627)', `<sip:k@h>;pub-gruu="sip:bob@d;gr=${INSTANCE}"`, { pubGruu: `sip:bob@d;gr=${INSTANCE}` }],
    ['a public GRUU as the Contact URI', `<sip:bob@d;gr=${INSTANCE}>;+g.oma.pusheventapp="a.ua"`, { contactUri: `sip:bob@d;gr=${INSTANCE}`, pubGruu: `sip:bob@d;gr=${INSTANCE}` }],
    ['a temporary GRUU (bare gr) is not a public one', '<sip:tgruu.7hs==jd7vnzga5w7fajsc7-ajd6fabz0f8g5@d;gr>', { pubGruu: null }],
  ])('%s', (_what, contact, expected) => {
    expect(parseCapabilityAnswer(withContact(contact))).toMatchObject(expected);
  });

  it('no Contact, or an unparseable one: undefined', () => {
    expect(parseCapabilityAnswer(withContact(undefined))).toBeUndefined();
    expect(parseCapabilityAnswer(withContact('<sip:unterminated'))).toBeUndefined();
  });

  it('addresses one contact: its pub GRUU when known, else its contact URI with the AoR in To (never the AoR: it forks)', () => {
    const base = { aor: 'sip:bob@d', contactUri: 'sip:k@x.invalid;transport=ws', pubGruu: null, instanceId: null };
    const byGruu = capabilityRequest({ ...base, pubGruu: 'sip:bob@d;gr=urn:uuid:1' });
    expect([byGruu.uri, byGruu.to]).toEqual(['sip:bob@d;gr=urn:uuid:1', undefined]);
    expect(capabilityRequest(base)).toMatchObject({ uri: 'sip:k@x.invalid;transport=ws', to: 'sip:bob@d' });
    expect(capabilityRequest({ ...base, instanceId: INSTANCE })).toMatchObject({ uri: 'sip:k@x.invalid;transport=ws', to: 'sip:bob@d' });
    expect(capabilityRequest(base).headers.some((h) => h.name === 'Accept-Contact')).toBe(false);
  });

  it('runs at most maxConcurrent OPTIONS at once, with the timeout given; failures are results', async () => {
    let active = 0;
    let peak = 0;
    const specs: SipRequestSpec[] = [];
    const release: Array<() => void> = [];
    const client = {
      request: async (spec: SipRequestSpec): Promise<SipResult> => {
        specs.push(spec);
        active++;
        peak = Math.max(peak, active);
        await new Promise<void>((r) => release.push(r));
        active--;
        return spec.uri.includes('fail')
          ? { status: 480, reason: 'Temporarily Unavailable', ok: false, elapsedMs: 1 }
          : { status: 200, reason: 'OK', ok: true, elapsedMs: 1, response: withContact('<sip:k@h>;+g.oma.pusheventapp="a.ua"') };
      },
    };
    const query = createCapabilityQuery(client, { maxConcurrent: 2, timeoutMs: 1234 });
    const target = (aor: string) => ({ aor, contactUri: `sip:${aor.slice(4, aor.indexOf('@'))}k@h.invalid;transport=ws`, pubGruu: null, instanceId: null });
    const all = Promise.all([query(target('sip:a@d')), query(target('sip:fail@d')), query(target('sip:c@d'))]);
    while (specs.length < 3 || release.length > 0) {
      await new Promise((r) => setImmediate(r));
      release.shift()?.();
    }
    const results = await all;
    expect(peak).toBe(2);
    expect(specs.every((s) => s.method === 'OPTIONS' && s.timeoutMs === 1234)).toBe(true);
    expect(specs.map((s) => [s.uri, s.to])).toEqual([
      ['sip:ak@h.invalid;transport=ws', 'sip:a@d'],
      ['sip:failk@h.invalid;transport=ws', 'sip:fail@d'],
      ['sip:ck@h.invalid;transport=ws', 'sip:c@d'],
    ]);
    expect(results[0]).toMatchObject({ ok: true, answer: { pushApps: ['a.ua'] } });
    expect(results[1]).toEqual({ ok: false, error: expect.stringMatching(/^OPTIONS to sip:failk@h\.invalid;transport=ws answered 480/) });
  });
});
