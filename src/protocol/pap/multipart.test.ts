import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildMultipart,
  buildPap,
  buildPapRequest,
  DEFAULT_MAX_CONTROL_BYTES,
  mimeHeader,
  PapError,
  parseContentType,
  parseMultipart,
  parsePapRequest,
  pushApplicationName,
  type MimePart,
} from './index.ts';
import { bytesOf, expectCodecError } from '../../testing/codecAssertions.ts';

const CONTROL = [
  '<?xml version="1.0"?>',
  '<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">',
  '<pap>',
  '<push-message push-id="pushID:1" ppg-notify-requested-to="http://localhost:7778">',
  '<address address-value="WAPPUSH=+15551234567/TYPE=PLMN@ppg.example.com"/>',
  '<quality-of-service delivery-method="confirmed"/>',
  '</push-message>',
  '</pap>',
].join('\n');

/** A PAP push body the way public initiators write it, with the given line break. */
function pushBody(eol: string, content = 'Hello from the PI', extra = ''): string {
  return [
    '--asdlfkjiurwghasf',
    'Content-Type: application/xml; charset=UTF-8',
    '',
    CONTROL.replace(/\n/g, eol),
    '--asdlfkjiurwghasf',
    'Content-Type: text/plain',
    'X-Wap-Application-Id: x-wap-application:wml.ua',
    'Content-Location: http://pi.example.com/msg/1',
    '',
    content,
    `--asdlfkjiurwghasf--${extra}`,
    '',
  ].join(eol);
}
const CT = 'multipart/related; boundary=asdlfkjiurwghasf; type="application/xml"';

