/**
 * Connection and source churn: WebSockets upgraded and closed at once, TCP connections opened
 * and closed (half of each ended politely, half reset), and OPTIONS to the core over UDP, each
 * from a new source port (new entries in the core's UDP flow table, which must expire).
 */
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { pace } from '../pace.ts';
import { Tally } from '../tally.ts';
import { closedWithin, connectTcp, sendDatagram, upgradedSocket } from './rawSockets.ts';
import { countErrorsIn, talliedTraffic } from './tallied.ts';
import type { Traffic, TrafficContext } from './types.ts';

export interface ChurnLoad {
  connections: { everyMs: number; maxInFlight: number };
  datagrams: { everyMs: number; maxInFlight: number; answerWaitMs: number };
}

function optionsRequest(domain: string): string {
  const token = randomBytes(6).toString('hex');
  return [
    `OPTIONS sip:${domain} SIP/2.0`,
    `Via: SIP/2.0/UDP ${token}.invalid;branch=z9hG4bK${token};rport`,
    'Max-Forwards: 70',
    `From: <sip:churn@example.invalid>;tag=${token}`,
    `To: <sip:${domain}>`,
    `Call-ID: ${token}`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

export function startChurn(context: TrafficContext, load: ChurnLoad): Traffic {
  const { core, random } = context;
  const tally = new Tally();
  const onError = countErrorsIn(tally);

  const openAndClose = (what: string, open: () => Promise<net.Socket>) => async () => {
    const socket = await open();
    const polite = random.next() < 0.5;
    if (polite) socket.end();
    else socket.resetAndDestroy();
    const closed = await closedWithin(socket, performance.now(), 5000);
    tally.add(`${what} ${polite ? 'ended' : 'reset'}${closed === null ? ', not closed within 5 s' : ''}`);
  };
  const datagram = async () => {
    const status = await sendDatagram(core.sipPort, optionsRequest(core.domain), load.datagrams.answerWaitMs);
    tally.add(`UDP OPTIONS ${status ?? 'no answer'}`);
  };

  return talliedTraffic('connection churn and UDP sources', tally, [
    pace(load.connections, openAndClose('WebSocket', () => upgradedSocket(core.wsPort)), onError),
    pace(load.connections, openAndClose('TCP', () => connectTcp(core.sipPort)), onError),
    pace(load.datagrams, datagram, onError),
  ]);
}
