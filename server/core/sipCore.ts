/**
 * The SIP/IP Core's message handling: receives what the transports deliver, keeps the
 * transaction tables, and decides for each request whether it is for the registrar, for the
 * core itself, for registered contacts (forked in parallel, RFC 3261 section 16 with RFC 3841
 * caller preferences) or for an existing dialog (routed by our Record-Route flow token).
 *
 * The pieces it decides with live apart: who "we" are (localAddresses.ts), where flows and
 * Route entries lead (flowRouting.ts), REGISTER and the choice of bindings
 * (registrarGlue.ts), and the keys read off a request (requestKeys.ts).
 */
import {
  createResponse,
  DEFAULT_SIP_LIMITS,
  getHeader,
  getHeaderValues,
  newBranch,
  parseCSeq,
  parseSipMessage,
  parseUri,
  parseVia,
  prependHeader,
  randomToken,
  removeHeader,
  serializeSipMessage,
  setHeader,
  SipError,
  type SipMessage,
  type SipParseLimits,
  type SipRequest,
  type SipResponse,
} from '../../src/protocol/sip/index.ts';
import { DigestAuthenticator } from './auth.ts';
import { dropRoutes, FlowRouter } from './flowRouting.ts';
import { FlowTable, type Flow, type TransportName } from './flows.ts';
import { LocalAddresses, type LocalPorts } from './localAddresses.ts';
import type { ResolvedOptions } from './options.ts';
import { isRegEvent, RegEventServer } from './regEvent.ts';
import { register, selectTargets } from './registrarGlue.ts';
import { Registrar } from './registrar.ts';
import { hasToTag, markReceived, serverKey } from './requestKeys.ts';
import { ResponseContext } from './responseContext.ts';
import { TimerWheel } from './timers.ts';
import { ClientTransaction, ServerTransaction, ServerState, type ClientTransactionUser, type TransactionEnv } from './transactions.ts';
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

export type { LocalPorts } from './localAddresses.ts';

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, REGISTER, SUBSCRIBE, NOTIFY, REFER, INFO, UPDATE, PRACK';
/** Requests that may create a dialog and are therefore Record-Routed (RFC 3261 section 16.6 step 4). */
const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER']);

interface Target {
  uri: string;
  flow: Flow;
}

export class SipCore implements TransportSink {
  readonly flows = new FlowTable();
  readonly registrar: Registrar;
  readonly timers = new TimerWheel();
  /** Reg-event subscriptions (RFC 3680): regEvent.ts. */
  readonly regEvents: RegEventServer;
  private readonly auth: DigestAuthenticator | null;
  private readonly serverTxs = new Map<string, ServerTransaction>();
  private readonly clientTxs = new Map<string, ClientTransaction>();
  private readonly contexts = new Map<ServerTransaction, ResponseContext>();
  private readonly listeners = new Set<CoreMessageListener>();
  private readonly parseLimits: SipParseLimits;
  private readonly local: LocalAddresses;
  private readonly router: FlowRouter;
  private readonly env: TransactionEnv;
  /** Set by startCore when UDP is on: the flow for sending to a UDP address we were not contacted from. */
  udpFlowTo: ((address: string, port: number) => Flow) | null = null;

  constructor(private readonly options: ResolvedOptions) {
    this.registrar = new Registrar(options.limits);
    this.auth = options.users ? new DigestAuthenticator(options.users, options.realm) : null;
    this.parseLimits = { ...DEFAULT_SIP_LIMITS, maxMessageBytes: options.limits.maxMessageBytes, maxHeaderBytes: options.limits.maxHeaderBytes };
    this.local = new LocalAddresses(options);
    this.router = new FlowRouter(this.flows, this.registrar, this.local, () => this.udpFlowTo);
    this.env = {
      timers: this.timers,
      send: (flow, message) => this.send(flow, message),
      resend: (flow, bytes) => safeSend(flow, bytes),
      timeoutMs: options.limits.transactionTimeoutMs,
    };
    this.flows.onClosed((flow) => this.flowClosed(flow));
    this.regEvents = new RegEventServer({
      registrar: this.registrar,
      timers: this.timers,
      local: this.local,
      domain: options.domain,
      users: options.users,
      watchers: options.regEventWatchers,
      limits: options.limits,
      sendRequest: (flow, request, user) => this.sendRequest(flow, request, user),
    });
  }

