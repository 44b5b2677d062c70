/**
 * The sender's side of the status combination (issue 12 item 5): a real queue (PGlite in
 * memory) fed the SIP final response of the send (recordAttempt), IMDN MESSAGEs through the
 * intake (handleImdn), and the MSRP Success-Report (report 'delivered'), in every order of
 * every non-empty subset of {SIP 200 or 202, IMDN delivered, IMDN displayed, MSRP REPORT}.
 * The delivery ends at the most advanced status any of them means, nothing is sent twice, and
 * nothing recorded is lost (the SIP status and the attempt count survive a report that came
 * first). Then the negative reports, where the order decides.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImdnNotification } from '../../../../src/protocol/imdn/index.ts';
import { buildNotificationBody, reportMessageId } from '../../../../src/protocol/push/index.ts';
import type { SipHeader, SipRequest } from '../../../../src/protocol/sip/index.ts';
import { openPglite, openPushQueue, type Claim, type DeliveryStatus, type PushQueue, type Sql } from '../../queue/index.ts';
import { T0, push } from '../../queue/testing/queueContract.ts';
import { handleImdn } from './imdnIntake.ts';

const ALICE = 'sip:alice@example.com';
const TERMINAL = 'instance:urn:uuid:00000000-0000-4000-8000-000000000001';

type Event = 'sip200' | 'sip202' | 'imdnDelivered' | 'imdnDisplayed' | 'msrpReport';

/** What each event means on its own. */
const MEANS: Record<Event, DeliveryStatus> = { sip200: 'delivered', sip202: 'accepted', imdnDelivered: 'delivered', imdnDisplayed: 'displayed', msrpReport: 'delivered' };
const RANK: Record<DeliveryStatus, number> = { pending: 0, accepted: 1, delivered: 2, displayed: 3, undeliverable: -1, expired: -1, cancelled: -1 };

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

function subsets<T>(items: readonly T[]): T[][] {
  return items.reduce<T[][]>((acc, item) => [...acc, ...acc.map((s) => [...s, item])], [[]]).filter((s) => s.length > 0);
}

/** Every order of every non-empty subset, with the SIP result as 200 or as 202. */
const ORDERS: Event[][] = (['sip200', 'sip202'] as const).flatMap((sip) =>
  subsets<Event>([sip, 'imdnDelivered', 'imdnDisplayed', 'msrpReport'])
    .filter((s) => sip === 'sip200' || s.includes('sip202')) // subsets without SIP only once
    .flatMap(permutations),
);

function imdnRequest(pushId: string, notification: ImdnNotification, extra: SipHeader[] = []): SipRequest {
  const body = buildNotificationBody({
    from: `<${ALICE}>`,
    to: '<sip:psa@example.com>',
    notificationId: `n-${Math.random()}`,
    dateTime: new Date(clock.now),
    document: { messageId: reportMessageId(pushId, TERMINAL), datetime: new Date(clock.now).toISOString(), notification },
  });
  return {
    kind: 'request',
    method: 'MESSAGE',
    uri: 'sip:psa@example.com',
    headers: [
      { name: 'From', value: `<${ALICE}>;tag=x` },
      { name: 'To', value: '<sip:psa@example.com>' },
      { name: 'Call-ID', value: `c-${pushId}` },
      { name: 'CSeq', value: '1 MESSAGE' },
      { name: 'Content-Type', value: 'message/cpim' },
      ...extra,
    ],
    body,
  };
}

let sql: Sql;
let queue: PushQueue;
const clock = { now: T0 };

beforeAll(async () => {
  sql = await openPglite();
  queue = await openPushQueue(sql, { clock: () => clock.now, random: () => 0, leaseMs: 30_000 });
}, 120_000);

afterAll(async () => {
  await queue?.close();
});

// Every case has its own push ID; the clock only moves forward (an hour per case), so no
// lease or backoff of one case reaches into the next. (Truncating per case doubled the file's time.)
beforeEach(() => {
  clock.now += 3_600_000;
});

