import { describe, expect, it } from 'vitest';
import { encodeRequest, serializeResponse } from '../../protocol/msrp/index.ts';
import type { TraceEntry } from '../types.ts';
import { Tracer } from './tracer.ts';

const OK = 'SIP/2.0 200 OK\r\nCSeq: 1 MESSAGE\r\n\r\n';
const PATHS = { toPath: ['msrp://b.invalid:2855/s2;ws'], fromPath: ['msrp://a.invalid:2855/s1;ws'] };

describe('Tracer', () => {
  it('records nothing while off (the default), and reads nothing of the frame', () => {
    const tracer = new Tracer();
    let read = false;
    const frame = {
      get byteLength() {
        read = true;
        return 0;
      },
    };
    tracer.sip('in', frame as unknown as ArrayBuffer);
    tracer.msrp('in', frame as unknown as ArrayBuffer);
    expect(tracer.enabled).toBe(false);
    expect(tracer.entries()).toEqual([]);
    expect(read).toBe(false);
  });

  it('records frames in order with seq, time and direction, and tells listeners', () => {
    let now = 1000;
    const tracer = new Tracer({ now: () => now++ });
    const heard: TraceEntry[] = [];
    const off = tracer.on((e) => heard.push(e));
    tracer.enable(true);
    tracer.sip('in', 'MESSAGE sip:a SIP/2.0\r\nCSeq: 1 MESSAGE\r\n\r\n');
    tracer.sip('out', OK);
    expect(tracer.entries().map((e) => [e.seq, e.time, e.direction, e.method, e.status])).toEqual([
      [1, 1000, 'in', 'MESSAGE', undefined],
      [2, 1001, 'out', 'MESSAGE', 200],
    ]);
    expect(heard).toHaveLength(2);
    off();
    tracer.sip('in', OK);
    expect(heard).toHaveLength(2);
  });

  it('keeps at most maxEntries (a ring) and counts the dropped ones; seq keeps counting', () => {
    const tracer = new Tracer({ limits: { maxEntries: 3 } });
    tracer.enable(true);
    for (let i = 0; i < 5; i++) tracer.sip('in', OK);
    expect(tracer.entries().map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(tracer.dropped()).toBe(2);
    tracer.clear();
    expect(tracer.entries()).toEqual([]);
    tracer.sip('in', OK);
    expect(tracer.entries().map((e) => e.seq)).toEqual([6]);
  });

  it('stops recording when disabled', () => {
    const tracer = new Tracer();
    tracer.enable(true);
    tracer.sip('in', OK);
    tracer.enable(false);
    tracer.sip('in', OK);
    expect(tracer.entries()).toHaveLength(1);
  });

  it('names the method an MSRP response answers from the request of its transaction', () => {
    const tracer = new Tracer();
    tracer.enable(true);
    const { bytes, transactionId } = encodeRequest({ method: 'SEND', ...PATHS, messageId: 'msg00002', byteRange: { start: 1, end: 0, total: 0 } });
    tracer.msrp('out', bytes);
    tracer.msrp('in', serializeResponse({ transactionId, code: 200, comment: 'OK', ...PATHS }));
    tracer.msrp('in', serializeResponse({ transactionId: 'unknown12', code: 200, ...PATHS }));
    expect(tracer.entries().map((e) => [e.method, e.status])).toEqual([
      ['SEND', undefined],
      ['SEND', 200],
      [undefined, 200],
    ]);
  });

  it('says whether this tab owns the connection', () => {
    let owns = false;
    const tracer = new Tracer({ ownsConnection: () => owns });
    expect(tracer.ownsConnection).toBe(false);
    owns = true;
    expect(tracer.ownsConnection).toBe(true);
  });

  it('a listener that throws does not stop recording', () => {
    const tracer = new Tracer();
    tracer.enable(true);
    tracer.on(() => {
      throw new Error('boom');
    });
    const original = console.error;
    console.error = () => {};
    try {
      tracer.sip('in', OK);
    } finally {
      console.error = original;
    }
    expect(tracer.entries()).toHaveLength(1);
  });
});
