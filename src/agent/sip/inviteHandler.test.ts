import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseMsrpOffer, parseSdp } from '../../protocol/sdp/index.ts';
import { getHeader, type SipResponse } from '../../protocol/sip/index.ts';
import { deferred } from '../../testing/pushFixtures.ts';
import type { PushAppSpec } from '../types.ts';
import { InviteHandler, type InviteHandlerOptions, type MsrpDialog, type TerminationCause } from './inviteHandler.ts';
import { bodyText, inDialog, invite, sipRequest, toTagOf } from '../../testing/msrpPeer.ts';

const SHA256 = 'ab'.repeat(32);
const apps = new Map<string, PushAppSpec>([
  ['files.ua', { id: 'files.ua', accept: ['application/octet-stream', 'image/*', 'application/pdf'] }],
  ['private.ua', { id: 'private.ua', accept: ['*/*'], allowFrom: ['sip:boss@example.com'] }],
]);

function setup(overrides: Partial<InviteHandlerOptions<string>> = {}) {
  const confirmed: MsrpDialog<string>[] = [];
  const terminated: [MsrpDialog<string>, TerminationCause][] = [];
  const rejected: { status: number; reason: string }[] = [];
  const handler = new InviteHandler<string>({
    apps,
    contact: () => '<sip:alice@abc.invalid;transport=ws>;+g.oma.pusheventapp="files.ua"',
    limits: { maxTransferBytes: 1000, maxSessions: 2, ackTimeoutMs: 60_000 },
    prepare: () => ({ plan: 'plan' }),
    onConfirmed: (d) => confirmed.push(d),
    onTerminated: (d, c) => terminated.push([d, c]),
    onRejected: (r) => rejected.push(r),
    ...overrides,
  });
  handlers.push(handler);
  return { handler, confirmed, terminated, rejected };
}

const handlers: InviteHandler<string>[] = [];
afterEach(() => {
  for (const h of handlers.splice(0)) h.shutdown();
  vi.useRealTimers();
});

async function answer(handler: InviteHandler<string>, request = invite()): Promise<SipResponse> {
  return (await handler.handle(request))!;
}

// Issue 9 item 8: the MSRP path reads the sender the same way as MESSAGE (pushAddressing.readSender).
describe('InviteHandler: trusting the core, the sender is its P-Asserted-Identity', () => {
  const file = { name: 'a.bin', type: 'application/octet-stream', size: 10, hashes: [] };
  it.each([
    ['asserted as the allowed sender, whatever From says', ['P-Asserted-Identity: <sip:boss@example.com>'], 'sip:nobody@example.com', 200],
    ['From the allowed sender, nothing asserted', [], 'sip:boss@example.com', 403],
    ['From the allowed sender, asserted as someone else', ['P-Asserted-Identity: <sip:mallory@example.com>'], 'sip:boss@example.com', 403],
  ])('%s -> %i', async (_name, extra, from, status) => {
    const { handler } = setup({ trustAssertedIdentity: true });
    const response = await answer(handler, invite({ app: 'private.ua', selector: file, from, extra }));
    expect(response.status).toBe(status);
  });
});

