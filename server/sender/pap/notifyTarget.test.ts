import { describe, expect, it } from 'vitest';
import { isInternalAddress, notifyUrlProblem, resolvedProblem } from './notifyTarget.ts';

describe('isInternalAddress', () => {
  it.each([
    ['127.0.0.1', true], ['127.255.255.254', true], ['10.0.0.1', true], ['172.16.0.1', true], ['172.31.255.255', true],
    ['172.32.0.1', false], ['192.168.1.1', true], ['169.254.169.254', true], ['100.64.0.1', true], ['100.128.0.1', false],
    ['0.0.0.0', true], ['8.8.8.8', false], ['192.0.2.1', false],
    ['::1', true], ['::', true], ['[::1]', true], ['fc00::1', true], ['fd12:3456::1', true], ['fe80::1', true], ['febf::1', true], ['fec0::1', false],
    ['::ffff:127.0.0.1', true], ['::ffff:8.8.8.8', false], ['2001:db8::1', false], ['example.com', false],
  ])('%s -> %s', (ip, internal) => {
    expect(isInternalAddress(ip)).toBe(internal);
  });
});

describe('notifyUrlProblem', () => {
  const none = { allowHosts: [] };
  it.each([
    ['https://pi.example.com/notify', undefined],
    ['http://203.0.113.9:8080/n', undefined],
    ['ftp://pi.example.com/', /not an http\(s\) URL/],
    ['javascript:alert(1)', /not an http\(s\) URL/],
    ['not a url', /not an http\(s\) URL/],
    ['http://user:pass@pi.example.com/n', /carries a user name or password/],
    ['http://127.0.0.1:8090/notify', /--pap-notify-host 127\.0\.0\.1:8090/],
    ['http://LOCALHOST/n', /--pap-notify-host localhost/],
    ['http://app.localhost/n', /loopback/],
    ['http://[::1]:9/', /loopback/],
  ])('%s', (url, problem) => {
    const found = notifyUrlProblem(url, none);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });

  it('an allowed host, or host:port, passes; another port of it does not', () => {
    expect(notifyUrlProblem('http://127.0.0.1:8090/n', { allowHosts: ['127.0.0.1'] })).toBeUndefined();
    expect(notifyUrlProblem('http://127.0.0.1:8090/n', { allowHosts: ['127.0.0.1:8090'] })).toBeUndefined();
    expect(notifyUrlProblem('http://127.0.0.1:8091/n', { allowHosts: ['127.0.0.1:8090'] })).toMatch(/loopback/);
    expect(notifyUrlProblem('http://localhost/n', { allowHosts: ['localhost:80'] })).toBeUndefined();
  });
});

describe('resolvedProblem', () => {
  it('a public name resolving inside is refused unless allowed', () => {
    expect(resolvedProblem('http://pi.example.com/n', ['203.0.113.9'], { allowHosts: [] })).toBeUndefined();
    expect(resolvedProblem('http://pi.example.com/n', ['203.0.113.9', '10.0.0.5'], { allowHosts: [] })).toMatch(/resolved to 10\.0\.0\.5/);
    expect(resolvedProblem('http://pi.example.com/n', ['10.0.0.5'], { allowHosts: ['pi.example.com'] })).toBeUndefined();
  });
});