describe('parsePapRequest', () => {
  it.each([
    ['CRLF', '\r\n'],
    ['bare LF', '\n'],
  ])('reads a push-message with its content entity (%s)', (_name, eol) => {
    const request = parsePapRequest(bytesOf(pushBody(eol)), CT);
    expect(request.document.version).toBe('2.0');
    expect(request.document.message).toMatchObject({ kind: 'push-message', pushId: 'pushID:1', addresses: ['WAPPUSH=+15551234567/TYPE=PLMN@ppg.example.com'] });
    expect(request.content).toEqual({
      contentType: 'text/plain',
      headers: [
        { name: 'Content-Type', value: 'text/plain' },
        { name: 'X-Wap-Application-Id', value: 'x-wap-application:wml.ua' },
        { name: 'Content-Location', value: 'http://pi.example.com/msg/1' },
      ],
      body: bytesOf('Hello from the PI'),
      applicationId: 'x-wap-application:wml.ua',
      contentLocation: 'http://pi.example.com/msg/1',
    });
    expect(pushApplicationName(request.content!.applicationId!)).toBe('wml.ua');
    expect(new TextDecoder().decode(request.controlBytes)).toBe(CONTROL.replace(/\n/g, eol));
    expect(request.extraParts).toEqual([]);
  });

  it('ignores a preamble and an epilogue, and takes padding after delimiters', () => {
    const body = `This is a multi-part message in MIME format.\r\n${pushBody('\r\n', 'x', ' \t').replace('--asdlfkjiurwghasf\r\nContent-Type: text/plain', '--asdlfkjiurwghasf  \r\nContent-Type: text/plain')}trailing epilogue\r\n--asdlfkjiurwghasf\r\nnot a part\r\n`;
    const request = parsePapRequest(bytesOf(body), CT);
    expect(request.content!.body).toEqual(bytesOf('x'));
  });

  it('carries binary content byte for byte (WBXML SIC with CR, LF and boundary-like bytes)', () => {
    const binary = Uint8Array.from([0x02, 0x05, 0x6a, 0x00, 0x0d, 0x0a, 0x2d, 0x2d, 0x0d, 0x0a, 0x0d, 0x0a, 0xff, 0x00, 0x80, 0x0a]);
    const body = bytesOf(
      '--b\r\nContent-Type: application/xml\r\n\r\n',
      CONTROL,
      '\r\n--b\r\nContent-Type: application/vnd.wap.sic\r\nX-Wap-Application-Id: 1\r\n\r\n',
      binary,
      '\r\n--b--\r\n',
    );
    const request = parsePapRequest(body, 'multipart/related; boundary=b');
    expect(request.content!.body).toEqual(binary);
    expect(request.content!.contentType).toBe('application/vnd.wap.sic');
    expect(pushApplicationName(request.content!.applicationId!)).toBe('push.sia');
  });

  it('decodes a base64 content entity', () => {
    const body = bytesOf('--b\r\nContent-Type: application/xml\r\n\r\n', CONTROL, '\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n/w==\r\n--b--');
    expect(parsePapRequest(body, 'multipart/related; boundary="b"').content!.body).toEqual(Uint8Array.from([0, 1, 2, 0xff]));
  });

  it('reads a bare application/xml statusquery, and a capabilities entity after the content', () => {
    const query = '<?xml version="1.0"?><pap><statusquery-message push-id="pushID:1"/></pap>';
    const request = parsePapRequest(bytesOf(query), 'application/xml');
    expect(request.document.message).toEqual({ kind: 'statusquery-message', pushId: 'pushID:1', addresses: [] });
    expect(request.content).toBeUndefined();
    const withCaps = pushBody('\r\n').replace('--asdlfkjiurwghasf--', '--asdlfkjiurwghasf\r\nContent-Type: application/vnd.wap.uaprof\r\n\r\n<rdf/>\r\n--asdlfkjiurwghasf--');
    const caps = parsePapRequest(bytesOf(withCaps), CT).extraParts;
    expect(caps).toHaveLength(1);
    expect(mimeHeader(caps[0]!, 'content-type')).toBe('application/vnd.wap.uaprof');
  });

  it.each([
    ['no boundary parameter', pushBody('\r\n'), 'multipart/related; type="application/xml"', 'PAP_ERR_MULTIPART', 'no boundary'],
    ['a boundary the body does not use', pushBody('\r\n'), 'multipart/related; boundary=other', 'PAP_ERR_MULTIPART', 'does not match'],
    ['no closing delimiter', pushBody('\r\n').replace('--asdlfkjiurwghasf--\r\n', ''), CT, 'PAP_ERR_MULTIPART', 'closing'],
    ['a push-message without its content entity', `--b\r\nContent-Type: application/xml\r\n\r\n${CONTROL}\r\n--b--\r\n`, 'multipart/related; boundary=b', 'PAP_ERR_MULTIPART', 'content entity'],
    ['a bare push-message', CONTROL, 'application/xml', 'PAP_ERR_MULTIPART', 'content entity'],
    ['the content first', pushBody('\r\n').replace('application/xml; charset=UTF-8', 'text/plain'), CT, 'PAP_ERR_MULTIPART', 'must come first'],
    ['a form post', 'push-id=1', 'application/x-www-form-urlencoded', 'PAP_ERR_MULTIPART', 'not a PAP body'],
    ['a malformed part header', '--b\r\nContent-Type application/xml\r\n\r\n<pap/>\r\n--b--', 'multipart/related; boundary=b', 'PAP_ERR_MULTIPART', 'header line'],
    ['quoted-printable content', pushBody('\r\n').replace('Content-Type: text/plain', 'Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable'), CT, 'PAP_ERR_MULTIPART', 'quoted-printable'],
    ['a malformed Content-Type', pushBody('\r\n'), 'multipart', 'PAP_ERR_MULTIPART', 'type/subtype'],
    ['not XML in the control entity', '--b\r\nContent-Type: application/xml\r\n\r\nhello\r\n--b--', 'multipart/related; boundary=b', 'PAP_ERR_XML', ''],
  ])('refuses %s', (_name, body, contentType, code, words) => {
    const err = expectCodecError(() => parsePapRequest(bytesOf(body), contentType), PapError, code, 2000);
    expect(err.message).toContain(words);
  });

  it('refuses a 10 MB control entity by maxControlBytes, and takes one at the limit', () => {
    const big = bytesOf(`--b\r\nContent-Type: application/xml\r\n\r\n<pap><cancel-message push-id="${'x'.repeat(10 * 1024 * 1024)}"/></pap>\r\n--b--\r\n`);
    const err = expectCodecError(() => parsePapRequest(big, 'multipart/related; boundary=b'), PapError, 'PAP_ERR_TOO_LARGE', 2000);
    expect(err.message).toContain('maxControlBytes');
    const bareBig = bytesOf(`<pap><cancel-message push-id="${'x'.repeat(DEFAULT_MAX_CONTROL_BYTES)}"/></pap>`);
    expectCodecError(() => parsePapRequest(bareBig, 'application/xml'), PapError, 'PAP_ERR_TOO_LARGE', 2000);

    const control = '<pap><cancel-message push-id="x"/></pap>';
    const exact = bytesOf(control);
    expect(parsePapRequest(exact, 'application/xml', { maxControlBytes: exact.length }).document.message.kind).toBe('cancel-message');
    expectCodecError(() => parsePapRequest(exact, 'application/xml', { maxControlBytes: exact.length - 1 }), PapError, 'PAP_ERR_TOO_LARGE', 2000);
  });

  it('refuses a body over maxBodyBytes and more parts than maxParts, and takes them at the limit', () => {
    const body = bytesOf(pushBody('\r\n'));
    expect(parsePapRequest(body, CT, { maxBodyBytes: body.length }).content).toBeDefined();
    const err = expectCodecError(() => parsePapRequest(body, CT, { maxBodyBytes: body.length - 1 }), PapError, 'PAP_ERR_TOO_LARGE', 2000);
    expect(err.message).toContain('maxBodyBytes');
    expect(parsePapRequest(body, CT, { maxParts: 2 }).content).toBeDefined();
    expectCodecError(() => parsePapRequest(body, CT, { maxParts: 1 }), PapError, 'PAP_ERR_TOO_LARGE', 2000);
  });
});

