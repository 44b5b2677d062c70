import { describe, expect, it } from 'vitest';
import { QueueError } from './errors.ts';
import { DELIVERY_STATUSES, canTransition, isFinal, sourcesOf, transition, type DeliveryStatus } from './status.ts';

/** The expected table, written out independently of TRANSITIONS: every pair not listed is illegal. */
const LEGAL = new Set([
  'pending->pending',
  'pending->accepted',
  'pending->delivered',
  'pending->displayed',
  'pending->undeliverable',
  'pending->expired',
  'pending->cancelled',
  'accepted->delivered',
  'accepted->displayed',
  'accepted->undeliverable',
  'accepted->expired',
  'delivered->displayed',
  'delivered->expired',
  'delivered->undeliverable',
]);

const PAIRS = DELIVERY_STATUSES.flatMap((from) => DELIVERY_STATUSES.map((to) => [from, to] as [DeliveryStatus, DeliveryStatus]));

describe('delivery status transitions', () => {
  it('covers all 49 pairs', () => {
    expect(PAIRS).toHaveLength(49);
  });

  it.each(PAIRS)('%s -> %s', (from, to) => {
    const legal = LEGAL.has(`${from}->${to}`);
    expect(canTransition(from, to)).toBe(legal);
    if (legal) expect(transition(from, to)).toBe(to);
    else {
      expect(() => transition(from, to)).toThrow(QueueError);
      expect(() => transition(from, to)).toThrow(`cannot go from ${from} to ${to}`);
    }
  });

  it('final statuses are exactly displayed, undeliverable, expired and cancelled', () => {
    expect(DELIVERY_STATUSES.filter(isFinal)).toEqual(['displayed', 'undeliverable', 'expired', 'cancelled']);
    expect(() => transition('cancelled', 'pending')).toThrow('(cancelled is final)');
  });

  it('names the sources of each status (the guard of an update)', () => {
    expect(sourcesOf('cancelled')).toEqual(['pending']);
    expect(sourcesOf('displayed')).toEqual(['pending', 'accepted', 'delivered']);
    expect(sourcesOf('pending')).toEqual(['pending']);
  });

  it('an illegal move carries a stable code and HTTP 409', () => {
    try {
      transition('accepted', 'cancelled');
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'QUEUE_ERR_ILLEGAL_TRANSITION', status: 409 });
    }
  });
});
