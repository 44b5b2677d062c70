/** MESSAGE intake and push control information / report requests (issue 12 items 5 and 7). */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { buildReportRequestBody } from '../../protocol/push/reports.ts';
import { getHeader, parseSipMessage, type SipRequest } from '../../protocol/sip/message.ts';
import { AppRegistry } from '../apps/registry.ts';
import { GroupCommitter } from '../store/groupCommit.ts';
import { PushStore } from '../store/pushStore.ts';
import { uniqueDbName } from '../../testing/pushFixtures.ts';
import { DEFAULT_AGENT_LIMITS } from '../types.ts';
import { createMessageIntake } from './messageIntake.ts';

const NOW = Date.parse('2026-12-02T17:10:00.000Z');
let calls = 0;

function message(extra: string[], body: Uint8Array | string = 'hello', type = 'text/plain'): SipRequest {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const head = [
    'MESSAGE sip:alice@example.com SIP/2.0',
    'Via: SIP/2.0/WSS core.example.com;branch=z9hG4bK1',
    'From: <sip:psa@example.com>;tag=f1',
    'To: <sip:alice@example.com>',
    `Call-ID: control-${++calls}`,
    'CSeq: 1 MESSAGE',
    `Content-Type: ${type}`,
    'Accept-Contact: *;+g.oma.pusheventapp="news.ua";require;explicit',
    ...extra,
    `Content-Length: ${bytes.length}`,
    '',
    '',
  ].join('\r\n');
  const all = new Uint8Array([...new TextEncoder().encode(head), ...bytes]);
  const parsed = parseSipMessage(all);
  if (parsed.kind !== 'request') throw new Error('not a request');
  return parsed;
}

const stores: PushStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

async function setup() {
  const store = await PushStore.open(uniqueDbName());
  stores.push(store);
  const committer = await GroupCommitter.create({ store, limits: DEFAULT_AGENT_LIMITS });
  const apps = new AppRegistry();
  apps.register({ id: 'news.ua', accept: ['text/plain'], handler: () => {} });
  const intake = createMessageIntake({ apps, committer, limits: DEFAULT_AGENT_LIMITS, now: () => NOW, toTag: () => 't1' });
  return { store, intake };
}

describe('MESSAGE intake: push control information', () => {
  it('stores Push-ID, deliver-before/after and priority with the push', async () => {
    const { store, intake } = await setup();
    const response = await intake.handle(
      message(['Push-ID: "news \\"17\\""', 'Push-Deliver-Before: 2026-12-02T17:30:00.000Z', 'Push-Deliver-After: 2026-12-02T17:00:00.000Z', 'Priority: urgent']),
    );
    expect(response.status).toBe(200);
    const [push] = await store.list('news.ua');
    expect(push).toMatchObject({ pushId: 'news "17"', deliverBefore: Date.parse('2026-12-02T17:30:00.000Z'), deliverAfter: Date.parse('2026-12-02T17:00:00.000Z'), priority: 'urgent' });
    expect(push!.report).toBeUndefined();
  });

  it.each([
    ['Push-ID', 'Push-ID: "unclosed'],
    ['Push-Deliver-Before', 'Push-Deliver-Before: tomorrow'],
    ['Push-Deliver-After', 'Push-Deliver-After: 2026-12-02'],
    ['Priority', 'Priority: very urgent'],
  ])('answers 400 naming %s when its value is malformed, and stores nothing', async (header, line) => {
    const { store, intake } = await setup();
    const response = await intake.handle(message([line]));
    expect(response.status).toBe(400);
    expect(response.reason).toContain(header);
    expect(await store.count()).toBe(0);
  });

  it('answers 410 with Push-Report-Reason: expired to a push already past Push-Deliver-Before, and stores nothing', async () => {
    const { store, intake } = await setup();
    const response = await intake.handle(message(['Push-Deliver-Before: 2026-12-02T17:09:59.999Z']));
    expect(response.status).toBe(410);
    expect(getHeader(response, 'Push-Report-Reason')).toBe('expired');
    expect(await store.count()).toBe(0);
  });

  it('at the limit: deliver-before equal to now is expired (410); one ms later is stored', async () => {
    const { store, intake } = await setup();
    expect((await intake.handle(message([`Push-Deliver-Before: ${new Date(NOW).toISOString()}`]))).status).toBe(410);
    expect((await intake.handle(message([`Push-Deliver-Before: ${new Date(NOW + 1).toISOString()}`]))).status).toBe(200);
    expect(await store.count()).toBe(1);
  });

  it('keeps the report request of a CPIM push: Message-ID, dispositions, reply-to = CPIM From, DateTime', async () => {
    const { store, intake } = await setup();
    const body = buildReportRequestBody({
      from: 'PSA <sip:psa-reports@example.com>',
      to: '<sip:alice@example.com>',
      messageId: 'psa.abc',
      dateTime: '2026-12-02T17:05:00.000Z',
      contentType: 'text/plain',
      content: 'hi',
    });
    expect((await intake.handle(message([], body, 'message/cpim'))).status).toBe(200);
    const [push] = await store.list('news.ua');
    expect(push!.report).toEqual({
      messageId: 'psa.abc',
      dispositions: ['positive-delivery', 'negative-delivery', 'display'],
      replyTo: 'sip:psa-reports@example.com',
      dateTime: '2026-12-02T17:05:00.000Z',
    });
  });

  it('a CPIM push without imdn.Disposition-Notification asks for no report', async () => {
    const { store, intake } = await setup();
    const body = 'From: <sip:psa@example.com>\r\nNS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: m1\r\n\r\nContent-Type: text/plain\r\n\r\nhi';
    expect((await intake.handle(message([], body, 'message/cpim'))).status).toBe(200);
    expect((await store.list('news.ua'))[0]!.report).toBeUndefined();
  });
});
