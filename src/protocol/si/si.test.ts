import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesOf, expectCodecError } from '../../testing/codecAssertions.ts';
import {
  DEFAULT_SI_LIMITS,
  decodeOpaqueDate,
  isClickableHref,
  isServiceContentType,
  parseServiceContent,
  parseServiceWbxml,
  parseServiceXml,
  parseSiDate,
  SiError,
  type ServiceContent,
} from './index.ts';

/** Octets written as hex pairs, spaces ignored. */
function h(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '');
  return Uint8Array.from(clean.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}
/** Hex and text parts in order (text as UTF-8): `wb('02 05 6A 00', 'xyz', '00')` style via bytesOf. */
const HEX = /^[0-9A-F]{2}(?: [0-9A-F]{2})*$/;
const wb = (...parts: (string | Uint8Array)[]) => bytesOf(...parts.map((p) => (typeof p === 'string' && HEX.test(p) ? h(p) : p)));

const SI_DOCTYPE = '<!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SI 1.0//EN" "http://www.wapforum.org/DTD/si.dtd">';
const SL_DOCTYPE = '<!DOCTYPE sl PUBLIC "-//WAPFORUM//DTD SL 1.0//EN" "http://www.wapforum.org/DTD/sl.dtd">';

/** The example of WAP-167 section 10 (textual form). */
const SPEC_SI_XML = `<?xml version="1.0"?>
${SI_DOCTYPE}
<si>
  <indication href="http://www.xyz.com/email/123/abc.wml"
              created="1999-06-25T15:23:15Z"
              si-expires="1999-06-30T00:00:00Z">
    You have 4 new emails
  </indication>
</si>`;

const SPEC_SI: ServiceContent = {
  kind: 'si',
  href: 'http://www.xyz.com/email/123/abc.wml',
  siId: 'http://www.xyz.com/email/123/abc.wml',
  created: '1999-06-25T15:23:15Z',
  expires: '1999-06-30T00:00:00Z',
  action: 'signal-medium',
  text: 'You have 4 new emails',
  info: [],
};