  /** Where the core listens; startCore fills it in as the transports come up. */
  get ports(): LocalPorts {
    return this.local.ports;
  }

  onMessage(listener: CoreMessageListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drop every transaction and timer (shutdown). */
  shutdown(): void {
    this.regEvents.shutdown();
    for (const tx of [...this.clientTxs.values()]) tx.terminate();
    for (const tx of [...this.serverTxs.values()]) tx.terminate();
    this.timers.clear();
  }

  // ---- TransportSink -------------------------------------------------------------------

  heldFlows(): ReadonlySet<Flow> {
    return this.registrar.heldFlows();
  }

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
          const key = serverKey(message);
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
    markReceived(request, flow);
    if (request.method === 'ACK') return this.handleAck(request, flow);
    if (request.method === 'CANCEL') return this.handleCancel(request, flow);
    const key = serverKey(request)!;
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

    const { popped, routes } = this.router.popOurRoutes(request);
    const ruri = parseUri(request.uri);
    const toCore = routes.length === 0 && ruri.user === undefined && this.local.isOurUri(ruri);

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
      const routed = this.router.resolveRouted(request, tx.flow, popped, routes);
      if (routed === 'flow-failed') return void reply(430, 'Flow Failed');
      if (routed) return this.fork(tx, [{ uri: request.uri, flow: routed }], popped.length, false);
      if (routes.length > 0) return void reply(404, 'No route to the next hop');
    }

    const inDialog = hasToTag(request);
    const fromLocalUser = this.local.localUserOf(getHeader(request, 'from')!);

    if (request.method === 'REGISTER') {
      if (!this.local.isOurUri(ruri)) return void reply(403, `Not the registrar for ${ruri.host}`);
      return register(tx, this.registrar, this.auth, this.local, this.options.domain);
    }
    // Who sent it, as far as the core can vouch (RFC 3325): the digest user it authenticated
    // (the From must be that user), else nobody. Whatever a client wrote itself is removed in fork().
    let asserted: string | null = null;
    let authenticated: string | null = null;
    if (!inDialog && this.auth && fromLocalUser !== null) {
      const result = this.auth.authenticate(request, 'proxy');
      if (!result.ok) return void tx.respond(result.response);
      if (result.username !== fromLocalUser) return void reply(403, 'Authenticated user does not match From');
      authenticated = result.username;
      asserted = `<sip:${result.username}@${this.options.domain}>`;
    }
    tx.assertedIdentity = asserted;

    // The reg event package of our AoRs is served by the core itself (RFC 3680; regEvent.ts).
    if (request.method === 'SUBSCRIBE' && routes.length === 0 && this.local.isOurUri(ruri) && isRegEvent(request)) {
      return this.regEvents.subscribe(tx, ruri, authenticated, inDialog);
    }

    const known = this.registrar.findByUri(request.uri);
    if (known) return this.fork(tx, [{ uri: request.uri, flow: known.flow }], popped.length, !inDialog);

    if (this.local.isOurUri(ruri)) {
      if (ruri.user === undefined) return void reply(405, undefined, [{ name: 'Allow', value: 'OPTIONS, REGISTER' }]);
      const aor = `sip:${ruri.user}@${this.options.domain}`;
      const bindings = this.registrar.lookup(aor);
      if (bindings.length === 0) return void reply(404);
      const targets = selectTargets(request, ruri, bindings);
      if (targets === 'no-instance') return void reply(480, 'No contact registered for this GRUU');
      if (targets.length === 0) return void reply(480, 'No contact matches Accept-Contact');
      return this.fork(tx, targets.map((b) => ({ uri: b.uri, flow: b.flow })), popped.length, !inDialog);
    }

