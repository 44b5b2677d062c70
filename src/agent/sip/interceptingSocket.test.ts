import { describe, expect, it } from 'vitest';
import { requestMethod } from './interceptingSocket.ts';

const ascii = (text: string) => new TextEncoder().encode(text).buffer as ArrayBuffer;

describe('requestMethod sniffing', () => {
  it.each<[string, string | null]>([
    ['MESSAGE sip:alice@x SIP/2.0\r\n', 'MESSAGE'],
    ['OPTIONS sip:alice@x SIP/2.0\r\n', 'OPTIONS'],
    ['INVITE sip:a@b SIP/2.0\r\n', 'INVITE'],
    ['SIP/2.0 200 OK\r\n', null],
    ['\r\n\r\n', null],
    ['\r\n', null],
    ['', null],
    ['AVERYVERYLONGMETHODNAME sip:x SIP/2.0', null],
  ])('%j -> %s', (text, method) => {
    expect(requestMethod(text)).toBe(method);
    expect(requestMethod(ascii(text))).toBe(method);
  });
});
