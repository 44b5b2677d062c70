/** The WAPPUSH address -> SIP AoR rule (addressMapping.ts): the default templates, configured ones, and refusals with 2002. */
import { describe, expect, it } from 'vitest';
import { PapError } from '../../../src/protocol/pap/index.ts';
import { checkAddressMapping, domainOfAor, mapPapAddress } from './addressMapping.ts';

const DOMAIN = { domain: 'example.com' };

describe('mapPapAddress: default rule', () => {
  it.each([
    ['WAPPUSH=alice/TYPE=USER@ppg.example.com', 'sip:alice@example.com'],
    ['wappush=alice/type=user', 'sip:alice@example.com'],
    ['WAPPUSH=2100000A%3A100/TYPE=USER@rim.net', 'sip:2100000A%3A100@example.com'],
    ['WAPPUSH=j%C3%B6rg/TYPE=USER', 'sip:j%C3%B6rg@example.com'],
    ['WAPPUSH=a.b_c-d+e/TYPE=USER', 'sip:a.b_c-d+e@example.com'],
    ['WAPPUSH=+447700900123/TYPE=PLMN@ppg.carrier.com', 'sip:+447700900123@example.com'],
    ['WAPPUSH=+44-7700.900-123/TYPE=PLMN', 'sip:+447700900123@example.com'],
    ['WAPPUSH=07700900123/TYPE=PLMN', 'sip:07700900123@example.com'],
  ])('%s -> %s', (address, aor) => {
    expect(mapPapAddress(address, DOMAIN).aor).toBe(aor);
  });

  it.each([
    ['WAPPUSH=192.0.2.1/TYPE=IPv4', 2002],
    ['WAPPUSH=2001:db8::1/TYPE=IPv6', 2002],
    ['WAPPUSH=alice/TYPE=GSM_MSISDN', 2002],
    ['alice@example.com', 2002],
    ['WAPPUSH=/TYPE=USER', 2002],
  ])('%s is refused with %i', (address, status) => {
    try {
      mapPapAddress(address, DOMAIN);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PapError);
      expect((err as PapError).status).toBe(status);
      expect((err as PapError).code).toBe('PAP_ERR_ADDRESS');
    }
  });
});

describe('mapPapAddress: configured templates', () => {
  it.each([
    [{ PLMN: 'sip:{value}@{domain};user=phone' }, 'WAPPUSH=+4477/TYPE=PLMN', 'sip:+4477@example.com;user=phone'],
    [{ USER: 'sip:{value}@{ppg}' }, 'WAPPUSH=bob/TYPE=USER@other.net', 'sip:bob@other.net'],
    [{ USER: 'sip:{value}@{ppg}' }, 'WAPPUSH=bob/TYPE=USER', 'sip:bob@example.com'],
    [{ IPv4: 'sip:device@{value}' }, 'WAPPUSH=192.0.2.1/TYPE=IPv4', 'sip:device@192.0.2.1'],
    [{ USER: 'sips:{value}@push.{domain}' }, 'WAPPUSH=carol/TYPE=USER', 'sips:carol@push.example.com'],
  ])('%j maps %s to %s', (templates, address, aor) => {
    expect(mapPapAddress(address, { ...DOMAIN, templates }).aor).toBe(aor);
  });

  it.each([
    [{ domain: 'example.com', templates: { USER: 'mailto:{value}' } }, /must start with sip: or sips:/],
    [{ domain: 'example.com', templates: { USER: 'sip:fixed@example.com' } }, /hold \{value\}/],
    [{ domain: 'bad domain' }, /not a host name/],
  ])('refuses bad options %j', (options, message) => {
    expect(() => checkAddressMapping(options)).toThrow(message);
  });
});

describe('domainOfAor', () => {
  it.each([
    ['sip:psa@example.com', 'example.com'],
    ['sips:psa@Example.COM;transport=ws', 'example.com'],
    ['sip:psa@127.0.0.1:5060', '127.0.0.1'],
  ])('%s -> %s', (aor, domain) => expect(domainOfAor(aor)).toBe(domain));
  it('throws naming the fix', () => expect(() => domainOfAor('alice')).toThrow(/give the PAP gateway a domain/));
});
