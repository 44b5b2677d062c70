import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  applyReginfo,
  buildReginfo,
  CONTACT_EVENTS,
  contactInstanceId,
  contactPushAppIds,
  contactUaprofUrl,
  expireContacts,
  liveContacts,
  parseReginfo,
  REGINFO_CONTENT_TYPE,
  ReginfoError,
  type ReginfoContact,
  type ReginfoDocument,
  type ReginfoView,
} from './index.ts';
import { CodecError } from '../errors.ts';
import { expectCodecError } from '../../testing/codecAssertions.ts';

const INSTANCE = 'urn:uuid:3f1b4c2e-0000-4000-8000-00000000a11c';
const AOR = 'sip:alice@example.com';

function contact(id: string, over: Partial<ReginfoContact> = {}): ReginfoContact {
  return { id, state: 'active', event: 'registered', uri: `sip:${id}@x.invalid;transport=ws`, unknownParams: [], tempGruus: [], extraAttributes: {}, ...over };
}

function doc(version: number, state: 'full' | 'partial', contacts: ReginfoContact[], registrationState: 'init' | 'active' | 'terminated' = 'active'): ReginfoDocument {
  return { version, state, registrations: [{ aor: AOR, id: 'r1', state: registrationState, contacts }] };
}

describe('buildReginfo / parseReginfo', () => {
  it('writes RFC 3680 section 6 style with unknown-params and the RFC 5628 GRUU elements, and reads it back', () => {
    const d: ReginfoDocument = {
      version: 3,
      state: 'partial',
      registrations: [
        {
          aor: AOR,
          id: 'a7',
          state: 'active',
          contacts: [
            contact('76', {
              event: 'refreshed',
              expires: 590,
              durationRegistered: 10,
              q: '0.8',
              callId: 'reg-abc',
              cseq: 4,
              displayName: 'Alice & "friends"',
              unknownParams: [
                { name: '+g.oma.pusheventapp', value: '"news.ua,mms.ua"' },
                { name: '+sip.instance', value: `"<${INSTANCE}>"` },
                { name: 'reg-id', value: '1' },
                { name: 'audio', value: null },
              ],
              pubGruu: `${AOR};gr=${INSTANCE}`,
              tempGruus: [{ uri: 'sip:tgruu.7hs==jd7vnzga5w7fajsc7-ajd6fabz0f8g5@example.com;gr', firstCseq: 9 }],
            }),
          ],
        },
      ],
    };
    const xml = buildReginfo(d);
    expect(REGINFO_CONTENT_TYPE).toBe('application/reginfo+xml');
    expect(xml).toContain('<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" xmlns:gr="urn:ietf:params:xml:ns:gruuinfo" version="3" state="partial">');
    expect(xml).toContain('<contact id="76" state="active" event="refreshed" expires="590" duration-registered="10" q="0.8" callid="reg-abc" cseq="4">');
    expect(xml).toContain(`<unknown-param name="+sip.instance">&quot;&lt;${INSTANCE}&gt;&quot;</unknown-param>`);
    expect(xml).toContain('<unknown-param name="audio"/>');
    expect(xml).toContain(`<gr:pub-gruu uri="${AOR};gr=${INSTANCE}"/>`);
    expect(xml).toContain('first-cseq="9"/>');
    expect(parseReginfo(xml)).toEqual(d);
  });

  it('writes a registration with no contacts as an empty element, and no gr namespace without GRUUs', () => {
    const xml = buildReginfo(doc(0, 'full', [], 'init'));
    expect(xml).toContain('<registration aor="sip:alice@example.com" id="r1" state="init"/>');
    expect(xml).not.toContain('gruuinfo');
    expect(parseReginfo(xml)).toEqual(doc(0, 'full', [], 'init'));
  });

  it('round-trips any document it can write (fast-check)', () => {
    const text = fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom('a', 'Z', '0', ' ', '&', '<', '>', '"', "'", ';', '=', 'é', '\u{1F600}') }).filter((s) => s.trim() === s);
    const count = fc.integer({ min: 0, max: 2 ** 31 });
    const contactArb = fc.record(
      {
        id: text,
        state: fc.constantFrom('active' as const, 'terminated' as const),
        event: fc.constantFrom(...CONTACT_EVENTS),
        uri: text,
        displayName: fc.option(text, { nil: undefined }),
        expires: fc.option(count, { nil: undefined }),
        durationRegistered: fc.option(count, { nil: undefined }),
        retryAfter: fc.option(count, { nil: undefined }),
        q: fc.option(fc.constantFrom('0', '0.5', '1', '1.000', '0.123'), { nil: undefined }),
        callId: fc.option(text, { nil: undefined }),
        cseq: fc.option(count, { nil: undefined }),
        unknownParams: fc.array(fc.record({ name: text, value: fc.option(text, { nil: null }) }), { maxLength: 3 }),
        pubGruu: fc.option(text, { nil: undefined }),
        tempGruus: fc.array(fc.record({ uri: text, firstCseq: count }), { maxLength: 2 }),
        extraAttributes: fc.dictionary(fc.constantFrom('received', 'path', 'user_agent'), fc.string({ maxLength: 8 }).filter((s) => s.trim() === s)),
      },
      { requiredKeys: ['id', 'state', 'event', 'uri', 'unknownParams', 'tempGruus', 'extraAttributes'] },
    );
    const registration = fc.record({
      aor: text,
      id: text,
      state: fc.constantFrom('init' as const, 'active' as const, 'terminated' as const),
      contacts: fc.uniqueArray(contactArb, { selector: (c) => c.id, maxLength: 3 }),
    });
    const document = fc.record({ version: count, state: fc.constantFrom('full' as const, 'partial' as const), registrations: fc.array(registration, { maxLength: 3 }) });
    fc.assert(
      fc.property(document, (d) => {
        expect(parseReginfo(buildReginfo(d as ReginfoDocument))).toEqual(d);
      }),
    );
  });

  it.each([
    ['an empty aor', { ...doc(0, 'full', []), registrations: [{ aor: '', id: 'r', state: 'init', contacts: [] }] }],
    ['a negative version', doc(-1, 'full', [])],
    ['an unknown event', doc(0, 'full', [contact('c', { event: 'vanished' as never })])],
    ['a bad q', doc(0, 'full', [contact('c', { q: '2' })])],
    ['two contacts with one id', doc(0, 'full', [contact('c'), contact('c')])],
    ['an empty unknown-param value (a flag is null)', doc(0, 'full', [contact('c', { unknownParams: [{ name: 'x', value: '' }] })])],
    ['a character XML cannot carry', doc(0, 'full', [contact('c', { displayName: 'bell\u0007' })])],
    ['an extra attribute named like a standard one', doc(0, 'full', [contact('c', { extraAttributes: { expires: '1' } })])],
  ])('refuses to write %s', (_name, d) => {
    expectCodecError(() => buildReginfo(d as ReginfoDocument), ReginfoError, 'REGINFO_ERR_VALUE', 400);
  });
});

