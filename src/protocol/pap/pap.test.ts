import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  badMessageResponseFor,
  buildPap,
  ccqNotSupported,
  describePapResult,
  PAP_MESSAGE_KINDS,
  PAP_RESULT_CODES,
  papResultClass,
  PapError,
  parsePap,
  parsePapBytes,
  responseVersionFor,
  type PapMessage,
  type PapMessageKind,
  type PapQualityOfService,
} from './index.ts';
import { expectCodecError } from '../../testing/codecAssertions.ts';

const expectPapError = (fn: () => unknown, code: string, status = 2000): PapError => expectCodecError(fn, PapError, code, status);

const PAP_10 = '<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 1.0//EN"\r\n         "http://www.wapforum.org/DTD/pap_1.0.dtd">';
const PAP_20 = '<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">';
const PAP_21 = '<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.1//EN" "http://www.openmobilealliance.org/tech/DTD/pap_2.1.dtd">';

describe('hand-written documents in the style of public PAP clients', () => {
  it('reads a PAP 1.0 push-message with deliver-before and quality of service', () => {
    const doc = parsePap(
      [
        '<?xml version="1.0"?>',
        PAP_10,
        '<pap><push-message push-id="9fjeo39jf085@content-provider.com" deliver-before-timestamp="2001-04-29T12:00:00Z" ppg-notify-requested-to="http://pi.example.com/notify">',
        '<address address-value="WAPPUSH=+15551234567/TYPE=PLMN@ppg.carrier.com"></address>',
        '<quality-of-service priority="medium" delivery-method="unconfirmed"></quality-of-service>',
        '</push-message></pap>',
      ].join('\r\n'),
    );
    expect(doc).toEqual({
      version: '1.0',
      message: {
        kind: 'push-message',
        pushId: '9fjeo39jf085@content-provider.com',
        deliverBefore: new Date('2001-04-29T12:00:00Z'),
        ppgNotifyRequestedTo: 'http://pi.example.com/notify',
        progressNotesRequested: false,
        addresses: ['WAPPUSH=+15551234567/TYPE=PLMN@ppg.carrier.com'],
        qualityOfService: { priority: 'medium', deliveryMethod: 'unconfirmed', networkRequired: false, bearerRequired: false },
      },
    });
  });

  it("reads RIM's PAP 2.0 push with a wap-pap-ver processing instruction in the DOCTYPE", () => {
    const doc = parsePap(
      [
        '<?xml version="1.0"?>',
        '<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" ',
        '  "http://www.wapforum.org/DTD/pap_2.0.dtd" ',
        '  [<?wap-pap-ver supported-versions="2.0"?>]>',
        '<pap>',
        '<push-message push-id="pushID:12345" ppg-notify-requested-to="http://localhost:7778">',
        '',
        '<address address-value="WAPPUSH=2100000A%3A100/TYPE=USER@rim.net"/>',
        '<quality-of-service delivery-method="preferconfirmed"/>',
        '</push-message>',
        '</pap>',
      ].join('\r\n'),
    );
    expect(doc.version).toBe('2.0');
    expect(doc.message).toMatchObject({ kind: 'push-message', pushId: 'pushID:12345', addresses: ['WAPPUSH=2100000A%3A100/TYPE=USER@rim.net'] });
    expect(doc.message.kind === 'push-message' && doc.message.qualityOfService).toEqual({ priority: 'medium', deliveryMethod: 'preferconfirmed', networkRequired: false, bearerRequired: false });
  });

  it('reads a PAP 2.1 push-message with every attribute, several addresses and a full quality of service', () => {
    const doc = parsePap(
      `<?xml version="1.0" encoding="UTF-8"?>\n${PAP_21}\n<pap product-name="Acme PI 3.1">\n  <push-message push-id="p-1" replace-push-id="p-0" replace-method="pending-only"\n      deliver-before-timestamp="2030-01-01T00:00:00Z" deliver-after-timestamp="2029-12-31T23:59:59Z"\n      source-reference="news" ppg-notify-requested-to="https://pi.example/n" progress-notes-requested="true">\n    <address address-value="WAPPUSH=alice/TYPE=USER@ppg.example.com"/>\n    <address address-value="WAPPUSH=10.0.0.1/TYPE=IPv4"/>\n    <quality-of-service priority="HIGH" delivery-method="Confirmed" network="GSM" network-required="true" bearer="SMS" bearer-required="false"/>\n  </push-message>\n</pap>\n`,
    );
    expect(doc).toEqual({
      version: '2.1',
      productName: 'Acme PI 3.1',
      message: {
        kind: 'push-message',
        pushId: 'p-1',
        replacePushId: 'p-0',
        replaceMethod: 'pending-only',
        deliverBefore: new Date('2030-01-01T00:00:00Z'),
        deliverAfter: new Date('2029-12-31T23:59:59Z'),
        sourceReference: 'news',
        ppgNotifyRequestedTo: 'https://pi.example/n',
        progressNotesRequested: true,
        addresses: ['WAPPUSH=alice/TYPE=USER@ppg.example.com', 'WAPPUSH=10.0.0.1/TYPE=IPv4'],
        qualityOfService: { priority: 'high', deliveryMethod: 'confirmed', network: 'GSM', networkRequired: true, bearer: 'SMS', bearerRequired: false },
      },
    });
  });

  it('reads a statusquery-message and a cancel-message', () => {
    expect(parsePap(`<?xml version="1.0"?>\n${PAP_20}\n<pap>\n<statusquery-message push-id="abc-123">\n<address address-value="WAPPUSH=+4412345/TYPE=PLMN@ppg.op.net"/>\n</statusquery-message>\n</pap>`).message).toEqual({
      kind: 'statusquery-message',
      pushId: 'abc-123',
      addresses: ['WAPPUSH=+4412345/TYPE=PLMN@ppg.op.net'],
    });
    expect(parsePap(`<?xml version="1.0"?>${PAP_10}<pap><cancel-message push-id="abc-123"/></pap>`).message).toEqual({ kind: 'cancel-message', pushId: 'abc-123', addresses: [] });
  });

  it('reads a push-response written with spaces around = (code ="1001")', () => {
    const doc = parsePap(
      `<?xml version="1.0"?>\n${PAP_20}\n<pap>\n<push-response push-id = "pushID:12345" sender-address="http://ppg.example/pap" sender-name= "RIM Push-Data Service" reply-time ="2011-07-05T14:00:05Z">\n<response-result code ="1001" desc ="The request has been accepted for processing."></response-result>\n</push-response>\n</pap>`,
    );
    expect(doc.message).toEqual({
      kind: 'push-response',
      pushId: 'pushID:12345',
      senderAddress: 'http://ppg.example/pap',
      senderName: 'RIM Push-Data Service',
      replyTime: new Date('2011-07-05T14:00:05Z'),
      progressNotes: [],
      result: { code: 1001, desc: 'The request has been accepted for processing.' },
    });
  });

  it.each([
    ['no declaration, no DOCTYPE', '<pap><cancel-message push-id="x"/></pap>', undefined],
    ["single quotes and an encoding", "<?xml version='1.0' encoding='utf-8' ?><pap><cancel-message push-id='x'/></pap>", undefined],
    ['a BOM and leading blank lines', '\uFEFF\r\n\r\n<?xml version="1.0"?>\n<pap><cancel-message push-id="x"/></pap>\n\n', undefined],
    ['a SYSTEM DOCTYPE', '<!DOCTYPE pap SYSTEM "http://www.wapforum.org/DTD/pap_2.0.dtd"><pap><cancel-message push-id="x"/></pap>', '2.0'],
    ['PUBLIC without a system literal', '<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 1.0//EN"><pap><cancel-message push-id="x"/></pap>', '1.0'],
    ['an unknown public identifier', '<!DOCTYPE pap PUBLIC "-//ACME//DTD PAP-ish//EN" "pap.dtd"><pap><cancel-message push-id="x"/></pap>', undefined],
    ['comments and tabs between attributes', '<!-- from Acme --><pap>\t<cancel-message\tpush-id\t=\t"x"\n/><!-- done --></pap>', undefined],
  ])('accepts %s', (_name, xml, version) => {
    const doc = parsePap(xml);
    expect(doc.message).toEqual({ kind: 'cancel-message', pushId: 'x', addresses: [] });
    expect(doc.version).toBe(version);
  });

  it('reads iso-8859-1 bytes by their XML declaration, and a Content-Type charset over it', () => {
    const xml = '<?xml version="1.0" encoding="iso-8859-1"?><pap><cancel-message push-id="caf\u00e9"/></pap>';
    const latin1 = Uint8Array.from([...xml].map((c) => c.charCodeAt(0)));
    expect(parsePapBytes(latin1).message).toMatchObject({ pushId: 'caf\u00e9' });
    const utf8 = new TextEncoder().encode('<pap><cancel-message push-id="caf\u00e9"/></pap>');
    expect(parsePapBytes(utf8, 'utf-8').message).toMatchObject({ pushId: 'caf\u00e9' });
    expectPapError(() => parsePapBytes(latin1, 'utf-8'), 'PAP_ERR_XML');
    expectPapError(() => parsePapBytes(utf8, 'x-klingon'), 'PAP_ERR_XML');
  });

  it('decodes entities and character references in attribute values', () => {
    expect(parsePap('<pap><cancel-message push-id="a&amp;b&#x41;&#66;&lt;"/></pap>').message).toMatchObject({ pushId: 'a&bAB<' });
  });
});