/** Enqueue a reported push to TERMINAL (its AoR stored as targets.ts aorOf) and claim it: the send is under way. */
async function sendUnderWay(pushId: string, deliverBefore?: number): Promise<Claim> {
  await queue.enqueue(push(pushId, { terminals: [TERMINAL], reportRequested: true, target: { aorOf: { [TERMINAL]: ALICE } }, ...(deliverBefore !== undefined && { deliverBefore }) }));
  const [claim] = await queue.claim('worker');
  expect(claim).toMatchObject({ pushId, terminal: TERMINAL });
  return claim!;
}

async function imdn(pushId: string, notification: ImdnNotification, extra: SipHeader[] = []): Promise<void> {
  const { response } = await handleImdn(imdnRequest(pushId, notification, extra), queue, () => clock.now);
  expect(response.status).toBe(200);
}

async function apply(event: Event, claim: Claim): Promise<void> {
  clock.now += 10;
  switch (event) {
    case 'sip200':
    case 'sip202': {
      const result = await queue.recordAttempt(claim, { kind: 'sip', status: event === 'sip200' ? 200 : 202 });
      expect(result.recorded).toBe(true);
      return;
    }
    case 'imdnDelivered':
      return imdn(claim.pushId, { kind: 'delivery', status: 'delivered' });
    case 'imdnDisplayed':
      return imdn(claim.pushId, { kind: 'display', status: 'displayed' });
    case 'msrpReport':
      await queue.report(claim.pushId, claim.terminal, 'delivered', { reason: 'MSRP Success-Report 200' });
      return;
  }
}

describe('status combination: every order of SIP result, IMDN delivered, IMDN displayed, MSRP REPORT', () => {
  it(`covers ${ORDERS.length} orders`, () => {
    // 64 orders of subsets of 4 events, the 49 with a SIP result twice (200, 202): 64 + 49.
    expect(ORDERS.length).toBe(113);
  });

  it.each(ORDERS.map((order) => [order.join(' -> '), order] as const))('%s', async (_name, order) => {
    const pushId = `p-${order.join('-')}`;
    const claim = await sendUnderWay(pushId);
    for (const event of order) await apply(event, claim);

    const expected = order.map((e) => MEANS[e]).reduce((a, b) => (RANK[b] > RANK[a] ? b : a));
    const delivery = await queue.getDelivery(pushId, TERMINAL);
    expect(delivery?.status).toBe(expected);

    // Nothing recorded is lost: the SIP status and the attempt survive reports that came first.
    const sip = order.find((e) => e === 'sip200' || e === 'sip202');
    if (sip) {
      expect(delivery).toMatchObject({ lastSipStatus: sip === 'sip200' ? 200 : 202, attempts: 1, inFlight: false });
    }
    // Nothing is sent again.
    clock.now += 60_000;
    expect((await queue.claim('worker-2')).filter((c) => c.pushId === pushId)).toEqual([]);

    // The log only moves forward, one event per advance, and ends at the status.
    const log = (await queue.changesSince(0, 10_000)).filter((c) => c.pushId === pushId).map((c) => c.to);
    expect(log[0]).toBe('pending');
    for (let i = 1; i < log.length; i++) expect(RANK[log[i]!]).toBeGreaterThan(RANK[log[i - 1]!]);
    expect(log.at(-1)).toBe(expected);
  });
});

