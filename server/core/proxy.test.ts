import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getHeader, getHeaderValues, parseChallenge, parseNameAddr, type SipRequest, type SipResponse } from '../../src/protocol/sip/index.ts';
import { startTestCore, type TestCore } from '../testing/coreHarness.ts';
import { reply, ringUntilCancelled, type SipUa } from '../testing/sipUa.ts';
import { until } from '../testing/until.ts';
import type { CoreMessageEvent } from './index.ts';

let core: TestCore;
const ua = () => core.ua();
const messagesTo = (u: SipUa) => u.received.filter((m): m is SipRequest => m.kind === 'request' && m.method === 'MESSAGE');
const pushAc = (app: string) => ({ name: 'Accept-Contact', value: `*;+g.oma.pusheventapp="${app}";require;explicit` });

beforeEach(async () => {
  core = await startTestCore();
});
afterEach(async () => {
  await core.close();
});

describe('proxy', () => {
  it('forks a MESSAGE to every contact matching Accept-Contact require;explicit, and only those', async () => {
    const news1 = await ua();
    const news2 = await ua();
    const mms = await ua();
    const bare = await ua();
    await news1.register({ aor: 'sip:alice@localhost', contactParams: ';+g.oma.pusheventapp="news.ua,mms.ua"' });
    await news2.register({ aor: 'sip:alice@localhost', contactParams: ';+g.oma.pusheventapp="news.ua"' });
    await mms.register({ aor: 'sip:alice@localhost', contactParams: ';+g.oma.pusheventapp="mms.ua"' });
    await bare.register({ aor: 'sip:alice@localhost' });
    for (const u of [news1, news2, mms, bare]) u.answer((req) => reply(req, 200));

    const sender = await ua();
    const res = await sender.request(sender.build('MESSAGE', 'sip:alice@localhost', { body: 'news', headers: [pushAc('news.ua'), { name: 'Content-Type', value: 'text/plain' }] }));
    expect(res.status).toBe(200);
    expect(messagesTo(news1)).toHaveLength(1);
    expect(messagesTo(news2)).toHaveLength(1);
    expect(messagesTo(mms)).toHaveLength(0);
    expect(messagesTo(bare)).toHaveLength(0);

    const m = messagesTo(news1)[0]!;
    expect(m.uri).toBe(news1.contactUri());
    expect(getHeader(m, 'max-forwards')).toBe('69');
    const vias = getHeaderValues(m, 'via');
    expect(vias).toHaveLength(2);
    expect(vias[0]).toMatch(/^SIP\/2\.0\/WS 127\.0\.0\.1:\d+;branch=z9hG4bK/);
    expect(vias[1]).toMatch(/;rport=\d+;received=127\.0\.0\.1/);
    expect(new TextDecoder().decode(m.body)).toBe('news');
    // The sender sees its own Via only.
    expect(getHeaderValues(res, 'via')).toHaveLength(1);
    // Without require, every contact is a target.
    const all = await sender.request(sender.build('MESSAGE', 'sip:alice@localhost', { body: 'x' }));
    expect(all.status).toBe(200);
    expect(messagesTo(bare)).toHaveLength(1);
  });

  it('answers 404 for an AoR without bindings and 480 when no binding matches Accept-Contact', async () => {
    const a = await ua();
    await a.register({ aor: 'sip:alice@localhost', contactParams: ';+g.oma.pusheventapp="news.ua"' });
    const sender = await ua();
    expect((await sender.request(sender.build('MESSAGE', 'sip:nobody@localhost'))).status).toBe(404);
    const none = await sender.request(sender.build('MESSAGE', 'sip:alice@localhost', { headers: [pushAc('mms.ua')] }));
    expect(none.status).toBe(480);
    expect(messagesTo(a)).toHaveLength(0);
  });

  it('chooses the best final response: a 2xx over a 404, a 415 over a 404, a 6xx over everything', async () => {
    const a = await ua();
    const b = await ua();
    await a.register({ aor: 'sip:alice@localhost' });
    await b.register({ aor: 'sip:alice@localhost' });
    const sender = await ua();
    a.answer((req) => reply(req, 404));
    b.answer((req) => reply(req, 200));
    expect((await sender.request(sender.build('MESSAGE', 'sip:alice@localhost'))).status).toBe(200);
    b.answer((req) => reply(req, 415, [{ name: 'Accept', value: 'text/plain' }]));
    const r415 = await sender.request(sender.build('MESSAGE', 'sip:alice@localhost'));
    expect(r415.status).toBe(415);
    expect(getHeader(r415, 'accept')).toBe('text/plain');
    b.answer((req) => reply(req, 500));
    expect((await sender.request(sender.build('MESSAGE', 'sip:alice@localhost'))).status).toBe(404);
    b.answer((req) => reply(req, 603));
    expect((await sender.request(sender.build('MESSAGE', 'sip:alice@localhost'))).status).toBe(603);
    a.answer((req) => reply(req, 503));
    b.answer((req) => reply(req, 503));
    expect((await sender.request(sender.build('MESSAGE', 'sip:alice@localhost'))).status).toBe(500);
  });

  it('forwards the 2xx as soon as it arrives, without waiting for the other branch', async () => {
    const fast = await ua();
    const silent = await ua();
    await fast.register({ aor: 'sip:alice@localhost' });
    await silent.register({ aor: 'sip:alice@localhost' });
    fast.answer((req) => reply(req, 200));
    const sender = await ua();
    expect((await sender.request(sender.build('MESSAGE', 'sip:alice@localhost'))).status).toBe(200);
  });

  it('answers 408 when no branch answers before the transaction timeout (Timer F)', async () => {
    await core.close();
    core = await startTestCore({ limits: { transactionTimeoutMs: 200 } });
    const silent = await ua();
    await silent.register({ aor: 'sip:alice@localhost' });
    const sender = await ua();
    const res = await sender.request(sender.build('MESSAGE', 'sip:alice@localhost'));
    expect(res.status).toBe(408);
    expect(messagesTo(silent)).toHaveLength(1);
  });

  it('answers 480 for a branch whose WebSocket closes before it answers', async () => {
    const doomed = await ua();
    await doomed.register({ aor: 'sip:alice@localhost' });
    const sender = await ua();
    const pending = sender.request(sender.build('MESSAGE', 'sip:alice@localhost'));
    await doomed.waitFor((m) => m.kind === 'request' && m.method === 'MESSAGE');
    doomed.socket.terminate();
    expect((await pending).status).toBe(480);
  });

  it('answers 483 at Max-Forwards 0, but answers OPTIONS to the core itself', async () => {
    const a = await ua();
    await a.register({ aor: 'sip:alice@localhost' });
    const sender = await ua();
    expect((await sender.request(sender.build('MESSAGE', 'sip:alice@localhost', { maxForwards: 0 }))).status).toBe(483);
    expect(messagesTo(a)).toHaveLength(0);
    const options = await sender.request(sender.build('OPTIONS', 'sip:localhost', { maxForwards: 0 }));
    expect(options.status).toBe(200);
    expect(getHeader(options, 'allow')).toContain('MESSAGE');
  });

  it('refuses to relay from outside the domain to outside the domain', async () => {
    const sender = await ua();
    const res = await sender.request(sender.build('MESSAGE', 'sip:bob@example.com', { from: 'sip:eve@example.org' }));
    expect(res.status).toBe(403);
  });

  it('routes INVITE, ACK and BYE through Record-Route to a .invalid WebSocket contact, in both directions', async () => {
    const callee = await ua();
    await callee.register({ aor: 'sip:alice@localhost' });
    const caller = await ua();
    callee.answer((req) => {
      // A UAS copies Record-Route into its 2xx (RFC 3261 section 12.1.1).
      const recordRoute = getHeaderValues(req, 'record-route').map((value) => ({ name: 'Record-Route', value }));
      if (req.method === 'INVITE') return [reply(req, 180), reply(req, 200, [...recordRoute, { name: 'Contact', value: `<${callee.contactUri()}>` }])];
      return reply(req, 200);
    });
    const invite = caller.build('INVITE', 'sip:alice@localhost', { headers: [{ name: 'Contact', value: `<${caller.contactUri({ user: 'caller' })}>` }, { name: 'Content-Type', value: 'application/sdp' }], body: 'v=0\r\n' });
    const from = caller.received.length;
    const ok = await caller.request(invite);
    expect(ok.status).toBe(200);
    // 100 Trying from the core, then the forwarded 180.
    const provisional = caller.received.slice(from).filter((m): m is SipResponse => m.kind === 'response' && m.status < 200).map((m) => m.status);
    expect(provisional).toEqual([100, 180]);

    const forwarded = callee.received.find((m): m is SipRequest => m.kind === 'request' && m.method === 'INVITE')!;
    const rr = getHeaderValues(forwarded, 'record-route');
    expect(rr).toHaveLength(1);
    expect(rr[0]).toMatch(/^<sip:ft-[a-z0-9]+-[a-z0-9]+@127\.0\.0\.1:\d+;transport=ws;lr>$/);
    expect(getHeaderValues(ok, 'record-route')).toEqual(rr);

    // Caller side of the dialog: Route = Record-Route, Request-URI = callee's Contact.
    const dialog = (method: string, cseq: number) =>
      caller.build(method, callee.contactUri(), {
        callId: getHeader(invite, 'call-id')!,
        cseq,
        from: parseNameAddr(getHeader(invite, 'from')!).uri,
        to: getHeader(ok, 'to')!,
        headers: [{ name: 'Route', value: rr[0]! }],
      });
    caller.send(dialog('ACK', 1));
    const ack = (await callee.waitFor((m) => m.kind === 'request' && m.method === 'ACK')) as SipRequest;
    expect(getHeaderValues(ack, 'route')).toHaveLength(0);
    expect(ack.uri).toBe(callee.contactUri());

    // Callee hangs up: BYE to the caller's .invalid contact via the same Route.
    caller.answer((req) => reply(req, 200));
    const bye = callee.build('BYE', caller.contactUri({ user: 'caller' }), { callId: getHeader(invite, 'call-id')!, cseq: 1, headers: [{ name: 'Route', value: rr[0]! }] });
    const byeOk = await callee.request(bye);
    expect(byeOk.status).toBe(200);
    expect(caller.received.some((m) => m.kind === 'request' && m.method === 'BYE')).toBe(true);
  });

  it('absorbs the ACK of a non-2xx INVITE response hop by hop and CANCELs pending branches', async () => {
    const busy = await ua();
    await busy.register({ aor: 'sip:alice@localhost' });
    busy.answer((req) => (req.method === 'INVITE' ? reply(req, 486) : null));
    const caller = await ua();
    const invite = caller.build('INVITE', 'sip:alice@localhost');
    const res = await caller.request(invite);
    expect(res.status).toBe(486);
    // The core ACKed the callee itself.
    await busy.waitFor((m) => m.kind === 'request' && m.method === 'ACK');
    // The caller's ACK (same branch as its INVITE) stops at the core.
    const ack = caller.build('ACK', 'sip:alice@localhost', { callId: getHeader(invite, 'call-id')!, to: getHeader(res, 'to')! });
    ack.headers[0] = invite.headers[0]!;
    const ackAtCore = new Promise<void>((resolve) => {
      const off = core.onMessage((e) => {
        if (e.direction === 'in' && e.message.kind === 'request' && e.message.method === 'ACK') {
          off();
          resolve();
        }
      });
    });
    caller.send(ack);
    await ackAtCore;
    expect(busy.received.filter((m) => m.kind === 'request' && m.method === 'ACK')).toHaveLength(1);

    // CANCEL: the ringing callee gets a CANCEL and answers 487, which reaches the caller.
    const ringing = await ua();
    await busy.close();
    await ringing.register({ aor: 'sip:alice@localhost' });
    ringUntilCancelled(ringing);
    const invite2 = caller.build('INVITE', 'sip:alice@localhost');
    const final = caller.request(invite2);
    await caller.waitFor((m) => m.kind === 'response' && m.status === 180);
    const cancel = caller.build('CANCEL', 'sip:alice@localhost', { callId: getHeader(invite2, 'call-id')!, from: 'x', to: getHeader(invite2, 'to')! });
    cancel.headers = cancel.headers.map((h) => (/^(via|from)$/i.test(h.name) ? { ...h, value: getHeader(invite2, h.name)! } : h));
    const cancelRes = await caller.request(cancel);
    expect(cancelRes.status).toBe(200);
    expect((await final).status).toBe(487);
    const acks = () => ringing.received.filter((m) => m.kind === 'request' && m.method === 'ACK').length;
    await until(() => acks() === 1);
  });

  it('lets tests observe every message through onMessage', async () => {
    const seen: CoreMessageEvent[] = [];
    const off = core.onMessage((e) => seen.push(e));
    const sender = await ua();
    await sender.request(sender.build('OPTIONS', 'sip:localhost'));
    off();
    expect(seen.map((e) => `${e.direction} ${e.message.kind === 'request' ? e.message.method : e.message.status}`)).toEqual(['in OPTIONS', 'out 200']);
    expect(seen[0]!.transport).toBe('WS');
  });
});

