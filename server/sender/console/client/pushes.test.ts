import { describe, expect, it } from 'vitest';
import type { PushView } from '../../service/http/summary.ts';
import { describeTarget, EMPTY_PUSHES, MAX_PUSHES_SHOWN, pushesReducer, unsettledIds, type ChangeEvent, type PushesState } from './pushes.ts';

function view(pushId: string, deliveries: PushView['deliveries'], extra: Partial<PushView> = {}): PushView {
  return { pushId, target: 'sip:alice@d', app: 'news.ua', contentType: 'text/plain', contentSize: 5, reportRequested: true, priority: 0, createdAt: 1000, updatedAt: 1000, deliveries, status: 'pending', settled: false, ...extra };
}
const pending = (terminal: string, at = 1000) => ({ terminal, status: 'pending' as const, attempts: 0, nextAttemptAt: at, inFlight: false, updatedAt: at });
let nextId = 1;
const change = (pushId: string, terminal: string, to: ChangeEvent['to'], at: number, extra: Partial<ChangeEvent> = {}): ChangeEvent => ({ eventId: nextId++, pushId, terminal, to, attempts: 1, at, ...extra });

describe('the pushes table reducer', () => {
  it('a submitted push, then its changes: delivered, then displayed', () => {
    let s = pushesReducer(EMPTY_PUSHES, { type: 'snapshot', push: view('p1', [pending('instance:a')]), origin: 'console' });
    expect(s.order).toEqual(['p1']);
    expect(s.byId.p1).toMatchObject({ origin: 'console', status: 'pending', settled: false, details: { target: 'sip:alice@d', app: 'news.ua' } });
    s = pushesReducer(s, { type: 'change', change: change('p1', 'instance:a', 'delivered', 2000, { reason: '200 OK', sipStatus: 200 }) });
    expect(s.byId.p1).toMatchObject({ status: 'delivered', settled: true, updatedAt: 2000 });
    expect(s.byId.p1!.deliveries).toEqual([{ terminal: 'instance:a', status: 'delivered', attempts: 1, at: 2000, reason: '200 OK', sipStatus: 200 }]);
    s = pushesReducer(s, { type: 'change', change: change('p1', 'instance:a', 'displayed', 3000) });
    expect(s.byId.p1!.status).toBe('displayed');
  });

  it('the submit answer arriving after the delivered event does not take the push back to pending', () => {
    let s = pushesReducer(EMPTY_PUSHES, { type: 'change', change: change('p1', 'instance:a', 'delivered', 2000) });
    expect(s.byId.p1).toMatchObject({ origin: 'stream', status: 'delivered' });
    expect(s.byId.p1!.details).toBeUndefined();
    s = pushesReducer(s, { type: 'snapshot', push: view('p1', [pending('instance:a')]), origin: 'console' });
    expect(s.byId.p1).toMatchObject({ status: 'delivered', details: { app: 'news.ua' } });
  });

  it('a replayed or older change is a no-op (same state object); a retry (pending -> pending, later) updates the reason', () => {
    let s = pushesReducer(EMPTY_PUSHES, { type: 'snapshot', push: view('p1', [pending('aor:sip:alice@d')]), origin: 'console' });
    const retry = change('p1', 'aor:sip:alice@d', 'pending', 1500, { reason: 'no contact registered', attempts: 1 });
    s = pushesReducer(s, { type: 'change', change: retry });
    expect(s.byId.p1!.deliveries[0]!.reason).toBe('no contact registered');
    expect(pushesReducer(s, { type: 'change', change: retry })).toBe(s);
    s = pushesReducer(s, { type: 'change', change: change('p1', 'aor:sip:alice@d', 'delivered', 2000) });
    expect(pushesReducer(s, { type: 'change', change: change('p1', 'aor:sip:alice@d', 'pending', 1800) })).toBe(s);
    // delivered -> expired is a legal move (the receiver dropped it unshown).
    s = pushesReducer(s, { type: 'change', change: change('p1', 'aor:sip:alice@d', 'expired', 2500) });
    expect(s.byId.p1!.status).toBe('expired');
  });

  it('several terminals sum up as the API does (partial); unsettledIds lists what is still moving', () => {
    let s = pushesReducer(EMPTY_PUSHES, { type: 'snapshot', push: view('p1', [pending('instance:a'), pending('instance:b')]), origin: 'console' });
    s = pushesReducer(s, { type: 'snapshot', push: view('p2', [pending('instance:a')]), origin: 'console' });
    expect(s.order).toEqual(['p2', 'p1']);
    s = pushesReducer(s, { type: 'change', change: change('p1', 'instance:a', 'delivered', 2000) });
    expect(s.byId.p1!.status).toBe('pending');
    expect(unsettledIds(s)).toEqual(['p2', 'p1']);
    s = pushesReducer(s, { type: 'change', change: change('p1', 'instance:b', 'undeliverable', 2100, { reason: 'app not announced' }) });
    expect(s.byId.p1).toMatchObject({ status: 'partial', settled: true });
    expect(unsettledIds(s)).toEqual(['p2']);
  });

  it('ignores a change that is not one (bad status, missing fields)', () => {
    const s: PushesState = EMPTY_PUSHES;
    expect(pushesReducer(s, { type: 'change', change: { pushId: 'x', terminal: 't', to: 'exploded', at: 1, attempts: 1 } as unknown as ChangeEvent })).toBe(s);
    expect(pushesReducer(s, { type: 'change', change: null as unknown as ChangeEvent })).toBe(s);
  });

  it(`keeps at most ${MAX_PUSHES_SHOWN} pushes, dropping the oldest`, () => {
    let s = EMPTY_PUSHES;
    for (let i = 0; i <= MAX_PUSHES_SHOWN; i++) s = pushesReducer(s, { type: 'change', change: change(`p${i}`, 't', 'pending', i) });
    expect(s.order).toHaveLength(MAX_PUSHES_SHOWN);
    expect(s.order[0]).toBe(`p${MAX_PUSHES_SHOWN}`);
    expect(s.byId.p0).toBeUndefined();
    expect(Object.keys(s.byId)).toHaveLength(MAX_PUSHES_SHOWN);
  });

  it('describes every target form in one line', () => {
    expect(describeTarget('sip:a@d')).toBe('sip:a@d');
    expect(describeTarget({ aor: 'sip:a@d' })).toBe('sip:a@d');
    expect(describeTarget({ aor: 'sip:a@d', terminals: 'all' })).toBe('sip:a@d (all terminals)');
    expect(describeTarget({ aor: 'sip:a@d', instance: 'urn:uuid:1' })).toBe('sip:a@d (instance urn:uuid:1)');
    expect(describeTarget({ gruu: 'sip:a@d;gr=x' })).toBe('sip:a@d;gr=x (GRUU)');
    expect(describeTarget(['sip:a@d', { gruu: 'sip:b@d;gr=y' }])).toBe('sip:a@d, sip:b@d;gr=y (GRUU)');
    // As the service stores it (service.ts StoredTarget).
    expect(describeTarget({ targets: [{ aor: 'sip:a@d' }], aorOf: { 'instance:x': 'sip:a@d' }, priority: 'normal', mode: 'auto' })).toBe('sip:a@d');
    expect(describeTarget({ targets: [{ aor: 'sip:a@d', terminals: 'all' }, { gruu: 'sip:b@d;gr=y' }], aorOf: {} })).toBe('sip:a@d (all terminals), sip:b@d;gr=y (GRUU)');
  });
});
