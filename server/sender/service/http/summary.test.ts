import { describe, expect, it } from 'vitest';
import type { DeliveryStatus } from '../../queue/index.ts';
import { isSettled, pushView, summaryStatus, type SummaryStatus } from './summary.ts';

const of = (...statuses: DeliveryStatus[]) => statuses.map((status) => ({ status }));

describe('summaryStatus', () => {
  const rows: [DeliveryStatus[], SummaryStatus, boolean][] = [
    [[], 'pending', false],
    [['pending'], 'pending', false],
    [['delivered', 'pending'], 'pending', false],
    [['accepted', 'pending'], 'pending', false],
    [['accepted'], 'accepted', false],
    [['displayed', 'accepted'], 'accepted', false],
    [['delivered'], 'delivered', true],
    [['delivered', 'displayed'], 'delivered', true],
    [['displayed', 'displayed'], 'displayed', true],
    [['delivered', 'undeliverable'], 'partial', true],
    [['displayed', 'cancelled'], 'partial', true],
    [['undeliverable'], 'undeliverable', true],
    [['expired'], 'expired', true],
    [['cancelled'], 'cancelled', true],
    [['cancelled', 'expired'], 'expired', true],
    [['cancelled', 'expired', 'undeliverable'], 'undeliverable', true],
  ];
  it.each(rows)('%j -> %s (settled %s)', (statuses, summary, settled) => {
    expect(summaryStatus(of(...statuses))).toBe(summary);
    expect(isSettled(of(...statuses))).toBe(settled);
  });

  it('pushView adds the summary and hides the content file path', () => {
    const view = pushView({
      pushId: 'p',
      target: 'sip:a@d',
      app: 'news.ua',
      contentType: 'text/plain',
      contentSize: 3,
      contentFile: '/srv/secret/path',
      reportRequested: false,
      priority: 0,
      createdAt: 1,
      updatedAt: 1,
      deliveries: [{ terminal: 'aor:sip:a@d', status: 'delivered', attempts: 1, nextAttemptAt: 1, inFlight: false, updatedAt: 1 }],
    });
    expect(view).toMatchObject({ pushId: 'p', status: 'delivered', settled: true });
    expect(view).not.toHaveProperty('contentFile');
  });
});
