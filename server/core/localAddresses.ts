/**
 * Who the core is: the names and ports that mean "us" in a Request-URI or a Route, the
 * sent-by of our Via and Record-Route, and which From users are ours (for proxy auth).
 */
import { parseNameAddr, parseUri, type SipUri } from '../../src/protocol/sip/index.ts';
import type { TransportName } from './flows.ts';
import type { ResolvedOptions } from './options.ts';

/** Where the core listens, filled in once the transports are up. */
export interface LocalPorts {
  ws: number;
  tcp: number | null;
  udp: number | null;
}

export class LocalAddresses {
  /** Filled in by startCore as the transports come up. */
  readonly ports: LocalPorts = { ws: 0, tcp: null, udp: null };
  /** Host of our Via and Record-Route: the listening address, or the domain on a wildcard. */
  private readonly advertisedHost: string;
  /** Hosts that name the core in a URI (with one of our ports, or none). */
  private readonly aliases: Set<string>;

  constructor(private readonly options: Pick<ResolvedOptions, 'host' | 'domain' | 'users'>) {
    const wildcard = options.host === '0.0.0.0' || options.host === '::';
    this.advertisedHost = wildcard ? options.domain : options.host.includes(':') ? `[${options.host}]` : options.host;
    this.aliases = new Set([options.domain, '127.0.0.1', 'localhost', '[::1]', this.advertisedHost.toLowerCase()]);
  }

  isOurUri(uri: SipUri): boolean {
    if (!this.aliases.has(uri.host)) return false;
    if (uri.port === undefined || uri.host === this.options.domain) return true;
    const p = this.ports;
    return uri.port === p.ws || uri.port === p.tcp || uri.port === p.udp;
  }

  isOurRoute(value: string): boolean {
    try {
      return this.isOurUri(parseUri(parseNameAddr(value).uri));
    } catch {
      return false;
    }
  }

  /** User part of From when it is one of our configured users, else null. */
  localUserOf(from: string): string | null {
    if (!this.options.users) return null;
    const text = parseNameAddr(from).uri;
    if (!/^sips?:/i.test(text)) return null;
    const uri = parseUri(text);
    return uri.user !== undefined && this.aliases.has(uri.host) && this.options.users.has(uri.user) ? uri.user : null;
  }

  /** `host:port` of our Via and Record-Route on a transport (the WS port when that one is off). */
  sentBy(transport: TransportName): string {
    const port = transport === 'WS' ? this.ports.ws : transport === 'TCP' ? this.ports.tcp : this.ports.udp;
    return `${this.advertisedHost}:${port ?? this.ports.ws}`;
  }
}
