import { describe, expect, it } from 'vitest';
import { classifyContent, decodeText, downloadName, formatBytes, parseMediaType, prettyJson } from './content.ts';

describe('classifyContent', () => {
  it.each([
    ['text/plain', 'text'],
    ['text/plain; charset=utf-8', 'text'],
    ['TEXT/Plain;Charset="ISO-8859-1"', 'text'],
    ['text/html', 'text'],
    ['text/csv ; header=present', 'text'],
    ['application/json', 'json'],
    ['application/json; charset=utf-8', 'json'],
    ['Application/JSON', 'json'],
    ['application/vnd.oma.push+json', 'json'],
    ['application/ld+json;profile="x"', 'json'],
    ['image/png', 'image'],
    ['image/jpeg', 'image'],
    ['image/gif; x=1', 'image'],
    ['image/svg+xml', 'download'],
    ['IMAGE/SVG+XML; charset=utf-8', 'download'],
    ['application/xml', 'download'],
    ['application/octet-stream', 'download'],
    ['application/vnd.wap.mms-message', 'download'],
    ['message/cpim', 'download'],
    ['', 'download'],
    ['garbage', 'download'],
    ['text/', 'download'],
  ] as const)('%j -> %s', (type, kind) => expect(classifyContent(type)).toBe(kind));
});

describe('parseMediaType', () => {
  it('splits essence and parameters, unquoting values', () => {
    expect(parseMediaType(' Text/Plain ; charset="UTF-8"; format=flowed')).toEqual({
      essence: 'text/plain',
      type: 'text',
      subtype: 'plain',
      params: { charset: 'UTF-8', format: 'flowed' },
    });
  });
});

describe('decodeText', () => {
  it('decodes UTF-8 by default', () => {
    expect(decodeText(new TextEncoder().encode('héllo ✓'), 'text/plain')).toBe('héllo ✓');
  });
  it('honours the charset parameter', () => {
    expect(decodeText(new Uint8Array([0x68, 0xe9]), 'text/plain; charset=ISO-8859-1')).toBe('hé');
  });
  it('falls back to UTF-8 for an unknown charset', () => {
    expect(decodeText(new TextEncoder().encode('ok'), 'text/plain; charset=x-nonsense')).toBe('ok');
  });
  it('keeps markup as text (no interpretation)', () => {
    expect(decodeText(new TextEncoder().encode('<img src=x onerror=alert(1)>'), 'text/html')).toBe('<img src=x onerror=alert(1)>');
  });
});

describe('prettyJson', () => {
  it('indents valid JSON by two spaces', () => {
    expect(prettyJson('{"a":1,"b":[true,null]}')).toEqual({ ok: true, text: '{\n  "a": 1,\n  "b": [\n    true,\n    null\n  ]\n}' });
  });
  it('pretty-prints scalars', () => {
    expect(prettyJson(' "x" ')).toEqual({ ok: true, text: '"x"' });
  });
  it('returns the raw text when invalid', () => {
    expect(prettyJson('{"a":')).toEqual({ ok: false, text: '{"a":' });
    expect(prettyJson('')).toEqual({ ok: false, text: '' });
  });
});

describe('downloadName', () => {
  it.each([
    ['news.ua', '42', 'image/svg+xml', 'news.ua-42.svg'],
    ['mms.ua', '7', 'application/vnd.wap.mms-message', 'mms.ua-7.mms'],
    ['a', '1', 'application/x-unknown', 'a-1.bin'],
    ['a', '1', 'application/vnd.foo+zip', 'a-1.zip'],
    ['../etc', 'x/y', 'text/plain', 'etc-x_y.txt'],
  ])('%s %s %s -> %s', (app, id, type, name) => expect(downloadName(app, id, type)).toBe(name));
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KB'],
    [60 * 1024, '60 KB'],
    [3 * 1024 * 1024, '3.0 MB'],
  ])('%d -> %s', (n, s) => expect(formatBytes(n)).toBe(s));
});
