import { describe, expect, it } from 'vitest';
import {
  buildMsrpAnswer,
  buildMsrpOffer,
  chooseAcceptTypes,
  formatFileSelector,
  mediaTypeMatches,
  MSRP_WS_PROTOCOLS,
  parseFileRange,
  parseFileSelector,
  parseMsrpOffer,
  parseSdp,
  SdpError,
  type MsrpOffer,
} from './index.ts';

const sdp = (lines: string[]): string => `${lines.join('\r\n')}\r\n`;
const SHA1 = '72:24:5F:E8:65:3D:DA:F3:71:36:2F:86:D4:71:91:3E:E4:A2:CE:2E';
const SHA1_HEX = SHA1.replace(/:/g, '').toLowerCase();

/** A Jitsi/SIP Communicator-style file transfer offer over plain TCP, LF line ends. */
const JITSI_TCP = [
  'v=0',
  'o=jitsi 0 0 IN IP4 192.0.2.10',
  's=-',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=message 49152 TCP/MSRP *',
  'a=accept-types:message/cpim text/plain',
  'a=accept-wrapped-types:*',
  'a=path:msrp://192.0.2.10:49152/aIyJ1Yf3y8;tcp',
  'a=setup:actpass',
  'a=sendonly',
  `a=file-selector:name:"holiday%20photo%22.jpg" type:image/jpeg size:81234 hash:sha-1:${SHA1}`,
  'a=file-transfer-id:vBnG916bdberum2fFEABR1FR3ExZMUrd',
  'a=file-disposition:attachment',
  'a=file-date:modification:"Mon, 15 May 2006 15:01:31 +0300"',
  'a=max-size:1048576',
].join('\n');

/** TLS, a relay in the path, sha-256, a resume range. */
const TLS_RESUME = sdp([
  'v=0',
  'o=- 3965318462174931922 2 IN IP4 198.51.100.7',
  's=file',
  't=0 0',
  'm=message 2855 TCP/TLS/MSRP *',
  'c=IN IP4 198.51.100.7',
  'a=path:msrps://relay.example.net:2855;tcp msrps://198.51.100.7:2855/s9kd2-kd;tcp',
  'a=accept-types:application/pdf',
  'a=sendonly',
  'a=file-selector:type:application/pdf name:"report.pdf" size:4096 hash:sha-256:' + 'AB:'.repeat(31) + 'AB',
  'a=file-transfer-id:abc-123',
  'a=file-range:2049-4096',
]);

/** RFC 5547 section 9.1 style: sender offers a picture wrapped in CPIM, no a=setup. */
const RFC5547_OFFER = sdp([
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com',
  's=',
  'c=IN IP4 host.atlanta.example.com',
  't=0 0',
  'm=message 7654 TCP/MSRP *',
  'i=This is my latest picture',
  'a=sendonly',
  'a=accept-types:message/cpim',
  'a=accept-wrapped-types:*',
  'a=path:msrp://atlanta.example.com:7654/jshA7we;tcp',
  `a=file-selector:name:"My cool picture.jpg" type:image/jpeg size:32349 hash:sha-1:${SHA1}`,
  'a=file-transfer-id:vBnG916bdberum2fFEABR1FR3ExZMUrd',
  'a=file-disposition:render',
  'a=file-date:creation:"Mon, 15 May 2006 15:01:31 +0300"',
  'a=file-icon:cid:id2@alicepc.example.com',
]);

/** Audio, a rejected message line, then the WebSocket MSRP line (RFC 7977 section 5). */
const SEVERAL = sdp([
  'v=0',
  'o=psa 1 1 IN IP4 psa.example.com',
  's=push',
  'c=IN IP4 psa.example.com',
  't=0 0',
  'm=audio 49170 RTP/AVP 0 8',
  'a=rtpmap:0 PCMU/8000',
  'm=message 0 TCP/WS/MSRP *',
  'a=path:msrp://psa.example.com:443/old;ws',
  'a=accept-types:text/plain',
  'm=message 9 TCP/WSS/MSRP *',
  'a=path:msrps://psa.example.com:8443/nw5e55;ws',
  'a=accept-types:text/plain image/*',
  'a=setup:passive',
  'a=sendonly',
  'a=x-custom:kept',
]);

