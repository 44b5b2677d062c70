/**
 * Registered user agents, as browsers would be: each slot connects (WS mostly, some TCP and
 * UDP), registers its user with a push application feature tag, answers every MESSAGE 200,
 * lives a random while, then unregisters or just drops the connection (the core must drop the
 * binding with its flow, RFC 5626 section 5.3), and a new UA takes the slot. UDP slots always
 * unregister: a datagram flow has no close to notice.
 */
import type { SipUa } from '../../../server/testing/sipUa.ts';
import { pause } from '../pace.ts';
import { Tally } from '../tally.ts';
import { connectUa, type SoakTransport } from './connectUa.ts';
import { errorKey } from './tallied.ts';
import type { Traffic, TrafficContext } from './types.ts';

export const PUSH_APP = 'news.ua';
const FEATURE_TAG = `;+g.oma.pusheventapp="${PUSH_APP}"`;

export interface UaPoolLoad {
  /** One user per slot: name -> password (provisioned at the core). */
  users: Record<string, string>;
  /** A UA's life, uniformly between the two, in ms. */
  lifeMs: [number, number];
  /** Registration expiry asked for, seconds (above the lives above: no refresh needed). */
  expires: number;
  /** Pause before a slot tries again after a failure. */
  retryMs: number;
}

export interface UaPool extends Traffic {
  /** AoRs registered now, by a UA not yet leaving. */
  registered(): string[];
}

/** Slot i's transport: 3 in 5 over WebSocket, as browsers; the rest over TCP and UDP. */
const transportOf = (slot: number): SoakTransport => (['WS', 'WS', 'WS', 'TCP', 'UDP'] as const)[slot % 5]!;

export function startUaPool(context: TrafficContext, load: UaPoolLoad): UaPool {
  const { core, random, signal } = context;
  const tally = new Tally();
  const registered = new Set<string>();

  const live = async (slot: number, user: string, password: string): Promise<void> => {
    const transport = transportOf(slot);
    const aor = `sip:${user}@${core.domain}`;
    let ua: SipUa | undefined;
    try {
      ua = await connectUa(core, transport, { aor, password, autoAnswer: { MESSAGE: 200 }, timeoutMs: 10_000 });
      const answer = await ua.register({ contactParams: FEATURE_TAG, expires: load.expires });
      tally.add(`${transport} REGISTER ${answer.status}`);
      if (answer.status !== 200) return void (await pause(load.retryMs, signal));
      registered.add(aor);
      await Promise.race([pause(random.between(...load.lifeMs), signal), ua.closed]);
      registered.delete(aor);
      if (ua.isClosed) return void tally.add(`${transport} closed by core while registered`);
      if (transport === 'UDP' || random.next() < 0.5) {
        const bye = await ua.register({ expires: 0 });
        tally.add(`${transport} unREGISTER ${bye.status}`);
      } else tally.add(`${transport} dropped registered`);
    } catch (error) {
      registered.delete(aor);
      tally.add(`${transport} ${errorKey(error)}`);
      await pause(load.retryMs, signal);
    } finally {
      await ua?.close();
    }
  };

  const slots = Object.entries(load.users).map(async ([user, password], slot) => {
    while (!signal.aborted) await live(slot, user, password);
  });
  return {
    name: `registered UAs (${slots.length}, churned)`,
    report: () => tally.toString(),
    registered: () => [...registered],
    stop: async () => {
      await Promise.all(slots);
    },
    problems: () => [],
  };
}