describe('SI and SL, textual form (WAP-167 8, WAP-168 9)', () => {
  const cases: { name: string; kind: 'si' | 'sl'; xml: string; want: ServiceContent }[] = [
    { name: 'the WAP-167 section 10 example', kind: 'si', xml: SPEC_SI_XML, want: SPEC_SI },
    {
      name: 'si-id, every attribute, info items, entities and character references',
      kind: 'si',
      xml: `<si><indication href="https://shop.example/a?x=1&amp;y=2" si-id="offer&#32;7" created="2024-02-29T23:59:59Z" si-expires="2030-01-01T00:00:00Z" action="signal-high">Sale &lt;today&gt; &#x263A;</indication><info><item class="price">10 &#8364;</item><item class="shop">Main   street</item></info></si>`,
      want: {
        kind: 'si',
        href: 'https://shop.example/a?x=1&y=2',
        siId: 'offer 7',
        created: '2024-02-29T23:59:59Z',
        expires: '2030-01-01T00:00:00Z',
        action: 'signal-high',
        text: 'Sale <today> \u263a',
        info: [
          { class: 'price', text: '10 \u20ac' },
          { class: 'shop', text: 'Main street' },
        ],
      },
    },
    {
      name: "Microsoft's samples: time separated by dots, spaces around =",
      kind: 'si',
      xml: `<?xml version="1.0"?>\n<si>\n<indication href = "https://www.northwindtraders.com/markets/bchip/nwt.wml"\n created = "2007-12-19T06.32.00Z" si-expires = "2007-12-24T00.00.00Z" action = "signal-low">NorthWindTraders stock report</indication>\n</si>`,
      want: {
        kind: 'si',
        href: 'https://www.northwindtraders.com/markets/bchip/nwt.wml',
        siId: 'https://www.northwindtraders.com/markets/bchip/nwt.wml',
        created: '2007-12-19T06:32:00Z',
        expires: '2007-12-24T00:00:00Z',
        action: 'signal-low',
        text: 'NorthWindTraders stock report',
        info: [],
      },
    },
    { name: 'a delete by si-id, no href, empty text', kind: 'si', xml: '<si><indication si-id="n1" action="delete"/></si>', want: { kind: 'si', siId: 'n1', action: 'delete', text: '', info: [] } },
    { name: 'text only, signal-none', kind: 'si', xml: `${SI_DOCTYPE}<si><indication action="signal-none">Quiet</indication></si>`, want: { kind: 'si', action: 'signal-none', text: 'Quiet', info: [] } },
    { name: 'a javascript: href is kept as text', kind: 'si', xml: '<si><indication href="javascript:alert(1)">x</indication></si>', want: { kind: 'si', href: 'javascript:alert(1)', siId: 'javascript:alert(1)', action: 'signal-medium', text: 'x', info: [] } },
    { name: 'SL, the WAP-168 example', kind: 'sl', xml: `<?xml version="1.0"?>\n${SL_DOCTYPE}\n<sl href="http://www.xyz.com/ppaid/123/abc.wml"></sl>`, want: { kind: 'sl', href: 'http://www.xyz.com/ppaid/123/abc.wml', action: 'execute-low' } },
    { name: 'SL, cache, self-closing, BOM and comments', kind: 'sl', xml: '\uFEFF<!-- c --><sl href="https://a.example/" action="cache"/>', want: { kind: 'sl', href: 'https://a.example/', action: 'cache' } },
    { name: 'SL, execute-high', kind: 'sl', xml: '<sl action="execute-high" href="http://a.example/x"/>', want: { kind: 'sl', href: 'http://a.example/x', action: 'execute-high' } },
  ];
  it.each(cases)('reads $name', ({ kind, xml, want }) => {
    expect(parseServiceXml(xml, kind)).toEqual(want);
  });

  const bad: { name: string; kind: 'si' | 'sl'; xml: string; code: string; status?: number }[] = [
    { name: 'not XML', kind: 'si', xml: 'hello', code: 'SI_ERR_XML' },
    { name: 'unclosed element', kind: 'si', xml: '<si><indication>x</si>', code: 'SI_ERR_XML' },
    { name: 'two roots', kind: 'sl', xml: '<sl href="http://a/"/><sl href="http://b/"/>', code: 'SI_ERR_XML' },
    { name: 'the wrong root', kind: 'si', xml: '<sl href="http://a/"/>', code: 'SI_ERR_SCHEMA' },
    { name: 'an entity declaration (billion laughs)', kind: 'si', xml: '<!DOCTYPE si [<!ENTITY lol "lol">]><si><indication>&lol;</indication></si>', code: 'SI_ERR_ENTITY' },
    { name: 'an external entity (XXE)', kind: 'si', xml: '<!DOCTYPE si [<!ENTITY x SYSTEM "file:///etc/passwd">]><si><indication>&x;</indication></si>', code: 'SI_ERR_ENTITY' },
    { name: 'an internal subset without entities', kind: 'si', xml: '<!DOCTYPE si [<!ELEMENT si ANY>]><si><indication>x</indication></si>', code: 'SI_ERR_ENTITY' },
    { name: 'an undeclared entity reference', kind: 'si', xml: '<si><indication>&nbsp;</indication></si>', code: 'SI_ERR_ENTITY' },
    { name: "the other document's DOCTYPE", kind: 'si', xml: `${SL_DOCTYPE}<si><indication>x</indication></si>`, code: 'SI_ERR_SCHEMA' },
    { name: 'an unknown public identifier', kind: 'si', xml: '<!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SI 2.0//EN" "si.dtd"><si><indication>x</indication></si>', code: 'SI_ERR_XML' },
    { name: 'no indication', kind: 'si', xml: '<si><info><item class="a">b</item></info></si>', code: 'SI_ERR_SCHEMA' },
    { name: 'info before indication', kind: 'si', xml: '<si><info><item class="a">b</item></info><indication>x</indication></si>', code: 'SI_ERR_SCHEMA' },
    { name: 'two indications', kind: 'si', xml: '<si><indication>x</indication><indication>y</indication></si>', code: 'SI_ERR_SCHEMA' },
    { name: 'an unknown element', kind: 'si', xml: '<si><indication>x</indication><script>y</script></si>', code: 'SI_ERR_SCHEMA' },
    { name: 'markup in the indication', kind: 'si', xml: '<si><indication>x<b>y</b></indication></si>', code: 'SI_ERR_SCHEMA' },
    { name: 'an empty info', kind: 'si', xml: '<si><indication>x</indication><info></info></si>', code: 'SI_ERR_SCHEMA' },
    { name: 'an item without class', kind: 'si', xml: '<si><indication>x</indication><info><item>b</item></info></si>', code: 'SI_ERR_SCHEMA' },
    { name: 'an unknown action', kind: 'si', xml: '<si><indication action="signal-loud">x</indication></si>', code: 'SI_ERR_SCHEMA' },
    { name: 'an SL action on an SI', kind: 'si', xml: '<si><indication action="cache">x</indication></si>', code: 'SI_ERR_SCHEMA' },
    { name: 'delete with neither si-id nor href', kind: 'si', xml: '<si><indication action="delete"/></si>', code: 'SI_ERR_SCHEMA' },
    { name: 'a local time', kind: 'si', xml: '<si><indication created="2024-01-01T10:00:00+02:00">x</indication></si>', code: 'SI_ERR_DATE' },
    { name: 'a date that does not exist', kind: 'si', xml: '<si><indication si-expires="2023-02-29T00:00:00Z">x</indication></si>', code: 'SI_ERR_DATE' },
    { name: 'a date without time', kind: 'si', xml: '<si><indication created="2024-01-01">x</indication></si>', code: 'SI_ERR_DATE' },
    { name: 'SL without href', kind: 'sl', xml: '<sl action="cache"/>', code: 'SI_ERR_SCHEMA' },
    { name: 'SL with an empty href', kind: 'sl', xml: '<sl href=" "/>', code: 'SI_ERR_SCHEMA' },
    { name: 'SL with content', kind: 'sl', xml: '<sl href="http://a/">text</sl>', code: 'SI_ERR_SCHEMA' },
    { name: 'SL with an unknown action', kind: 'sl', xml: '<sl href="http://a/" action="execute-now"/>', code: 'SI_ERR_SCHEMA' },
  ];
  it.each(bad)('refuses $name with $code', ({ kind, xml, code }) => {
    const err = expectCodecError(() => parseServiceXml(xml, kind), SiError, code, 400);
    expect(err.message.length).toBeGreaterThan(10);
    expect(err.message).not.toContain('\n');
  });

  it('reads a document of exactly maxBytes and refuses one byte more (413)', () => {
    const doc = (n: number) => `<si><indication>${'é'.repeat(n)}</indication></si>`;
    const size = (n: number) => new TextEncoder().encode(doc(n)).length;
    expect(parseServiceXml(doc(10), 'si', { maxBytes: size(10) })).toMatchObject({ text: 'é'.repeat(10) });
    expectCodecError(() => parseServiceXml(doc(10), 'si', { maxBytes: size(10) - 1 }), SiError, 'SI_ERR_TOO_LARGE', 413);
    expect(DEFAULT_SI_LIMITS.maxBytes).toBe(65536);
  });

  it('refuses nesting deeper than maxDepth before reading it (413)', () => {
    const nested = (n: number) => `<si><indication>x</indication><info>${'<item class="a">'.repeat(n)}${'</item>'.repeat(n)}</info></si>`;
    // si > info > item is 3 deep: allowed at maxDepth 3 (then refused by the schema for nested items only when n > 1).
    expect(parseServiceXml(nested(1), 'si', { maxDepth: 3 })).toMatchObject({ info: [{ class: 'a', text: '' }] });
    expectCodecError(() => parseServiceXml(nested(2), 'si', { maxDepth: 3 }), SiError, 'SI_ERR_TOO_LARGE', 413);
    expectCodecError(() => parseServiceXml(nested(10_000), 'si'), SiError, 'SI_ERR_TOO_LARGE', 413);
  });
});

