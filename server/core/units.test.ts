import { describe, expect, it } from 'vitest';
import { createResponse, type SipRequest, type SipResponse } from '../../src/protocol/sip/index.ts';
import type { Flow } from './flows.ts';
import { parseArgs } from './cli.ts';
import { chooseBest } from './responseContext.ts';
import { TimerWheel } from './timers.ts';
import { ClientState, ClientTransaction, IllegalTransition, ServerState, ServerTransaction, type TransactionEnv } from './transactions.ts';

const request = (method: string): SipRequest => ({
  kind: 'request',
  method,
  uri: 'sip:a@localhost',
  headers: [
    { name: 'Via', value: 'SIP/2.0/WS x.invalid;branch=z9hG4bK1' },
    { name: 'From', value: '<sip:b@localhost>;tag=1' },
    { name: 'To', value: '<sip:a@localhost>' },
    { name: 'Call-ID', value: 'c' },
    { name: 'CSeq', value: `1 ${method}` },
  ],
  body: new Uint8Array(0),
});
const res = (status: number, method = 'MESSAGE'): SipResponse => createResponse(request(method), status);

function fakeFlow(reliable: boolean): Flow & { sent: number } {
  return { id: 'f', transport: reliable ? 'WS' : 'UDP', reliable, remoteAddress: '127.0.0.1', remotePort: 1, open: true, sent: 0, send() { this.sent++; }, close() {} };
}

function fakeEnv(now: { t: number }): TransactionEnv & { wheel: TimerWheel } {
  const wheel = new TimerWheel(10, () => now.t);
  return {
    wheel,
    timers: wheel,
    send: (flow, _m) => {
      flow.send(new Uint8Array(0));
      return new Uint8Array(0);
    },
    resend: (flow) => flow.send(new Uint8Array(0)),
    timeoutMs: 1000,
  };
}

describe('transaction state machines', () => {
  it('non-INVITE server: Trying -> Proceeding -> Completed -> Terminated, rejecting illegal moves', () => {
    const now = { t: 0 };
    const flow = fakeFlow(false);
    let terminated = false;
    const tx = new ServerTransaction('k', request('MESSAGE'), flow, fakeEnv(now), () => (terminated = true));
    expect(tx.state).toBe(ServerState.Trying);
    expect(() => tx.transition(ServerState.Confirmed)).toThrow(IllegalTransition);
    tx.retransmission();
    expect(flow.sent).toBe(0); // nothing to repeat yet
    tx.respond(res(180));
    expect(tx.state).toBe(ServerState.Proceeding);
    tx.respond(res(200));
    expect(tx.state).toBe(ServerState.Completed);
    expect(tx.respond(res(404))).toBe(false);
    tx.retransmission();
    expect(flow.sent).toBe(3); // 180, 200, and the 200 again
    expect(() => tx.transition(ServerState.Proceeding)).toThrow(/illegal transition Completed -> Proceeding/);
    expect(terminated).toBe(false); // Timer J (64*T1) still running on UDP
    tx.terminate();
    expect(terminated).toBe(true);
  });

  it('non-INVITE server over a reliable transport terminates at once (Timer J = 0)', () => {
    let terminated = false;
    const tx = new ServerTransaction('k', request('MESSAGE'), fakeFlow(true), fakeEnv({ t: 0 }), () => (terminated = true));
    tx.respond(res(200));
    expect(tx.state).toBe(ServerState.Terminated);
    expect(terminated).toBe(true);
  });

  it('INVITE server: 3xx-6xx -> Completed, ACK -> Confirmed; 2xx -> Accepted (RFC 6026)', () => {
    const a = new ServerTransaction('k', request('INVITE'), fakeFlow(true), fakeEnv({ t: 0 }), () => {});
    expect(a.state).toBe(ServerState.Proceeding);
    a.respond(res(486, 'INVITE'));
    expect(a.state).toBe(ServerState.Completed);
    a.ack();
    expect(a.state).toBe(ServerState.Terminated); // Confirmed, then Timer I = 0 on a reliable flow
    const b = new ServerTransaction('k', request('INVITE'), fakeFlow(true), fakeEnv({ t: 0 }), () => {});
    b.respond(res(200, 'INVITE'));
    expect(b.state).toBe(ServerState.Accepted);
    expect(b.respond(res(200, 'INVITE'))).toBe(true); // another 2xx passes
    expect(b.respond(res(486, 'INVITE'))).toBe(false);
    expect(() => b.transition(ServerState.Completed)).toThrow(IllegalTransition);
  });

  it('client: times out with onTimeout, retransmits over UDP, and ignores responses afterwards', () => {
    const now = { t: 0 };
    const env = fakeEnv(now);
    const flow = fakeFlow(false);
    const events: string[] = [];
    const tx = new ClientTransaction('k', request('MESSAGE'), flow, env, { onResponse: (_t, r) => events.push(String(r.status)), onTimeout: () => events.push('timeout') }, () => events.push('terminated'));
    tx.start();
    expect(flow.sent).toBe(1);
    for (now.t = 0; now.t <= 1000; now.t += 10) env.wheel.tick();
    expect(flow.sent).toBeGreaterThanOrEqual(2); // Timer E at 500 ms
    expect(tx.state).toBe(ClientState.Terminated);
    expect(events).toEqual(['terminated', 'timeout']);
    tx.receive(res(200));
    expect(events).toHaveLength(2);
    env.wheel.clear();
  });

  it('INVITE client: ACKs a non-2xx itself and absorbs its retransmission', () => {
    const flow = fakeFlow(false);
    const seen: number[] = [];
    const tx = new ClientTransaction('k', request('INVITE'), flow, fakeEnv({ t: 0 }), { onResponse: (_t, r) => seen.push(r.status), onTimeout: () => {} }, () => {});
    tx.start();
    tx.receive(res(180, 'INVITE'));
    tx.receive(res(486, 'INVITE'));
    expect(tx.state).toBe(ClientState.Completed);
    expect(flow.sent).toBe(2); // INVITE + ACK
    tx.receive(res(486, 'INVITE'));
    expect(flow.sent).toBe(3); // ACK repeated
    expect(seen).toEqual([180, 486]);
    expect(() => tx.transition(ClientState.Proceeding)).toThrow(IllegalTransition);
  });
});

