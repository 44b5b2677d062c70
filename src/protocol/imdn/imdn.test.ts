import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildImdn,
  deliveryNotification,
  formatDispositionNotification,
  IMDN_CONTENT_TYPE,
  IMDN_NAMESPACE,
  ImdnError,
  parseDispositionNotification,
  parseImdn,
  wantsDeliveryNotification,
  type DeliveryStatus,
  type DispositionRequest,
  type ImdnDocument,
  type ImdnNotification,
} from './index.ts';
import { expectCodecError } from '../../testing/codecAssertions.ts';

const expectImdnError = (fn: () => unknown, code: string): ImdnError => expectCodecError(fn, ImdnError, code, 400);

const ABOUT = { messageId: '34jk324j', datetime: '2008-04-04T12:16:49-05:00' };

describe('buildImdn', () => {
  it('writes a delivery notification in the RFC 5438 section 7.1 form', () => {
    expect(IMDN_CONTENT_TYPE).toBe('message/imdn+xml');
    expect(buildImdn({ ...ABOUT, recipientUri: 'sip:bob@example.com', originalRecipientUri: 'sip:bob@example.com', notification: { kind: 'delivery', status: 'delivered' } })).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<imdn xmlns="urn:ietf:params:xml:ns:imdn">',
        '  <message-id>34jk324j</message-id>',
        '  <datetime>2008-04-04T12:16:49-05:00</datetime>',
        '  <recipient-uri>sip:bob@example.com</recipient-uri>',
        '  <original-recipient-uri>sip:bob@example.com</original-recipient-uri>',
        '  <delivery-notification>',
        '    <status><delivered/></status>',
        '  </delivery-notification>',
        '</imdn>',
        '',
      ].join('\n'),
    );
  });

  it('writes a display notification', () => {
    const xml = buildImdn({ ...ABOUT, notification: { kind: 'display', status: 'displayed' } });
    expect(xml).toContain('<display-notification>\n    <status><displayed/></status>\n  </display-notification>');
    expect(xml).not.toContain('recipient-uri');
  });

  it('escapes text', () => {
    const xml = buildImdn({ ...ABOUT, messageId: 'a<b>&"c\'', subject: '</subject><evil/>', notification: { kind: 'delivery', status: 'failed' } });
    expect(xml).toContain('<message-id>a&lt;b&gt;&amp;&quot;c&apos;</message-id>');
    expect(xml).toContain('<subject>&lt;/subject&gt;&lt;evil/&gt;</subject>');
    expect(parseImdn(xml).subject).toBe('</subject><evil/>');
  });

  it.each([
    { name: 'empty message ID', doc: { ...ABOUT, messageId: '', notification: { kind: 'delivery', status: 'delivered' } } },
    { name: 'datetime not RFC 3339', doc: { ...ABOUT, datetime: 'Fri, 04 Apr 2008 12:16:49 GMT', notification: { kind: 'delivery', status: 'delivered' } } },
    { name: 'status of another kind', doc: { ...ABOUT, notification: { kind: 'delivery', status: 'displayed' } } },
    { name: 'unknown kind', doc: { ...ABOUT, notification: { kind: 'reading', status: 'error' } } },
    { name: 'a character XML cannot carry', doc: { ...ABOUT, subject: 'bell\u0007', notification: { kind: 'delivery', status: 'delivered' } } },
  ])('refuses $name', ({ doc }) => {
    expectImdnError(() => buildImdn(doc as ImdnDocument), 'IMDN_ERR_SCHEMA');
  });
});

