/**
 * Where a request goes when it is not for the registrar: our Route entries and the flow
 * tokens in them (RFC 5626 section 5.3 style), registered contacts' flows, or UDP to an IP
 * address. Also writes our Record-Route and removes our Route entries from a forwarded copy.
 */
import { getHeaderValues, parseNameAddr, parseUri, prependHeader, removeHeader, type SipRequest, type SipUri } from '../../src/protocol/sip/index.ts';
import type { Flow, FlowTable, TransportName } from './flows.ts';
import type { LocalAddresses } from './localAddresses.ts';
import type { Registrar } from './registrar.ts';

/** User part of our Record-Route: `ft-<inbound flow>-<outbound flow>`. */
const FLOW_TOKEN = /^ft-([a-z0-9]+)-([a-z0-9]+)$/;

export class FlowRouter {
  constructor(
    private readonly flows: FlowTable,
    private readonly registrar: Registrar,
    private readonly local: LocalAddresses,
    /** The flow for sending to a UDP address we were not contacted from (null when UDP is off). */
    private readonly udpFlowTo: () => ((address: string, port: number) => Flow) | null,
  ) {}

  /** Split the Route values into our own leading entries (`popped`) and the rest (RFC 3261 section 16.4). */
  popOurRoutes(request: SipRequest): { popped: string[]; routes: string[] } {
    const routes = getHeaderValues(request, 'route');
    const popped: string[] = [];
    while (routes.length > 0 && this.local.isOurRoute(routes[0]!)) popped.push(routes.shift()!);
    return { popped, routes };
  }

  /**
   * Where a request carrying our Route entries goes: the other end of the flow pair in our
   * Record-Route token, else wherever its next Route or Request-URI is reachable.
   */
  resolveRouted(request: SipRequest, from: Flow, popped: string[], remaining: string[]): Flow | 'flow-failed' | undefined {
    let tokenFailed = false;
    for (const route of popped) {
      const user = parseUri(parseNameAddr(route).uri).user;
      const m = user ? FLOW_TOKEN.exec(user) : null;
      if (!m) continue;
      const other = from.id === m[1] ? m[2]! : from.id === m[2] ? m[1]! : null;
      if (other === null) continue;
      const flow = this.flows.get(other);
      if (flow?.open) return flow;
      tokenFailed = true;
    }
    const next = remaining[0] !== undefined ? parseNameAddr(remaining[0]).uri : request.uri;
    const flow = this.flowForUri(next);
    if (flow) return flow;
    return tokenFailed ? 'flow-failed' : undefined;
  }

  /**
   * Record-Route with a flow token `ft-<inbound flow>-<outbound flow>` in the user part
   * (RFC 5626 section 5.3 style), so in-dialog requests from either side find the other's
   * connection. When the two sides use different transports, record-route twice (RFC 5658).
   */
  addRecordRoute(out: SipRequest, inbound: Flow, outbound: Flow): void {
    const user = `ft-${inbound.id}-${outbound.id}`;
    const uri = (t: TransportName) => `<sip:${user}@${this.local.sentBy(t)}${t === 'UDP' ? '' : `;transport=${t.toLowerCase()}`};lr>`;
    prependHeader(out, 'Record-Route', uri(inbound.transport));
    if (outbound.transport !== inbound.transport) prependHeader(out, 'Record-Route', uri(outbound.transport));
  }

  /** A flow that reaches this URI: a registered contact's flow, or UDP to an IP address. */
  flowForUri(uriText: string): Flow | undefined {
    const known = this.registrar.findByUri(uriText);
    if (known) return known.flow;
    let uri: SipUri;
    try {
      uri = parseUri(uriText);
    } catch {
      return undefined;
    }
    if (this.local.isOurUri(uri)) return undefined;
    const transport = (uri.params.get('transport') ?? 'udp').toLowerCase();
    const port = uri.port ?? 5060;
    for (const flow of this.flows.all()) {
      if (flow.open && flow.remotePort === port && flow.remoteAddress.replace(/^::ffff:/, '') === uri.host && flow.transport.toLowerCase() === transport) return flow;
    }
    const udpFlowTo = this.udpFlowTo();
    if (transport === 'udp' && udpFlowTo && /^[\d.]+$|^\[/.test(uri.host)) return udpFlowTo(uri.host.replace(/^\[|\]$/g, ''), port);
    return undefined;
  }
}

/** Remove the first `count` Route values (our own entries, RFC 3261 section 16.4). */
export function dropRoutes(request: SipRequest, count: number): void {
  const remaining = getHeaderValues(request, 'route').slice(count);
  removeHeader(request, 'route');
  for (let i = remaining.length - 1; i >= 0; i--) prependHeader(request, 'Route', remaining[i]!);
}
