import { describe, expect, it } from 'vitest';
import {
  answerChallenge,
  digestResponse,
  formatChallenge,
  formatCredentials,
  md5Hex,
  parseChallenge,
  parseCredentials,
  verifyCredentials,
  type DigestChallenge,
} from './digest.ts';

describe('digestResponse: RFC 2617 section 3.5 example', () => {
  const args = {
    username: 'Mufasa',
    password: 'Circle Of Life',
    realm: 'testrealm@host.com',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    method: 'GET',
    uri: '/dir/index.html',
  };

  it('computes HA1, HA2 and the qop=auth response', () => {
    expect(md5Hex('Mufasa:testrealm@host.com:Circle Of Life')).toBe('939e7578ed9e3c518a452acee763bce9');
    expect(md5Hex('GET:/dir/index.html')).toBe('39aff3a2bab6126f332b942af96d3366');
    expect(digestResponse({ ...args, qop: 'auth', nc: '00000001', cnonce: '0a4f113b' })).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('computes the RFC 2069 form without qop', () => {
    // MD5(HA1 ":" nonce ":" HA2)
    expect(digestResponse(args)).toBe(md5Hex('939e7578ed9e3c518a452acee763bce9:dcd98b7102dd2f0e8b11d0f600bfb0c093:39aff3a2bab6126f332b942af96d3366'));
  });

  it('parses the example Authorization header and verifies it', () => {
    const creds = parseCredentials(
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    );
    expect(creds).toEqual({
      username: 'Mufasa',
      realm: 'testrealm@host.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      uri: '/dir/index.html',
      response: '6629fae49393a05397450978507c4ef1',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
      opaque: '5ccc069c403ebaf9f0171e9517f40e41',
    });
    expect(verifyCredentials(creds, 'Circle Of Life', 'GET')).toBe(true);
    expect(verifyCredentials(creds, 'Circle of Life', 'GET')).toBe(false);
    expect(verifyCredentials(creds, 'Circle Of Life', 'POST')).toBe(false);
  });
});

describe('parseChallenge', () => {
  it.each([
    {
      name: 'Kamailio (auth module, qop=auth)',
      header: 'Digest realm="example.com", nonce="ZfKp9WXyvMvr5gFwMxXnVBRlVsYcoMCM", qop="auth"',
      want: { realm: 'example.com', nonce: 'ZfKp9WXyvMvr5gFwMxXnVBRlVsYcoMCM', algorithm: 'MD5', stale: false, qop: ['auth'] },
    },
    {
      name: 'Kamailio stale nonce with algorithm and opaque',
      header: 'Digest realm="example.com", nonce="ZfKq/2XyvNv4q3t0", opaque="a1b2", qop="auth", stale=true, algorithm=MD5',
      want: { realm: 'example.com', nonce: 'ZfKq/2XyvNv4q3t0', opaque: 'a1b2', algorithm: 'MD5', stale: true, qop: ['auth'] },
    },
    {
      name: 'Asterisk chan_sip (no qop, algorithm first)',
      header: 'Digest algorithm=MD5, realm="asterisk", nonce="1c8c6d5e"',
      want: { realm: 'asterisk', nonce: '1c8c6d5e', algorithm: 'MD5', stale: false },
    },
    {
      name: 'Asterisk PJSIP (no spaces, lower-case algorithm, qop list)',
      header: 'Digest realm="asterisk",nonce="1600266017/5ff0b0c9bcd8e8c1",opaque="3d0cc8d12fcdb1bd",algorithm=md5,qop="auth,auth-int"',
      want: { realm: 'asterisk', nonce: '1600266017/5ff0b0c9bcd8e8c1', opaque: '3d0cc8d12fcdb1bd', algorithm: 'md5', stale: false, qop: ['auth', 'auth-int'] },
    },
    {
      name: 'quoted values holding commas and semicolons',
      header: 'digest realm="a, b; c", nonce="n,1"',
      want: { realm: 'a, b; c', nonce: 'n,1', algorithm: 'MD5', stale: false },
    },
  ] as { name: string; header: string; want: DigestChallenge }[])('$name', ({ header, want }) => {
    expect(parseChallenge(header)).toEqual(want);
  });

  it.each(['Basic realm="x"', 'Digest nonce="n"', 'Digest realm="r"'])('rejects %j', (header) => {
    expect(() => parseChallenge(header)).toThrow();
  });

  it('formatChallenge writes what parseChallenge reads', () => {
    const challenge: DigestChallenge = { realm: 'r', nonce: 'n1', algorithm: 'MD5', qop: ['auth'], opaque: 'o', stale: true };
    expect(parseChallenge(formatChallenge(challenge))).toEqual(challenge);
  });
});

describe('answerChallenge + verifyCredentials', () => {
  const password = 's3cr3t';
  it.each([
    { name: 'qop=auth', challenge: 'Digest realm="example.com", nonce="abc", qop="auth"' },
    { name: 'qop list with auth-int', challenge: 'Digest realm="asterisk",nonce="1/x",opaque="op",algorithm=md5,qop="auth-int,auth"' },
    { name: 'no qop', challenge: 'Digest algorithm=MD5, realm="asterisk", nonce="1c8c6d5e"' },
  ])('$name: the answer verifies, through the header text too', ({ challenge }) => {
    const parsed = parseChallenge(challenge);
    const creds = answerChallenge(parsed, { username: 'alice', password, method: 'REGISTER', uri: 'sip:example.com', nc: 3, cnonce: 'c0ffee' });
    expect(creds.realm).toBe(parsed.realm);
    expect(creds.opaque).toBe(parsed.opaque);
    if (parsed.qop) expect(creds).toMatchObject({ qop: 'auth', nc: '00000003', cnonce: 'c0ffee' });
    else expect(creds.qop).toBeUndefined();
    expect(verifyCredentials(creds, password, 'REGISTER')).toBe(true);
    expect(verifyCredentials(creds, 'wrong', 'REGISTER')).toBe(false);
    expect(verifyCredentials(creds, password, 'MESSAGE')).toBe(false);
    const onWire = parseCredentials(formatCredentials(creds));
    expect(onWire).toEqual(creds);
    expect(verifyCredentials(onWire, password, 'REGISTER')).toBe(true);
  });

  it('qop=auth: nc counts in hex, cnonce defaults to a random value', () => {
    const challenge = parseChallenge('Digest realm="r", nonce="n", qop="auth"');
    const first = answerChallenge(challenge, { username: 'u', password: 'p', method: 'MESSAGE', uri: 'sip:b@r' });
    expect(first.nc).toBe('00000001');
    expect(first.cnonce).toMatch(/^[a-z0-9]+$/);
    const later = answerChallenge(challenge, { username: 'u', password: 'p', method: 'MESSAGE', uri: 'sip:b@r', nc: 255 });
    expect(later.nc).toBe('000000ff');
    expect(later.response).not.toBe(first.response);
    expect(verifyCredentials(later, 'p', 'MESSAGE')).toBe(true);
    // A replay with a tampered nc does not verify.
    expect(verifyCredentials({ ...later, nc: '00000100' }, 'p', 'MESSAGE')).toBe(false);
  });

  it('refuses algorithms other than MD5', () => {
    expect(() => answerChallenge(parseChallenge('Digest realm="r", nonce="n", algorithm=SHA-256'), { username: 'u', password: 'p', method: 'REGISTER', uri: 'sip:r' })).toThrow(/SHA-256/);
  });
});
