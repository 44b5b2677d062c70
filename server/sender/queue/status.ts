/**
 * The status of one push on one terminal (a delivery), as an explicit state machine.
 *
 *                 retry (408, 480, 503, ...: attempts + 1, next_attempt_at later)
 *                 +----+
 *                 v    |
 *   enqueue --> pending -+--> accepted --+--> delivered --> displayed
 *                 |      |   (202: the   |        |
 *                 |      |   core holds  |        +--> expired    (the receiver stored it, then
 *                 |      |   it)         |                         dropped it unshown at deliver-before)
 *                 |      +---------------+--> displayed  (an IMDN display can come before any other report)
 *                 |      |               +--> undeliverable, expired
 *                 |      +--> delivered (2xx other than 202, IMDN delivered, MSRP Success-Report)
 *                 +--> undeliverable (404 after maxAttempts, 403, 415, 488, 603, ...: see sipOutcome.ts)
 *                 +--> expired   (deliver-before passed before it was sent)
 *                 +--> cancelled (the provider cancelled it before it was sent)
 *
 * displayed, undeliverable, expired and cancelled are final. Only pending deliveries are
 * claimed and sent; a cancel after the core accepted (202) cannot recall the push, so
 * accepted -> cancelled is illegal. `transition()` is the one place that decides; the SQL of
 * the queue guards every update with the `from` statuses this table allows.
 */
import { QueueError } from './errors.ts';

export const DELIVERY_STATUSES = ['pending', 'accepted', 'delivered', 'displayed', 'undeliverable', 'expired', 'cancelled'] as const;

export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Every legal move, `from -> [to]`; anything not listed is illegal (pending -> pending is a retry). */
export const TRANSITIONS: Readonly<Record<DeliveryStatus, readonly DeliveryStatus[]>> = {
  pending: ['pending', 'accepted', 'delivered', 'displayed', 'undeliverable', 'expired', 'cancelled'],
  accepted: ['delivered', 'displayed', 'undeliverable', 'expired'],
  delivered: ['displayed', 'expired', 'undeliverable'],
  displayed: [],
  undeliverable: [],
  expired: [],
  cancelled: [],
};

export function isDeliveryStatus(value: unknown): value is DeliveryStatus {
  return typeof value === 'string' && (DELIVERY_STATUSES as readonly string[]).includes(value);
}

export function canTransition(from: DeliveryStatus, to: DeliveryStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** No move leaves a final status. */
export function isFinal(status: DeliveryStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

/** The statuses `to` may be reached from (the guard of an UPDATE that moves a delivery to `to`). */
export function sourcesOf(to: DeliveryStatus): DeliveryStatus[] {
  return DELIVERY_STATUSES.filter((from) => canTransition(from, to));
}

/** `to` when the move is legal; throws QUEUE_ERR_ILLEGAL_TRANSITION otherwise. */
export function transition(from: DeliveryStatus, to: DeliveryStatus): DeliveryStatus {
  if (!canTransition(from, to)) throw new QueueError('QUEUE_ERR_ILLEGAL_TRANSITION', `A delivery cannot go from ${from} to ${to}${isFinal(from) ? ` (${from} is final)` : ''}`);
  return to;
}
