import { describe, expect, it } from 'vitest';
import { getContentHeader, getCpimHeader, getCpimHeaders, IMDN_NS, parseCpim } from '../../../../src/protocol/cpim/index.ts';
import { parseDispositionNotification } from '../../../../src/protocol/imdn/index.ts';
import { parsePushControl, parseReportMessageId } from '../../../../src/protocol/push/index.ts';
import type { SipHeader } from '../../../../src/protocol/sip/index.ts';
import { DEFAULT_REPORT_OVERHEAD_BYTES } from './modeSelection.ts';
import { QUEUE_PRIORITY, WIRE_PRIORITY, apiPriority, buildPushInvite, buildPushMessage, reportOverheadBytes, wirePriority, type PushMessageInput } from './pushMessage.ts';

const U1 = 'urn:uuid:00000000-0000-4000-8000-000000000001';
const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const APP_AC = '*;+g.oma.pusheventapp="news.ua";require;explicit';
const INSTANCE_AC = `*;+sip.instance="<${U1}>";require;explicit`;

function input(overrides: Partial<PushMessageInput> = {}): PushMessageInput {
  return {
    pushId: 'news-17',
    terminal: `instance:${U1}`,
    address: { aor: 'sip:alice@example.com', requestUri: 'sip:alice@example.com', acceptContact: [INSTANCE_AC, APP_AC] },
    serviceAor: 'sip:psa@example.com',
    contentType: 'text/plain; charset=utf-8',
    content: new TextEncoder().encode('hello'),
    reportRequested: false,
    priority: 0,
    now: NOW,
    ...overrides,
  };
}

function header(headers: SipHeader[], name: string): string | undefined {
  return headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
}

describe('priority', () => {
  it.each([
    ['low', -1, 'non-urgent'],
    ['normal', 0, 'normal'],
    ['high', 1, 'urgent'],
  ] as const)('%s -> queue %i -> wire %s, and back', (api, queue, wire) => {
    expect(QUEUE_PRIORITY[api]).toBe(queue);
    expect(WIRE_PRIORITY[api]).toBe(wire);
    expect(wirePriority(queue)).toBe(wire);
    expect(apiPriority(queue)).toBe(api);
  });

  it('any other queue integer falls on its side of 0', () => {
    expect([wirePriority(-7), wirePriority(42)]).toEqual(['non-urgent', 'urgent']);
  });
});

describe('buildPushMessage', () => {
  it('without a report: the content as it is, Accept-Contact first, then the control headers', () => {
    const out = buildPushMessage(input({ priority: 1, deliverBefore: NOW + 60_000, deliverAfter: NOW + 1000 }));
    expect(out.requestUri).toBe('sip:alice@example.com');
    expect(out.contentType).toBe('text/plain; charset=utf-8');
    expect(new TextDecoder().decode(out.body)).toBe('hello');
    expect(out.reportMessageId).toBeUndefined();
    expect(out.headers).toEqual([
      { name: 'Accept-Contact', value: INSTANCE_AC },
      { name: 'Accept-Contact', value: APP_AC },
      { name: 'Push-ID', value: '"news-17"' },
      { name: 'Push-Deliver-Before', value: '2030-01-01T12:01:00.000Z' },
      { name: 'Push-Deliver-After', value: '2030-01-01T12:00:01.000Z' },
      { name: 'Priority', value: 'urgent' },
    ]);
    // What the receiver reads back.
    expect(parsePushControl((name) => header(out.headers, name))).toEqual({ pushId: 'news-17', deliverBefore: NOW + 60_000, deliverAfter: NOW + 1000, priority: 'urgent' });
  });

  it('with a report: message/cpim from the service to the AoR, asking for delivery and display, with the deterministic message ID', () => {
    const out = buildPushMessage(input({ reportRequested: true }));
    expect(out.contentType).toBe('message/cpim');
    const cpim = parseCpim(out.body);
    expect(getCpimHeader(cpim, 'From')).toBe('<sip:psa@example.com>');
    expect(getCpimHeader(cpim, 'To')).toBe('<sip:alice@example.com>');
    expect(getCpimHeader(cpim, 'DateTime')).toBe('2030-01-01T12:00:00.000Z');
    expect(getCpimHeaders(cpim, 'Message-ID', IMDN_NS)).toEqual([out.reportMessageId]);
    expect(parseDispositionNotification(getCpimHeader(cpim, 'Disposition-Notification', IMDN_NS)!)).toEqual(['positive-delivery', 'negative-delivery', 'display']);
    expect(getContentHeader(cpim, 'Content-Type')).toBe('text/plain; charset=utf-8');
    expect(new TextDecoder().decode(cpim.content)).toBe('hello');
    expect(parseReportMessageId(out.reportMessageId!)).toEqual({ pushId: 'news-17', terminal: `instance:${U1}` });
    // A resend carries the same ID.
    expect(buildPushMessage(input({ reportRequested: true, now: NOW + 5000 })).reportMessageId).toBe(out.reportMessageId);
    expect(header(out.headers, 'Push-Message-ID')).toBeUndefined();
  });

  it('refuses a push ID the header cannot carry, naming the header', () => {
    expect(() => buildPushMessage(input({ pushId: 'x'.repeat(257) }))).toThrow(expect.objectContaining({ header: 'Push-ID' }));
  });
});

