/**
 * Faults found by feeding the receiver bad input and careless peers (issue 9 items 3 and 4),
 * each through a real WebSocket (`ws`) sender: session slots that leaked when the sender
 * closed the MSRP socket without a BYE, and further messages of a session that bypassed the
 * answer's accept-types and the app's policy.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getHeader, getHeaders, parseNameAddr, type SipRequest } from '../../protocol/sip/index.ts';
import { inDialog, invite, makeContent, type InviteInit } from '../../testing/msrpPeer.ts';
import { uniqueDbName } from '../../testing/pushFixtures.ts';
import { settled } from '../../../server/testing/settled.ts';
import { startWsMsrpSender, type WsMsrpPeer, type WsMsrpSender } from '../../testing/wsMsrpSender.ts';
import { transferDbName, type TransferRecord } from '../store/transferSchema.ts';
import { TransferStore } from '../store/transferStore.ts';
import type { MsrpReceiverLimits, PushAppSpec } from '../types.ts';
import { MsrpReceiver } from './receiver.ts';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Rig {
  receiver: MsrpReceiver;
  sender: WsMsrpSender;
  byes: SipRequest[];
  completed: TransferRecord[];
}

async function rig(apps: Map<string, PushAppSpec>, limits: Partial<MsrpReceiverLimits> = {}): Promise<Rig> {
  const sender = await startWsMsrpSender();
  const store = await TransferStore.open(transferDbName(uniqueDbName('faults')));
  const byes: SipRequest[] = [];
  const receiver = new MsrpReceiver({
    apps,
    store,
    contact: () => '<sip:alice@x.invalid;transport=ws>',
    onComplete: async () => undefined,
    createWebSocket: sender.createWebSocket,
    limits,
    sendRequest: (request) => byes.push(request),
    via: () => 'SIP/2.0/WS rx.invalid',
  });
  const r: Rig = { receiver, sender, byes, completed: [] };
  receiver.on('completed', (t) => r.completed.push(t));
  cleanups.push(async () => {
    await receiver.close();
    store.close();
    await sender.close();
  });
  return r;
}

/** INVITE -> 200 -> ACK; resolves with the sender's end once the receiver bound over the real socket. */
async function openSession(r: Rig, init: InviteInit): Promise<{ inv: SipRequest; peer: WsMsrpPeer; localTag: string }> {
  const inv = invite({ path: r.sender.path, ...init });
  const ok = (await r.receiver.handle(inv))!;
  expect(ok.status).toBe(200);
  r.receiver.handle(inDialog('ACK', inv, ok));
  const peer = await r.sender.nextPeer();
  return { inv, peer, localTag: parseNameAddr(getHeader(ok, 'To')!).params.get('tag')! };
}

const FILES = new Map<string, PushAppSpec>([['files.ua', { id: 'files.ua', accept: ['application/octet-stream'] }]]);