describe('status combination: negative reports', () => {
  const expiredReason: SipHeader[] = [{ name: 'Push-Report-Reason', value: 'expired' }];

  it('202, then IMDN failed (expired): expired', async () => {
    const claim = await sendUnderWay('n1');
    await apply('sip202', claim);
    await imdn('n1', { kind: 'delivery', status: 'failed' }, expiredReason);
    expect(await queue.getDelivery('n1', TERMINAL)).toMatchObject({ status: 'expired', reason: 'IMDN failed (expired)', lastSipStatus: 202 });
  });

  it('200, then IMDN failed (expired): the receiver stored it, then dropped it unshown: expired', async () => {
    const claim = await sendUnderWay('n2');
    await apply('sip200', claim);
    await imdn('n2', { kind: 'delivery', status: 'failed' }, expiredReason);
    expect(await queue.getDelivery('n2', TERMINAL)).toMatchObject({ status: 'expired', lastSipStatus: 200 });
  });

  it('IMDN failed (expired) before the 200: stays expired, the 200 recorded', async () => {
    const claim = await sendUnderWay('n3');
    await imdn('n3', { kind: 'delivery', status: 'failed' }, expiredReason);
    await apply('sip200', claim);
    expect(await queue.getDelivery('n3', TERMINAL)).toMatchObject({ status: 'expired', lastSipStatus: 200, attempts: 1, inFlight: false });
  });

  it('IMDN failed without a reason after the deliver-before: expired', async () => {
    const claim = await sendUnderWay('n4', clock.now + 1000);
    await apply('sip202', claim);
    clock.now += 1000;
    await imdn('n4', { kind: 'delivery', status: 'failed' });
    expect(await queue.getDelivery('n4', TERMINAL)).toMatchObject({ status: 'expired', reason: 'IMDN failed' });
  });

  it('202, then IMDN failed (refused-by-app): undeliverable with the reason', async () => {
    const claim = await sendUnderWay('n5');
    await apply('sip202', claim);
    await imdn('n5', { kind: 'delivery', status: 'failed' }, [{ name: 'Push-Report-Reason', value: 'refused-by-app' }]);
    expect(await queue.getDelivery('n5', TERMINAL)).toMatchObject({ status: 'undeliverable', reason: 'IMDN failed (refused-by-app)' });
  });

  it('200, then IMDN failed (refused-by-app): undeliverable with the reason (discarded unshown after it was stored)', async () => {
    const claim = await sendUnderWay('n6');
    await apply('sip200', claim);
    const { result } = await handleImdn(imdnRequest('n6', { kind: 'delivery', status: 'failed' }, [{ name: 'Push-Report-Reason', value: 'refused-by-app' }]), queue, () => clock.now);
    expect(result).toMatchObject({ applied: true, change: { from: 'delivered', to: 'undeliverable' } });
    expect(await queue.getDelivery('n6', TERMINAL)).toMatchObject({ status: 'undeliverable', reason: 'IMDN failed (refused-by-app)' });
  });

  it('displayed, then IMDN failed: displayed is final', async () => {
    const claim = await sendUnderWay('n7');
    await apply('sip200', claim);
    await apply('imdnDisplayed', claim);
    await imdn('n7', { kind: 'delivery', status: 'failed' }, expiredReason);
    expect((await queue.getDelivery('n7', TERMINAL))?.status).toBe('displayed');
  });

  it('a 408 recorded (the 200 lost), then IMDN delivered: delivered, and not sent again', async () => {
    const claim = await sendUnderWay('n8');
    await queue.recordAttempt(claim, { kind: 'sip', status: 408 });
    expect((await queue.getDelivery('n8', TERMINAL))?.status).toBe('pending');
    await imdn('n8', { kind: 'delivery', status: 'delivered' });
    clock.now += 3_000_000;
    expect((await queue.claim('worker-2')).filter((c) => c.pushId === 'n8')).toEqual([]);
    expect(await queue.getDelivery('n8', TERMINAL)).toMatchObject({ status: 'delivered', attempts: 1, lastSipStatus: 408 });
  });

  it('an IMDN from another AoR changes nothing (403)', async () => {
    await sendUnderWay('n9');
    const request = imdnRequest('n9', { kind: 'display', status: 'displayed' }, [{ name: 'P-Asserted-Identity', value: '<sip:mallory@example.com>' }]);
    const { response, result } = await handleImdn(request, queue, () => clock.now);
    expect(response.status).toBe(403);
    expect(result).toBeUndefined();
    expect((await queue.getDelivery('n9', TERMINAL))?.status).toBe('pending');
  });

  it('an IMDN about an unknown push: 404', async () => {
    const { response } = await handleImdn(imdnRequest('nobody', { kind: 'delivery', status: 'delivered' }), queue, () => clock.now);
    expect(response.status).toBe(404);
  });
});
