/**
 * The SIP/IP Core's message handling: receives what the transports deliver, keeps the
 * transaction tables, and decides for each request whether it is for the registrar, for the
 * core itself, for registered contacts (forked in parallel, RFC 3261 section 16 with RFC 3841
 * caller preferences) or for an existing dialog (routed by our Record-Route flow token).
 */
import {
  createResponse,
  DEFAULT_SIP_LIMITS,
  filterContacts,
  getHeader,
  getHeaders,
  getHeaderValues,
  newBranch,
  parseAcceptContactHeaders,
  parseCSeq,
  parseNameAddr,
  parseSipMessage,
  parseUri,
  parseVia,
  formatVia,
  prependHeader,
  randomToken,
  removeHeader,
  serializeSipMessage,
  setHeader,
  SipError,
  unquote,
  type SipMessage,
  type SipParseLimits,
  type SipRequest,
  type SipResponse,
  type SipUri,
} from '../../src/protocol/sip/index.ts';
import { DigestAuthenticator } from './auth.ts';
import { FlowTable, type Flow, type TransportName } from './flows.ts';
import type { ResolvedOptions } from './options.ts';
import { Registrar, type Binding } from './registrar.ts';
import { ResponseContext } from './responseContext.ts';
import { TimerWheel } from './timers.ts';
import { ClientTransaction, ServerTransaction, ServerState, type TransactionEnv } from './transactions.ts';
import type { TransportSink } from './transports/types.ts';
import { errorResponse, salvageErrorResponse, validateRequest, validateResponse } from './validate.ts';

/** A message the core received or sent, for tests and tracing (RunningCore.onMessage). */
export interface CoreMessageEvent {
  direction: 'in' | 'out';
  message: SipMessage;
  flowId: string;
  transport: TransportName;
  remote: string;
}

export type CoreMessageListener = (event: CoreMessageEvent) => void;

/** Where the core listens, filled in once the transports are up. */
export interface LocalPorts {
  ws: number;
  tcp: number | null;
  udp: number | null;
}

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, REGISTER, SUBSCRIBE, NOTIFY, REFER, INFO, UPDATE, PRACK';
/** Requests that may create a dialog and are therefore Record-Routed (RFC 3261 section 16.6 step 4). */
const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER']);
const FLOW_TOKEN = /^ft-([a-z0-9]+)-([a-z0-9]+)$/;

interface Target {
  uri: string;
  flow: Flow;
}

export class SipCore implements TransportSink {
  readonly flows = new FlowTable();
  readonly registrar: Registrar;
  readonly timers = new TimerWheel();
  private readonly auth: DigestAuthenticator | null;
  private readonly serverTxs = new Map<string, ServerTransaction>();
  private readonly clientTxs = new Map<string, ClientTransaction>();
  private readonly contexts = new Map<ServerTransaction, ResponseContext>();
  private readonly listeners = new Set<CoreMessageListener>();
  private readonly parseLimits: SipParseLimits;
  private readonly aliases: Set<string>;
  private readonly advertisedHost: string;
  private readonly env: TransactionEnv;
  ports: LocalPorts = { ws: 0, tcp: null, udp: null };
  /** Set by startCore when UDP is on: the flow for sending to a UDP address we were not contacted from. */
  udpFlowTo: ((address: string, port: number) => Flow) | null = null;

  constructor(private readonly options: ResolvedOptions) {
    this.registrar = new Registrar(options.limits);
    this.auth = options.users ? new DigestAuthenticator(options.users, options.realm) : null;
    this.parseLimits = { ...DEFAULT_SIP_LIMITS, maxMessageBytes: options.limits.maxMessageBytes, maxHeaderBytes: options.limits.maxHeaderBytes };
    const wildcard = options.host === '0.0.0.0' || options.host === '::';
    this.advertisedHost = wildcard ? options.domain : options.host.includes(':') ? `[${options.host}]` : options.host;
    this.aliases = new Set([options.domain, '127.0.0.1', 'localhost', '[::1]', this.advertisedHost.toLowerCase()]);
    this.env = {
      timers: this.timers,
      send: (flow, message) => this.send(flow, message),
      resend: (flow, bytes) => safeSend(flow, bytes),
      timeoutMs: options.limits.transactionTimeoutMs,
    };
    this.flows.onClosed((flow) => this.flowClosed(flow));
  }