describe('buildPushInvite', () => {
  it('without a report: Accept-Contact and the control headers', () => {
    const out = buildPushInvite(input({ priority: -1 }));
    expect(out).toEqual({
      requestUri: 'sip:alice@example.com',
      headers: [
        { name: 'Accept-Contact', value: INSTANCE_AC },
        { name: 'Accept-Contact', value: APP_AC },
        { name: 'Push-ID', value: '"news-17"' },
        { name: 'Priority', value: 'non-urgent' },
      ],
    });
  });

  it('with a report: Push-Message-ID and Push-Disposition-Notification: display', () => {
    const out = buildPushInvite(input({ reportRequested: true, address: { aor: 'sip:alice@example.com', requestUri: `sip:alice@example.com;gr=${U1}`, acceptContact: [APP_AC] } }));
    expect(out.requestUri).toBe(`sip:alice@example.com;gr=${U1}`);
    expect(header(out.headers, 'Push-Message-ID')).toBe(out.reportMessageId);
    expect(header(out.headers, 'Push-Disposition-Notification')).toBe('display');
    expect(parsePushControl((name) => header(out.headers, name))).toMatchObject({ reportMessageId: out.reportMessageId, displayRequested: true, pushId: 'news-17' });
    expect(parseReportMessageId(out.reportMessageId!)).toEqual({ pushId: 'news-17', terminal: `instance:${U1}` });
  });
});

describe('reportOverheadBytes', () => {
  it('is 0 without a report, and bounds the real wrapper from above by at most the Content-Length digits', () => {
    expect(reportOverheadBytes(input())).toBe(0);
    for (const size of [0, 5, 61_440]) {
      const content = new Uint8Array(size);
      const real = buildPushMessage(input({ reportRequested: true, content })).body.length - size;
      const bound = reportOverheadBytes(input({ reportRequested: true }));
      expect(bound).toBeGreaterThanOrEqual(real);
      expect(bound - real).toBeLessThanOrEqual(15);
    }
  });

  it(`stays below DEFAULT_REPORT_OVERHEAD_BYTES (${DEFAULT_REPORT_OVERHEAD_BYTES}) for a 256-character push ID and 256-character URIs`, () => {
    const uri = (user: string) => `sip:${user}@${'d'.repeat(256 - 5 - user.length)}`;
    const gruu = `${uri('alice').slice(0, 200)};gr=${U1}`.slice(0, 256);
    const worst = input({
      reportRequested: true,
      pushId: 'p'.repeat(256),
      terminal: `gruu:${gruu}`.slice(0, 256),
      serviceAor: uri('psa'),
      address: { aor: uri('alice'), requestUri: gruu, acceptContact: [APP_AC] },
      contentType: `application/vnd.${'x'.repeat(60)}+json; charset=utf-8`,
    });
    expect(reportOverheadBytes(worst)).toBeLessThan(DEFAULT_REPORT_OVERHEAD_BYTES);
  });
});
