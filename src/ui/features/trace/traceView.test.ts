import { describe, expect, it } from 'vitest';
import type { TraceEntry } from '../../../agent/types.ts';
import { exportFileName, exportText, filterEntries, keptLabel, methodsOf, NO_FILTER, timeLabel } from './traceView.ts';

let seq = 0;
function entry(over: Partial<TraceEntry>): TraceEntry {
  return { seq: ++seq, time: 0, protocol: 'sip', direction: 'in', firstLine: 'x', text: 'x', bytes: 1, truncated: false, ...over };
}

const message = entry({ method: 'MESSAGE', firstLine: 'MESSAGE sip:alice@localhost SIP/2.0', text: 'MESSAGE sip:alice@localhost SIP/2.0\r\n\r\nHello <b>there</b>' });
const ok = entry({ direction: 'out', method: 'MESSAGE', status: 200, firstLine: 'SIP/2.0 200 OK', text: 'SIP/2.0 200 OK\r\n\r\n' });
const register = entry({ direction: 'out', method: 'REGISTER', firstLine: 'REGISTER sip:localhost SIP/2.0', text: 'REGISTER sip:localhost SIP/2.0\r\n\r\n' });
const msrpOk = entry({ protocol: 'msrp', status: 200, firstLine: 'MSRP abc 200 OK', text: 'MSRP abc 200 OK\r\n-------abc$' });
const all = [register, message, ok, msrpOk];

describe('filterEntries', () => {
  it('passes everything without a filter', () => expect(filterEntries(all, NO_FILTER)).toEqual(all));
  it('by method keeps the requests and the responses that answer them', () => expect(filterEntries(all, { method: 'MESSAGE', text: '' })).toEqual([message, ok]));
  it('by text, case-insensitive, over the whole frame', () => expect(filterEntries(all, { method: '', text: 'HELLO' })).toEqual([message]));
  it('both at once', () => expect(filterEntries(all, { method: 'MESSAGE', text: '200' })).toEqual([ok]));
  it('blank text is no filter', () => expect(filterEntries(all, { method: '', text: '  ' })).toEqual(all));
});

describe('labels', () => {
  it('methodsOf lists each method once, sorted, with the chosen one kept', () => {
    expect(methodsOf(all)).toEqual(['MESSAGE', 'REGISTER']);
    expect(methodsOf([], 'INVITE')).toEqual(['INVITE']);
  });
  it('timeLabel has milliseconds', () => expect(timeLabel(new Date(2024, 0, 2, 3, 4, 5, 6).getTime())).toBe('03:04:05.006'));
  it('keptLabel names the limit and what was dropped', () => {
    expect(keptLabel(1, 1000, 0)).toBe('1 frame kept (at most 1000)');
    expect(keptLabel(1000, 1000, 12)).toBe('1000 frames kept (at most 1000), 12 older dropped');
  });
  it('exportFileName is a sortable .txt name without colons', () => expect(exportFileName(Date.UTC(2024, 0, 2, 3, 4, 5))).toBe('sip-push-trace-2024-01-02T03-04-05.txt'));
  it('exportText keeps message text as text', () => expect(exportText([message, ok])).toContain('Hello <b>there</b>'));
});
