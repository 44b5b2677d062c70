import { describe, expect, it } from 'vitest';
import { isRegisterSuccess, requestMethod } from './interceptingSocket.ts';

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

describe('isRegisterSuccess', () => {
  it.each<[string, boolean]>([
    ['SIP/2.0 200 OK\r\nVia: x\r\nCSeq: 2 REGISTER\r\nContent-Length: 0\r\n\r\n', true],
    ['SIP/2.0 202 Accepted\r\ncseq:7   register\r\n\r\n', true],
    ['SIP/2.0 401 Unauthorized\r\nCSeq: 2 REGISTER\r\n\r\n', false],
    ['SIP/2.0 200 OK\r\nCSeq: 2 MESSAGE\r\n\r\n', false],
    ['SIP/2.0 200 OK\r\nCSeq: 2 MESSAGE\r\n\r\nCSeq: 1 REGISTER\r\n', false],
  ])('%j -> %s', (text, expected) => {
    expect(isRegisterSuccess(text)).toBe(expected);
  });
});