describe('parseImdn', () => {
  const ALL: ImdnNotification[] = [
    { kind: 'delivery', status: 'delivered' },
    { kind: 'delivery', status: 'failed' },
    { kind: 'delivery', status: 'forbidden' },
    { kind: 'delivery', status: 'error' },
    { kind: 'display', status: 'displayed' },
    { kind: 'display', status: 'forbidden' },
    { kind: 'display', status: 'error' },
    { kind: 'processing', status: 'processed' },
    { kind: 'processing', status: 'stored' },
    { kind: 'processing', status: 'forbidden' },
    { kind: 'processing', status: 'error' },
  ];
  it.each(ALL)('build -> parse round trip: $kind $status', (notification) => {
    const full: ImdnDocument = { ...ABOUT, recipientUri: 'sip:alice@example.com', originalRecipientUri: 'tel:+15551234', subject: 'Weekly report \u2603', notification };
    expect(parseImdn(buildImdn(full))).toEqual(full);
    const bare: ImdnDocument = { ...ABOUT, notification };
    expect(parseImdn(buildImdn(bare))).toEqual(bare);
  });

  it('round-trips generated documents (fast-check)', () => {
    const text = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
      .map((s) => s.replace(/[\u0000-\u001F\uFFFE\uFFFF]/g, '').trim())
      .filter((s) => s.length > 0);
    const notification = fc.constantFrom(...ALL);
    const doc = fc.record(
      {
        messageId: text,
        datetime: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()),
        recipientUri: text,
        originalRecipientUri: text,
        subject: text,
        notification,
      },
      { requiredKeys: ['messageId', 'datetime', 'notification'] },
    );
    fc.assert(
      fc.property(doc, (d) => {
        expect(parseImdn(buildImdn(d))).toEqual(d);
      }),
      { numRuns: 300 },
    );
  });

  it('reads a hand-written notification: prefixed namespace, white space, comments, extensions, character references', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<!-- from a CPIM body -->
<i:imdn xmlns:i="urn:ietf:params:xml:ns:imdn" xmlns:x="urn:example:ext">
   <i:message-id>
     Ad&#x2603;&#65;&amp;7
   </i:message-id>
   <i:datetime>2024-11-02T09:30:00.123Z</i:datetime>
   <i:recipient-uri>sip:alice@example.com</i:recipient-uri>
   <x:device>browser</x:device>
   <i:display-notification>
     <i:status>
       <i:displayed/>
     </i:status>
   </i:display-notification>
</i:imdn>`;
    expect(parseImdn(xml)).toEqual({ messageId: 'Ad\u2603A&7', datetime: '2024-11-02T09:30:00.123Z', recipientUri: 'sip:alice@example.com', notification: { kind: 'display', status: 'displayed' } });
  });

  const wrap = (inner: string, root = `<imdn xmlns="${IMDN_NAMESPACE}">`) => `<?xml version="1.0"?>${root}${inner}</imdn>`;
  const HEAD = '<message-id>m1</message-id><datetime>2008-04-04T12:16:49Z</datetime>';
  const DELIVERED = '<delivery-notification><status><delivered/></status></delivery-notification>';

  it.each([
    { name: 'not XML at all', xml: 'delivered', code: 'IMDN_ERR_XML' },
    { name: 'empty input', xml: '', code: 'IMDN_ERR_XML' },
    { name: 'unclosed element', xml: wrap(`${HEAD}<delivery-notification><status><delivered/></status>`), code: 'IMDN_ERR_XML' },
    { name: 'mismatched closing tag', xml: wrap(`<message-id>m1</messageid><datetime>2008-04-04T12:16:49Z</datetime>${DELIVERED}`), code: 'IMDN_ERR_XML' },
    { name: 'two root elements', xml: wrap(HEAD + DELIVERED) + '<imdn/>', code: 'IMDN_ERR_XML' },
    { name: 'a second, different root element', xml: wrap(HEAD + DELIVERED) + '<other/>', code: 'IMDN_ERR_XML' },
    { name: 'a DOCTYPE (entity expansion)', xml: `<?xml version="1.0"?><!DOCTYPE imdn [<!ENTITY a "aaaaaaaa">]>${wrap(HEAD + DELIVERED).slice(21)}`, code: 'IMDN_ERR_XML' },
    { name: 'wrong root element', xml: `<imdx xmlns="${IMDN_NAMESPACE}">${HEAD}${DELIVERED}</imdx>`, code: 'IMDN_ERR_SCHEMA' },
    { name: 'no namespace', xml: wrap(HEAD + DELIVERED, '<imdn>'), code: 'IMDN_ERR_SCHEMA' },
    { name: 'wrong namespace', xml: wrap(HEAD + DELIVERED, '<imdn xmlns="urn:ietf:params:xml:ns:imdn2">'), code: 'IMDN_ERR_SCHEMA' },
    { name: 'empty imdn element', xml: `<imdn xmlns="${IMDN_NAMESPACE}"/>`, code: 'IMDN_ERR_SCHEMA' },
    { name: 'missing message-id', xml: wrap(`<datetime>2008-04-04T12:16:49Z</datetime>${DELIVERED}`), code: 'IMDN_ERR_SCHEMA' },
    { name: 'empty message-id', xml: wrap(`<message-id> </message-id><datetime>2008-04-04T12:16:49Z</datetime>${DELIVERED}`), code: 'IMDN_ERR_SCHEMA' },
    { name: 'two message-ids', xml: wrap(`<message-id>a</message-id>${HEAD}${DELIVERED}`), code: 'IMDN_ERR_SCHEMA' },
    { name: 'message-id with markup inside', xml: wrap(`<message-id><b>m1</b></message-id><datetime>2008-04-04T12:16:49Z</datetime>${DELIVERED}`), code: 'IMDN_ERR_SCHEMA' },
    { name: 'missing datetime', xml: wrap(`<message-id>m1</message-id>${DELIVERED}`), code: 'IMDN_ERR_SCHEMA' },
    { name: 'datetime not RFC 3339', xml: wrap(`<message-id>m1</message-id><datetime>yesterday</datetime>${DELIVERED}`), code: 'IMDN_ERR_SCHEMA' },
    { name: 'no notification', xml: wrap(HEAD), code: 'IMDN_ERR_SCHEMA' },
    { name: 'two notifications', xml: wrap(`${HEAD}${DELIVERED}<display-notification><status><displayed/></status></display-notification>`), code: 'IMDN_ERR_SCHEMA' },
    { name: 'notification without status', xml: wrap(`${HEAD}<delivery-notification/>`), code: 'IMDN_ERR_SCHEMA' },
    { name: 'empty status', xml: wrap(`${HEAD}<delivery-notification><status/></delivery-notification>`), code: 'IMDN_ERR_SCHEMA' },
    { name: 'a status of another kind', xml: wrap(`${HEAD}<delivery-notification><status><displayed/></status></delivery-notification>`), code: 'IMDN_ERR_SCHEMA' },
    { name: 'an unknown status', xml: wrap(`${HEAD}<delivery-notification><status><lost/></status></delivery-notification>`), code: 'IMDN_ERR_SCHEMA' },
    { name: 'two statuses', xml: wrap(`${HEAD}<delivery-notification><status><delivered/><failed/></status></delivery-notification>`), code: 'IMDN_ERR_SCHEMA' },
    { name: 'a status from another namespace', xml: wrap(`${HEAD}<delivery-notification><status><x:delivered xmlns:x="urn:x"/></status></delivery-notification>`), code: 'IMDN_ERR_SCHEMA' },
  ])('$name -> $code', ({ xml, code }) => {
    const err = expectImdnError(() => parseImdn(xml), code);
    expect(err.message.length).toBeGreaterThan(0);
  });
});

describe('deliveryNotification', () => {
  it('wraps the message facts with a delivery status', () => {
    expect(deliveryNotification({ ...ABOUT, recipientUri: 'sip:a@b' }, 'forbidden')).toEqual({ ...ABOUT, recipientUri: 'sip:a@b', notification: { kind: 'delivery', status: 'forbidden' } });
  });
});

describe('imdn.Disposition-Notification values (RFC 5438 section 6.3)', () => {
  it.each([
    { value: 'positive-delivery, negative-delivery, display', want: ['positive-delivery', 'negative-delivery', 'display'] },
    { value: 'positive-delivery,negative-delivery', want: ['positive-delivery', 'negative-delivery'] },
    { value: 'Negative-Delivery', want: ['negative-delivery'] },
    { value: '  display ,processing', want: ['display', 'processing'] },
    { value: 'display, display', want: ['display'] },
    { value: 'display;foo=bar, x-future-thing', want: ['display'] },
    { value: '', want: [] },
    { value: 'positive-delivery,,display', want: ['positive-delivery', 'display'] },
  ] as { value: string; want: DispositionRequest[] }[])('$value', ({ value, want }) => {
    expect(parseDispositionNotification(value)).toEqual(want);
  });

  it.each(['<display>', 'positive delivery', '"display"', 'display, ;x'])('refuses %j', (value) => {
    expectImdnError(() => parseDispositionNotification(value), 'IMDN_ERR_DISPOSITION');
  });

  it('formats a list once per request', () => {
    expect(formatDispositionNotification(['positive-delivery', 'negative-delivery', 'positive-delivery', 'display'])).toBe('positive-delivery, negative-delivery, display');
    expect(parseDispositionNotification(formatDispositionNotification(['negative-delivery', 'display']))).toEqual(['negative-delivery', 'display']);
  });

  it.each([
    { requests: ['positive-delivery', 'negative-delivery'], status: 'delivered', want: true },
    { requests: ['negative-delivery'], status: 'delivered', want: false },
    { requests: ['negative-delivery'], status: 'failed', want: true },
    { requests: ['negative-delivery'], status: 'forbidden', want: true },
    { requests: ['positive-delivery', 'display'], status: 'error', want: false },
    { requests: [], status: 'delivered', want: false },
  ] as { requests: DispositionRequest[]; status: DeliveryStatus; want: boolean }[])('wantsDeliveryNotification($requests, $status) = $want', ({ requests, status, want }) => {
    expect(wantsDeliveryNotification(requests, status)).toBe(want);
  });
});