    // Outside our domain: only for our own users, and only where a flow can reach.
    if (fromLocalUser === null && !inDialog) return void reply(403, 'Relaying denied');
    const flow = this.router.flowForUri(request.uri);
    if (!flow) return void reply(404, `No route to ${ruri.host}`);
    this.fork(tx, [{ uri: request.uri, flow }], popped.length, !inDialog);
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
      // No client is a trusted peer (RFC 3325 section 5): an identity it wrote is dropped, and
      // only the one the core authenticated is asserted.
      removeHeader(out, 'p-asserted-identity');
      if (tx.assertedIdentity) setHeader(out, 'P-Asserted-Identity', tx.assertedIdentity);
      if (rr) this.router.addRecordRoute(out, tx.flow, target.flow);
      const branch = newBranch();
      prependHeader(out, 'Via', `SIP/2.0/${target.flow.transport} ${this.local.sentBy(target.flow.transport)};branch=${branch}`);
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
    const key = serverKey(request, 'INVITE');
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
    const key = serverKey(request, 'INVITE');
    const inviteTx = key ? this.serverTxs.get(key) : undefined;
    if (inviteTx && (inviteTx.state === ServerState.Completed || inviteTx.state === ServerState.Confirmed)) {
      inviteTx.ack();
      return;
    }
    const maxForwards = Number(getHeader(request, 'max-forwards') ?? '70');
    if (maxForwards <= 0) return;
    const { popped, routes } = this.router.popOurRoutes(request);
    let target: Flow | undefined;
    if (popped.length > 0) {
      const routed = this.router.resolveRouted(request, flow, popped, routes);
      target = routed && routed !== 'flow-failed' ? routed : undefined;
    } else {
      target = this.router.flowForUri(request.uri);
    }
    if (!target) return;
    const out: SipRequest = { ...request, headers: request.headers.map((h) => ({ ...h })) };
    setHeader(out, 'Max-Forwards', String(maxForwards - 1));
    if (popped.length > 0) dropRoutes(out, popped.length);
    // Stateless forwarding needs a branch that is the same for a retransmitted ACK (section 16.11).
    const incoming = parseVia(getHeaderValues(request, 'via')[0]!).params.get('branch') ?? randomToken(8);
    prependHeader(out, 'Via', `SIP/2.0/${target.transport} ${this.local.sentBy(target.transport)};branch=z9hG4bKsl${incoming.replace(/^z9hG4bK/i, '')}`);
    this.send(target, out);
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

  /** Send a request of the core's own (reg-event NOTIFY) in a client transaction: our Via on top. */
  private sendRequest(flow: Flow, request: SipRequest, user: ClientTransactionUser): void {
    const branch = newBranch();
    prependHeader(request, 'Via', `SIP/2.0/${flow.transport} ${this.local.sentBy(flow.transport)};branch=${branch}`);
    const key = `${branch}|${request.method}`;
    const client = new ClientTransaction(key, request, flow, this.env, user, (t) => this.clientTxs.delete(t.key));
    this.clientTxs.set(key, client);
    client.start();
  }

  private flowClosed(flow: Flow): void {
    this.regEvents.flowClosed(flow);
    this.registrar.removeFlow(flow);
    for (const tx of [...this.clientTxs.values()]) {
      if (tx.flow !== flow) continue;
      tx.terminate();
      for (const context of this.contexts.values()) context.onTransportError(tx);
    }
    for (const tx of [...this.serverTxs.values()]) if (tx.flow === flow && tx.state !== ServerState.Proceeding && tx.state !== ServerState.Trying) tx.terminate();
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
