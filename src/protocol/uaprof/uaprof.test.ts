import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildUaprof,
  parseUaprof,
  PRF_NAMESPACE,
  profileAcceptsAppId,
  profileAcceptsContentType,
  RDF_NAMESPACE,
  UaprofError,
  type UaprofDescription,
} from './index.ts';
import { expectCodecError } from '../../testing/codecAssertions.ts';

const expectUaprofError = (fn: () => unknown, code: string): void => void expectCodecError(fn, UaprofError, code, 400);

const CLIENT: UaprofDescription = {
  clientName: 'SIP Push Web',
  acceptTypes: ['text/plain', 'application/json', 'image/*'],
  maxMessageBytes: 61440,
  appIds: ['news.ua', 'mms.ua'],
};

/**
 * A phone's profile in the style of the ones handsets of the 2000s published (wapforum.org
 * 2002 vocabulary, several components, Push properties among many others). Hand-written.
 */
const PHONE_PROFILE = `<?xml version="1.0" encoding="UTF-8"?>
<!-- UAProf of the Example Phone X1, firmware 3.20 -->
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:prf="http://www.wapforum.org/profiles/UAPROF/ccppschema-20020710#"
         xmlns:mms="http://www.wapforum.org/profiles/MMS/ccppschema-20010111#">
  <rdf:Description rdf:ID="Profile">
    <prf:component>
      <rdf:Description rdf:ID="HardwarePlatform">
        <rdf:type rdf:resource="http://www.wapforum.org/profiles/UAPROF/ccppschema-20020710#HardwarePlatform"/>
        <prf:BluetoothProfile>
          <rdf:Bag>
            <rdf:li>Object Push Profile</rdf:li>
          </rdf:Bag>
        </prf:BluetoothProfile>
        <prf:ColorCapable>Yes</prf:ColorCapable>
        <prf:Keyboard>PhoneKeypad</prf:Keyboard>
        <prf:Model>X1</prf:Model>
        <prf:ScreenSize>240x320</prf:ScreenSize>
        <prf:Vendor>Example &amp; Sons</prf:Vendor>
      </rdf:Description>
    </prf:component>
    <prf:component>
      <rdf:Description rdf:ID="SoftwarePlatform">
        <rdf:type rdf:resource="http://www.wapforum.org/profiles/UAPROF/ccppschema-20020710#SoftwarePlatform"/>
        <prf:CcppAccept>
          <rdf:Bag>
            <rdf:li>application/vnd.wap.wmlc</rdf:li>
            <rdf:li>image/gif</rdf:li>
            <rdf:li>video/3gpp</rdf:li>
          </rdf:Bag>
        </prf:CcppAccept>
        <prf:OSName>ExampleOS</prf:OSName>
      </rdf:Description>
    </prf:component>
    <prf:component>
      <rdf:Description rdf:ID="BrowserUA">
        <rdf:type rdf:resource="http://www.wapforum.org/profiles/UAPROF/ccppschema-20020710#BrowserUA"/>
        <prf:BrowserName>ExampleBrowser</prf:BrowserName>
        <prf:BrowserVersion>7.1</prf:BrowserVersion>
        <prf:XhtmlVersion>1.1</prf:XhtmlVersion>
      </rdf:Description>
    </prf:component>
    <prf:component>
      <rdf:Description rdf:ID="PushCharacteristics">
        <rdf:type rdf:resource="http://www.wapforum.org/profiles/UAPROF/ccppschema-20020710#PushCharacteristics"/>
        <prf:Push-Accept>
          <rdf:Bag>
            <rdf:li>text/vnd.wap.si</rdf:li>
            <rdf:li>text/vnd.wap.sl</rdf:li>
            <rdf:li>application/vnd.wap.mms-message</rdf:li>
            <rdf:li>application/vnd.oma.drm.rights+wbxml</rdf:li>
          </rdf:Bag>
        </prf:Push-Accept>
        <prf:Push-Accept-Charset>
          <rdf:Bag>
            <rdf:li>UTF-8</rdf:li>
            <rdf:li>ISO-8859-1</rdf:li>
          </rdf:Bag>
        </prf:Push-Accept-Charset>
        <prf:Push-Accept-AppID>
          <rdf:Bag>
            <rdf:li>x-wap-application:wml.ua</rdf:li>
            <rdf:li>x-wap-application:mms.ua</rdf:li>
            <rdf:li>x-wap-application:push.sia</rdf:li>
          </rdf:Bag>
        </prf:Push-Accept-AppID>
        <prf:Push-MaxPushReq>5</prf:Push-MaxPushReq>
        <prf:Push-MsgSize>1400</prf:Push-MsgSize>
      </rdf:Description>
    </prf:component>
    <prf:component>
      <rdf:Description rdf:ID="MmsCharacteristics">
        <rdf:type rdf:resource="http://www.wapforum.org/profiles/MMS/ccppschema-20010111#Streaming"/>
        <mms:MmsMaxMessageSize>307200</mms:MmsMaxMessageSize>
        <mms:MmsCcppAccept>
          <rdf:Bag>
            <rdf:li>image/jpeg</rdf:li>
          </rdf:Bag>
        </mms:MmsCcppAccept>
      </rdf:Description>
    </prf:component>
  </rdf:Description>
</rdf:RDF>
`;