describe('malformed documents give the right PapError', () => {
  const push = (attrs: string, children = '<address address-value="WAPPUSH=a/TYPE=USER"/>') => `<pap><push-message ${attrs}>${children}</push-message></pap>`;
  it.each([
    { name: 'not XML', xml: 'push this please', code: 'PAP_ERR_XML' },
    { name: 'unclosed element', xml: '<pap><push-message push-id="x">', code: 'PAP_ERR_XML' },
    { name: 'repeated attribute', xml: '<pap><cancel-message push-id="x" push-id="y"/></pap>', code: 'PAP_ERR_XML' },
    { name: 'two roots', xml: '<pap><cancel-message push-id="x"/></pap><pap/>', code: 'PAP_ERR_XML' },
    { name: 'wrong root', xml: '<si><indication href="http://x">hi</indication></si>', code: 'PAP_ERR_SCHEMA', fragment: '<si>' },
    { name: 'DOCTYPE of another root', xml: '<!DOCTYPE wml PUBLIC "-//WAPFORUM//DTD WML 1.1//EN" "x"><pap><cancel-message push-id="x"/></pap>', code: 'PAP_ERR_SCHEMA' },
    { name: 'empty pap', xml: '<pap/>', code: 'PAP_ERR_SCHEMA' },
    { name: 'two messages', xml: '<pap><cancel-message push-id="x"/><statusquery-message push-id="x"/></pap>', code: 'PAP_ERR_SCHEMA' },
    { name: 'unknown message', xml: '<pap><push-everything push-id="x"/></pap>', code: 'PAP_ERR_SCHEMA', fragment: '<push-everything push-id="x"/>' },
    { name: 'missing push-id', xml: push(''), code: 'PAP_ERR_SCHEMA', fragment: '<push-message >' },
    { name: 'empty push-id', xml: push('push-id="  "'), code: 'PAP_ERR_SCHEMA' },
    { name: 'missing address', xml: push('push-id="x"', ''), code: 'PAP_ERR_SCHEMA', fragment: '<push-message push-id="x">' },
    { name: 'address without address-value', xml: push('push-id="x"', '<address/>'), code: 'PAP_ERR_SCHEMA', fragment: '<address/>' },
    { name: 'bad deliver-before', xml: push('push-id="x" deliver-before-timestamp="2001-04-29 12:00:00"'), code: 'PAP_ERR_TIMESTAMP' },
    { name: 'deliver-after with an offset', xml: push('push-id="x" deliver-after-timestamp="2001-04-29T12:00:00+02:00"'), code: 'PAP_ERR_TIMESTAMP' },
    { name: 'deliver-before on Feb 30', xml: push('push-id="x" deliver-before-timestamp="2001-02-30T12:00:00Z"'), code: 'PAP_ERR_TIMESTAMP' },
    { name: 'bad priority', xml: push('push-id="x"', '<address address-value="WAPPUSH=a/TYPE=USER"/><quality-of-service priority="urgent"/>'), code: 'PAP_ERR_VALUE' },
    { name: 'bad delivery-method', xml: push('push-id="x"', '<address address-value="WAPPUSH=a/TYPE=USER"/><quality-of-service delivery-method="carrier-pigeon"/>'), code: 'PAP_ERR_VALUE' },
    { name: 'two quality-of-service', xml: push('push-id="x"', '<address address-value="WAPPUSH=a/TYPE=USER"/><quality-of-service/><quality-of-service/>'), code: 'PAP_ERR_SCHEMA' },
    { name: 'bad progress-notes-requested', xml: push('push-id="x" progress-notes-requested="yes"'), code: 'PAP_ERR_VALUE' },
    { name: 'push-response without response-result', xml: '<pap><push-response push-id="x"/></pap>', code: 'PAP_ERR_SCHEMA' },
    { name: 'code that is not four digits', xml: '<pap><push-response push-id="x"><response-result code="OK"/></push-response></pap>', code: 'PAP_ERR_VALUE' },
    { name: 'code out of range', xml: '<pap><push-response push-id="x"><response-result code="9000"/></push-response></pap>', code: 'PAP_ERR_VALUE' },
    { name: 'unknown message-state', xml: '<pap><statusquery-response push-id="x"><statusquery-result code="1000" message-state="lost"/></statusquery-response></pap>', code: 'PAP_ERR_VALUE' },
    { name: 'statusquery-response without results', xml: '<pap><statusquery-response push-id="x"/></pap>', code: 'PAP_ERR_SCHEMA' },
    { name: 'push-id with &#1; (not an XML Char)', xml: push('push-id="ctl&#1;x"'), code: 'PAP_ERR_VALUE', fragment: '<push-message push-id="ctl&#1;x">' },
    { name: 'push-id with &#xFFFE;', xml: push('push-id="f&#xFFFE;x"'), code: 'PAP_ERR_VALUE' },
    { name: 'push-id with &#0;', xml: push('push-id="z&#0;"'), code: 'PAP_ERR_VALUE' },
    { name: 'push-id with a surrogate &#xD800;', xml: push('push-id="s&#xD800;&#xDC00;"'), code: 'PAP_ERR_VALUE' },
    { name: 'push-id with &#x110000;', xml: push('push-id="big&#x110000;"'), code: 'PAP_ERR_VALUE' },
    { name: 'nesting deeper than the parser takes', xml: `<pap><push-message push-id="x"><address address-value="a"/>${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</push-message></pap>`, code: 'PAP_ERR_XML' },
    { name: 'a __proto__ element', xml: '<pap><__proto__ push-id="x"/></pap>', code: 'PAP_ERR_XML' },
    { name: 'resultnotification-message with two addresses', xml: '<pap><resultnotification-message push-id="x" code="1000" message-state="delivered"><address address-value="a"/><address address-value="b"/></resultnotification-message></pap>', code: 'PAP_ERR_SCHEMA' },
  ])('$name: $code', ({ xml, code, fragment }) => {
    const err = expectPapError(() => parsePap(xml), code);
    expect(err.message).not.toContain('\n');
    if (fragment !== undefined) expect(err.fragment).toBe(fragment);
  });

  it('names the attribute and the expected form for a bad timestamp', () => {
    const err = expectPapError(() => parsePap(push('push-id="x" deliver-before-timestamp="tomorrow"')), 'PAP_ERR_TIMESTAMP');
    expect(err.message).toContain('<push-message> deliver-before-timestamp="tomorrow"');
    expect(err.message).toContain('YYYY-MM-DDThh:mm:ssZ');
    expect(err.fragment).toBe('<push-message push-id="x" deliver-before-timestamp="tomorrow">');
  });

  it('gives the offending line of a syntax error as the fragment', () => {
    const err = expectPapError(() => parsePap('<pap>\n<cancel-message push-id="x"\n  <oops/>\n</pap>'), 'PAP_ERR_XML');
    expect(err.fragment).toBeDefined();
  });

  it('refuses a PAP major version it does not speak with 3002', () => {
    expectPapError(() => parsePap('<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 3.0//EN" "x"><pap><cancel-message push-id="x"/></pap>'), 'PAP_ERR_VERSION', 3002);
  });
});