describe('InviteHandler: INVITE policy', () => {
  const file = { name: 'a.bin', type: 'application/octet-stream', size: 1000, hashes: [{ algorithm: 'sha-256', hex: SHA256 }] };
  const wssOnlyTcp = ['v=0', 'o=- 1 1 IN IP4 psa.example.com', 's=-', 'c=IN IP4 psa.example.com', 't=0 0', 'm=message 2855 TCP/MSRP *', 'a=path:msrp://psa.example.com:2855/x;tcp', 'a=accept-types:*', ''].join('\r\n');
  const noPath = ['v=0', 'o=- 1 1 IN IP4 psa.example.com', 's=-', 'c=IN IP4 psa.example.com', 't=0 0', 'm=message 9 TCP/WS/MSRP *', 'a=accept-types:*', ''].join('\r\n');
  const activeSetup = ['v=0', 'o=- 1 1 IN IP4 psa.example.com', 's=-', 'c=IN IP4 psa.example.com', 't=0 0', 'm=message 9 TCP/WS/MSRP *', 'a=path:msrp://psa.example.com:80/x;ws', 'a=accept-types:*', 'a=setup:active', ''].join('\r\n');
  const cases: { name: string; init: Parameters<typeof invite>[0]; status: number; reason?: RegExp; accept?: string }[] = [
    { name: 'no Accept-Contact -> 404', init: { app: null, selector: file }, status: 404 },
    { name: 'unknown app -> 404', init: { app: 'nope.ua', selector: file }, status: 404, reason: /nope\.ua not registered/ },
    { name: 'sender not allowed -> 403', init: { app: 'private.ua', selector: file }, status: 403 },
    { name: 'file type not accepted -> 415 with Accept', init: { selector: { ...file, type: 'text/html' } }, status: 415, accept: 'application/octet-stream, image/*, application/pdf' },
    { name: 'accept-types not accepted -> 415', init: { acceptTypes: ['text/html'] }, status: 415 },
    { name: 'body not SDP -> 415 Accept: application/sdp', init: { contentType: 'text/plain', selector: file }, status: 415, accept: 'application/sdp' },
    { name: 'TCP/WSS missing, TCP/MSRP only -> 488', init: { sdp: wssOnlyTcp }, status: 488 },
    { name: 'no a=path -> 488', init: { sdp: noPath }, status: 488 },
    { name: 'a=setup:active -> 488', init: { sdp: activeSetup }, status: 488 },
    { name: 'file-selector size past maxTransferBytes -> 413', init: { selector: { ...file, size: 1001 } }, status: 413, reason: /1001 bytes exceeds 1000/ },
    { name: 'garbled SDP -> 400', init: { sdp: 'hello' }, status: 400 },
    { name: 'file-selector size at maxTransferBytes -> 200', init: { selector: file }, status: 200 },
    { name: 'WSS transport -> 200', init: { protocol: 'TCP/WSS/MSRP', selector: file }, status: 200 },
    { name: 'any type for an app accepting */* from an allowed sender -> 200', init: { app: 'private.ua', from: 'sip:boss@example.com', acceptTypes: ['*'] }, status: 200 },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { handler, rejected } = setup();
      const response = await answer(handler, invite(c.init));
      expect(response.status).toBe(c.status);
      expect(toTagOf(response)).toBeTruthy();
      if (c.reason) expect(response.reason).toMatch(c.reason);
      if (c.accept) expect(getHeader(response, 'Accept')).toBe(c.accept);
      expect(rejected.length).toBe(c.status === 200 ? 0 : 1);
    });
  }

  it('400 for a missing Call-ID or a From without tag', async () => {
    const { handler } = setup();
    const noTag = sipRequest(['INVITE sip:alice@example.com SIP/2.0', 'Via: SIP/2.0/WSS x;branch=z9hG4bK1', 'From: <sip:psa@example.com>', 'To: <sip:alice@example.com>', 'Call-ID: c1', 'CSeq: 1 INVITE']);
    expect((await answer(handler, noTag)).status).toBe(400);
  });

  it('486 past maxSessions, again 200 once one ends', async () => {
    const { handler } = setup();
    const first = invite();
    const r1 = await answer(handler, first);
    expect(r1.status).toBe(200);
    expect((await answer(handler)).status).toBe(200);
    expect((await answer(handler)).status).toBe(486);
    expect((await handler.handle(inDialog('BYE', first, r1)))!.status).toBe(200);
    expect((await answer(handler)).status).toBe(200);
  });

  it('answers 200 with the SDP answer, Contact, a To tag and the Record-Route', async () => {
    const { handler } = setup({ randomId: (() => { let n = 0; return () => ['Host1', 'Sess1d'][n++ % 2]!; })() });
    const response = await answer(handler, invite({ selector: file, transferId: 'ft-xyz' }));
    expect(response.status).toBe(200);
    expect(getHeader(response, 'Contact')).toContain('sip:alice@abc.invalid');
    expect(getHeader(response, 'Content-Type')).toBe('application/sdp');
    expect(getHeader(response, 'Record-Route')).toBe('<sip:core.example.com;lr;transport=ws>');
    expect(toTagOf(response)).toMatch(/^[a-z0-9]{10}$/);
    const sdp = bodyText(response);
    const media = parseSdp(sdp).media[0]!;
    expect(media.protocol).toBe('TCP/WS/MSRP');
    const attrs = Object.fromEntries(media.attributes.map((a) => [a.name, a.value ?? true]));
    expect(attrs.path).toBe('msrp://host1.invalid:2855/Sess1d;ws');
    expect(attrs.setup).toBe('active');
    expect(attrs.recvonly).toBe(true);
    expect(attrs['accept-types']).toBe('application/octet-stream');
    expect(attrs['file-transfer-id']).toBe('ft-xyz');
    expect(String(attrs['file-selector'])).toContain('size:1000');
    expect(sdp).toContain('c=IN IP4 host1.invalid');
    // The answer parses as an MSRP description too.
    expect(parseMsrpOffer(sdp.replace('a=recvonly', 'a=sendonly')).path).toEqual(['msrp://host1.invalid:2855/Sess1d;ws']);
  });
});