describe('buildUaprof', () => {
  it('writes rdf:RDF with a BrowserUA and a PushCharacteristics component', () => {
    const xml = buildUaprof(CLIENT);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF')).toBe(true);
    expect(xml).toContain(`xmlns:rdf="${RDF_NAMESPACE}"`);
    expect(xml).toContain(`xmlns:prf="${PRF_NAMESPACE}"`);
    expect(xml).toContain(`<rdf:Description rdf:ID="PushCharacteristics">\n        <rdf:type rdf:resource="${PRF_NAMESPACE}PushCharacteristics"/>`);
    expect(xml).toContain('<prf:BrowserName>SIP Push Web</prf:BrowserName>');
    expect(xml).toContain(
      ['        <prf:Push-Accept>', '          <rdf:Bag>', '            <rdf:li>text/plain</rdf:li>', '            <rdf:li>application/json</rdf:li>', '            <rdf:li>image/*</rdf:li>', '          </rdf:Bag>', '        </prf:Push-Accept>'].join('\n'),
    );
    expect(xml).toContain('<prf:Push-Accept-AppID>\n          <rdf:Bag>\n            <rdf:li>news.ua</rdf:li>\n            <rdf:li>mms.ua</rdf:li>');
    expect(xml).toContain('<prf:Push-MsgSize>61440</prf:Push-MsgSize>');
    expect(xml).not.toContain('BrowserVersion');
  });

  it('is deterministic (the committed public/uaprof.rdf depends on it)', () => {
    expect(buildUaprof(CLIENT)).toBe(buildUaprof({ ...CLIENT }));
  });

  it.each([
    { name: 'empty client name', desc: { ...CLIENT, clientName: ' ' } },
    { name: 'zero size', desc: { ...CLIENT, maxMessageBytes: 0 } },
    { name: 'fractional size', desc: { ...CLIENT, maxMessageBytes: 1.5 } },
    { name: 'empty content type', desc: { ...CLIENT, acceptTypes: [''] } },
    { name: 'untrimmed app ID', desc: { ...CLIENT, appIds: [' news.ua'] } },
    { name: 'control character', desc: { ...CLIENT, clientName: 'x\u0001' } },
  ])('refuses $name', ({ desc }) => expectUaprofError(() => buildUaprof(desc), 'UAPROF_ERR_VALUE'));
});