describe('XXE and entity expansion', () => {
  it.each([
    ['an external entity (XXE)', '<?xml version="1.0"?><!DOCTYPE pap [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><pap><cancel-message push-id="&xxe;"/></pap>'],
    ['billion laughs', '<!DOCTYPE pap [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><pap><cancel-message push-id="&lol2;"/></pap>'],
    ['a parameter entity', '<!DOCTYPE pap [%remote;]><pap><cancel-message push-id="x"/></pap>'],
    ['an ATTLIST default', '<!DOCTYPE pap [<!ATTLIST cancel-message push-id CDATA "injected">]><pap><cancel-message/></pap>'],
    ['an entity declaration after the prolog', '<pap><cancel-message push-id="x"/></pap><!ENTITY x "y">'],
    ['an undeclared entity reference', '<pap><cancel-message push-id="&nbsp;"/></pap>'],
    ['an undeclared entity reference in text', '<pap><cancel-message push-id="x"/>&foo;</pap>'],
  ])('refuses %s', (_name, xml) => {
    const err = expectPapError(() => parsePap(xml), 'PAP_ERR_ENTITY');
    expect(err.message).not.toContain('root:');
  });

  it('allows an ampersand inside a comment', () => {
    expect(parsePap('<pap><!-- Q&A --><cancel-message push-id="x"/></pap>').message.kind).toBe('cancel-message');
  });
});