describe('parseMsrpOffer on offers from other implementations', () => {
  it('reads a Jitsi-style TCP/MSRP file transfer offer', () => {
    const offer = parseMsrpOffer(JITSI_TCP);
    expect(offer).toMatchObject({
      protocol: 'TCP/MSRP',
      port: 49152,
      connection: { netType: 'IN', addrType: 'IP4', address: '192.0.2.10' },
      path: ['msrp://192.0.2.10:49152/aIyJ1Yf3y8;tcp'],
      acceptTypes: ['message/cpim', 'text/plain'],
      acceptWrappedTypes: ['*'],
      setup: 'actpass',
      direction: 'sendonly',
      maxSize: 1048576,
      fileSelector: { name: 'holiday photo".jpg', type: 'image/jpeg', size: 81234, hashes: [{ algorithm: 'sha-1', hex: SHA1_HEX }] },
      fileTransferId: 'vBnG916bdberum2fFEABR1FR3ExZMUrd',
      fileDisposition: 'attachment',
      fileDate: { modification: 'Mon, 15 May 2006 15:01:31 +0300' },
      mediaIndex: 0,
    });
    expect(offer.origin.username).toBe('jitsi');
  });

  it('reads a TCP/TLS/MSRP offer with a relay, sha-256 and a file-range', () => {
    const offer = parseMsrpOffer(TLS_RESUME);
    expect(offer.protocol).toBe('TCP/TLS/MSRP');
    expect(offer.origin.sessionId).toBe('3965318462174931922');
    expect(offer.path).toHaveLength(2);
    expect(offer.fileSelector!.hashes).toEqual([{ algorithm: 'sha-256', hex: 'ab'.repeat(32) }]);
    expect(offer.fileRange).toEqual({ start: 2049, stop: 4096 });
    expect(offer.setup).toBeUndefined();
  });

  it('reads the RFC 5547 section 9 offer and keeps unknown attributes', () => {
    const offer = parseMsrpOffer(RFC5547_OFFER);
    expect(offer.sessionName).toBe('');
    expect(offer.fileDisposition).toBe('render');
    expect(offer.fileDate).toEqual({ creation: 'Mon, 15 May 2006 15:01:31 +0300' });
    expect(offer.otherAttributes).toEqual([{ name: 'file-icon', value: 'cid:id2@alicepc.example.com' }]);
  });

  it('picks the first usable m=message line among several', () => {
    const offer = parseMsrpOffer(SEVERAL, { protocols: MSRP_WS_PROTOCOLS });
    expect(offer).toMatchObject({ mediaIndex: 2, protocol: 'TCP/WSS/MSRP', port: 9, setup: 'passive', path: ['msrps://psa.example.com:8443/nw5e55;ws'] });
    expect(offer.media.map((m) => `${m.type} ${m.port} ${m.protocol}`)).toEqual(['audio 49170 RTP/AVP', 'message 0 TCP/WS/MSRP', 'message 9 TCP/WSS/MSRP']);
    expect(offer.otherAttributes).toEqual([{ name: 'x-custom', value: 'kept' }]);
  });
});

describe('parseMsrpOffer refusals', () => {
  const ws = (extra: string[], m = 'm=message 9 TCP/WS/MSRP *'): string =>
    sdp(['v=0', 'o=- 1 1 IN IP4 a.example', 's=-', 'c=IN IP4 a.example', 't=0 0', m, ...extra]);
  const good = ['a=path:msrp://a.example:80/s1;ws', 'a=accept-types:text/plain'];
  it.each([
    ['not SDP', 'hello', {}, 'SDP_ERR_SYNTAX', 400],
    ['no o= line', 'v=0\r\ns=-\r\n', {}, 'SDP_ERR_SYNTAX', 400],
    ['only audio', ws(['a=rtpmap:0 PCMU/8000'], 'm=audio 4000 RTP/AVP 0'), {}, 'SDP_ERR_NO_MSRP_MEDIA', 488],
    ['message line rejected with port 0', ws(good, 'm=message 0 TCP/WS/MSRP *'), {}, 'SDP_ERR_NO_MSRP_MEDIA', 488],
    ['TCP/MSRP where only WebSocket is usable', JITSI_TCP, { protocols: MSRP_WS_PROTOCOLS }, 'SDP_ERR_NO_MSRP_MEDIA', 488],
    ['m=message with another protocol', ws(good, 'm=message 9 TCP/BFCP *'), {}, 'SDP_ERR_NO_MSRP_MEDIA', 488],
    ['no a=path', ws(['a=accept-types:text/plain']), {}, 'SDP_ERR_PATH', 488],
    ['a=path not an MSRP URI', ws(['a=path:http://x/y', 'a=accept-types:text/plain']), {}, 'SDP_ERR_PATH', 488],
    ['no a=accept-types', ws(['a=path:msrp://a.example:80/s1;ws']), {}, 'SDP_ERR_ATTRIBUTE', 488],
    ['bad a=setup', ws([...good, 'a=setup:sideways']), {}, 'SDP_ERR_SETUP', 488],
    ['bad a=max-size', ws([...good, 'a=max-size:big']), {}, 'SDP_ERR_ATTRIBUTE', 488],
    ['bad file-selector', ws([...good, 'a=file-selector:name:"x" size:ten']), {}, 'SDP_ERR_ATTRIBUTE', 488],
    ['bad file-range', ws([...good, 'a=file-range:0-10']), {}, 'SDP_ERR_ATTRIBUTE', 488],
  ])('%s', (_name, text, options, code, status) => {
    expect(() => parseMsrpOffer(text, options)).toThrow(expect.objectContaining({ code, status }));
    expect(() => parseMsrpOffer(text, options)).toThrow(SdpError);
  });
});

