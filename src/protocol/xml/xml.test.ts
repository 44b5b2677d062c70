import { describe, expect, it } from 'vitest';
import { createXmlParser, decodeXmlText, escapeXml, hasIllegalXmlChar, rootElementNames, xmlSyntaxError } from './index.ts';

describe('escapeXml / decodeXmlText', () => {
  it.each([
    ['plain', 'plain'],
    ['a&b', 'a&amp;b'],
    ['<x y="1">\'', '&lt;x y=&quot;1&quot;&gt;&apos;'],
    ['&amp;', '&amp;amp;'],
  ])('%j <-> %j', (raw, escaped) => {
    expect(escapeXml(raw)).toBe(escaped);
    expect(decodeXmlText(escaped)).toBe(raw);
  });

  it('decodes character references and leaves unknown entities alone', () => {
    expect(decodeXmlText('&#9731;&#x1F600;&#X41;&nbsp;&amp;lt;')).toBe('\u2603\u{1F600}A&nbsp;&lt;');
  });
});

describe('hasIllegalXmlChar (XML 1.0 section 2.2)', () => {
  it.each([
    ['tab, LF, CR and text', '\t\n\r a é \u{1F600}', false],
    ['NUL', 'a\u0000b', true],
    ['vertical tab', '\u000B', true],
    ['U+FFFE', '\uFFFE', true],
  ])('%s', (_name, text, illegal) => expect(hasIllegalXmlChar(text)).toBe(illegal));
});

describe('xmlSyntaxError / createXmlParser / rootElementNames', () => {
  it('names the cause and the line of a document that is not well-formed', () => {
    expect(xmlSyntaxError('<a><b></a>')).toMatch(/\(line 1\)$/);
    expect(xmlSyntaxError('<?xml version="1.0"?>\n<a x="1"><b/></a>')).toBeUndefined();
  });

  it('keeps attributes and string values, leaves entities for decodeXmlText, drops the declaration', () => {
    const tree = createXmlParser().parse('<?xml version="1.0"?><p:a xmlns:p="urn:x" n="007"><p:b>010 &amp; more</p:b></p:a>') as Record<string, unknown>;
    expect(rootElementNames(tree)).toEqual(['p:a']);
    expect(tree['p:a']).toEqual({ '@_xmlns:p': 'urn:x', '@_n': '007', 'p:b': '010 &amp; more' });
  });

  it('drops namespace prefixes when asked', () => {
    const tree = createXmlParser({ removeNSPrefix: true }).parse('<p:a xmlns:p="urn:x"><p:b>1</p:b></p:a>') as Record<string, unknown>;
    expect(rootElementNames(tree)).toEqual(['a']);
    expect((tree['a'] as Record<string, unknown>)['b']).toBe('1');
  });
});