  onMessage(listener: CoreMessageListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drop every transaction and timer (shutdown). */
  shutdown(): void {
    for (const tx of [...this.clientTxs.values()]) tx.terminate();
    for (const tx of [...this.serverTxs.values()]) tx.terminate();
    this.timers.clear();
  }

  // ---- TransportSink -------------------------------------------------------------------

  receiveBytes(bytes: Uint8Array, flow: Flow): void {
    let message: SipMessage;
    try {
      message = parseSipMessage(bytes, this.parseLimits);
    } catch (error) {
      this.rejectBytes(bytes, error, flow);
      return;
    }
    this.receiveMessage(message, flow);
  }

  rejectBytes(bytes: Uint8Array, error: unknown, flow: Flow): void {
    try {
      const response = salvageErrorResponse(bytes, error, this.options.limits.maxHeaderBytes);
      if (response) this.send(flow, response);
    } catch {
      // Nothing can be answered: the message is dropped.
    }
  }

  receiveMessage(message: SipMessage, flow: Flow): void {
    if (this.listeners.size > 0) this.emit('in', message, flow);
    try {
      if (message.kind === 'request') this.handleRequest(message, flow);
      else this.handleResponse(message);
    } catch (error) {
      // Errors never crash the core: a request that broke the handler gets 500 (or the
      // SipError's status), a response is dropped.
      if (message.kind === 'request' && message.method !== 'ACK') {
        try {
          const response = error instanceof SipError ? errorResponse(message, error) : createResponse(message, 500, { reason: 'Internal error in the core', toTag: randomToken(10) });
          const key = this.serverKey(message);
          const tx = key ? this.serverTxs.get(key) : undefined;
          if (tx && tx.state !== ServerState.Terminated) tx.respond(response);
          else this.send(flow, response);
        } catch {
          // give up on this message
        }
      }
    }
  }

  // ---- requests ------------------------------------------------------------------------

  private handleRequest(request: SipRequest, flow: Flow): void {
    try {
      validateRequest(request);
    } catch (error) {
      if (request.method !== 'ACK') this.send(flow, errorResponse(request, error));
      return;
    }
    this.markReceived(request, flow);
    if (request.method === 'ACK') return this.handleAck(request, flow);
    if (request.method === 'CANCEL') return this.handleCancel(request, flow);
    const key = this.serverKey(request)!;
    const existing = this.serverTxs.get(key);
    if (existing) {
      existing.retransmission(); // RFC 3261 section 17.2.1 / 17.2.2: absorb, repeat the last response
      return;
    }
    const tx = new ServerTransaction(key, request, flow, this.env, (t) => {
      this.serverTxs.delete(t.key);
      this.contexts.delete(t);
    });
    this.serverTxs.set(key, tx);
    if (tx.isInvite) tx.respond(createResponse(request, 100)); // RFC 3261 section 16.2: 100 Trying at once
    this.route(tx);
  }

  /** Decide where a new request goes (RFC 3261 sections 16.3-16.5). */
  private route(tx: ServerTransaction): void {
    const request = tx.request;
    const reply = (status: number, reason?: string, headers: { name: string; value: string }[] = []) =>
      tx.respond(createResponse(request, status, { ...(reason ? { reason } : {}), headers, toTag: randomToken(10) }));

    const routes = getHeaderValues(request, 'route');
    const popped: string[] = [];
    while (routes.length > 0 && this.isOurRoute(routes[0]!)) popped.push(routes.shift()!);
    const ruri = parseUri(request.uri);
    const toCore = routes.length === 0 && ruri.user === undefined && this.isOurUri(ruri);

    if (toCore && request.method === 'OPTIONS') {
      // A capability query to the core itself (RFC 3261 section 11), answered even at Max-Forwards 0.
      return void reply(200, undefined, [
        { name: 'Allow', value: ALLOW },
        { name: 'Supported', value: 'path, gruu, outbound' },
        { name: 'Accept', value: 'application/sdp' },
      ]);
    }
    const maxForwards = Number(getHeader(request, 'max-forwards') ?? '70');
    if (maxForwards <= 0) return void reply(483);

    // In-dialog or pre-routed requests: our Record-Route entries name the flows.
    if (popped.length > 0) {
      const routed = this.resolveRouted(request, tx.flow, popped, routes);
      if (routed === 'flow-failed') return void reply(430, 'Flow Failed');
      if (routed) return this.fork(tx, [{ uri: request.uri, flow: routed }], popped.length, false);
      if (routes.length > 0) return void reply(404, 'No route to the next hop');
    }

    const inDialog = hasToTag(request);
    const fromLocalUser = this.localUserOf(getHeader(request, 'from')!);

    if (request.method === 'REGISTER') {
      if (!this.isOurUri(ruri)) return void reply(403, `Not the registrar for ${ruri.host}`);
      return this.register(tx);
    }
    if (!inDialog && this.auth && fromLocalUser !== null) {
      const result = this.auth.authenticate(request, 'proxy');
      if (!result.ok) return void tx.respond(result.response);
      if (result.username !== fromLocalUser) return void reply(403, 'Authenticated user does not match From');
    }

    const known = this.registrar.findByUri(request.uri);
    if (known) return this.fork(tx, [{ uri: request.uri, flow: known.flow }], popped.length, !inDialog);

    if (this.isOurUri(ruri)) {
      if (ruri.user === undefined) return void reply(405, undefined, [{ name: 'Allow', value: 'OPTIONS, REGISTER' }]);
      const aor = `sip:${ruri.user}@${this.options.domain}`;
      const bindings = this.registrar.lookup(aor);
      if (bindings.length === 0) return void reply(404);
      const targets = this.selectTargets(request, ruri, bindings);
      if (targets === 'no-instance') return void reply(480, 'No contact registered for this GRUU');
      if (targets.length === 0) return void reply(480, 'No contact matches Accept-Contact');
      return this.fork(tx, targets.map((b) => ({ uri: b.uri, flow: b.flow })), popped.length, !inDialog);
    }

    // Outside our domain: only for our own users, and only where a flow can reach.
    if (fromLocalUser === null && !inDialog) return void reply(403, 'Relaying denied');
    const flow = this.flowForUri(request.uri);
    if (!flow) return void reply(404, `No route to ${ruri.host}`);
    this.fork(tx, [{ uri: request.uri, flow }], popped.length, !inDialog);
  }

  /**
   * RFC 5627 section 8.4.1: a GRUU targets only its instance's contacts (480 when none); the
   * sender already chose the terminal, so Accept-Contact is left to it. An AoR targets every
   * binding that satisfies the Accept-Contact `require` predicates (RFC 3841 section 7.4).
   */
  private selectTargets(request: SipRequest, ruri: SipUri, bindings: Binding[]): Binding[] | 'no-instance' {
    const gr = ruri.params.get('gr');
    if (gr !== undefined && gr !== null) {
      const instance = unquote(gr);
      const matched = bindings.filter((b) => b.instanceId === instance);
      return matched.length > 0 ? matched : 'no-instance';
    }
    const lines = getHeaders(request, 'accept-contact');
    if (lines.length === 0) return bindings;
    return filterContacts(bindings, (b) => b.features, parseAcceptContactHeaders(lines));
  }

  private register(tx: ServerTransaction): void {
    const request = tx.request;
    const to = parseNameAddr(getHeader(request, 'to')!);
    const toUri = parseUri(to.uri);
    const reply = (status: number, reason: string) => tx.respond(createResponse(request, status, { reason, toTag: randomToken(10) }));
    if (toUri.user === undefined || !this.isOurUri(toUri)) return void reply(404, 'Address of record not in this domain');
    if (this.auth) {
      const result = this.auth.authenticate(request, 'www');
      if (!result.ok) return void tx.respond(result.response);
      if (result.username !== toUri.user) return void reply(403, 'Authenticated user does not match the address of record');
    }
    tx.respond(this.registrar.register(request, `sip:${toUri.user}@${this.options.domain}`, tx.flow));
  }

  /**
   * Forward to every target in parallel (RFC 3261 section 16.6): copy, new Request-URI,
   * Max-Forwards - 1, our Route entries removed, Record-Route with a flow token for
   * dialog-creating requests, our Via on top.
   */
  private fork(tx: ServerTransaction, targets: Target[], poppedRoutes: number, recordRoute: boolean): void {
    const request = tx.request;
    const context = new ResponseContext(tx, { cancel: (branch) => this.cancelBranch(branch) });
    this.contexts.set(tx, context);
    const maxForwards = Number(getHeader(request, 'max-forwards') ?? '70') - 1;
    const rr = recordRoute && DIALOG_CREATING.has(request.method);
    const branches: ClientTransaction[] = [];
    for (const target of targets) {
      const out: SipRequest = { kind: 'request', method: request.method, uri: target.uri, headers: request.headers.map((h) => ({ ...h })), body: request.body };
      setHeader(out, 'Max-Forwards', String(maxForwards));
      if (poppedRoutes > 0) dropRoutes(out, poppedRoutes);
      if (this.auth) removeHeader(out, 'proxy-authorization'); // credentials for our realm end here
      if (rr) this.addRecordRoute(out, tx.flow, target.flow);
      const branch = newBranch();
      prependHeader(out, 'Via', `SIP/2.0/${target.flow.transport} ${this.sentBy(target.flow.transport)};branch=${branch}`);
      const key = `${branch}|${request.method}`;
      const client = new ClientTransaction(key, out, target.flow, this.env, context, (t) => this.clientTxs.delete(t.key));
      this.clientTxs.set(key, client);
      context.add(client);
      branches.push(client);
    }
    for (const branch of branches) branch.start();
  }

  /** RFC 3261 section 9.1: CANCEL a branch with its Request-URI, top Via, Call-ID, From, To, CSeq number and Route. */
  private cancelBranch(branch: ClientTransaction): void {
    const invite = branch.request;
    const headers = [{ name: 'Via', value: getHeaderValues(invite, 'via')[0]! }, { name: 'Max-Forwards', value: '70' }];
    for (const name of ['From', 'To', 'Call-ID'] as const) headers.push({ name, value: getHeader(invite, name) ?? '' });
    headers.push({ name: 'CSeq', value: `${parseCSeq(getHeader(invite, 'cseq')!).seq} CANCEL` });
    for (const route of getHeaderValues(invite, 'route')) headers.push({ name: 'Route', value: route });
    const cancel: SipRequest = { kind: 'request', method: 'CANCEL', uri: invite.uri, headers, body: new Uint8Array(0) };
    const key = `${branch.key.split('|')[0]}|CANCEL`;
    if (this.clientTxs.has(key)) return;
    const ignore = { onResponse: () => {}, onTimeout: () => {} };
    const client = new ClientTransaction(key, cancel, branch.flow, this.env, ignore, (t) => this.clientTxs.delete(t.key));
    this.clientTxs.set(key, client);
    client.start();
  }

  private handleCancel(request: SipRequest, flow: Flow): void {
    const key = this.serverKey(request, 'INVITE');
    const inviteTx = key ? this.serverTxs.get(key) : undefined;
    const toTag = randomToken(10);
    if (!inviteTx) {
      this.send(flow, createResponse(request, 481, { toTag }));
      return;
    }
    // RFC 3261 section 16.10: answer the CANCEL hop by hop, then cancel the pending branches
    // (a CANCEL after the final response has no further effect, section 9.2).
    this.send(flow, createResponse(request, 200, { toTag }));
    if (inviteTx.state !== ServerState.Proceeding) return;
    const context = this.contexts.get(inviteTx);
    if (context) context.cancelAll();
    else inviteTx.respond(createResponse(inviteTx.request, 487, { toTag }));
  }

  /**
   * ACK for a non-2xx final is absorbed by its INVITE server transaction (hop by hop);
   * an ACK for a 2xx is its own end-to-end request, forwarded statelessly (RFC 3261 section 16.11).
   */
  private handleAck(request: SipRequest, flow: Flow): void {
    const key = this.serverKey(request, 'INVITE');
    const inviteTx = key ? this.serverTxs.get(key) : undefined;
    if (inviteTx && (inviteTx.state === ServerState.Completed || inviteTx.state === ServerState.Confirmed)) {
      inviteTx.ack();
      return;
    }
    const maxForwards = Number(getHeader(request, 'max-forwards') ?? '70');
    if (maxForwards <= 0) return;
    const routes = getHeaderValues(request, 'route');
    const popped: string[] = [];
    while (routes.length > 0 && this.isOurRoute(routes[0]!)) popped.push(routes.shift()!);
    let target: Flow | undefined;
    if (popped.length > 0) {
      const routed = this.resolveRouted(request, flow, popped, routes);
      target = routed && routed !== 'flow-failed' ? routed : undefined;
    } else {
      target = this.flowForUri(request.uri);
    }
    if (!target) return;
    const out: SipRequest = { ...request, headers: request.headers.map((h) => ({ ...h })) };
    setHeader(out, 'Max-Forwards', String(maxForwards - 1));
    if (popped.length > 0) dropRoutes(out, popped.length);
    // Stateless forwarding needs a branch that is the same for a retransmitted ACK (section 16.11).
    const incoming = parseVia(getHeaderValues(request, 'via')[0]!).params.get('branch') ?? randomToken(8);
    prependHeader(out, 'Via', `SIP/2.0/${target.transport} ${this.sentBy(target.transport)};branch=z9hG4bKsl${incoming.replace(/^z9hG4bK/i, '')}`);
    this.send(target, out);
  }

  /**
   * Where a request carrying our Route entries goes: the other end of the flow pair in our
   * Record-Route token, else wherever its next Route or Request-URI is reachable.
   */
  private resolveRouted(request: SipRequest, from: Flow, popped: string[], remaining: string[]): Flow | 'flow-failed' | undefined {
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
  private addRecordRoute(out: SipRequest, inbound: Flow, outbound: Flow): void {
    const user = `ft-${inbound.id}-${outbound.id}`;
    const uri = (t: TransportName) => `<sip:${user}@${this.sentBy(t)}${t === 'UDP' ? '' : `;transport=${t.toLowerCase()}`};lr>`;
    prependHeader(out, 'Record-Route', uri(inbound.transport));
    if (outbound.transport !== inbound.transport) prependHeader(out, 'Record-Route', uri(outbound.transport));
  }

  // ---- responses -----------------------------------------------------------------------

  private handleResponse(response: SipResponse): void {
    try {
      validateResponse(response);
    } catch {
      return; // a response that cannot be matched is dropped (RFC 3261 section 18.1.2)
    }
    const branch = parseVia(getHeaderValues(response, 'via')[0]!).params.get('branch');
    const method = parseCSeq(getHeader(response, 'cseq')!).method;
    const tx = branch ? this.clientTxs.get(`${branch}|${method}`) : undefined;
    tx?.receive(response);
  }

  // ---- helpers -------------------------------------------------------------------------

  private flowClosed(flow: Flow): void {
    this.registrar.removeFlow(flow);
    for (const tx of [...this.clientTxs.values()]) {
      if (tx.flow !== flow) continue;
      tx.terminate();
      for (const context of this.contexts.values()) context.onTransportError(tx);
    }
    for (const tx of [...this.serverTxs.values()]) if (tx.flow === flow && tx.state !== ServerState.Proceeding && tx.state !== ServerState.Trying) tx.terminate();
  }

  /** A flow that reaches this URI: a registered contact's flow, or UDP to an IP address. */
  private flowForUri(uriText: string): Flow | undefined {
    const known = this.registrar.findByUri(uriText);
    if (known) return known.flow;
    let uri: SipUri;
    try {
      uri = parseUri(uriText);
    } catch {
      return undefined;
    }
    if (this.isOurUri(uri)) return undefined;
    const transport = (uri.params.get('transport') ?? 'udp').toLowerCase();
    const port = uri.port ?? 5060;
    for (const flow of this.flows.all()) {
      if (flow.open && flow.remotePort === port && flow.remoteAddress.replace(/^::ffff:/, '') === uri.host && flow.transport.toLowerCase() === transport) return flow;
    }
    if (transport === 'udp' && this.udpFlowTo && /^[\d.]+$|^\[/.test(uri.host)) return this.udpFlowTo(uri.host.replace(/^\[|\]$/g, ''), port);
    return undefined;
  }

  private isOurUri(uri: SipUri): boolean {
    if (!this.aliases.has(uri.host)) return false;
    if (uri.port === undefined || uri.host === this.options.domain) return true;
    const p = this.ports;
    return uri.port === p.ws || uri.port === p.tcp || uri.port === p.udp;
  }

  private isOurRoute(value: string): boolean {
    try {
      return this.isOurUri(parseUri(parseNameAddr(value).uri));
    } catch {
      return false;
    }
  }

  /** User part of From when it is one of our configured users, else null. */
  private localUserOf(from: string): string | null {
    if (!this.options.users) return null;
    const text = parseNameAddr(from).uri;
    if (!/^sips?:/i.test(text)) return null;
    const uri = parseUri(text);
    return uri.user !== undefined && this.aliases.has(uri.host) && this.options.users.has(uri.user) ? uri.user : null;
  }

  private sentBy(transport: TransportName): string {
    const port = transport === 'WS' ? this.ports.ws : transport === 'TCP' ? this.ports.tcp : this.ports.udp;
    return `${this.advertisedHost}:${port ?? this.ports.ws}`;
  }

  /**
   * RFC 3261 section 18.2.1 and RFC 3581: note where the request really came from on its top
   * Via (`received`, and `rport` when asked), so responses retrace the path.
   */
  private markReceived(request: SipRequest, flow: Flow): void {
    const index = request.headers.findIndex((h) => h.name.toLowerCase() === 'via' || h.name.toLowerCase() === 'v');
    if (index < 0) return;
    const header = request.headers[index]!;
    const values = getHeaderValues({ headers: [header] }, 'via');
    const via = parseVia(values[0]!);
    const address = flow.remoteAddress.replace(/^::ffff:/, '');
    if (via.params.has('rport')) via.params.set('rport', String(flow.remotePort));
    else if (via.host === address) return;
    via.params.set('received', address);
    values[0] = formatVia(via);
    header.value = values.join(', ');
  }

  /** RFC 3261 section 17.2.3: branch + sent-by + method (ACK and CANCEL look up their INVITE). */
  private serverKey(request: SipRequest, method = request.method): string | null {
    const top = getHeaderValues(request, 'via')[0];
    if (top === undefined) return null;
    const via = parseVia(top);
    const branch = via.params.get('branch');
    if (branch && branch.startsWith('z9hG4bK')) return `${branch}|${via.host}:${via.port ?? ''}|${method}`;
    // RFC 2543 peers: fall back on Call-ID, CSeq number and From tag.
    const cseq = parseCSeq(getHeader(request, 'cseq') ?? '0 X').seq;
    const fromTag = parseNameAddr(getHeader(request, 'from') ?? '').params.get('tag') ?? '';
    return `2543|${getHeader(request, 'call-id')}|${cseq}|${fromTag}|${method}`;
  }

  private send(flow: Flow, message: SipMessage): Uint8Array {
    const bytes = serializeSipMessage(message);
    if (this.listeners.size > 0) this.emit('out', message, flow);
    safeSend(flow, bytes);
    return bytes;
  }

  private emit(direction: 'in' | 'out', message: SipMessage, flow: Flow): void {
    const event: CoreMessageEvent = { direction, message, flowId: flow.id, transport: flow.transport, remote: `${flow.remoteAddress}:${flow.remotePort}` };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a test hook must not break the core
      }
    }
  }
}

function safeSend(flow: Flow, bytes: Uint8Array): void {
  try {
    flow.send(bytes);
  } catch {
    // The connection went away; its close handler cleans up.
  }
}

function hasToTag(request: SipRequest): boolean {
  return parseNameAddr(getHeader(request, 'to') ?? '').params.has('tag');
}

/** Remove the first `count` Route values (our own entries, RFC 3261 section 16.4). */
function dropRoutes(request: SipRequest, count: number): void {
  const remaining = getHeaderValues(request, 'route').slice(count);
  removeHeader(request, 'route');
  for (let i = remaining.length - 1; i >= 0; i--) prependHeader(request, 'Route', remaining[i]!);
}