const SAMPLES: PapMessage[] = [
  { kind: 'push-message', pushId: 'p1', progressNotesRequested: false, addresses: ['WAPPUSH=a/TYPE=USER'] },
  { kind: 'push-response', pushId: 'p1', progressNotes: [{ stage: 'delivered', note: 'ok', time: new Date('2020-01-01T00:00:00Z') }], result: { code: 1001, desc: 'Accepted for Processing' } },
  { kind: 'cancel-message', pushId: 'p1', addresses: [] },
  { kind: 'cancel-response', pushId: 'p1', results: [{ code: 1000, addresses: ['WAPPUSH=a/TYPE=USER'] }, { code: 2008, desc: 'too late', addresses: ['WAPPUSH=b/TYPE=USER'] }] },
  { kind: 'statusquery-message', pushId: 'p1', addresses: ['WAPPUSH=a/TYPE=USER'] },
  { kind: 'statusquery-response', pushId: 'p1', results: [{ code: 1000, messageState: 'delivered', eventTime: new Date('2020-01-01T00:00:01Z'), addresses: ['WAPPUSH=a/TYPE=USER'] }] },
  { kind: 'resultnotification-message', pushId: 'p1', code: 1000, desc: 'OK', messageState: 'delivered', address: 'WAPPUSH=a/TYPE=USER', senderAddress: 'http://ppg/pap', receivedTime: new Date('2020-01-01T00:00:00Z') },
  { kind: 'resultnotification-response', pushId: 'p1', code: 1000 },
  { kind: 'ccq-message', queryId: 'q1', appId: 'mms.ua', address: 'WAPPUSH=a/TYPE=USER' },
  { kind: 'ccq-response', queryId: 'q1', code: 3001, desc: 'Not Implemented', address: 'WAPPUSH=a/TYPE=USER' },
  { kind: 'badmessage-response', code: 2000, desc: 'Bad Request', badMessageFragment: '<push-message>' },
];

