import { describe, expect, it } from 'vitest';
import { buildNotificationBody, buildReportRequestBody, parseNotificationBody } from './index.ts';
import { getContentHeader, getCpimHeader, IMDN_NS, parseCpim } from '../cpim/cpim.ts';
import { ImdnError, parseDispositionNotification } from '../imdn/imdn.ts';
import { expectCodecError } from '../../testing/codecAssertions.ts';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('buildReportRequestBody', () => {
  it('writes the CPIM envelope a push that asks for reports carries', () => {
    const body = buildReportRequestBody({
      from: '<sip:psa@example.com>',
      to: '<sip:alice@example.com>',
      messageId: 'psa.abc',
      dateTime: new Date('2026-12-02T17:00:00.000Z'),
      contentType: 'text/plain;charset=utf-8',
      content: 'héllo',
    });
    expect(text(body)).toBe(
      [
        'From: <sip:psa@example.com>',
        'To: <sip:alice@example.com>',
        'DateTime: 2026-12-02T17:00:00.000Z',
        'NS: imdn <urn:ietf:params:imdn>',
        'imdn.Message-ID: psa.abc',
        'imdn.Disposition-Notification: positive-delivery, negative-delivery, display',
        '',
        'Content-Type: text/plain;charset=utf-8',
        'Content-Length: 6',
        '',
        'héllo',
      ].join('\r\n'),
    );
    const cpim = parseCpim(body);
    expect(parseDispositionNotification(getCpimHeader(cpim, 'Disposition-Notification', IMDN_NS)!)).toEqual(['positive-delivery', 'negative-delivery', 'display']);
  });

  it('asks only for what it is given', () => {
    const body = buildReportRequestBody({ from: '<sip:p@d>', to: '<sip:a@d>', messageId: 'm', dateTime: '2026-12-02T17:00:00Z', dispositions: ['display'], contentType: 'text/plain', content: '' });
    expect(getCpimHeader(parseCpim(body), 'Disposition-Notification', IMDN_NS)).toBe('display');
  });
});

describe('buildNotificationBody / parseNotificationBody', () => {
  it('wraps message/imdn+xml with Content-Disposition: notification (RFC 5438 7.1.1) and reads it back', () => {
    const body = buildNotificationBody({
      from: '<sip:alice@example.com>',
      to: '<sip:psa@example.com>',
      notificationId: 'n-1',
      dateTime: '2026-12-02T17:00:05.000Z',
      document: { messageId: 'psa.abc', datetime: '2026-12-02T17:00:00.000Z', notification: { kind: 'display', status: 'displayed' } },
    });
    const cpim = parseCpim(body);
    expect(getContentHeader(cpim, 'Content-Type')).toBe('message/imdn+xml');
    expect(getContentHeader(cpim, 'Content-Disposition')).toBe('notification');
    expect(text(cpim.content)).toContain('<display-notification>');
    expect(parseNotificationBody(body)).toEqual({
      notificationId: 'n-1',
      from: '<sip:alice@example.com>',
      document: { messageId: 'psa.abc', datetime: '2026-12-02T17:00:00.000Z', notification: { kind: 'display', status: 'displayed' } },
    });
  });

  it('refuses a CPIM body that holds no IMDN', () => {
    const body = buildReportRequestBody({ from: '<sip:p@d>', to: '<sip:a@d>', messageId: 'm', dateTime: '2026-12-02T17:00:00Z', contentType: 'text/plain', content: 'x' });
    expectCodecError(() => parseNotificationBody(body), ImdnError, 'IMDN_ERR_SCHEMA', 400);
  });
});
