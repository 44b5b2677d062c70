/**
 * Where the gateway may POST a result notification. `ppg-notify-requested-to` is written by the
 * initiator, so without a rule any initiator could make the gateway send requests into the
 * network it runs in (loopback services, the cloud metadata address, private hosts): a blind
 * request forgery. The rule: http(s) only, and never to a loopback, private, link-local,
 * shared or unspecified address unless the operator allowed that host (`allowHosts`: `host`
 * or `host:port`, e.g. `127.0.0.1:8090` for an initiator on the same machine).
 *
 * Checked twice: on the URL as written when the push arrives (a refusal the initiator reads at
 * once, 2000), and on the addresses its host name resolves to before each POST (a public name
 * pointing inside). A name that resolves differently between that lookup and the connection
 * (DNS rebinding) is not caught; allowHosts with a fixed list is the way for strict sites.
 */
import { isIP } from 'node:net';

export interface NotifyTargetPolicy {
  /** Hosts (or host:port) that may be private or loopback. */
  allowHosts: readonly string[];
}

/** Addresses no notification goes to unless allowed (RFC 6890 special-purpose ranges). */
const INTERNAL_V4: ReadonlyArray<[number, number]> = [
  [0x00000000, 8], // 0.0.0.0/8 this network
  [0x0a000000, 8], // 10/8 private
  [0x64400000, 10], // 100.64/10 shared (CGN)
  [0x7f000000, 8], // 127/8 loopback
  [0xa9fe0000, 16], // 169.254/16 link-local (cloud metadata)
  [0xac100000, 12], // 172.16/12 private
  [0xc0a80000, 16], // 192.168/16 private
];

function v4Number(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** Whether an IP address (v4 or v6 text) is loopback, private, link-local, shared or unspecified. */
export function isInternalAddress(ip: string): boolean {
  const bare = ip.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(bare) === 4) {
    const n = v4Number(bare);
    return INTERNAL_V4.some(([base, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits)));
  }
  if (isIP(bare) !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(bare);
  if (mapped) return isInternalAddress(mapped[1]!);
  if (bare === '::' || bare === '::1') return true;
  const first = parseInt(bare.split(':')[0] || '0', 16);
  // fc00::/7 unique local, fe80::/10 link-local
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
}

function allowed(url: URL, policy: NotifyTargetPolicy): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return policy.allowHosts.some((entry) => {
    const e = entry.toLowerCase();
    return e === host || e === `${host}:${port}` || e === `[${host}]:${port}`;
  });
}

function internalName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

/** Why the URL as written may not receive notifications (scheme, or an internal host not allowed), or undefined. */
export function notifyUrlProblem(text: string, policy: NotifyTargetPolicy): string | undefined {
  const url = URL.parse(text);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    return `ppg-notify-requested-to "${text}" is not an http(s) URL; give one the gateway can POST the result notification to`;
  }
  if (url.username !== '' || url.password !== '') {
    return 'ppg-notify-requested-to carries a user name or password; give a URL without them (the gateway sends no credentials, and would have to log them)';
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if ((isInternalAddress(host) || internalName(host)) && !allowed(url, policy)) return internalRefusal(url);
  return undefined;
}

/** Why a URL whose host resolved to `addresses` may not receive notifications, or undefined. */
export function resolvedProblem(text: string, addresses: readonly string[], policy: NotifyTargetPolicy): string | undefined {
  const url = new URL(text);
  if (allowed(url, policy) || !addresses.some(isInternalAddress)) return undefined;
  return internalRefusal(url, addresses.filter(isInternalAddress)[0]);
}

function internalRefusal(url: URL, address?: string): string {
  const hostPort = url.port ? `${url.hostname}:${url.port}` : url.hostname;
  return `ppg-notify-requested-to ${url.origin} is ${address ? `resolved to ${address}, ` : ''}a loopback, private or link-local address, where the gateway posts nothing unless its operator allows that host (--pap-notify-host ${hostPort})`;
}
