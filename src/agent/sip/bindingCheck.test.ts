import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseSipMessage, type SipRequest } from '../../protocol/sip/index.ts';
import { BindingCheck, judgeProbe, PROBE_HEADER, probeTokenOf, responseListsContact, type BindingVerdict, type ProbeOutcome } from './bindingCheck.ts';

const OURS = 'sip:k3j2@ab12cd.invalid;transport=ws';

function registerOk(...contacts: string[]): string {
  return ['SIP/2.0 200 OK', 'Via: SIP/2.0/WSS ab12cd.invalid;branch=z9hG4bK1', 'From: <sip:alice@x>;tag=1', 'To: <sip:alice@x>;tag=2', 'Call-ID: c', 'CSeq: 2 REGISTER', ...contacts.map((c) => `Contact: ${c}`), 'Content-Length: 0', '', ''].join('\r\n');
}

describe('responseListsContact (RFC 3261 section 10.2.4: the 200 lists the current bindings)', () => {
  it.each<[string, string, boolean]>([
    ['our contact', registerOk(`<${OURS}>;expires=600;+sip.instance="<urn:uuid:1>";reg-id=1`), true],
    ['ours among others, in one header line', registerOk(`<sip:other@zz.invalid;transport=ws>;expires=30, <${OURS}>;expires=600`), true],
    ['ours with its URI parameters reordered and the host in capitals', registerOk('<sip:k3j2@AB12CD.invalid;ob;transport=ws>;expires=600'), true],
    ['no Contact at all', registerOk(), false],
    ['only another device', registerOk('<sip:other@zz.invalid;transport=ws>;expires=600'), false],
    ['our instance but another contact (a tab that registered later)', registerOk('<sip:zz99@ee77ff.invalid;transport=ws>;expires=600;+sip.instance="<urn:uuid:1>";reg-id=1'), false],
    ['ours with expires=0 (removed)', registerOk(`<${OURS}>;expires=0`), false],
    ['same user, other host', registerOk('<sip:k3j2@other.invalid;transport=ws>;expires=600'), false],
  ])('%s -> %s', (_name, response, expected) => {
    expect(responseListsContact(response, OURS)).toBe(expected);
    expect(responseListsContact(new TextEncoder().encode(response).buffer as ArrayBuffer, OURS)).toBe(expected);
  });

  it('does not call a binding lost on a response it cannot parse (JsSIP took it)', () => {
    expect(responseListsContact('SIP/2.0 200 OK\r\nbroken', OURS)).toBe(true);
  });
});

describe('judgeProbe: did our own probe reach us, and what did the core answer', () => {
  const response = (status: number, reason: string): ProbeOutcome => ({ kind: 'response', status, reason });
  it.each<[string, boolean, ProbeOutcome, BindingVerdict['kind'], string?]>([
    ['reached us, answered 200', true, response(200, 'OK'), 'alive'],
    ['reached us, answered 200 by another device first', true, response(200, 'OK'), 'alive'],
    ['reached us, but the fork ended in 480 (another branch)', true, response(480, 'Temporarily Unavailable'), 'alive'],
    ['never reached us, 200 from another device of the user', false, response(200, 'OK'), 'lost', 'our keep-alive probe was answered 200 OK but never reached us'],
    ['embedded core, no binding: 404', false, response(404, 'Not Found'), 'lost', 'the core answered our keep-alive probe 404 Not Found'],
    ['Kamailio, no binding: 480', false, response(480, 'Temporarily Unavailable'), 'lost', 'the core answered our keep-alive probe 480 Temporarily Unavailable'],
    ['430 Flow Failed (RFC 5626 section 11.5)', false, response(430, 'Flow Failed'), 'lost'],
    ['481', false, response(481, 'Call/Transaction Does Not Exist'), 'lost'],
    ['408 from the branch', false, response(408, 'Request Timeout'), 'lost'],
    ['another device busy', false, response(486, 'Busy Here'), 'lost'],
    ['no answer at all: the flow failed (RFC 5626 section 4.4.1)', false, { kind: 'timeout' }, 'flowFailed', 'no answer to our keep-alive probe'],
    ['no final answer but it reached us', true, { kind: 'timeout' }, 'alive'],
    ['the connection went down: the transport says so itself', false, { kind: 'transport' }, 'inconclusive'],
    ['authentication failed: says nothing about the binding', false, response(407, 'Proxy Authentication Required'), 'inconclusive'],
    ['403 from a core that does not route it', false, response(403, 'Forbidden'), 'inconclusive'],
    ['500', false, response(500, 'Server Internal Error'), 'inconclusive'],
  ])('%s', (_name, received, outcome, kind, cause) => {
    const verdict = judgeProbe(received, outcome);
    expect(verdict.kind).toBe(kind);
    if (cause !== undefined) expect('cause' in verdict ? verdict.cause : undefined).toBe(cause);
  });
});