describe('parseReginfo: documents as registrars write them', () => {
  it('reads Kamailio 5.6 pua_reginfo bodies (non-standard attributes, the UAProf URL in the URI, no unknown-param)', () => {
    const xml = `<?xml version="1.0"?>
<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full">
  <registration aor="sip:erin@sip-push.test" id="0x7fdf00176358" state="active">
    <contact id="0x7fdf00176470" state="active" event="created" expires="600" callid="reg-ohhtcb9g" cseq="2" received="sip:127.0.0.1:45950;transport=ws" path="" user_agent="SIP Push Web test">
      <uri>sip:ohhtcb9g@q1wf038iq8.invalid;transport=ws;uaprof=https%3A%2F%2Fpush.example%2Fuaprof.rdf</uri>
    </contact>
  </registration>
</reginfo>`;
    const d = parseReginfo(xml);
    expect(d.version).toBe(0);
    expect(d.state).toBe('full');
    const c = d.registrations[0]!.contacts[0]!;
    expect(c).toMatchObject({ id: '0x7fdf00176470', event: 'created', expires: 600, callId: 'reg-ohhtcb9g', cseq: 2 });
    expect(c.extraAttributes).toEqual({ received: 'sip:127.0.0.1:45950;transport=ws', path: '', user_agent: 'SIP Push Web test' });
    expect(contactUaprofUrl(c)).toBe('https://push.example/uaprof.rdf');
    expect(contactPushAppIds(c)).toEqual([]);
    expect(contactInstanceId(c)).toBeNull();
    // The same document with the contact gone, as Kamailio reports a closed WebSocket.
    const gone = parseReginfo(xml.replace('state="active" event="created"', 'state="terminated" event="expired"').replace('registration aor="sip:erin@sip-push.test" id="0x7fdf00176358" state="active"', 'registration aor="sip:erin@sip-push.test" id="0x7fdf00176358" state="terminated"'));
    expect(gone.registrations[0]!.contacts[0]!.state).toBe('terminated');
  });

  it('reads a 3GPP-style document: prefixes, white space around the URI, an ignored foreign attribute and element', () => {
    const xml = `<?xml version="1.0"?>
<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" xmlns:g="urn:ietf:params:xml:ns:gruuinfo" xmlns:ere="urn:3gpp:ns:extRegExp:1.0" version="7" state="full">
  <registration aor="sip:user1@home1.net" id="a7" state="active">
    <contact id="76" state="active" event="registered" g:extra="ignored" q="0.5">
      <uri>
        sip:[5555::aaa:bbb:ccc:ddd];comp=sigcomp
      </uri>
      <display-name xml:lang="en">User One</display-name>
      <unknown-param name="+sip.instance">"&lt;urn:gsma:imei:90420156-025763-0&gt;"</unknown-param>
      <unknown-param name="+g.oma.pusheventapp">"news.ua,!mms.ua,ulp.ua"</unknown-param>
      <unknown-param name="+g.oma.uaprof">"&lt;https://push.example/uaprof.rdf&gt;"</unknown-param>
      <g:pub-gruu uri="sip:user1@home1.net;gr=urn:gsma:imei:90420156-025763-0"/>
      <g:temp-gruu uri="sip:tgruu.1@home1.net;gr" first-cseq="3"/>
      <ere:wildcardedIdentity>sip:!.*!@home1.net</ere:wildcardedIdentity>
    </contact>
  </registration>
</reginfo>`;
    const c = parseReginfo(xml).registrations[0]!.contacts[0]!;
    expect(c.uri).toBe('sip:[5555::aaa:bbb:ccc:ddd];comp=sigcomp');
    expect(c.displayName).toBe('User One');
    expect(c.extraAttributes).toEqual({});
    expect(contactInstanceId(c)).toBe('urn:gsma:imei:90420156-025763-0');
    expect(contactPushAppIds(c)).toEqual(['news.ua', 'ulp.ua']);
    expect(contactUaprofUrl(c)).toBe('https://push.example/uaprof.rdf');
    expect(c.pubGruu).toBe('sip:user1@home1.net;gr=urn:gsma:imei:90420156-025763-0');
    expect(c.tempGruus).toEqual([{ uri: 'sip:tgruu.1@home1.net;gr', firstCseq: 3 }]);
  });

  it('reads a prefixed reginfo root', () => {
    const xml = '<r:reginfo xmlns:r="urn:ietf:params:xml:ns:reginfo" version="1" state="partial"><r:registration aor="sip:a@b" id="1" state="init"/></r:reginfo>';
    expect(parseReginfo(xml)).toEqual({ version: 1, state: 'partial', registrations: [{ aor: 'sip:a@b', id: '1', state: 'init', contacts: [] }] });
  });

  const NS = 'xmlns="urn:ietf:params:xml:ns:reginfo"';
  const reg = (inner: string, attrs = 'aor="sip:a@b" id="1" state="active"') => `<reginfo ${NS} version="0" state="full"><registration ${attrs}>${inner}</registration></reginfo>`;
  const contactXml = (attrs: string, inner = '<uri>sip:c@d</uri>') => reg(`<contact ${attrs}>${inner}</contact>`);
  it.each([
    ['not XML', 'hello', 'REGINFO_ERR_XML', /Malformed reginfo XML/],
    ['unclosed element', `<reginfo ${NS} version="0" state="full">`, 'REGINFO_ERR_XML', /Malformed/],
    ['a DOCTYPE', `<!DOCTYPE reginfo><reginfo ${NS} version="0" state="full"/>`, 'REGINFO_ERR_XML', /DOCTYPE/],
    ['another root', '<presence xmlns="urn:ietf:params:xml:ns:pidf"/>', 'REGINFO_ERR_SCHEMA', /Root element is presence/],
    ['no namespace', '<reginfo version="0" state="full"/>', 'REGINFO_ERR_SCHEMA', /namespace/],
    ['no version', `<reginfo ${NS} state="full"/>`, 'REGINFO_ERR_SCHEMA', /missing attribute version/],
    ['a version that is no number', `<reginfo ${NS} version="x1" state="full"/>`, 'REGINFO_ERR_VALUE', /version is not a non-negative integer: x1/],
    ['a bad document state', `<reginfo ${NS} version="0" state="delta"/>`, 'REGINFO_ERR_VALUE', /full or partial, not delta/],
    ['a registration without aor', reg('', 'id="1" state="active"'), 'REGINFO_ERR_SCHEMA', /registration: missing attribute aor/],
    ['a bad registration state', reg('', 'aor="sip:a@b" id="1" state="gone"'), 'REGINFO_ERR_VALUE', /registration sip:a@b: state must be one of init, active, terminated, not gone/],
    ['a contact without id', contactXml('state="active" event="registered"'), 'REGINFO_ERR_SCHEMA', /contact of sip:a@b: missing attribute id/],
    ['a contact without event', contactXml('id="c1" state="active"'), 'REGINFO_ERR_SCHEMA', /contact c1 of sip:a@b: missing attribute event/],
    ['an unknown contact event', contactXml('id="c1" state="active" event="vanished"'), 'REGINFO_ERR_VALUE', /event must be one of/],
    ['a bad contact state', contactXml('id="c1" state="init" event="registered"'), 'REGINFO_ERR_VALUE', /state must be active or terminated, not init/],
    ['a contact without uri', contactXml('id="c1" state="active" event="registered"', ''), 'REGINFO_ERR_SCHEMA', /expected one <uri>, found 0/],
    ['two uris', contactXml('id="c1" state="active" event="registered"', '<uri>a</uri><uri>b</uri>'), 'REGINFO_ERR_SCHEMA', /found 2/],
    ['an empty uri', contactXml('id="c1" state="active" event="registered"', '<uri></uri>'), 'REGINFO_ERR_VALUE', /empty <uri>/],
    ['a uri holding elements', contactXml('id="c1" state="active" event="registered"', '<uri><b>x</b></uri>'), 'REGINFO_ERR_SCHEMA', /<uri> must hold text only/],
    ['negative expires', contactXml('id="c1" state="active" event="registered" expires="-5"'), 'REGINFO_ERR_VALUE', /expires is not a non-negative integer: -5/],
    ['a bad q', contactXml('id="c1" state="active" event="registered" q="1.5"'), 'REGINFO_ERR_VALUE', /q is not a qvalue/],
    ['an unknown-param without name', contactXml('id="c1" state="active" event="registered"', '<uri>a</uri><unknown-param>x</unknown-param>'), 'REGINFO_ERR_SCHEMA', /without a name/],
    ['two contacts with one id', reg('<contact id="c" state="active" event="registered"><uri>a</uri></contact><contact id="c" state="active" event="registered"><uri>b</uri></contact>'), 'REGINFO_ERR_VALUE', /two contacts with id c/],
    [
      'a temp-gruu without first-cseq',
      `<reginfo ${NS} xmlns:gr="urn:ietf:params:xml:ns:gruuinfo" version="0" state="full"><registration aor="sip:a@b" id="1" state="active"><contact id="c" state="active" event="registered"><uri>a</uri><gr:temp-gruu uri="sip:t@b;gr"/></contact></registration></reginfo>`,
      'REGINFO_ERR_SCHEMA',
      /<temp-gruu>: missing attribute first-cseq/,
    ],
  ])('refuses %s with a CodecError saying why', (_name, xml, code, message) => {
    const error = expectCodecError(() => parseReginfo(xml), ReginfoError, code, 400);
    expect(error).toBeInstanceOf(CodecError);
    expect(error.message).toMatch(message);
  });

  it('limits registrations and contacts per document (413)', () => {
    const many = `<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full">${'<registration aor="sip:a@b" id="1" state="init"/>'.repeat(3)}</reginfo>`;
    expect(parseReginfo(many, { maxRegistrations: 3, maxContacts: 1 }).registrations).toHaveLength(3);
    expectCodecError(() => parseReginfo(many, { maxRegistrations: 2, maxContacts: 1 }), ReginfoError, 'REGINFO_ERR_VALUE', 413);
    const contacts = buildReginfo(doc(0, 'full', [contact('a'), contact('b')]));
    expect(parseReginfo(contacts, { maxRegistrations: 1, maxContacts: 2 }).registrations[0]!.contacts).toHaveLength(2);
    expectCodecError(() => parseReginfo(contacts, { maxRegistrations: 1, maxContacts: 1 }), ReginfoError, 'REGINFO_ERR_VALUE', 413);
  });
});

