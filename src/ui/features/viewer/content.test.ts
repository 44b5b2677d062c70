import { describe, expect, it } from 'vitest';
import { classifyContent, decodeText, downloadName, parseMediaType, prettyJson, safeFileName } from './content.ts';

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
  it('drops a character cut at the end of a prefix (partial) instead of showing U+FFFD', () => {
    const bytes = new TextEncoder().encode('ab✓');
    expect(decodeText(bytes.subarray(0, 3), 'text/plain', { partial: true })).toBe('ab');
    expect(decodeText(bytes.subarray(0, 3), 'text/plain')).toBe('ab\uFFFD');
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

describe('safeFileName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\photo.jpg', 'photo.jpg'],
    ['.hidden', 'hidden'],
    ['a<b>:c"d|e?f*g.txt', 'a_b_c_d_e_f_g.txt'],
    ['line\nbreak\u0000.txt', 'line_break_.txt'],
    ['...', 'fallback.bin'],
    ['dir/', 'fallback.bin'],
    ['', 'fallback.bin'],
    [undefined, 'fallback.bin'],
  ])('%j -> %s', (name, safe) => expect(safeFileName(name, 'fallback.bin')).toBe(safe));
  it('keeps at most 200 characters', () => {
    expect(safeFileName('x'.repeat(500), 'f')).toHaveLength(200);
  });
});