describe('parseContentType', () => {
  it('reads quoted and bare parameters, case-insensitively named', () => {
    expect(parseContentType('Multipart/Related; Boundary="a b;c"; type=application/xml; start="<ctl@pi>";')).toEqual({
      mediaType: 'multipart/related',
      params: { boundary: 'a b;c', type: 'application/xml', start: '<ctl@pi>' },
    });
  });
});

describe('buildMultipart and buildPapRequest', () => {
  it('builds what parsePapRequest reads back', () => {
    const control = buildPap({ kind: 'push-message', pushId: 'p1', progressNotesRequested: false, addresses: ['WAPPUSH=alice/TYPE=USER'] });
    const content = { contentType: 'text/vnd.wap.si', body: bytesOf('<si/>'), headers: [{ name: 'X-Wap-Application-Id', value: 'x-wap-application:push.sia' }] };
    const { contentType, body } = buildPapRequest(control, content);
    expect(contentType).toBe('multipart/related; boundary="pap-boundary-0"; type="application/xml"');
    const request = parsePapRequest(body, contentType);
    expect(request.document.message).toMatchObject({ pushId: 'p1' });
    expect(request.content).toMatchObject({ contentType: 'text/vnd.wap.si', body: bytesOf('<si/>'), applicationId: 'x-wap-application:push.sia' });
    expect(buildPapRequest('<pap/>')).toEqual({ contentType: 'application/xml; charset=utf-8', body: bytesOf('<pap/>') });
  });

  it('picks a boundary that occurs in no part, and refuses a given one that does', () => {
    const parts: MimePart[] = [{ headers: [], body: bytesOf('--pap-boundary-0 and --pap-boundary-1') }];
    expect(buildMultipart(parts).contentType).toBe('multipart/related; boundary="pap-boundary-2"');
    expect(() => buildMultipart(parts, { boundary: 'pap-boundary-0' })).toThrow(PapError);
    expect(() => buildMultipart(parts, { boundary: 'has space' })).toThrow(PapError);
  });

  it('round-trips any parts (fast-check)', () => {
    const header = fc.record({ name: fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,12}$/), value: fc.stringMatching(/^[ -~]{0,20}$/).map((v) => v.trim()) });
    const part = fc.record({ headers: fc.array(header, { maxLength: 3 }), body: fc.uint8Array({ maxLength: 64 }) });
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (parts) => {
        const { contentType, body } = buildMultipart(parts);
        const parsed = parseMultipart(body, contentType);
        expect(parsed.parts).toEqual(parts.map((p) => ({ headers: p.headers, body: p.body })));
      }),
    );
  });
});