describe('buildPap', () => {
  it('has a sample of every message kind', () => {
    expect(SAMPLES.map((m) => m.kind).sort()).toEqual([...PAP_MESSAGE_KINDS].sort());
  });

  it('writes a push-response in the DTD order, with the version asked for', () => {
    expect(buildPap(SAMPLES[1]!, { version: '1.0' })).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 1.0//EN" "http://www.wapforum.org/DTD/pap_1.0.dtd">',
        '<pap>',
        '  <push-response push-id="p1">',
        '    <progress-note stage="delivered" note="ok" time="2020-01-01T00:00:00Z"/>',
        '    <response-result code="1001" desc="Accepted for Processing"/>',
        '  </push-response>',
        '</pap>',
        '',
      ].join('\n'),
    );
  });

  it('writes priority and delivery-method always and the flags only when true', () => {
    const xml = buildPap({ ...(SAMPLES[0] as Extract<PapMessage, { kind: 'push-message' }>), qualityOfService: { priority: 'low', deliveryMethod: 'confirmed', networkRequired: false, bearerRequired: true, bearer: 'SMS' } });
    expect(xml).toContain('<quality-of-service priority="low" delivery-method="confirmed" bearer="SMS" bearer-required="true"/>');
    expect(xml).toContain('<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">');
  });

  it('escapes values, line breaks included', () => {
    const xml = buildPap({ kind: 'badmessage-response', code: 2000, badMessageFragment: '<push-message push-id="a&b">\n</x>' });
    expect(xml).toContain('bad-message-fragment="&lt;push-message push-id=&quot;a&amp;b&quot;&gt;&#10;&lt;/x&gt;"');
    expect(parsePap(xml).message).toEqual({ kind: 'badmessage-response', code: 2000, badMessageFragment: '<push-message push-id="a&b">\n</x>' });
  });

  it.each([
    ['a push-message without addresses', { kind: 'push-message', pushId: 'x', progressNotesRequested: false, addresses: [] }],
    ['an empty push-id', { kind: 'cancel-message', pushId: '', addresses: [] }],
    ['a code that is no PAP code', { kind: 'resultnotification-response', pushId: 'x', code: 200 }],
    ['an unknown message-state', { kind: 'resultnotification-message', pushId: 'x', code: 1000, messageState: 'lost', address: 'a' }],
    ['a character XML cannot carry', { kind: 'cancel-message', pushId: 'bell\u0007', addresses: [] }],
    ['an empty cancel-response', { kind: 'cancel-response', pushId: 'x', results: [] }],
    ['an invalid Date', { kind: 'push-response', pushId: 'x', replyTime: new Date(NaN), progressNotes: [], result: { code: 1000 } }],
  ])('refuses %s', (_name, message) => {
    expect(() => buildPap(message as PapMessage)).toThrow(PapError);
  });

  it('answers a client capability query with 3001 Not Implemented', () => {
    const ccq = parsePap('<pap><ccq-message query-id="q7" app-id="mms.ua"><address address-value="WAPPUSH=a/TYPE=USER"/></ccq-message></pap>').message;
    expect(ccq.kind).toBe('ccq-message');
    const answer = ccqNotSupported(ccq as Extract<PapMessage, { kind: 'ccq-message' }>);
    expect(parsePap(buildPap(answer)).message).toEqual({ kind: 'ccq-response', queryId: 'q7', code: 3001, desc: expect.stringContaining('Not Implemented'), address: 'WAPPUSH=a/TYPE=USER' });
  });

  it('answers a client in its own version', () => {
    expect([undefined, '1.0', '1.2', '2.0', '2.1', '2.2'].map(responseVersionFor)).toEqual(['2.0', '1.0', '1.0', '2.0', '2.1', '2.1']);
  });
});