describe('parseUaprof', () => {
  it.each([
    { name: 'this client', desc: CLIENT },
    { name: 'with a version and characters to escape', desc: { ...CLIENT, clientName: 'Push <Web> & "Co"', clientVersion: '0.1.0', appIds: ['a&b.ua'] } },
    { name: 'no apps, everything accepted', desc: { clientName: 'x', acceptTypes: ['*/*'], maxMessageBytes: 1, appIds: [] } },
    { name: 'nothing accepted', desc: { clientName: 'x', acceptTypes: [], maxMessageBytes: 262144, appIds: ['news.ua'] } },
  ])('build -> parse round trip: $name', ({ desc }) => {
    expect(parseUaprof(buildUaprof(desc))).toEqual(desc);
  });

  it('round-trips generated descriptions (fast-check)', () => {
    const value = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
      .map((s) => s.replace(/[\u0000-\u001F\uFFFE\uFFFF,]/g, '').trim())
      .filter((s) => s !== '');
    const desc = fc.record(
      {
        clientName: value,
        clientVersion: value,
        acceptTypes: fc.uniqueArray(value, { maxLength: 6 }),
        maxMessageBytes: fc.integer({ min: 1, max: 2 ** 31 }),
        appIds: fc.uniqueArray(value, { maxLength: 6 }),
      },
      { requiredKeys: ['clientName', 'acceptTypes', 'maxMessageBytes', 'appIds'] },
    );
    fc.assert(
      fc.property(desc, (d) => {
        expect(parseUaprof(buildUaprof(d))).toEqual(d);
      }),
      { numRuns: 200 },
    );
  });

  it("reads a phone's profile", () => {
    expect(parseUaprof(PHONE_PROFILE)).toEqual({
      clientName: 'ExampleBrowser',
      clientVersion: '7.1',
      vendor: 'Example & Sons',
      model: 'X1',
      acceptTypes: ['text/vnd.wap.si', 'text/vnd.wap.sl', 'application/vnd.wap.mms-message', 'application/vnd.oma.drm.rights+wbxml'],
      maxMessageBytes: 1400,
      appIds: ['x-wap-application:wml.ua', 'x-wap-application:mms.ua', 'x-wap-application:push.sia'],
    });
  });

  it('reads other prefixes, rdf:Seq, a single rdf:li and a profile without push properties', () => {
    const xml = `<?xml version="1.0"?>
<r:RDF xmlns:r="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:p="${PRF_NAMESPACE}">
  <r:Description r:about="http://example.com/x#Profile">
    <p:component><r:Description r:about="http://example.com/x#Push">
      <p:Push-Accept><r:Seq><r:li>text/plain</r:li></r:Seq></p:Push-Accept>
      <p:Push-Accept-AppID><r:Bag><r:li>*</r:li></r:Bag></p:Push-Accept-AppID>
    </r:Description></p:component>
  </r:Description>
</r:RDF>`;
    expect(parseUaprof(xml)).toEqual({ acceptTypes: ['text/plain'], appIds: ['*'] });
    expect(parseUaprof(`<rdf:RDF xmlns:rdf="${RDF_NAMESPACE}"><rdf:Description rdf:ID="Profile"/></rdf:RDF>`)).toEqual({ acceptTypes: [], appIds: [] });
  });

  it.each([
    { name: 'not XML', xml: 'Push-MsgSize: 1400', code: 'UAPROF_ERR_XML' },
    { name: 'unclosed element', xml: `<rdf:RDF xmlns:rdf="${RDF_NAMESPACE}"><rdf:Description>`, code: 'UAPROF_ERR_XML' },
    { name: 'HTML error page', xml: '<html><body><h1>404 Not Found</h1></body></html>', code: 'UAPROF_ERR_SCHEMA' },
    { name: 'two rdf:RDF roots', xml: '<rdf:RDF xmlns:rdf="x"/><rdf:RDF xmlns:rdf="x"/>', code: 'UAPROF_ERR_XML' },
    { name: 'size not a number', xml: `<rdf:RDF xmlns:rdf="${RDF_NAMESPACE}" xmlns:prf="${PRF_NAMESPACE}"><prf:Push-MsgSize>big</prf:Push-MsgSize></rdf:RDF>`, code: 'UAPROF_ERR_VALUE' },
    { name: 'size zero', xml: `<rdf:RDF xmlns:rdf="${RDF_NAMESPACE}" xmlns:prf="${PRF_NAMESPACE}"><prf:Push-MsgSize>0</prf:Push-MsgSize></rdf:RDF>`, code: 'UAPROF_ERR_VALUE' },
    { name: 'markup inside a bag item', xml: `<rdf:RDF xmlns:rdf="${RDF_NAMESPACE}" xmlns:prf="${PRF_NAMESPACE}"><prf:Push-Accept><rdf:Bag><rdf:li><b>x</b></rdf:li></rdf:Bag></prf:Push-Accept></rdf:RDF>`, code: 'UAPROF_ERR_VALUE' },
  ])('$name -> $code', ({ xml, code }) => expectUaprofError(() => parseUaprof(xml), code));
});

describe('what a Push Sender Agent asks of a profile', () => {
  const phone = parseUaprof(PHONE_PROFILE);
  const client = parseUaprof(buildUaprof(CLIENT));

  it.each([
    { profile: 'phone', appId: 'mms.ua', want: true },
    { profile: 'phone', appId: 'x-wap-application:MMS.ua', want: true },
    { profile: 'phone', appId: 'news.ua', want: false },
    { profile: 'client', appId: 'news.ua', want: true },
    { profile: 'client', appId: 'x-wap-application:news.ua', want: true },
    { profile: 'client', appId: 'ulp.ua', want: false },
  ])('$profile accepts app $appId: $want', ({ profile, appId, want }) => {
    expect(profileAcceptsAppId(profile === 'phone' ? phone : client, appId)).toBe(want);
  });

  it('a * app ID accepts everything', () => expect(profileAcceptsAppId({ appIds: ['*'] }, 'any.ua')).toBe(true));

  it.each([
    { profile: 'client', type: 'text/plain', want: true },
    { profile: 'client', type: 'Text/Plain; charset=utf-8', want: true },
    { profile: 'client', type: 'image/png', want: true },
    { profile: 'client', type: 'text/html', want: false },
    { profile: 'client', type: 'application/json', want: true },
    { profile: 'phone', type: 'application/vnd.wap.mms-message', want: true },
    { profile: 'phone', type: 'image/gif', want: false },
  ])('$profile accepts $type: $want', ({ profile, type, want }) => {
    expect(profileAcceptsContentType(profile === 'phone' ? phone : client, type)).toBe(want);
  });

  it('*/* accepts everything', () => expect(profileAcceptsContentType({ acceptTypes: ['*/*'] }, 'video/mp4')).toBe(true));
});