describe('issue 9 item 3: a session that ends by any path frees its slot', () => {
  it('maxSessions transfers whose sender closes the socket without a BYE (completed ones too) leave the next INVITE answered 200, not 486', async () => {
    const r = await rig(FILES, { maxSessions: 2, byeAfterSessionEndMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      const file = makeContent(1000, i + 1);
      const { peer } = await openSession(r, { selector: { type: 'application/octet-stream', size: file.length, hashes: [] } });
      if (i === 0) {
        // One of them completes first: completed sessions leaked their slot too.
        peer.send({ transactionId: `done${i}`, method: 'SEND', messageId: `message${i}`, byteRange: { start: 1, end: 1000, total: 1000 }, contentType: 'application/octet-stream', body: file, flag: '$' });
        await vi.waitFor(() => expect(r.completed).toHaveLength(1));
      }
      peer.drop();
      await vi.waitFor(() => expect(r.receiver.sessionCount).toBe(0));
    }
    const fourth = await r.receiver.handle(invite({ path: r.sender.path, selector: { type: 'application/octet-stream', size: 10, hashes: [] } }));
    expect(fourth!.status).toBe(200);
  });

  it('at the limit: with maxSessions open the next INVITE is 486; one dropped socket makes room for exactly one', async () => {
    const r = await rig(FILES, { maxSessions: 2, byeAfterSessionEndMs: 60_000 });
    const offer = { selector: { type: 'application/octet-stream', size: 10, hashes: [] } };
    const first = await openSession(r, offer);
    await openSession(r, offer);
    expect((await r.receiver.handle(invite({ path: r.sender.path, ...offer })))!.status).toBe(486);
    first.peer.drop();
    await vi.waitFor(() => expect(r.receiver.sessionCount).toBe(1));
    await openSession(r, offer);
    expect((await r.receiver.handle(invite({ path: r.sender.path, ...offer })))!.status).toBe(486);
  });

  it('a dialog whose session is gone is ended with our BYE after byeAfterSessionEndMs, built from the INVITE', async () => {
    const r = await rig(FILES, { byeAfterSessionEndMs: 30 });
    const { inv, peer, localTag } = await openSession(r, { selector: { type: 'application/octet-stream', size: 10, hashes: [] } });
    peer.drop();
    await vi.waitFor(() => expect(r.byes).toHaveLength(1));
    const bye = r.byes[0]!;
    expect(bye.method).toBe('BYE');
    expect(bye.uri).toBe(parseNameAddr(getHeader(inv, 'Contact')!).uri);
    expect(getHeaders(bye, 'Route')).toEqual(getHeaders(inv, 'Record-Route'));
    expect(getHeader(bye, 'From')).toBe(`${getHeader(inv, 'To')};tag=${localTag}`);
    expect(getHeader(bye, 'To')).toBe(getHeader(inv, 'From'));
    expect(getHeader(bye, 'Call-ID')).toBe(getHeader(inv, 'Call-ID'));
    expect(getHeader(bye, 'CSeq')).toBe('1 BYE');
    expect(getHeader(bye, 'Via')).toMatch(/^SIP\/2\.0\/WS rx\.invalid;branch=z9hG4bK/);
    // The dialog is gone: a late BYE from the sender finds nothing.
    expect(r.receiver.handle(inDialog('BYE', inv, { ...(await r.receiver.handle(inv))!, headers: [{ name: 'To', value: `${getHeader(inv, 'To')};tag=${localTag}` }] }, 2))).toMatchObject({ status: 481 });
  });

  it("the sender's own BYE within the grace period ends the dialog: 200, and no BYE of ours", async () => {
    const r = await rig(FILES, { byeAfterSessionEndMs: 200 });
    const inv = invite({ path: r.sender.path, selector: { type: 'application/octet-stream', size: 10, hashes: [] } });
    const ok = (await r.receiver.handle(inv))!;
    r.receiver.handle(inDialog('ACK', inv, ok));
    const peer = await r.sender.nextPeer();
    peer.drop();
    await vi.waitFor(() => expect(r.receiver.sessionCount).toBe(0));
    expect(await r.receiver.handle(inDialog('BYE', inv, ok, 2))).toMatchObject({ status: 200 });
    await settled(300); // past the 200 ms grace period, then the absence of our BYE
    expect(r.byes).toEqual([]);
  });
});

describe('issue 9 item 4: every message of a session is held to the answer and the app policy', () => {
  const TEXT_ONLY = new Map<string, PushAppSpec>([['notes.ua', { id: 'notes.ua', accept: ['text/plain'] }]]);

  it('further Message-IDs of another type get 415 on every chunk and nothing is stored; the offered file completes', async () => {
    const r = await rig(TEXT_ONLY);
    const text = new TextEncoder().encode('hello');
    const { peer } = await openSession(r, { app: 'notes.ua', acceptTypes: ['text/plain'], selector: { type: 'text/plain', size: text.length, hashes: [] } });
    const evil = makeContent(2000, 9);
    for (const [id, type] of [['exeMsg00', 'application/x-msdownload'], ['htmlMsg0', 'text/html']] as const) {
      peer.send({ transactionId: `${id}1`, method: 'SEND', messageId: id, byteRange: { start: 1, end: 1000, total: 2000 }, contentType: type, body: evil.subarray(0, 1000), flag: '+' });
      peer.send({ transactionId: `${id}2`, method: 'SEND', messageId: id, byteRange: { start: 1001, end: 2000, total: 2000 }, contentType: type, body: evil.subarray(1000), flag: '$' });
      expect((await peer.response(`${id}1`)).code).toBe(415);
      expect((await peer.response(`${id}2`)).code).toBe(415);
    }
    peer.send({ transactionId: 'okTx0001', method: 'SEND', messageId: 'fileMsg0', successReport: 'yes', byteRange: { start: 1, end: text.length, total: text.length }, contentType: 'text/plain', body: text, flag: '$' });
    expect((await peer.response('okTx0001')).code).toBe(200);
    await vi.waitFor(() => expect(r.completed).toHaveLength(1));
    const transfers = await r.receiver.listTransfers();
    expect(transfers.map((t) => [t.contentType, t.state])).toEqual([['text/plain', 'complete']]);
    expect(peer.reports.map((m) => m.status?.code)).toEqual([200]);
  });

  it('a type among the accept-types that the app refuses (offer wider than the app) gets 415 too', async () => {
    const r = await rig(TEXT_ONLY);
    const text = new TextEncoder().encode('x');
    // The answer can only carry what the app takes; a SEND of a type the app refuses never reaches the store.
    const { peer } = await openSession(r, { app: 'notes.ua', acceptTypes: ['text/plain', 'text/html'], selector: { type: 'text/plain', size: 1, hashes: [] } });
    peer.send({ transactionId: 'htmlTx01', method: 'SEND', messageId: 'fileMsg0', byteRange: { start: 1, end: 1, total: 1 }, contentType: 'text/html', body: text, flag: '$' });
    expect((await peer.response('htmlTx01')).code).toBe(415);
    expect((await r.receiver.listTransfers()).map((t) => [t.receivedBytes, t.state])).toEqual([[0, 'receiving']]);
    peer.drop();
    await vi.waitFor(async () => expect((await r.receiver.listTransfers()).map((t) => [t.receivedBytes, t.state])).toEqual([[0, 'failed']]));
    expect(r.completed).toEqual([]);
  });
});

describe('issue 9 item 7: an MSRP SEND without its end-line is answered, or the session closed', () => {
  const raw = (peer: WsMsrpPeer, path: string, tid: string, endLine: string) =>
    `MSRP ${tid} SEND\r\nTo-Path: ${peer.receiverUri}\r\nFrom-Path: ${path}\r\nMessage-ID: rawMsg01\r\nByte-Range: 1-5/5\r\nContent-Type: application/octet-stream\r\n\r\nhello${endLine}`;

  it.each([
    ['no end-line at all', ''],
    ['an end-line naming another transaction', '\r\n-------otherTx9$\r\n'],
    ['an end-line without its flag', '\r\n-------rawTx001\r\n'],
  ])('%s: 400 to that transaction', async (_name, endLine) => {
    const r = await rig(FILES);
    const { peer } = await openSession(r, { selector: { type: 'application/octet-stream', size: 5, hashes: [] } });
    peer.sendRaw(raw(peer, r.sender.path, 'rawTx001', endLine));
    expect((await peer.response('rawTx001')).code).toBe(400);
  });

  it('bytes with no readable transaction ID: the receiver closes the session', async () => {
    const r = await rig(FILES);
    const { peer } = await openSession(r, { selector: { type: 'application/octet-stream', size: 5, hashes: [] } });
    peer.sendRaw('MSRP\r\ngarbage with no transaction\r\n');
    await peer.closed;
    await vi.waitFor(() => expect(r.receiver.sessionCount).toBe(0));
  });
});