describe('SI and SL, tokenised form (WAP-192 WBXML, WAP-167 9, WAP-168 10)', () => {
  const cases: { name: string; kind: 'si' | 'sl'; bytes: Uint8Array; want: ServiceContent }[] = [
    {
      // The example of WAP-167 section 10, tokenised as Kannel's si compiler does it.
      name: 'the WAP-167 example: http://www. and .com/ tokens, OPAQUE dates with trailing zeros dropped',
      kind: 'si',
      bytes: wb('02 05 6A 00 45 C6 0D 03', 'xyz', '00 85 03', 'email/123/abc.wml', '00 0A C3 07 19 99 06 25 15 23 15 10 C3 04 19 99 06 30 01 03', 'You have 4 new emails', '00 01 01'),
      want: SPEC_SI,
    },
    {
      // sms-wiki.org "Binary SMS" sample (Ozeki), the WBXML after the WSP header.
      name: 'a published SMS sample: http:// and signal-high',
      kind: 'si',
      bytes: h('02056A0045C60C037761702E6F7A656B692E6875000801034F7A656B69000101'),
      want: { kind: 'si', href: 'http://wap.ozeki.hu', siId: 'http://wap.ozeki.hu', action: 'signal-high', text: 'Ozeki', info: [] },
    },
    {
      // A published SI over SMS walk-through (si-id as an inline string, signal-medium).
      name: 'a published sample with si-id',
      kind: 'si',
      bytes: h('02056A0045C60C037777772E6465762E6D6F62692F69735F66756E2E68746D6C0011033635333200070103446576446F744D6F62692069732046756E2021000101'),
      want: { kind: 'si', href: 'http://www.dev.mobi/is_fun.html', siId: '6532', action: 'signal-medium', text: 'DevDotMobi is Fun !', info: [] },
    },
    {
      name: 'WBXML 1.3, public id by string table, ISO-8859-1, STR_T, ENTITY, https://www., .org/, info, delete',
      kind: 'si',
      bytes: wb(
        '03 00 00 04 21', // version 1.3, publicid 0 -> index 0, charset 4, strtbl 33 octets
        '-//WAPFORUM//DTD SI 1.0//EN', '00', 'shop', '00', // index 0 (28 octets), index 28 "shop"
        '45 C6 0F 83 1C 88 03', 'a', '00 11 03', 'n1', '00 09 01', // href=https://www.shop.org/a si-id=n1 action=delete
        '03', h('43 61 66 E9'), '00 02 81 00 01', // "Café" in ISO-8859-1, ENTITY U+0080... then END indication
        '47 C8 12 03', 'k', '00 01 03', 'v', '00 01 01', // <info><item class="k">v</item></info>
        '01',
      ),
      want: { kind: 'si', href: 'https://www.shop.org/a', siId: 'n1', action: 'delete', text: 'Caf\u00e9\u0080', info: [{ class: 'k', text: 'v' }] },
    },
    {
      name: 'WBXML 1.0 (no charset field), unknown public id (1), SWITCH_PAGE 0, a text date',
      kind: 'si',
      bytes: wb('00 01 00 00 00 45 86 0A 03', '2001-10-22T09:01:00Z', '00 01 01'),
      want: { kind: 'si', created: '2001-10-22T09:01:00Z', action: 'signal-medium', text: '', info: [] },
    },
    {
      name: 'LITERAL attribute names are kept (and ignored by the schema)',
      kind: 'si',
      bytes: wb('02 05 6A 04', 'foo', '00', '45 C6 04 00 03', 'bar', '00 06 01 03', 'hi', '00 01 01'),
      want: { kind: 'si', action: 'signal-low', text: 'hi', info: [] },
    },
    {
      // The example of WAP-168 section 11 (<sl href="http://www.xyz.com/ppaid/123/abc.wml"/>).
      name: 'SL, the WAP-168 example',
      kind: 'sl',
      bytes: wb('02 06 6A 00 85 0A 03', 'xyz', '00 85 03', 'ppaid/123/abc.wml', '00 01'),
      want: { kind: 'sl', href: 'http://www.xyz.com/ppaid/123/abc.wml', action: 'execute-low' },
    },
    { name: 'SL, https:// .net/ cache', kind: 'sl', bytes: wb('02 06 6A 00 85 0B 03', 'a', '00 87 07 01'), want: { kind: 'sl', href: 'https://a.net/', action: 'cache' } },
    { name: 'SL, https://www. .edu/ execute-high', kind: 'sl', bytes: wb('02 06 6A 00 85 06 0C 03', 'u', '00 86 03', 'x', '00 01'), want: { kind: 'sl', href: 'https://www.u.edu/x', action: 'execute-high' } },
    { name: 'SL, plain href and http://', kind: 'sl', bytes: wb('02 06 6A 00 85 08 03', 'ftp://f/', '00 01'), want: { kind: 'sl', href: 'ftp://f/', action: 'execute-low' } },
    { name: 'SL, http://', kind: 'sl', bytes: wb('02 06 6A 00 85 09 03', 'a', '00 85 01'), want: { kind: 'sl', href: 'http://a.com/', action: 'execute-low' } },
  ];
  it.each(cases)('reads $name', ({ kind, bytes, want }) => {
    expect(parseServiceWbxml(bytes, kind)).toEqual(want);
  });

  const bad: { name: string; kind: 'si' | 'sl'; bytes: Uint8Array; code: string; status?: number }[] = [
    { name: 'no octets', kind: 'si', bytes: h(''), code: 'SI_ERR_WBXML' },
    { name: 'a truncated header', kind: 'si', bytes: h('02 05'), code: 'SI_ERR_WBXML' },
    { name: 'WBXML 2.0', kind: 'si', bytes: h('10 05 6A 00 05'), code: 'SI_ERR_WBXML' },
    { name: "SL's public id for SI", kind: 'si', bytes: h('02 06 6A 00 05'), code: 'SI_ERR_WBXML' },
    { name: 'a wrong public id string', kind: 'si', bytes: wb('02 00 00 6A 02', 'x', '00', '05'), code: 'SI_ERR_WBXML' },
    { name: 'UCS-2 (MIBenum 1000)', kind: 'si', bytes: h('02 05 87 68 00 05'), code: 'SI_ERR_WBXML' },
    { name: 'a string table longer than the content', kind: 'si', bytes: h('02 05 6A 7F 00'), code: 'SI_ERR_WBXML' },
    { name: 'an mb_u_int32 over 32 bits', kind: 'si', bytes: h('02 05 FF FF FF FF 7F'), code: 'SI_ERR_WBXML' },
    { name: 'an unknown tag token', kind: 'si', bytes: h('02 05 6A 00 09'), code: 'SI_ERR_WBXML' },
    { name: 'a PI', kind: 'si', bytes: h('02 05 6A 00 43'), code: 'SI_ERR_WBXML' },
    { name: 'code page 1', kind: 'si', bytes: h('02 05 6A 00 00 01 05'), code: 'SI_ERR_WBXML' },
    { name: 'an unknown attribute token', kind: 'si', bytes: h('02 05 6A 00 45 C6 13 01 01 01'), code: 'SI_ERR_WBXML' },
    { name: 'an unknown attribute value token', kind: 'si', bytes: h('02 05 6A 00 45 C6 0C 89 01 01 01'), code: 'SI_ERR_WBXML' },
    { name: 'a value before any attribute', kind: 'si', bytes: h('02 05 6A 00 45 C6 85 01 01 01'), code: 'SI_ERR_WBXML' },
    { name: 'an unterminated inline string', kind: 'si', bytes: wb('02 05 6A 00 45 46 03', 'abc'), code: 'SI_ERR_WBXML' },
    { name: 'a string table reference past the table', kind: 'si', bytes: h('02 05 6A 01 00 45 46 83 05 01 01'), code: 'SI_ERR_WBXML' },
    { name: 'a missing END', kind: 'si', bytes: h('02 05 6A 00 45 06'), code: 'SI_ERR_WBXML' },
    { name: 'octets after the root', kind: 'si', bytes: h('02 05 6A 00 45 06 01 01'), code: 'SI_ERR_WBXML' },
    { name: 'OPAQUE in content', kind: 'si', bytes: h('02 05 6A 00 45 46 C3 01 00 01 01'), code: 'SI_ERR_WBXML' },
    { name: 'an ENTITY outside Unicode', kind: 'si', bytes: h('02 05 6A 00 45 46 02 C4 80 80 00 01 01'), code: 'SI_ERR_WBXML' },
    { name: 'an OPAQUE date of 8 octets', kind: 'si', bytes: h('02 05 6A 00 45 C6 0A C3 08 19 99 06 25 15 23 15 00 01 01 01'), code: 'SI_ERR_DATE' },
    { name: 'an OPAQUE date with a non-BCD nibble', kind: 'si', bytes: h('02 05 6A 00 45 C6 0A C3 04 19 9A 06 25 01 01 01'), code: 'SI_ERR_DATE' },
    { name: 'an OPAQUE date in month 13', kind: 'si', bytes: h('02 05 6A 00 45 C6 10 C3 03 20 24 13 01 01 01'), code: 'SI_ERR_DATE' },
    { name: 'OPAQUE data in an href', kind: 'si', bytes: h('02 05 6A 00 45 C6 0B C3 01 41 01 01 01'), code: 'SI_ERR_SCHEMA' },
    { name: 'the same attribute twice', kind: 'si', bytes: h('02 05 6A 00 45 C6 05 06 01 01 01'), code: 'SI_ERR_SCHEMA' },
    { name: 'an SL tag in an SI', kind: 'sl', bytes: h('02 06 6A 00 06'), code: 'SI_ERR_WBXML' },
    { name: 'SL without href', kind: 'sl', bytes: h('02 06 6A 00 85 07 01'), code: 'SI_ERR_SCHEMA' },
  ];
  it.each(bad)('refuses $name with $code', ({ kind, bytes, code }) => {
    const err = expectCodecError(() => parseServiceWbxml(bytes, kind), SiError, code, 400);
    expect(err.message).not.toContain('\n');
  });

  it('reads content of exactly maxBytes and refuses one octet more (413)', () => {
    const bytes = h('02056A0045C60C037761702E6F7A656B692E6875000801034F7A656B69000101');
    expect(parseServiceWbxml(bytes, 'si', { maxBytes: bytes.length }).kind).toBe('si');
    expectCodecError(() => parseServiceWbxml(bytes, 'si', { maxBytes: bytes.length - 1 }), SiError, 'SI_ERR_TOO_LARGE', 413);
  });

  it('refuses nesting deeper than maxDepth without recursing (413)', () => {
    const open = (n: number) => wb('02 05 6A 00 45 47', h('48 '.repeat(n)));
    expectCodecError(() => parseServiceWbxml(open(1), 'si', { maxDepth: 3 }), SiError, 'SI_ERR_WBXML', 400); // 3 deep: truncated, not too deep
    expectCodecError(() => parseServiceWbxml(open(2), 'si', { maxDepth: 3 }), SiError, 'SI_ERR_TOO_LARGE', 413);
    expectCodecError(() => parseServiceWbxml(open(50_000), 'si'), SiError, 'SI_ERR_TOO_LARGE', 413);
  });

  it('never throws anything but SiError on random octets, with or without a valid header', () => {
    const kinds = fc.constantFrom<'si' | 'sl'>('si', 'sl');
    const headers = fc.constantFrom(h(''), h('02 05 6A 00'), h('02 06 6A 00'), h('03 01 6A 00 45 C6'), h('02 06 6A 00 85'));
    fc.assert(
      fc.property(kinds, headers, fc.uint8Array({ maxLength: 80 }), (kind, header, tail) => {
        try {
          parseServiceWbxml(bytesOf(header, tail), kind);
        } catch (err) {
          if (!(err instanceof SiError)) throw err;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws anything but SiError on mutations of a valid sample', () => {
    const sample = wb('02 05 6A 00 45 C6 0D 03', 'xyz', '00 85 03', 'e', '00 0A C3 07 19 99 06 25 15 23 15 10 C3 04 19 99 06 30 01 03', 'You', '00 01 47 C8 12 03', 'k', '00 01 03', 'v', '00 01 01 01');
    expect(parseServiceWbxml(sample, 'si')).toMatchObject({ info: [{ class: 'k', text: 'v' }] });
    fc.assert(
      fc.property(fc.nat({ max: sample.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.nat({ max: sample.length }), (at, octet, cut) => {
        const mutated = sample.slice(0, cut);
        if (at < mutated.length) mutated[at] = octet;
        try {
          parseServiceWbxml(mutated, 'si');
        } catch (err) {
          if (!(err instanceof SiError)) throw err;
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the textual reader on random input', () => {
  it('never throws anything but SiError', () => {
    const fragments = fc.constantFrom('<si>', '</si>', '<indication', ' href="http://a/"', ' action="delete"', '>', '/>', '</indication>', '<info>', '<item class="c">', '</item>', '</info>', '&amp;', '&x;', '<!DOCTYPE si [', ']>', '<!ENTITY a "b">', ' created="2024-01-01T00:00:00Z"', 'text', '<sl href="x"/>', '<?xml version="1.0"?>', '<!--', '-->', '<![CDATA[', ']]>');
    fc.assert(
      fc.property(fc.array(fc.oneof(fragments, fc.string({ maxLength: 6 })), { maxLength: 20 }), fc.constantFrom<'si' | 'sl'>('si', 'sl'), (parts, kind) => {
        try {
          parseServiceXml(parts.join(''), kind);
        } catch (err) {
          if (!(err instanceof SiError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseServiceContent', () => {
  it('picks the form by content type, with its charset', () => {
    expect(isServiceContentType('Text/VND.WAP.SI; charset=utf-8')).toBe(true);
    expect(isServiceContentType('application/vnd.wap.slc')).toBe(true);
    expect(isServiceContentType('text/plain')).toBe(false);
    const latin1 = bytesOf('<si><indication>', h('E9'), '</indication></si>');
    expect(parseServiceContent('text/vnd.wap.si; charset=ISO-8859-1', latin1)).toMatchObject({ kind: 'si', text: '\u00e9' });
    expect(parseServiceContent('application/vnd.wap.slc', wb('02 06 6A 00 85 09 03', 'a', '00 85 01'))).toEqual({ kind: 'sl', href: 'http://a.com/', action: 'execute-low' });
    expect(parseServiceContent('text/vnd.wap.sl', bytesOf('<sl href="http://a/"/>'))).toEqual({ kind: 'sl', href: 'http://a/', action: 'execute-low' });
  });

  it('refuses other types (415), unknown charsets (415) and content over maxBytes (413)', () => {
    expectCodecError(() => parseServiceContent('text/plain', bytesOf('x')), SiError, 'SI_ERR_CONTENT_TYPE', 415);
    expectCodecError(() => parseServiceContent('text/vnd.wap.si; charset=x-nope', bytesOf('<si/>')), SiError, 'SI_ERR_CONTENT_TYPE', 415);
    const doc = bytesOf('<sl href="http://a/"/>');
    expect(parseServiceContent('text/vnd.wap.sl', doc, { maxBytes: doc.length }).kind).toBe('sl');
    expectCodecError(() => parseServiceContent('text/vnd.wap.sl', doc, { maxBytes: doc.length - 1 }), SiError, 'SI_ERR_TOO_LARGE', 413);
  });
});

describe('dates', () => {
  it.each([
    ['19 99 06 25 15 23 15', '1999-06-25T15:23:15Z'],
    ['19 99 06 30', '1999-06-30T00:00:00Z'],
    ['20 24 02 29 23 59 59', '2024-02-29T23:59:59Z'],
    ['20', '2000-00-00T00:00:00Z'],
  ])('decodes the OPAQUE %s', (hex, text) => {
    if (text.includes('-00-')) expectCodecError(() => decodeOpaqueDate(h(hex), 'created'), SiError, 'SI_ERR_DATE', 400);
    else expect(decodeOpaqueDate(h(hex), 'created')).toBe(text);
  });

  it.each(['1999-06-25T24:00:00Z', '1999-13-01T00:00:00Z', '1999-06-31T00:00:00Z', '99-06-25T00:00:00Z', ' '])('refuses the text date %j', (text) => {
    expectCodecError(() => parseSiDate(text, 'si-expires'), SiError, 'SI_ERR_DATE', 400);
  });
});

describe('isClickableHref', () => {
  it.each([
    ['http://a.example/x', true],
    ['HTTPS://www.xyz.com/', true],
    ['javascript:alert(1)', false],
    ['JaVaScRiPt:alert(1)', false],
    [' javascript:alert(1)', false],
    ['java\tscript:alert(1)', false],
    ['data:text/html,<script>alert(1)</script>', false],
    ['vbscript:x', false],
    ['file:///etc/passwd', false],
    ['wtai://wp/mc;123', false],
    ['//evil.example/', false],
    ['/relative', false],
    ['http:/x', false],
    ['http://', false],
    [' http://a.example/', false],
    ['http://a.example/\n', false],
    ['', false],
    [undefined, false],
  ] as const)('%j -> %s', (href, clickable) => {
    expect(isClickableHref(href)).toBe(clickable);
  });
});
