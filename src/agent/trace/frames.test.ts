import { describe, expect, it } from 'vitest';
import { encodeRequest, serializeResponse } from '../../protocol/msrp/index.ts';
import type { TraceEntry } from '../types.ts';
import { describeMsrp, describeSip, formatTrace, utf8Length } from './frames.ts';

const MESSAGE =
  'MESSAGE sip:alice@localhost SIP/2.0\r\nVia: SIP/2.0/WS a.invalid;branch=z9hG4bK1\r\nCSeq: 7 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nHello';
const OK = 'SIP/2.0 200 OK\r\nVia: SIP/2.0/WS a.invalid;branch=z9hG4bK1\r\nCSeq: 7 MESSAGE\r\nContent-Length: 0\r\n\r\n';
const SIP_LIMITS = { maxSipBytes: 8192 };
const MSRP_LIMITS = { maxMsrpBodyBytes: 16 };
const PATHS = { toPath: ['msrp://b.invalid:2855/s2;ws'], fromPath: ['msrp://a.invalid:2855/s1;ws'] };

describe('describeSip', () => {
  it('reads a request: method, first line, whole text and size', () => {
    const d = describeSip(MESSAGE, SIP_LIMITS);
    expect(d).toMatchObject({ protocol: 'sip', firstLine: 'MESSAGE sip:alice@localhost SIP/2.0', method: 'MESSAGE', text: MESSAGE, bytes: MESSAGE.length, truncated: false });
    expect(d.status).toBeUndefined();
  });

  it('reads a response: status and the method from its CSeq', () => {
    expect(describeSip(OK, SIP_LIMITS)).toMatchObject({ firstLine: 'SIP/2.0 200 OK', status: 200, method: 'MESSAGE' });
  });

  it('reads binary frames (the agent sends non-UTF-8 bodies in them)', () => {
    const d = describeSip(new TextEncoder().encode(OK), SIP_LIMITS);
    expect(d).toMatchObject({ status: 200, method: 'MESSAGE', bytes: OK.length, text: OK });
    expect(describeSip(new TextEncoder().encode(OK).buffer, SIP_LIMITS).text).toBe(OK);
  });

  it('keeps at most maxSipBytes of a frame and says it shortened it', () => {
    const big = `${MESSAGE}${'x'.repeat(1000)}`;
    const d = describeSip(big, { maxSipBytes: 100 });
    expect(d.text).toBe(big.slice(0, 100));
    expect(d).toMatchObject({ truncated: true, bytes: big.length, method: 'MESSAGE' });
    const bin = describeSip(new TextEncoder().encode(big), { maxSipBytes: 100 });
    expect(bin.text).toBe(big.slice(0, 100));
    expect(bin.truncated).toBe(true);
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(utf8Length('aé€😀')).toBe(1 + 2 + 3 + 4);
    const frame = 'MESSAGE sip:a SIP/2.0\r\n\r\né';
    expect(describeSip(frame, SIP_LIMITS).bytes).toBe(new TextEncoder().encode(frame).length);
  });

  it('does not read a Blob', () => {
    expect(describeSip(new Blob(['abc']), SIP_LIMITS)).toMatchObject({ bytes: 3, truncated: true, text: '' });
  });
});

describe('describeMsrp', () => {
  it('keeps the head, a short text body and the end line', () => {
    const { bytes, transactionId } = encodeRequest({ method: 'SEND', ...PATHS, messageId: 'msg00001', byteRange: { start: 1, end: 5, total: 5 }, contentType: 'text/plain', body: new TextEncoder().encode('Hello') });
    const d = describeMsrp(bytes, MSRP_LIMITS);
    expect(d).toMatchObject({ protocol: 'msrp', firstLine: `MSRP ${transactionId} SEND`, method: 'SEND', bytes: bytes.length, truncated: false });
    expect(d.text).toBe(new TextDecoder().decode(bytes));
  });

  it('keeps at most maxMsrpBodyBytes of a body, never the chunk', () => {
    const body = new TextEncoder().encode('a'.repeat(10_000));
    const { bytes, transactionId } = encodeRequest({ method: 'SEND', ...PATHS, messageId: 'msg00001', byteRange: { start: 1, end: 10_000, total: 10_000 }, contentType: 'text/plain', body });
    const d = describeMsrp(bytes, MSRP_LIMITS);
    expect(d.truncated).toBe(true);
    expect(d.bytes).toBe(bytes.length);
    expect(d.text).toContain(`${'a'.repeat(16)}\r\n[… 9984 more body bytes not kept]\r\n-------${transactionId}$`);
    expect(d.text.length).toBeLessThan(400);
    expect(d.text).toContain('Byte-Range: 1-10000/10000');
  });

  it('names a binary body instead of showing it', () => {
    const body = new Uint8Array(64).map((_, i) => i);
    const { bytes } = encodeRequest({ method: 'SEND', ...PATHS, messageId: 'msg00001', byteRange: { start: 1, end: 64, total: 64 }, contentType: 'application/octet-stream', body });
    const d = describeMsrp(bytes.buffer as ArrayBuffer, MSRP_LIMITS);
    expect(d.text).toContain('[binary body, 64 bytes, not kept]');
    expect(d.truncated).toBe(true);
  });

  it('reads a response without a body', () => {
    const bytes = serializeResponse({ transactionId: 'tid12345', code: 200, comment: 'OK', ...PATHS });
    const d = describeMsrp(bytes, MSRP_LIMITS);
    expect(d).toMatchObject({ firstLine: 'MSRP tid12345 200 OK', status: 200, truncated: false });
    expect(d.method).toBeUndefined();
    expect(d.text).toBe(new TextDecoder().decode(bytes));
  });

  it('reads the bind SEND (empty body) and a string frame', () => {
    const { bytes } = encodeRequest({ method: 'SEND', ...PATHS, messageId: 'msg00000', byteRange: { start: 1, end: 0, total: 0 } });
    const text = new TextDecoder().decode(bytes);
    expect(describeMsrp(text, MSRP_LIMITS)).toMatchObject({ method: 'SEND', text, truncated: false });
  });
});

describe('formatTrace', () => {
  it('writes one block per entry with time, direction, protocol and the text', () => {
    const entries: TraceEntry[] = [
      { seq: 1, time: Date.UTC(2024, 0, 2, 3, 4, 5, 6), direction: 'in', ...describeSip(MESSAGE, SIP_LIMITS) },
      { seq: 2, time: Date.UTC(2024, 0, 2, 3, 4, 5, 9), direction: 'out', ...describeSip(OK, SIP_LIMITS) },
    ];
    const text = formatTrace(entries);
    expect(text).toContain('2024-01-02T03:04:05.006Z <-- in  SIP, ');
    expect(text).toContain('\nMESSAGE sip:alice@localhost SIP/2.0\nVia:');
    expect(text).toContain('2024-01-02T03:04:05.009Z --> out SIP, ');
    expect(text).toContain('\nSIP/2.0 200 OK\n');
    expect(text).not.toContain('\r');
  });
});
