import { describe, expect, it } from 'vitest';
import { buildImdn, type ImdnNotification } from '../../../../src/protocol/imdn/index.ts';
import { buildNotificationBody, reportMessageId } from '../../../../src/protocol/push/index.ts';
import { getHeader, type SipHeader, type SipRequest } from '../../../../src/protocol/sip/index.ts';
import type { PushState } from '../../queue/index.ts';
import { decideImdn, expectedAorOf, imdnResponse, readImdn, type ImdnReport } from './imdnIntake.ts';

const U1 = 'urn:uuid:00000000-0000-4000-8000-000000000001';
const TERMINAL = `instance:${U1}`;
const ALICE = 'sip:alice@example.com';
const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const ID = reportMessageId('p1', TERMINAL);

function document(notification: ImdnNotification, messageId = ID) {
  return { messageId, datetime: '2030-01-01T12:00:00.000Z', notification };
}

function request(body: Uint8Array | string, contentType = 'message/cpim', extra: SipHeader[] = [], method = 'MESSAGE'): SipRequest {
  return {
    kind: 'request',
    method,
    uri: 'sip:psa@example.com',
    headers: [
      { name: 'Via', value: 'SIP/2.0/WS x.invalid;branch=z9hG4bK1' },
      { name: 'From', value: `<${ALICE}>;tag=a` },
      { name: 'To', value: '<sip:psa@example.com>' },
      { name: 'Call-ID', value: 'c1' },
      { name: 'CSeq', value: `1 ${method}` },
      { name: 'Content-Type', value: contentType },
      ...extra,
    ],
    body: typeof body === 'string' ? new TextEncoder().encode(body) : body,
  };
}

function imdnRequest(notification: ImdnNotification, extra: SipHeader[] = [], messageId = ID): SipRequest {
  const body = buildNotificationBody({ from: `<${ALICE}>`, to: '<sip:psa@example.com>', notificationId: 'n1', dateTime: new Date(NOW), document: document(notification, messageId) });
  return request(body, 'message/cpim', extra);
}

function pushState(overrides: Partial<PushState> = {}): PushState {
  return {
    pushId: 'p1',
    target: { aorOf: { [TERMINAL]: ALICE } },
    app: 'news.ua',
    contentType: 'text/plain',
    contentSize: 5,
    reportRequested: true,
    priority: 0,
    createdAt: NOW,
    updatedAt: NOW,
    deliveries: [{ terminal: TERMINAL, status: 'pending', attempts: 1, nextAttemptAt: NOW, inFlight: true, updatedAt: NOW }],
    ...overrides,
  };
}

function report(r: ReturnType<typeof readImdn>): ImdnReport {
  expect(r.kind).toBe('report');
  return r as ImdnReport;
}

describe('readImdn', () => {
  it('reads a CPIM-wrapped IMDN: push, terminal, notification, sender', () => {
    const r = report(readImdn(imdnRequest({ kind: 'delivery', status: 'delivered' })));
    expect(r).toMatchObject({ pushId: 'p1', terminal: TERMINAL, messageId: ID, notification: { kind: 'delivery', status: 'delivered' }, sender: ALICE });
    expect(r.reportReason).toBeUndefined();
  });

  it('reads a bare message/imdn+xml', () => {
    const r = report(readImdn(request(buildImdn(document({ kind: 'display', status: 'displayed' })), 'message/imdn+xml; charset=utf-8')));
    expect(r).toMatchObject({ pushId: 'p1', notification: { kind: 'display', status: 'displayed' } });
  });

  it('takes the sender from P-Asserted-Identity before From, as an AoR', () => {
    const r = report(readImdn(imdnRequest({ kind: 'delivery', status: 'delivered' }, [{ name: 'P-Asserted-Identity', value: '"Bob" <sip:bob@EXAMPLE.com;transport=ws>' }])));
    expect(r.sender).toBe('sip:bob@example.com');
  });

  it('reads Push-Report-Reason in lower case', () => {
    expect(report(readImdn(imdnRequest({ kind: 'delivery', status: 'failed' }, [{ name: 'Push-Report-Reason', value: ' Expired ' }]))).reportReason).toBe('expired');
  });

  it.each<[string, SipRequest, number, RegExp, string?]>([
    ['not a MESSAGE', request('', 'message/cpim', [], 'INFO'), 405, /INFO is not taken here/, 'Allow: MESSAGE'],
    ['text/plain', request('hi', 'text/plain'), 415, /Content-Type text\/plain; the service takes IMDN notifications/, 'Accept: message/cpim, message/imdn+xml'],
    ['no Content-Type', { ...request('hi'), headers: request('hi').headers.filter((h) => h.name !== 'Content-Type') }, 415, /Content-Type missing/],
    ['CPIM around text', request('From: <sip:a@b>\r\n\r\nContent-Type: text/plain\r\n\r\nhi'), 415, /CPIM content is text\/plain/],
    ['malformed CPIM', request('no blank line'), 400, /not terminated/],
    ['malformed XML', request('<imdn', 'message/imdn+xml'), 400, /Malformed IMDN XML/],
    ['IMDN without message-id', request(`<imdn xmlns="urn:ietf:params:xml:ns:imdn"><datetime>2030-01-01T12:00:00Z</datetime><delivery-notification><status><delivered/></status></delivery-notification></imdn>`, 'message/imdn+xml'), 400, /Missing <message-id>/],
    ['malformed From', { ...imdnRequest({ kind: 'delivery', status: 'delivered' }), headers: imdnRequest({ kind: 'delivery', status: 'delivered' }).headers.map((h) => (h.name === 'From' ? { name: 'From', value: 'nonsense' } : h)) }, 400, /Malformed SIP URI/],
    ['a message ID not ours', imdnRequest({ kind: 'delivery', status: 'delivered' }, [], 'abc123'), 404, /No push of this service has message ID "abc123"/],
  ])('%s -> %i', (_name, req, status, reason, header) => {
    const r = readImdn(req);
    expect(r).toMatchObject({ kind: 'reject', status });
    expect(r.kind === 'reject' && r.reason).toMatch(reason);
    const response = imdnResponse(req, r as never);
    expect(response.status).toBe(status);
    if (header) {
      const [name, value] = header.split(': ');
      expect(getHeader(response, name!)).toBe(value);
    }
  });
});