describe('chooseAcceptTypes', () => {
  const offerOf = (acceptTypes: string[], acceptWrappedTypes: string[] = [], fileType?: string): MsrpOffer =>
    ({
      ...parseMsrpOffer(SEVERAL),
      acceptTypes,
      acceptWrappedTypes,
      ...(fileType ? { fileSelector: { type: fileType, hashes: [] } } : {}),
    }) as MsrpOffer;
  it.each([
    [['text/plain', 'image/png'], [], undefined, ['image/*'], ['image/png'], []],
    [['TEXT/Plain;charset=utf-8'], [], undefined, ['text/plain'], ['TEXT/Plain;charset=utf-8'], []],
    [['message/cpim'], ['*'], 'image/jpeg', ['image/jpeg', 'text/plain'], ['message/cpim'], ['image/jpeg', 'text/plain']],
    [['message/cpim'], ['image/jpeg', 'video/mp4'], undefined, ['image/*'], ['message/cpim'], ['image/jpeg']],
    [['*'], [], undefined, ['text/plain', 'application/pdf'], ['text/plain', 'application/pdf'], []],
    [['application/pdf'], [], 'application/pdf', ['*'], ['application/pdf'], []],
  ])('%j wrapped %j file %s, receiver %j', (offered, wrapped, fileType, accepted, types, wrappedTypes) => {
    expect(chooseAcceptTypes(offerOf(offered, wrapped, fileType), accepted)).toEqual({ acceptTypes: types, acceptWrappedTypes: wrappedTypes });
  });

  it.each([
    [['text/plain'], [], undefined, ['image/png']],
    [['message/cpim'], ['video/mp4'], undefined, ['image/*']],
    [['message/cpim', 'image/jpeg'], ['*'], 'video/mp4', ['image/jpeg', 'message/cpim']],
  ])('refuses %j wrapped %j file %s for receiver %j with 415', (offered, wrapped, fileType, accepted) => {
    expect(() => chooseAcceptTypes(offerOf(offered, wrapped, fileType), accepted)).toThrow(
      expect.objectContaining({ code: 'SDP_ERR_ACCEPT_TYPES', status: 415 }),
    );
  });

  it('matches media types', () => {
    expect(mediaTypeMatches('image/png', ['image/*'])).toBe(true);
    expect(mediaTypeMatches('imagex/png', ['image/*'])).toBe(false);
    expect(mediaTypeMatches('text/plain', ['*'])).toBe(true);
  });
});

describe('buildMsrpAnswer', () => {
  const path = 'msrp://k3j4h5.invalid:2855/r3c31v3r;ws';

  it('answers the several-m-lines offer: others rejected with port 0, ours active and recvonly', () => {
    const offer = parseMsrpOffer(SEVERAL, { protocols: MSRP_WS_PROTOCOLS });
    const answer = buildMsrpAnswer(offer, { path, ...chooseAcceptTypes(offer, ['text/plain']), setup: 'active' });
    const parsed = parseSdp(answer);
    expect(parsed.media.map((m) => `${m.type} ${m.port} ${m.protocol} ${m.formats.join(' ')}`)).toEqual([
      'audio 0 RTP/AVP 0 8',
      'message 0 TCP/WS/MSRP *',
      'message 9 TCP/WSS/MSRP *',
    ]);
    expect(parsed.media[2]!.attributes).toEqual([
      { name: 'path', value: path },
      { name: 'accept-types', value: 'text/plain' },
      { name: 'setup', value: 'active' },
      { name: 'recvonly' },
    ]);
    expect(parsed.connection).toEqual({ netType: 'IN', addrType: 'IP4', address: 'k3j4h5.invalid' });
    expect(answer).toMatch(/^v=0\r\no=- \d{16} 1 IN IP4 k3j4h5\.invalid\r\ns=-\r\nc=IN IP4 k3j4h5\.invalid\r\nt=0 0\r\n/);
  });

  it('accepts an RFC 5547 file: file-selector and file-transfer-id repeated, file-range to resume', () => {
    const offer = parseMsrpOffer(RFC5547_OFFER);
    const answer = parseMsrpOffer(
      buildMsrpAnswer(offer, { path, ...chooseAcceptTypes(offer, ['image/jpeg']), setup: 'active', fileRange: { start: 1001, stop: '*' }, maxSize: 65536 }),
    );
    expect(answer).toMatchObject({
      protocol: 'TCP/MSRP',
      port: 7654,
      acceptTypes: ['message/cpim'],
      acceptWrappedTypes: ['image/jpeg'],
      setup: 'active',
      direction: 'recvonly',
      maxSize: 65536,
      fileSelector: offer.fileSelector,
      fileTransferId: offer.fileTransferId,
      fileRange: { start: 1001, stop: '*' },
    });
  });

  it('repeats the offered file-range when none is given', () => {
    const offer = parseMsrpOffer(TLS_RESUME);
    const answer = buildMsrpAnswer(offer, { path: [path], acceptTypes: ['application/pdf'], setup: 'active' });
    expect(answer).toContain('\r\na=file-range:2049-4096\r\n');
  });

  it.each([
    ['a=setup:active', 'SDP_ERR_SETUP'],
    ['a=setup:holdconn', 'SDP_ERR_SETUP'],
    ['a=recvonly', 'SDP_ERR_DIRECTION'],
  ])('refuses an offer with %s (488)', (attr, code) => {
    const offer = parseMsrpOffer(SEVERAL.replace('a=setup:passive\r\na=sendonly', attr));
    expect(() => buildMsrpAnswer(offer, { path, acceptTypes: ['text/plain'], setup: 'active' })).toThrow(expect.objectContaining({ code, status: 488 }));
  });
});

