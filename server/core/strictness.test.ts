/**
 * Protocol strictness at the core (issue 9 item 7): what it once passed on or dropped in
 * silence is answered, over UDP, TCP and WebSocket alike, so no sender waits for Timer F.
 */
import dgram from 'node:dgram';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startCore, type RunningCore } from './index.ts';

let core: RunningCore;
beforeAll(async () => {
  core = await startCore({ wsPort: 0, sipPort: 0, noAuth: true });
});
afterAll(() => core.close());

const sockets: dgram.Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

const VIA = 'Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK';

function request(branch: string, opts: { start?: string; eol?: string; extra?: string[]; cseq?: string } = {}): string {
  const eol = opts.eol ?? '\r\n';
  return [
    opts.start ?? 'MESSAGE sip:alice@localhost SIP/2.0',
    `${VIA}${branch}`,
    'Max-Forwards: 70',
    `From: <sip:psa@localhost>;tag=${branch}`,
    'To: <sip:alice@localhost>',
    `Call-ID: ${branch}@test`,
    `CSeq: ${opts.cseq ?? '1 MESSAGE'}`,
    ...(opts.extra ?? []),
    'Content-Type: text/plain',
    'Content-Length: 2',
    '',
    'hi',
  ].join(eol);
}

/** Send one datagram; resolves with the status line of the first answer (or 'none' after `ms`). */
async function udpExchange(text: string, ms = 3_000): Promise<string> {
  const socket = dgram.createSocket('udp4');
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const answer = new Promise<string>((resolve) => {
    socket.on('message', (m) => resolve(m.toString('latin1').split('\r\n')[0]!));
    setTimeout(() => resolve('none'), ms);
  });
  socket.send(text, core.udpPort!, '127.0.0.1');
  return answer;
}

describe('the core answers what it once passed on or dropped', () => {
  it.each([
    ['a method in the wrong case (message, CSeq MESSAGE)', request('case1', { start: 'message sip:alice@localhost SIP/2.0' }), /^SIP\/2\.0 400 CSeq method MESSAGE does not match message/],
    ['a CSeq naming another method', request('cseq1', { cseq: '1 OPTIONS' }), /^SIP\/2\.0 400 /],
    ['SIP/3.0', request('ver1', { start: 'MESSAGE sip:alice@localhost SIP/3.0' }), /^SIP\/2\.0 505 /],
    ['bare LF line ends', request('lf1', { eol: '\n' }), /^SIP\/2\.0 400 /],
    ['a double space in the start line', request('sp1', { start: 'MESSAGE  sip:alice@localhost SIP/2.0' }), /^SIP\/2\.0 400 /],
    ['two From headers', request('from2', { extra: ['From: <sip:mallory@localhost>;tag=m'] }), /^SIP\/2\.0 400 More than one From header/],
    ['two different Content-Lengths', request('cl2', { extra: ['Content-Length: 0'] }), /^SIP\/2\.0 400 Two different Content-Length headers/],
    ['a From with two URIs', request('uri2').replace('From: <sip:psa@localhost>;tag=uri2', 'From: <sip:psa@localhost>, <sip:boss@localhost>;tag=uri2'), /^SIP\/2\.0 400 From header holds more than one address/],
  ])('%s', async (_name, text, want) => {
    expect(await udpExchange(text)).toMatch(want);
  });

  it('over WebSocket too: SIP/3.0 gets 505, bare LF gets 400', async () => {
    const ws = new WebSocket(core.wsUrl, 'sip');
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const answers: string[] = [];
    ws.on('message', (d: Buffer) => answers.push(d.toString('latin1').split('\r\n')[0]!));
    ws.send(request('wsver', { start: 'MESSAGE sip:alice@localhost SIP/3.0' }).replace('Via: SIP/2.0/UDP', 'Via: SIP/2.0/WS'));
    ws.send(request('wslf', { eol: '\n' }).replace('Via: SIP/2.0/UDP', 'Via: SIP/2.0/WS'));
    await expect.poll(() => answers.length, { timeout: 3_000 }).toBe(2);
    expect(answers.sort()).toEqual([expect.stringMatching(/^SIP\/2\.0 400 /), expect.stringMatching(/^SIP\/2\.0 505 /)]);
    ws.close();
  });
});

describe('the CSeq method is compared as written', () => {
  it('MESSAGE with CSeq `1 message` is a 400 (found by fuzzing: the CSeq method was upper-cased)', async () => {
    expect(await udpExchange(request('cseqcase', { cseq: '1 message' }))).toMatch(/^SIP\/2\.0 400 CSeq method message does not match MESSAGE/);
  });
});