describe('applyReginfo: the subscriber view', () => {
  const NOW = 1_000_000;
  const apps = (ids: string) => ({ unknownParams: [{ name: '+g.oma.pusheventapp', value: `"${ids}"` }, { name: '+sip.instance', value: `"<${INSTANCE}>"` }, { name: '+g.oma.uaprof', value: '"<https://x.example/u.rdf>"' }] });
  const full0 = doc(0, 'full', [contact('a', { expires: 600, ...apps('news.ua'), pubGruu: `${AOR};gr=${INSTANCE}` })]);
  const start = () => applyReginfo(null, full0, { now: NOW }).view!;

  it('takes a first full state, with push apps, instance, GRUU and UAProf URL per contact', () => {
    const r = applyReginfo(null, full0, { now: NOW });
    expect(r.outcome).toBe('applied');
    expect(r.needFullState).toBe(false);
    expect(r.changes.map((c) => [c.kind, c.contact.id])).toEqual([['added', 'a']]);
    const [a] = liveContacts(r.view, AOR, NOW);
    expect(a).toMatchObject({ id: 'a', pushAppIds: ['news.ua'], announcesPushApps: true, instanceId: INSTANCE, pubGruu: `${AOR};gr=${INSTANCE}`, uaprofUrl: 'https://x.example/u.rdf', expiresAt: NOW + 600_000 });
  });

  type Step = { name: string; d: ReginfoDocument; outcome: string; needFull: boolean; changes: string[]; live: string[]; opts?: { ignoreFullStateVersion: boolean } };
  const steps: Step[] = [
    { name: 'a partial with the next version adds a contact', d: doc(1, 'partial', [contact('b', { expires: 60 })]), outcome: 'applied', needFull: false, changes: ['added b'], live: ['a', 'b'] },
    { name: 'a partial refreshing a contact updates it', d: doc(1, 'partial', [contact('a', { event: 'refreshed', expires: 900, ...apps('news.ua,mms.ua') })]), outcome: 'applied', needFull: false, changes: ['updated a'], live: ['a'] },
    { name: 'a terminated contact is removed, with its event', d: doc(1, 'partial', [contact('a', { state: 'terminated', event: 'expired' })], 'terminated'), outcome: 'applied', needFull: false, changes: ['removed a expired'], live: [] },
    { name: 'a repeated version is ignored', d: doc(0, 'partial', [contact('b')]), outcome: 'stale', needFull: false, changes: [], live: ['a'] },
    { name: 'a repeated full version is ignored', d: doc(0, 'full', []), outcome: 'stale', needFull: false, changes: [], live: ['a'] },
    { name: 'a gap asks for full state and changes nothing', d: doc(3, 'partial', [contact('b')]), outcome: 'needs-full', needFull: true, changes: [], live: ['a'] },
    { name: 'a later full state replaces everything', d: doc(5, 'full', [contact('c')]), outcome: 'applied', needFull: false, changes: ['added c', 'removed a unregistered'], live: ['c'] },
    { name: 'a full state with the registration in init empties it', d: doc(2, 'full', [], 'init'), outcome: 'applied', needFull: false, changes: ['removed a unregistered'], live: [] },
    { name: "Kamailio's version 0 full state is applied when asked", d: doc(0, 'full', [contact('a', { event: 'refreshed', expires: 100 }), contact('k')]), outcome: 'applied', needFull: false, changes: ['updated a', 'added k'], live: ['a', 'k'], opts: { ignoreFullStateVersion: true } },
  ];
  it.each(steps)('$name', ({ d, outcome, needFull, changes, live, opts }) => {
    const before = start();
    const r = applyReginfo(before, d, { now: NOW, ...opts });
    expect(r.outcome).toBe(outcome);
    expect(r.needFullState).toBe(needFull);
    expect(r.changes.map((c) => `${c.kind} ${c.contact.id}${c.kind === 'removed' ? ` ${c.contact.event}` : ''}`)).toEqual(changes);
    expect(liveContacts(r.view, AOR, NOW).map((c) => c.id)).toEqual(live);
    if (outcome !== 'applied') expect(r.view).toBe(before);
    // The view given is never changed.
    expect(liveContacts(before, AOR, NOW).map((c) => c.id)).toEqual(['a']);
  });

  it('a partial without any full state first needs full state', () => {
    expect(applyReginfo(null, doc(4, 'partial', [contact('a')]), { now: NOW })).toMatchObject({ outcome: 'needs-full', needFullState: true, view: null });
  });

  it('follows versions in sequence and leaves other AoRs alone', () => {
    let view: ReginfoView | null = null;
    const other: ReginfoDocument = { version: 0, state: 'full', registrations: [{ aor: 'sip:bob@example.com', id: 'r2', state: 'active', contacts: [contact('z')] }, ...full0.registrations] };
    view = applyReginfo(view, other, { now: NOW }).view;
    view = applyReginfo(view, doc(1, 'partial', [contact('b')]), { now: NOW }).view;
    view = applyReginfo(view, doc(2, 'partial', [contact('a', { state: 'terminated', event: 'unregistered' })]), { now: NOW }).view;
    expect(view!.version).toBe(2);
    expect(liveContacts(view, AOR, NOW).map((c) => c.id)).toEqual(['b']);
    expect(liveContacts(view, 'sip:bob@example.com', NOW).map((c) => c.id)).toEqual(['z']);
  });

  it('contacts expire when their time passes with no NOTIFY', () => {
    const view = applyReginfo(null, doc(0, 'full', [contact('a', { expires: 10 }), contact('b', { expires: 100 }), contact('n')]), { now: NOW }).view!;
    expect(liveContacts(view, AOR, NOW + 10_000).map((c) => c.id)).toEqual(['b', 'n']);
    const same = expireContacts(view, NOW + 9_999);
    expect(same.view).toBe(view);
    const { view: after, changes } = expireContacts(view, NOW + 10_000);
    expect(changes.map((c) => `${c.kind} ${c.contact.id} ${c.contact.event}`)).toEqual(['removed a expired']);
    expect([...after.registrations.get(AOR)!.contacts.keys()]).toEqual(['b', 'n']);
    const { view: empty } = expireContacts(expireContacts(after, NOW + 100_000).view, NOW + 100_000);
    expect(empty.registrations.get(AOR)!.contacts.size).toBe(1);
  });

  it('a contact without push apps says it did not announce them (ask by OPTIONS)', () => {
    const view = applyReginfo(null, doc(0, 'full', [contact('a')]), { now: NOW }).view;
    expect(liveContacts(view, AOR, NOW)[0]).toMatchObject({ pushAppIds: [], announcesPushApps: false, instanceId: null, uaprofUrl: null, expiresAt: null });
  });
});