describe('buildMsrpOffer (the sender)', () => {
  it('offers a file over WebSocket and parses back', () => {
    const text = buildMsrpOffer({
      protocol: 'TCP/WS/MSRP',
      path: 'msrp://psa.example.com:8080/s3nd3r01;ws',
      acceptTypes: ['application/octet-stream', 'image/png'],
      setup: 'passive',
      maxSize: 1 << 30,
      file: {
        selector: { name: 'big "file" 100%.bin', type: 'application/octet-stream', size: 52428800, hashes: [{ algorithm: 'sha-256', hex: '0f'.repeat(32) }] },
        transferId: 'ft-0001',
        disposition: 'attachment',
        date: { creation: 'Tue, 01 Jul 2025 10:00:00 +0000' },
      },
    });
    expect(text).toContain('\r\nm=message 9 TCP/WS/MSRP *\r\n');
    expect(text).toContain('\r\nc=IN IP4 psa.example.com\r\n');
    expect(text).toContain('a=file-selector:name:"big %22file%22 100%25.bin" type:application/octet-stream size:52428800 hash:sha-256:0F:0F:');
    const offer = parseMsrpOffer(text, { protocols: MSRP_WS_PROTOCOLS });
    expect(offer).toMatchObject({
      setup: 'passive',
      direction: 'sendonly',
      fileSelector: { name: 'big "file" 100%.bin', size: 52428800, hashes: [{ algorithm: 'sha-256', hex: '0f'.repeat(32) }] },
      fileTransferId: 'ft-0001',
      fileDisposition: 'attachment',
      fileDate: { creation: 'Tue, 01 Jul 2025 10:00:00 +0000' },
    });
    expect(offer.fileRange).toBeUndefined();
  });

  it('defaults to actpass and sendonly, and offers a resume range over WSS', () => {
    const offer = parseMsrpOffer(
      buildMsrpOffer({
        protocol: 'TCP/WSS/MSRP',
        path: 'msrps://[2001:db8::5]:8443/s3nd3r02;ws',
        acceptTypes: ['text/plain'],
        file: { selector: { size: 10, hashes: [] }, transferId: 'ft-0002', range: { start: 6, stop: 10 } },
      }),
    );
    expect(offer).toMatchObject({ protocol: 'TCP/WSS/MSRP', setup: 'actpass', direction: 'sendonly', fileRange: { start: 6, stop: 10 } });
    expect(offer.connection).toEqual({ netType: 'IN', addrType: 'IP6', address: '2001:db8::5' });
  });
});

describe('RFC 5547 attribute codecs', () => {
  it.each([
    ['name:"a b.txt" type:text/plain size:3', { name: 'a b.txt', type: 'text/plain', size: 3, hashes: [] }],
    ['type:text/plain;charset="UTF-8" size:0', { type: 'text/plain;charset="UTF-8"', size: 0, hashes: [] }],
    ['hash:sha-1:AA:BB hash:SHA-256:cc:dd', { hashes: [{ algorithm: 'sha-1', hex: 'aabb' }, { algorithm: 'sha-256', hex: 'ccdd' }] }],
    ['', { hashes: [] }],
  ])('file-selector %s', (text, selector) => {
    expect(parseFileSelector(text)).toEqual(selector);
    expect(parseFileSelector(formatFileSelector(selector))).toEqual(selector);
  });

  it('file-range', () => {
    expect(parseFileRange('1-*')).toEqual({ start: 1, stop: '*' });
    expect(() => parseFileRange('10-5')).toThrow(SdpError);
  });
});
