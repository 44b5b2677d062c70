/**
 * MESSAGE pushes from the push sender's user to the registered UAs (registeredUas.ts), as the
 * sender library sends them (Accept-Contact for the push application, signed as the sender
 * after the core's 407 challenge). The sender is a test UA that is replaced every `perSender` pushes, over WS,
 * TCP and UDP in turn (connection churn on the sending side, and a bounded `received` list).
 *
 * A push to a UA that is leaving can fairly fail (404, 480), so a few failures are allowed;
 * fewer than `minSuccess` of the pushes answered 2xx fails the soak: a core that stops
 * routing under the load is not a flat one.
 */
import { acceptContactFor } from '../../../server/sender/index.ts';
import type { SipUa } from '../../../server/testing/sipUa.ts';
import { pace } from '../pace.ts';
import { Tally } from '../tally.ts';
import { connectUa, type SoakTransport } from './connectUa.ts';
import { PUSH_APP, type UaPool } from './registeredUas.ts';
import { countErrorsIn, errorKey } from './tallied.ts';
import type { Traffic, TrafficContext } from './types.ts';

export interface PushLoad {
  everyMs: number;
  maxInFlight: number;
  perSender: number;
  sender: { user: string; password: string };
  /** Share of the pushes sent that must get a 2xx. */
  minSuccess: number;
  /** Longer than the core's transaction timeout (Timer F, 32 s): the core answers first, 408 at worst. */
  timeoutMs: number;
}

interface Sender {
  ua: Promise<SipUa>;
  sent: number;
  inFlight: number;
  /** No more pushes through it; closed once its last one is answered. */
  retired: boolean;
}

const SENDER_TRANSPORTS: readonly SoakTransport[] = ['WS', 'TCP', 'UDP'];

export function startPushes(context: TrafficContext, pool: UaPool, load: PushLoad): Traffic {
  const { core, random } = context;
  const tally = new Tally();
  const senders = new Set<Sender>();
  let current: Sender | undefined;
  let generation = 0;
  let sent = 0;
  let answered2xx = 0;

  const closeIfDone = (sender: Sender) => {
    if (!sender.retired || sender.inFlight > 0) return;
    senders.delete(sender);
    void sender.ua.then((ua) => ua.close(), () => undefined);
  };
  const retire = (sender: Sender | undefined) => {
    if (!sender || sender.retired) return;
    sender.retired = true;
    closeIfDone(sender);
  };
  const senderNow = (): Sender => {
    if (!current || current.retired || current.sent >= load.perSender) {
      retire(current);
      const transport = SENDER_TRANSPORTS[generation++ % SENDER_TRANSPORTS.length]!;
      const ua = connectUa(core, transport, { aor: `sip:${load.sender.user}@${core.domain}`, password: load.sender.password, timeoutMs: load.timeoutMs });
      current = { ua, sent: 0, inFlight: 0, retired: false };
      senders.add(current);
    }
    return current;
  };

  const push = async () => {
    const targets = pool.registered();
    if (targets.length === 0) return void tally.add('no UA registered yet');
    const to = random.pick(targets);
    const sender = senderNow();
    sender.sent++;
    sender.inFlight++;
    sent++;
    try {
      const ua = await sender.ua;
      const message = ua.build('MESSAGE', to, { headers: [{ name: 'Accept-Contact', value: acceptContactFor(PUSH_APP) }], contentType: 'text/plain', body: `soak push ${sent}` });
      const answer = await ua.request(message);
      if (answer.status >= 200 && answer.status < 300) answered2xx++;
      tally.add(`${ua.transport} ${answer.status}`);
    } catch (error) {
      // The sender's connection broke (or never opened): the next push takes a new one.
      retire(sender);
      tally.add(errorKey(error));
    } finally {
      sender.inFlight--;
      closeIfDone(sender);
    }
  };

  const run = pace(load, push, countErrorsIn(tally));
  const share = () => (sent === 0 ? 1 : answered2xx / sent);
  return {
    name: 'MESSAGE pushes',
    report: () => `${sent} sent, ${answered2xx} answered 2xx (${(share() * 100).toFixed(2)}%), ${run.skipped} not started (${load.maxInFlight} in flight); ${tally}`,
    stop: async () => {
      await run.stop();
      for (const sender of [...senders]) retire(sender);
    },
    problems: () => (share() < load.minSuccess ? [`only ${(share() * 100).toFixed(2)}% of ${sent} pushes answered 2xx (at least ${load.minSuccess * 100}% expected)`] : []),
  };
}
