import { describe, expect, it } from 'vitest';
import { outcomeAction } from './outcomes.ts';

describe('outcomeAction: the documented table', () => {
  it.each([
    [200, 'delivered'],
    [202, 'accepted'],
    [204, 'delivered'],
    [302, 'undeliverable'],
    [400, 'undeliverable'],
    [401, 'undeliverable'],
    [403, 'undeliverable'],
    [404, 'park'],
    [407, 'undeliverable'],
    [408, 'retry'],
    [413, 'undeliverable'],
    [415, 'undeliverable'],
    [480, 'retry'],
    [486, 'retry'],
    [488, 'undeliverable'],
    [499, 'undeliverable'],
    [500, 'retry'],
    [501, 'undeliverable'],
    [502, 'retry'],
    [503, 'retry'],
    [504, 'retry'],
    [505, 'undeliverable'],
    [513, 'undeliverable'],
    [580, 'retry'],
    [600, 'retry'],
    [603, 'undeliverable'],
    [604, 'undeliverable'],
    [606, 'undeliverable'],
  ])('SIP %i -> %s', (status, action) => {
    expect(outcomeAction({ kind: 'sip', status, reason: 'Reason' })).toMatchObject({ action, reason: `${status} Reason` });
  });

  it('carries Retry-After in ms', () => {
    expect(outcomeAction({ kind: 'sip', status: 503, retryAfterSeconds: 7 })).toEqual({ action: 'retry', reason: '503', retryAfterMs: 7000 });
  });

  it('a transport failure retries; no contact parks', () => {
    expect(outcomeAction({ kind: 'transport', reason: 'connection refused' })).toEqual({ action: 'retry', reason: 'connection refused', retryAfterMs: 0 });
    expect(outcomeAction({ kind: 'no-contact' })).toEqual({ action: 'park', reason: 'no matching contact', retryAfterMs: 0 });
  });

  it('a receiver-side expiry is expired; a refusal at send time is undeliverable', () => {
    expect(outcomeAction({ kind: 'expired', reason: '410 Gone' })).toEqual({ action: 'expired', reason: '410 Gone' });
    expect(outcomeAction({ kind: 'refused', reason: 'capabilities mismatch' })).toEqual({ action: 'undeliverable', reason: 'capabilities mismatch' });
  });

  it.each([100, 180, 199, 700, 200.5])('refuses %s, not a final status', (status) => {
    expect(() => outcomeAction({ kind: 'sip', status })).toThrow('final SIP status');
  });
});