function options(token: string, extra: string[] = []): SipRequest {
  const text = ['OPTIONS sip:k3j2@ab12cd.invalid;transport=ws SIP/2.0', 'Via: SIP/2.0/WS core;branch=z9hG4bKp', 'From: <sip:alice@x>;tag=9', 'To: <sip:alice@x>', 'Call-ID: p1', 'CSeq: 1 OPTIONS', ...(token ? [`${PROBE_HEADER}: ${token}`] : []), ...extra, 'Content-Length: 0', '', ''].join('\r\n');
  return parseSipMessage(text) as SipRequest;
}

describe('probeTokenOf', () => {
  it('reads the token of an OPTIONS probe, nothing else', () => {
    expect(probeTokenOf(options('tok-1'))).toBe('tok-1');
    expect(probeTokenOf(options(''))).toBeUndefined();
    const message = parseSipMessage(['MESSAGE sip:a@x SIP/2.0', 'Via: SIP/2.0/WS core;branch=z9hG4bKm', 'From: <sip:p@x>;tag=1', 'To: <sip:a@x>', 'Call-ID: m', 'CSeq: 1 MESSAGE', `${PROBE_HEADER}: tok-1`, 'Content-Length: 0', '', ''].join('\r\n')) as SipRequest;
    expect(probeTokenOf(message)).toBeUndefined();
  });
});

describe('BindingCheck', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function harness(intervalSeconds = 2) {
    let ready = true;
    let tokens = 0;
    const sent: Array<{ token: string; done: (o: ProbeOutcome) => void }> = [];
    const verdicts: BindingVerdict[] = [];
    const check = new BindingCheck({
      intervalSeconds,
      ready: () => ready,
      sendProbe: (token, done) => {
        sent.push({ token, done });
        return true;
      },
      onVerdict: (v) => verdicts.push(v),
      newToken: () => `t${++tokens}`,
    });
    return { check, sent, verdicts, setReady: (r: boolean) => (ready = r) };
  }

  it('probes every interval, one probe in flight at a time', () => {
    const h = harness(2);
    h.check.start();
    vi.advanceTimersByTime(1999);
    expect(h.sent).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(h.sent.map((s) => s.token)).toEqual(['t1']);
    vi.advanceTimersByTime(4000); // t1 still unanswered: no second probe
    expect(h.sent).toHaveLength(1);
    h.check.noteIncoming(options('t1'));
    h.sent[0]!.done({ kind: 'response', status: 200, reason: 'OK' });
    expect(h.verdicts).toEqual([{ kind: 'alive' }]);
    vi.advanceTimersByTime(2000);
    expect(h.sent.map((s) => s.token)).toEqual(['t1', 't2']);
    h.check.stop();
  });

  it('a probe that never reached us is a lost binding, whatever the status', () => {
    const h = harness();
    h.check.probe();
    h.check.noteIncoming(options('someone-elses')); // another browser's probe of the same user
    h.sent[0]!.done({ kind: 'response', status: 200, reason: 'OK' });
    expect(h.verdicts).toEqual([{ kind: 'lost', cause: 'our keep-alive probe was answered 200 OK but never reached us' }]);
  });

  it('noteIncoming is true only for the probe in flight', () => {
    const h = harness();
    expect(h.check.noteIncoming(options('t1'))).toBe(false);
    h.check.probe();
    expect(h.check.noteIncoming(options('t0'))).toBe(false);
    expect(h.check.noteIncoming(options('t1'))).toBe(true);
  });

  it('does not probe while not ready (not registered, REGISTER in flight, disconnected)', () => {
    const h = harness(1);
    h.setReady(false);
    h.check.start();
    vi.advanceTimersByTime(5000);
    expect(h.sent).toHaveLength(0);
    h.setReady(true);
    vi.advanceTimersByTime(1000);
    expect(h.sent).toHaveLength(1);
    h.check.stop();
  });

  it('drops the verdict of a probe sent before the registration changed', () => {
    const h = harness();
    h.check.probe();
    h.check.invalidate(); // a REGISTER went out meanwhile
    h.sent[0]!.done({ kind: 'response', status: 404, reason: 'Not Found' });
    expect(h.verdicts).toEqual([]);
    h.check.probe();
    expect(h.sent).toHaveLength(2);
  });

  it('a probe that could not be sent leaves room for the next', () => {
    let calls = 0;
    const check = new BindingCheck({ intervalSeconds: 1, ready: () => true, sendProbe: () => (calls++, false), onVerdict: () => {} });
    check.probe();
    check.probe();
    expect(calls).toBe(2);
  });

  it('interval 0 turns the periodic check off; stop() ends it', () => {
    const off = harness(0);
    off.check.start();
    vi.advanceTimersByTime(600_000);
    expect(off.sent).toHaveLength(0);
    const on = harness(1);
    on.check.start();
    on.check.stop();
    vi.advanceTimersByTime(5000);
    expect(on.sent).toHaveLength(0);
  });
});
