/**
 * Malformed SIP (malformedSip.ts) over UDP from a new source port each time, and over WS and
 * TCP on a connection of its own each time (so this is connection churn too). Outcomes are
 * counted, not judged: a 4xx/5xx, a close, or silence are each a fair answer to garbage; what
 * is judged is that the core's memory and descriptors do not keep any of it.
 */
import { pace } from '../pace.ts';
import { Tally } from '../tally.ts';
import { connectUa } from './connectUa.ts';
import { MALFORMED_KINDS, malformedSip, STREAM_ONLY } from './malformedSip.ts';
import { sendDatagram } from './rawSockets.ts';
import { countErrorsIn, talliedTraffic } from './tallied.ts';
import type { Traffic, TrafficContext } from './types.ts';

export interface MalformedLoad {
  everyMs: number;
  maxInFlight: number;
  /** How long to wait for an answer before counting silence. */
  answerWaitMs: number;
}

const DATAGRAM_KINDS = MALFORMED_KINDS.filter((k) => !STREAM_ONLY.has(k));

export function startMalformed(context: TrafficContext, load: MalformedLoad): Traffic {
  const { core, random } = context;
  const tally = new Tally();
  const onError = countErrorsIn(tally);

  const overUdp = async () => {
    const status = await sendDatagram(core.sipPort, malformedSip(random.pick(DATAGRAM_KINDS), 'UDP', core.domain), load.answerWaitMs);
    tally.add(`UDP ${status ?? 'no answer'}`);
  };
  const overStream = (transport: 'WS' | 'TCP') => async () => {
    const kind = random.pick(MALFORMED_KINDS);
    const ua = await connectUa(core, transport, { timeoutMs: load.answerWaitMs });
    try {
      const from = ua.received.length;
      ua.sendBytes(malformedSip(kind, transport, core.domain), { binary: kind === 'binary-garbage' });
      const outcome = await Promise.race([
        ua.waitFor((m) => m.kind === 'response', { from }).then(
          (m) => String(m.kind === 'response' ? m.status : '?'),
          () => 'no answer',
        ),
        ua.closed.then(() => 'closed by core'),
      ]);
      tally.add(`${transport} ${outcome}`);
    } finally {
      await ua.close();
    }
  };

  return talliedTraffic('malformed SIP (UDP, WS, TCP)', tally, [pace(load, overUdp, onError), pace(load, overStream('WS'), onError), pace(load, overStream('TCP'), onError)]);
}