describe('round trips (fast-check): buildPap then parsePap gives the message back', () => {
  const text = fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' }).filter((s) => s.trim() === s && s !== '' && !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(s));
  const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
  const date = fc.integer({ min: Date.UTC(1970, 0, 1) / 1000, max: Date.UTC(2100, 0, 1) / 1000 }).map((s) => new Date(s * 1000));
  const code = fc.oneof(fc.constantFrom(...Object.keys(PAP_RESULT_CODES).map(Number)), fc.integer({ min: 1000, max: 5999 }));
  const state = fc.constantFrom('pending', 'delivered', 'undeliverable', 'expired', 'cancelled', 'aborted', 'timeout', 'unknown' as const);
  const addresses = (min: number) => fc.array(text, { minLength: min, maxLength: 3 });
  const qos: fc.Arbitrary<PapQualityOfService> = fc.record(
    {
      priority: fc.constantFrom('high', 'medium', 'low' as const),
      deliveryMethod: fc.constantFrom('confirmed', 'preferconfirmed', 'unconfirmed', 'notspecified' as const),
      network: text,
      networkRequired: fc.boolean(),
      bearer: text,
      bearerRequired: fc.boolean(),
    },
    { requiredKeys: ['priority', 'deliveryMethod', 'networkRequired', 'bearerRequired'] },
  );
  /** fc.record with optional keys left out rather than set to undefined (exactOptionalPropertyTypes). */
  const clean = <T>(value: T): T => {
    if (Array.isArray(value)) return value.map(clean) as T;
    if (value === null || typeof value !== 'object' || value instanceof Date) return value;
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, clean(v)])) as T;
  };
  const result = { code, desc: opt(text) };
  const arbitraries: Record<PapMessageKind, fc.Arbitrary<PapMessage>> = {
    'push-message': fc
      .record({
        kind: fc.constant('push-message' as const),
        pushId: text,
        replacePushId: opt(text),
        replaceMethod: fc.constantFrom('pending-only', 'all' as const),
        deliverBefore: opt(date),
        deliverAfter: opt(date),
        sourceReference: opt(text),
        ppgNotifyRequestedTo: opt(text),
        progressNotesRequested: fc.boolean(),
        addresses: addresses(1),
        qualityOfService: opt(qos),
      })
      .map((m) => (m.replacePushId === undefined ? { ...m, replaceMethod: undefined } : m)),
    'push-response': fc.record({
      kind: fc.constant('push-response' as const),
      pushId: text,
      senderAddress: opt(text),
      senderName: opt(text),
      replyTime: opt(date),
      progressNotes: fc.array(fc.record({ stage: text, note: opt(text), time: opt(date) }), { maxLength: 2 }),
      result: fc.record(result),
    }),
    'cancel-message': fc.record({ kind: fc.constant('cancel-message' as const), pushId: text, addresses: addresses(0) }),
    'cancel-response': fc.record({ kind: fc.constant('cancel-response' as const), pushId: text, results: fc.array(fc.record({ ...result, addresses: addresses(0) }), { minLength: 1, maxLength: 3 }) }),
    'statusquery-message': fc.record({ kind: fc.constant('statusquery-message' as const), pushId: text, addresses: addresses(0) }),
    'statusquery-response': fc.record({
      kind: fc.constant('statusquery-response' as const),
      pushId: text,
      results: fc.array(fc.record({ ...result, messageState: state, eventTime: opt(date), addresses: addresses(0), qualityOfService: opt(qos) }), { minLength: 1, maxLength: 3 }),
    }),
    'resultnotification-message': fc.record({
      kind: fc.constant('resultnotification-message' as const),
      pushId: text,
      senderAddress: opt(text),
      senderName: opt(text),
      receivedTime: opt(date),
      eventTime: opt(date),
      messageState: state,
      ...result,
      address: text,
      qualityOfService: opt(qos),
    }),
    'resultnotification-response': fc.record({ kind: fc.constant('resultnotification-response' as const), pushId: text, ...result, address: opt(text) }),
    'ccq-message': fc.record({ kind: fc.constant('ccq-message' as const), queryId: text, appId: opt(text), address: text, qualityOfService: opt(qos) }),
    'ccq-response': fc.record({ kind: fc.constant('ccq-response' as const), queryId: text, ...result, address: text, qualityOfService: opt(qos) }),
    'badmessage-response': fc.record({ kind: fc.constant('badmessage-response' as const), ...result, badMessageFragment: opt(fc.string({ maxLength: 40 })) }),
  } as Record<PapMessageKind, fc.Arbitrary<PapMessage>>;

  it.each(PAP_MESSAGE_KINDS)('%s', (kind) => {
    fc.assert(
      fc.property(arbitraries[kind], fc.constantFrom('1.0', '2.0', '2.1' as const), (raw, version) => {
        const message = clean(raw);
        const xml = buildPap(message, { version });
        const doc = parsePap(xml);
        expect(doc.version).toBe(version);
        expect(doc.message).toEqual(message);
      }),
      { numRuns: 150 },
    );
  });
});

