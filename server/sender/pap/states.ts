/**
 * The service's delivery statuses as PAP message states and result codes (WAP-247-PAP
 * section 9.14, PPG Service section 6), per address of a push. An address maps to one AoR
 * (addressMapping.ts), the AoR to one or more deliveries (one per terminal); the address's
 * status is the summary over those (http/summary.ts, the rule the API shows):
 *
 *   pending, accepted          -> pending        1000
 *   delivered, displayed       -> delivered      1000
 *   partial (some terminals)   -> delivered      1000  (the user has it)
 *   undeliverable              -> undeliverable  2005 Capabilities Mismatch when the reason is
 *                                                 one, 2003 Address Not Found for SIP 404/410/604,
 *                                                 else 4000 Service Failure
 *   expired                    -> expired        4000 Service Failure (not delivered in time)
 *   cancelled                  -> cancelled      1000 (the cancel did what was asked)
 *
 * Pure: no I/O.
 */
import type { PapMessageState, PapResult } from '../../../src/protocol/pap/index.ts';
import type { DeliveryState, PushState } from '../queue/index.ts';
import { expectedAorOf } from '../service/reports/imdnIntake.ts';
import { summaryStatus, type SummaryStatus } from '../service/http/summary.ts';

export function papStateOf(status: SummaryStatus): PapMessageState {
  switch (status) {
    case 'pending':
    case 'accepted':
      return 'pending';
    case 'delivered':
    case 'displayed':
    case 'partial':
      return 'delivered';
    case 'undeliverable':
    case 'expired':
    case 'cancelled':
      return status;
  }
}

/** Whether a result notification is due: the state will not go back to pending (delivered is reported once, though it may still become displayed). */
export function isReportable(state: PapMessageState): boolean {
  return state !== 'pending' && state !== 'unknown';
}

/** The result code and desc for an address's deliveries in a state. */
export function papResultFor(status: SummaryStatus, deliveries: readonly DeliveryState[]): PapResult {
  const state = papStateOf(status);
  const reason = deliveries.find((d) => d.status === status && d.reason !== undefined)?.reason;
  const desc = (base: string) => (reason === undefined ? base : `${base}: ${reason}`);
  if (state === 'undeliverable') {
    const failed = deliveries.filter((d) => d.status === 'undeliverable');
    if (failed.some((d) => d.reason?.startsWith('capabilities mismatch'))) return { code: 2005, desc: desc('Capabilities Mismatch') };
    if (failed.length > 0 && failed.every((d) => d.lastSipStatus === 404 || d.lastSipStatus === 410 || d.lastSipStatus === 604)) return { code: 2003, desc: desc('Address Not Found') };
    return { code: 4000, desc: desc('Service Failure') };
  }
  if (state === 'expired') return { code: 4000, desc: desc('Service Failure: expired before delivery') };
  return { code: 1000, desc: status === 'partial' ? 'OK: delivered to some of the terminals' : 'OK' };
}

export interface AorState {
  aor: string;
  status: SummaryStatus;
  state: PapMessageState;
  result: PapResult;
  deliveries: DeliveryState[];
  /** The latest change among its deliveries (epoch ms). */
  eventTime: number;
}

/** The deliveries of one AoR in a push (by the service's key-to-AoR map). */
export function deliveriesOf(push: PushState, aor: string): DeliveryState[] {
  return push.deliveries.filter((d) => expectedAorOf(push, d.terminal) === aor);
}

/** The state of a set of deliveries (all of a push, or one AoR's). */
export function stateOf(aor: string, deliveries: DeliveryState[], fallbackTime: number): AorState {
  const status = summaryStatus(deliveries);
  return {
    aor,
    status,
    state: papStateOf(status),
    result: papResultFor(status, deliveries),
    deliveries,
    eventTime: deliveries.reduce((t, d) => Math.max(t, d.updatedAt), fallbackTime),
  };
}