describe('InviteHandler: dialog', () => {
  it('ACK confirms the dialog (once), BYE ends it with 200, a second BYE gets 481', async () => {
    const { handler, confirmed, terminated } = setup();
    const inv = invite();
    const ok = await answer(handler, inv);
    expect(handler.handle(inDialog('ACK', inv, ok))).toBeNull();
    expect(handler.handle(inDialog('ACK', inv, ok))).toBeNull();
    expect(confirmed).toHaveLength(1);
    expect(confirmed[0]!.plan).toBe('plan');
    expect(confirmed[0]!.state).toBe('confirmed');
    expect(confirmed[0]!.remotePath).toEqual(['msrp://psa.example.com:8443/s3ndrSess10n;ws']);
    const bye = (await handler.handle(inDialog('BYE', inv, ok)))!;
    expect(bye.status).toBe(200);
    expect(terminated.map(([d, c]) => [d.state, c])).toEqual([['terminated', 'bye']]);
    expect((await handler.handle(inDialog('BYE', inv, ok)))!.status).toBe(481);
  });

  it('BYE or ACK with a wrong To tag matches no dialog', async () => {
    const { handler, confirmed } = setup();
    const inv = invite();
    const ok = await answer(handler, inv);
    const other = { ...ok, headers: ok.headers.map((h) => (h.name === 'To' ? { ...h, value: '<sip:alice@example.com>;tag=other' } : h)) };
    expect(handler.handle(inDialog('ACK', inv, other))).toBeNull();
    expect(confirmed).toHaveLength(0);
    expect((await handler.handle(inDialog('BYE', inv, other)))!.status).toBe(481);
  });

  it('CANCEL before the 200: 200 to the CANCEL and 487 to the INVITE, no session', async () => {
    const gate = deferred<void>();
    const { handler, confirmed, terminated } = setup({ prepare: async () => { await gate.promise; return { plan: 'p' }; } });
    const inv = invite();
    const pending = handler.handle(inv) as Promise<SipResponse>;
    const cancel = (await handler.handle(inDialog('CANCEL', inv)))!;
    expect(cancel.status).toBe(200);
    gate.resolve();
    const final = await pending;
    expect(final.status).toBe(487);
    expect(getHeader(final, 'CSeq')).toBe('1 INVITE');
    expect(handler.handle(inDialog('ACK', inv, final))).toBeNull();
    expect(confirmed).toHaveLength(0);
    expect(terminated).toHaveLength(0);
    expect(handler.active).toHaveLength(0);
  });

  it('CANCEL after the 200 is answered 200 and changes nothing; unknown CANCEL 481', async () => {
    const { handler, confirmed } = setup();
    const inv = invite();
    const ok = await answer(handler, inv);
    expect((await handler.handle(inDialog('CANCEL', inv)))!.status).toBe(200);
    handler.handle(inDialog('ACK', inv, ok));
    expect(confirmed).toHaveLength(1);
    expect((await handler.handle(inDialog('CANCEL', invite())))!.status).toBe(481);
  });

  it('a retransmitted INVITE gets the same response; a re-INVITE 488', async () => {
    const { handler } = setup();
    const inv = invite();
    const ok = await answer(handler, inv);
    const again = await answer(handler, inv);
    expect(again).toBe(ok);
    const reinvite = invite({ callId: getHeader(inv, 'Call-ID')!, cseq: 3 });
    reinvite.headers = reinvite.headers.map((h) => (h.name === 'To' ? { ...h, value: getHeader(ok, 'To')! } : h));
    reinvite.headers = reinvite.headers.map((h) => (h.name === 'From' ? { ...h, value: getHeader(inv, 'From')! } : h));
    expect((await answer(handler, reinvite)).status).toBe(488);
  });

  it('no ACK within ackTimeoutMs ends the dialog', async () => {
    vi.useFakeTimers();
    const { handler, terminated } = setup();
    const inv = invite();
    const ok = await answer(handler, inv);
    vi.advanceTimersByTime(60_000);
    expect(terminated.map(([, c]) => c)).toEqual(['ack-timeout']);
    expect(handler.handle(inDialog('ACK', inv, ok))).toBeNull();
    expect((await handler.handle(inDialog('BYE', inv, ok)))!.status).toBe(481);
  });

  it('a prepare() refusal or failure answers its status and never throws', async () => {
    const { handler } = setup({ prepare: () => ({ reject: { status: 503, reason: 'Transfer storage full' } }) });
    const r = await answer(handler);
    expect([r.status, r.reason]).toEqual([503, 'Transfer storage full']);
    const { handler: h2 } = setup({ prepare: () => Promise.reject(new Error('boom')) });
    expect((await answer(h2)).status).toBe(500);
    expect((await h2.handle(sipRequest(['OPTIONS sip:a@b SIP/2.0', 'Via: SIP/2.0/WS x;branch=z9hG4bK2', 'From: <sip:x@y>;tag=1', 'To: <sip:a@b>', 'Call-ID: o1', 'CSeq: 1 OPTIONS'])))!.status).toBe(405);
  });
});