describe('best response (RFC 3261 section 16.7)', () => {
  it('prefers 6xx, then the lowest class, then 401/407/415/420/484 within 4xx; 503 becomes 500', () => {
    expect(chooseBest([res(404), res(415)])!.status).toBe(415);
    expect(chooseBest([res(486), res(302)])!.status).toBe(302);
    expect(chooseBest([res(302), res(603)])!.status).toBe(603);
    expect(chooseBest([res(503)])!.status).toBe(500);
    expect(chooseBest([res(480), res(404)])!.status).toBe(480);
    expect(chooseBest([])).toBeUndefined();
    const a = { ...res(401), headers: [...res(401).headers, { name: 'WWW-Authenticate', value: 'Digest realm="a", nonce="1"' }] };
    const b = { ...res(407), headers: [...res(407).headers, { name: 'Proxy-Authenticate', value: 'Digest realm="b", nonce="2"' }] };
    const merged = chooseBest([a, b])!;
    expect(merged.status).toBe(401);
    expect(merged.headers.filter((h) => /authenticate/i.test(h.name))).toHaveLength(2);
  });
});

describe('timer wheel', () => {
  it('fires due timers once, skips cancelled ones, and holds no interval when idle', () => {
    const now = { t: 0 };
    const wheel = new TimerWheel(10, () => now.t);
    const fired: string[] = [];
    wheel.schedule(25, () => fired.push('a'));
    const b = wheel.schedule(25, () => fired.push('b'));
    wheel.schedule(100, () => fired.push('c'));
    b.cancel();
    now.t = 30;
    wheel.tick();
    expect(fired).toEqual(['a']);
    expect(wheel.size).toBe(1);
    now.t = 200;
    wheel.tick();
    expect(fired).toEqual(['a', 'c']);
    expect(wheel.size).toBe(0);
  });
});

describe('cli', () => {
  it('parses flags, repeated users and --sip-port off', () => {
    expect(parseArgs(['--host', '0.0.0.0', '--ws-port=9000', '--sip-port', 'off', '--domain', 'push.test', '--user', 'alice:se:cret', '--user', 'bob:x'])).toEqual({
      host: '0.0.0.0',
      wsPort: 9000,
      sipPort: null,
      domain: 'push.test',
      users: { alice: 'se:cret', bob: 'x' },
    });
    expect(() => parseArgs(['--ws-port', 'abc'])).toThrow(/not a port/);
    expect(() => parseArgs(['--user', 'nopassword'])).toThrow(/name:password/);
    expect(() => parseArgs(['--what'])).toThrow(/Unknown option/);
  });

  // Issue 9 item 8: authenticated unless told not to.
  it('with no --user generates passwords for alice and psa; --no-auth opens it; both together are refused', () => {
    const first = parseArgs([]);
    const second = parseArgs([]);
    expect(Object.keys(first.users ?? {})).toEqual(['alice', 'psa']);
    expect(first.users!.alice).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(first.users!.alice).not.toBe(second.users!.alice);
    expect(first.noAuth).toBeUndefined();
    expect(parseArgs(['--no-auth'])).toEqual({ noAuth: true });
    expect(() => parseArgs(['--no-auth', '--user', 'a:b'])).toThrow(/contradict/);
  });
});