describe('result codes', () => {
  it('describes the codes the issue names and falls back to the class for others', () => {
    for (const code of [1000, 1001, 2000, 2001, 2002, 2003, 2004, 2005, 2006, 2007, 3000, 3001, 3002, 3003, 3004, 3005, 3006, 3007, 3008, 3009, 3010, 4000]) {
      expect(PAP_RESULT_CODES).toHaveProperty(String(code));
    }
    expect(describePapResult(2007)).toBe('Duplicate Push ID');
    expect(describePapResult(2599)).toBe('Bad Request');
    expect(describePapResult(5123)).toBe('Mobile Client Aborted');
    expect([1001, 2002, 3005, 4000, 5001].map(papResultClass)).toEqual(['success', 'client-error', 'server-error', 'service-failure', 'client-abort']);
    expect(() => papResultClass(999)).toThrow(RangeError);
  });
});

describe('badMessageResponseFor', () => {
  it('answers a PapError with its code, its message and its fragment', () => {
    let caught: unknown;
    try {
      parsePap('<pap><push-message push-id="x"></push-message></pap>');
    } catch (err) {
      caught = err;
    }
    const response = badMessageResponseFor(caught);
    expect(response).toEqual({ kind: 'badmessage-response', code: 2000, desc: expect.stringContaining('at least one <address'), badMessageFragment: '<push-message push-id="x">' });
    expect(parsePap(buildPap(response)).message).toEqual(response);
  });

  it('keeps the PAP code of the error (3002 for a version)', () => {
    const err = new PapError('PAP_ERR_VERSION', 3002, 'PAP 3.0 is not supported', '-//WAPFORUM//DTD PAP 3.0//EN');
    expect(badMessageResponseFor(err)).toMatchObject({ code: 3002, badMessageFragment: '-//WAPFORUM//DTD PAP 3.0//EN' });
  });

  it('answers anything else with 2000 and the start of the document, cut at maxFragmentChars', () => {
    const response = badMessageResponseFor(new Error('boom'), { document: `<pap>${'x'.repeat(500)}\u0001`, maxFragmentChars: 16 });
    expect(response).toEqual({ kind: 'badmessage-response', code: 2000, desc: 'The request could not be read as a PAP message', badMessageFragment: '<pap>xxxxxxxxxxx' });
    expect(badMessageResponseFor(new Error('boom'), { document: '<pap>', maxFragmentChars: 0 }).badMessageFragment).toBeUndefined();
    expect(badMessageResponseFor(new Error('boom'), { document: 'ab\u0001', maxFragmentChars: 256 }).badMessageFragment).toBe('ab\uFFFD');
  });
});