describe('digest authentication', () => {
  beforeEach(async () => {
    await core.close();
    core = await startTestCore({ users: { alice: 'secret', bob: 'hunter2' }, realm: 'push.test' });
  });

  async function withAuth(u: SipUa, req: SipRequest, password: string, user: string): Promise<SipResponse> {
    return u.request(req, { signAs: { user, password } });
  }

  it('challenges REGISTER with 401, accepts the right password, re-challenges a wrong one', async () => {
    const a = await ua();
    const first = await a.register({ aor: 'sip:alice@localhost' });
    expect(first.status).toBe(401);
    const challenge = parseChallenge(getHeader(first, 'www-authenticate')!);
    expect(challenge.realm).toBe('push.test');
    expect(challenge.qop).toEqual(['auth']);
    const reg = (password: string, user = 'alice') =>
      withAuth(a, a.build('REGISTER', 'sip:localhost', { from: 'sip:alice@localhost', to: '<sip:alice@localhost>', headers: [{ name: 'Contact', value: `<${a.contactUri()}>` }] }), password, user);
    expect((await reg('wrong')).status).toBe(401);
    expect(core.bindings()).toHaveLength(0);
    expect((await reg('secret', 'nobody')).status).toBe(401);
    expect((await reg('hunter2', 'bob')).status).toBe(403); // bob may not register alice
    expect((await reg('secret')).status).toBe(200);
    expect(core.bindings('sip:alice@localhost')).toHaveLength(1);
  });

  it('challenges out-of-dialog requests from a local user with 407 and forwards them once authenticated', async () => {
    const target = await ua();
    await withAuth(target, target.build('REGISTER', 'sip:localhost', { from: 'sip:alice@localhost', to: '<sip:alice@localhost>', headers: [{ name: 'Contact', value: `<${target.contactUri()}>` }] }), 'secret', 'alice');
    target.answer((req) => reply(req, 200));
    const sender = await ua();
    const msg = () => sender.build('MESSAGE', 'sip:alice@localhost', { from: 'sip:bob@localhost' });
    const first = await sender.request(msg());
    expect(first.status).toBe(407);
    expect(messagesTo(target)).toHaveLength(0);
    expect((await withAuth(sender, msg(), 'bad', 'bob')).status).toBe(407);
    const ok = await withAuth(sender, msg(), 'hunter2', 'bob');
    expect(ok.status).toBe(200);
    expect(messagesTo(target)).toHaveLength(1);
    expect(getHeader(messagesTo(target)[0]!, 'proxy-authorization')).toBeUndefined();
    // A sender that is not a local user (e.g. a Push Initiator's gateway) needs no credentials.
    expect((await sender.request(sender.build('MESSAGE', 'sip:alice@localhost', { from: 'sip:ppg@example.org' }))).status).toBe(200);
  });
});