describe('decideImdn: the table of imdnIntake.ts', () => {
  const read = (n: ImdnNotification, extra: SipHeader[] = []) => report(readImdn(imdnRequest(n, extra)));

  it.each<[string, ImdnNotification, SipHeader[], Partial<PushState>, number, string | undefined, string | undefined]>([
    ['delivered', { kind: 'delivery', status: 'delivered' }, [], {}, NOW, 'delivered', 'IMDN delivered'],
    ['displayed', { kind: 'display', status: 'displayed' }, [], {}, NOW, 'displayed', 'IMDN displayed'],
    ['display forbidden: it was delivered', { kind: 'display', status: 'forbidden' }, [], {}, NOW, 'delivered', 'IMDN display forbidden'],
    ['display error: it was delivered', { kind: 'display', status: 'error' }, [], {}, NOW, 'delivered', 'IMDN display error'],
    ['failed, expired', { kind: 'delivery', status: 'failed' }, [{ name: 'Push-Report-Reason', value: 'expired' }], {}, NOW, 'expired', 'IMDN failed (expired)'],
    ['failed, deliver-before passed', { kind: 'delivery', status: 'failed' }, [], { deliverBefore: NOW }, NOW, 'expired', 'IMDN failed'],
    ['failed, deliver-before still ahead', { kind: 'delivery', status: 'failed' }, [], { deliverBefore: NOW + 1 }, NOW, 'undeliverable', 'IMDN failed'],
    ['failed, refused by the app', { kind: 'delivery', status: 'failed' }, [{ name: 'Push-Report-Reason', value: 'refused-by-app' }], {}, NOW, 'undeliverable', 'IMDN failed (refused-by-app)'],
    ['forbidden', { kind: 'delivery', status: 'forbidden' }, [], {}, NOW, 'undeliverable', 'IMDN forbidden'],
    ['error', { kind: 'delivery', status: 'error' }, [], {}, NOW, 'undeliverable', 'IMDN error'],
    ['processing: nothing', { kind: 'processing', status: 'processed' }, [], {}, NOW, undefined, undefined],
  ])('%s', (_name, notification, extra, push, now, to, reason) => {
    const decision = decideImdn(read(notification, extra), pushState(push), now, ALICE);
    expect(decision.status).toBe(200);
    if (to === undefined) expect(decision.report).toBeUndefined();
    else expect(decision.report).toEqual({ pushId: 'p1', terminal: TERMINAL, to, reason });
  });

  it('404 for an unknown push or terminal', () => {
    const imdn = read({ kind: 'delivery', status: 'delivered' });
    expect(decideImdn(imdn, undefined, NOW)).toEqual({ status: 404, reason: `No delivery of push "p1" to ${TERMINAL}` });
    expect(decideImdn(imdn, pushState({ deliveries: [] }), NOW).status).toBe(404);
  });

  it('403 when the sender is not the terminal\'s AoR; no check when the AoR is unknown', () => {
    const imdn = read({ kind: 'delivery', status: 'delivered' }, [{ name: 'P-Asserted-Identity', value: '<sip:mallory@example.com>' }]);
    expect(decideImdn(imdn, pushState(), NOW, ALICE)).toEqual({ status: 403, reason: `A report on push "p1" to ${TERMINAL} must come from ${ALICE}, not sip:mallory@example.com` });
    expect(decideImdn(imdn, pushState(), NOW).status).toBe(200);
    expect(decideImdn(read({ kind: 'delivery', status: 'delivered' }), pushState(), NOW, 'SIP:ALICE@example.com').status).toBe(200);
  });

  it('the response carries the status and a safe reason', () => {
    const req = imdnRequest({ kind: 'delivery', status: 'delivered' });
    const response = imdnResponse(req, { status: 404, reason: 'No delivery\r\nX-Evil: 1' });
    expect(response).toMatchObject({ status: 404, reason: 'No delivery X-Evil: 1' });
    expect(getHeader(response, 'call-id')).toBe('c1');
  });
});

describe('expectedAorOf', () => {
  it('from an aor: key, from the stored aorOf map, else unknown', () => {
    expect(expectedAorOf({ target: null }, `aor:${ALICE}`)).toBe(ALICE);
    expect(expectedAorOf({ target: { aorOf: { [TERMINAL]: ALICE } } }, TERMINAL)).toBe(ALICE);
    expect(expectedAorOf({ target: [ALICE] }, TERMINAL)).toBeUndefined();
    expect(expectedAorOf({ target: { aorOf: { [TERMINAL]: 3 } } }, TERMINAL)).toBeUndefined();
  });
});
