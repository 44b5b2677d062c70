/**
 * INVITE client transaction and dialog of the Push Sender Agent (RFC 3261 sections 13.2,
 * 17.1.1, 12.1.2, 15), on the WebSocket of the lean UAC (sipClient.ts, a reliable transport).
 *
 * The INVITE client transaction, with RFC 6026's Accepted state:
 *
 * ```
 *                 INVITE sent (Timer B armed)
 *                         |
 *                         v      1xx            1xx
 *                    +---------+ ----> +------------+ <--+
 *                    | calling |       | proceeding | ---+
 *                    +---------+       +------------+
 *          300-699 /   |    \ 2xx        2xx /    \ 300-699
 *        ACK (same   |     \              /      \  ACK (same transaction)
 *        branch)     |      v            v        \
 *                    |   +------------------+      \
 *           Timer B  |   |     accepted     |       v
 *           (408)    |   | (ACK each 2xx,   |  +-----------+
 *                    |   |  BYE other forks)|  | completed | Timer D = 0 (reliable)
 *                    v   +------------------+  +-----------+
 *             +------------+      | Timer M          |
 *             | terminated | <----'------------------'
 *             +------------+
 * ```
 *
 * - Timer B is the request's timeout (default Timer F of the client, 64*T1). In `calling` it
 *   ends the transaction with a local 408. In `proceeding` the UA gives up: it CANCELs
 *   (RFC 3261 section 9.1) and resolves 408; a late 2xx is ACKed and BYEd.
 * - A 2xx is ACKed end to end in a new transaction (section 13.2.2.4): Request-URI = the 2xx's
 *   Contact, Route = its Record-Route reversed (the UAC's route set, section 12.1.2), CSeq
 *   number of the INVITE, the INVITE's credentials. Every 2xx (retransmission or another fork)
 *   is ACKed; a fork other than the first is then sent BYE.
 * - A 300-699 is ACKed hop by hop in the same transaction (section 17.1.1.3): same branch and
 *   Request-URI, To with the response's tag. 401/407 is then retried once with credentials in
 *   a new transaction with CSeq + 1 (section 22.2).
 * - CANCEL (section 9.1): only once a provisional response arrived (before that it is held);
 *   same branch, Request-URI, Call-ID, From, To and CSeq number as the INVITE.
 * - The dialog (section 12) sends BYE (section 15.1.1) in a non-INVITE transaction of its own
 *   (Timer F, digest retry once) and answers a BYE from the peer with 200 (section 15.1.2).
 *   Loose routing only (every Record-Route of our cores carries `;lr`).
 */
import {
  getHeader,
  getHeaderValues,
  newBranch,
  parseCSeq,
  parseNameAddr,
  randomToken,
  createResponse,
  serializeSipMessage,
  type SipHeader,
  type SipRequest,
  type SipResponse,
} from '../../../src/protocol/sip/index.ts';
import {
  DEFAULT_TIMEOUT_MS,
  REASON_CLOSED,
  REASON_CONNECTION_LOST,
  REASON_TIMEOUT,
  SENDER_USER_AGENT,
  SenderError,
  validateExtraHeader,
  type SipResult,
  type SipWire,
  type SipWireHandler,
} from '../sipClient.ts';

export type InviteState = 'calling' | 'proceeding' | 'accepted' | 'completed' | 'terminated';

const INVITE_TRANSITIONS: Record<InviteState, readonly InviteState[]> = {
  calling: ['proceeding', 'accepted', 'completed', 'terminated'],
  proceeding: ['proceeding', 'accepted', 'completed', 'terminated'],
  accepted: ['terminated'],
  completed: ['terminated'],
  terminated: [],
};

export type DialogState = 'confirmed' | 'terminated';

export interface InviteSpec {
  /** Request-URI and To. */
  uri: string;
  headers?: SipHeader[];
  contentType?: string;
  body?: string;
  /** Timer B for this INVITE; default the client's timeout. */
  timeoutMs?: number;
  /** Each provisional response (after 100 Trying too). */
  onProvisional?: (response: SipResponse) => void;
}

export interface InviteResult extends SipResult {
  /** The dialog a 2xx established (already ACKed). */
  dialog?: Dialog;
}

export interface InviteHandle {
  readonly result: Promise<InviteResult>;
  readonly state: InviteState;
  /** CANCEL the INVITE (held until a provisional response, no effect once final). */
  cancel(): void;
}

export interface Dialog {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /** The peer's Contact. */
  readonly remoteTarget: string;
  /** Route set, in the order the Route headers are written (Record-Route reversed). */
  readonly routeSet: readonly string[];
  readonly state: DialogState;
  /** Who ended it, once terminated. */
  readonly endedBy: 'local' | 'remote' | 'transport' | undefined;
  /** The 2xx that established the dialog (its body is the SDP answer). */
  readonly answer: SipResponse;
  /** Send BYE (once; later calls return the first result). */
  bye(): Promise<SipResult>;
  /** Called once when the dialog ends for another reason than our BYE (peer BYE, socket lost). */
  onTerminated(listener: (by: 'remote' | 'transport') => void): void;
}

export interface InviteClientOptions {
  /** Timer B / Timer F default, ms (default 32000). */
  timeoutMs?: number;
}

export interface InviteClient {
  invite(spec: InviteSpec): InviteHandle;
  /** Dialogs not yet terminated. */
  readonly dialogs: number;
  /** Stop listening on the wire; pending INVITEs resolve 503. */
  close(): void;
}

interface InviteOp {
  spec: InviteSpec;
  callId: string;
  fromTag: string;
  cseq: number;
  branch: string;
  authLines: string;
  authTried: boolean;
  state: InviteState;
  timer: ReturnType<typeof setTimeout> | undefined;
  startedAt: number;
  timeoutMs: number;
  cancelWanted: boolean;
  cancelSent: boolean;
  /** Resolved (the caller has its result); the transaction may live on (accepted, cancelling). */
  settled: boolean;
  resolve: (result: InviteResult) => void;
  /** To tag of the dialog the first 2xx established. */
  dialog: DialogImpl | undefined;
  /** To tags of 2xx seen, to ACK each retransmission and BYE extra forks once. */
  acked: Map<string, string>;
}

interface NonInviteTx {
  method: string;
  resolve: (response: SipResponse | undefined, reason?: string) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Timer M of RFC 6026 (64 * T1): how long an accepted INVITE transaction absorbs 2xx. */
const TIMER_M_MS = 32_000;

export function createInviteClient(wire: SipWire, options: InviteClientOptions = {}): InviteClient {
  return new InviteClientImpl(wire, options);
}

class InviteClientImpl implements InviteClient, SipWireHandler {
  private readonly invites = new Map<string, InviteOp>();
  private readonly others = new Map<string, NonInviteTx>();
  private readonly dialogMap = new Map<string, DialogImpl>();
  private readonly detach: () => void;
  readonly timeoutMs: number;

  constructor(
    readonly wire: SipWire,
    options: InviteClientOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new SenderError('SENDER_ERR_OPTION', `timeoutMs must be a positive number, got ${this.timeoutMs}`);
    this.detach = wire.attach(this);
  }

  get dialogs(): number {
    return this.dialogMap.size;
  }

  invite(spec: InviteSpec): InviteHandle {
    for (const h of spec.headers ?? []) {
      validateExtraHeader(h);
      if (/^(contact|m|route|user-agent)$/i.test(h.name)) throw new SenderError('SENDER_ERR_HEADER', `Header ${h.name} is set by the INVITE client`);
    }
    if (!/^sips?:[^\s<>"]+$/i.test(spec.uri)) throw new SenderError('SENDER_ERR_URI', `Invalid request URI ${JSON.stringify(spec.uri)}`);
    const timeoutMs = spec.timeoutMs ?? this.timeoutMs;
    if (!(timeoutMs > 0)) throw new SenderError('SENDER_ERR_OPTION', `timeoutMs must be a positive number, got ${timeoutMs}`);
    let resolve!: (r: InviteResult) => void;
    const result = new Promise<InviteResult>((r) => (resolve = r));
    const op: InviteOp = {
      spec,
      callId: randomToken(22),
      fromTag: randomToken(10),
      cseq: 1,
      branch: '',
      authLines: '',
      authTried: false,
      state: 'calling',
      timer: undefined,
      startedAt: performance.now(),
      timeoutMs,
      cancelWanted: false,
      cancelSent: false,
      settled: false,
      resolve,
      dialog: undefined,
      acked: new Map(),
    };
    const handle: InviteHandle = {
      result,
      get state() {
        return op.state;
      },
      cancel: () => this.cancel(op),
    };
    this.wire.connect().then(
      () => this.transmit(op),
      (err: unknown) => this.settle(op, this.local(op, 503, err instanceof Error ? err.message : String(err))),
    );
    return handle;
  }

  close(): void {
    this.detach();
    this.onClosed(REASON_CLOSED);
  }

  // ---- INVITE transaction ------------------------------------------------------------

  private transition(op: InviteOp, next: InviteState): void {
    if (!INVITE_TRANSITIONS[op.state].includes(next)) throw new Error(`Illegal INVITE transaction state change ${op.state} -> ${next}`);
    op.state = next;
  }

  private transmit(op: InviteOp): void {
    op.branch = newBranch();
    op.state = 'calling';
    const body = op.spec.body ?? '';
    let text =
      `INVITE ${op.spec.uri} SIP/2.0\r\n` +
      this.via(op.branch) +
      `Max-Forwards: 70\r\n` +
      `From: ${this.wire.fromHeader};tag=${op.fromTag}\r\n` +
      `To: <${op.spec.uri}>\r\n` +
      `Call-ID: ${op.callId}\r\n` +
      `CSeq: ${op.cseq} INVITE\r\n` +
      `Contact: <${this.wire.contactUri}>\r\n` +
      `Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n` +
      `User-Agent: ${SENDER_USER_AGENT}\r\n`;
    for (const h of op.spec.headers ?? []) text += `${h.name}: ${h.value}\r\n`;
    if (op.spec.contentType !== undefined) text += `Content-Type: ${op.spec.contentType}\r\n`;
    text += op.authLines + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    this.invites.set(op.branch, op);
    if (!this.wire.send(text)) {
      this.invites.delete(op.branch);
      this.settle(op, this.local(op, 503, REASON_CONNECTION_LOST));
      return;
    }
    this.armTimerB(op);
  }

  private armTimerB(op: InviteOp): void {
    if (op.timer) clearTimeout(op.timer);
    op.timer = setTimeout(() => this.onTimerB(op), op.timeoutMs);
  }

  private onTimerB(op: InviteOp): void {
    op.timer = undefined;
    if (op.state === 'calling') {
      this.transition(op, 'terminated');
      this.invites.delete(op.branch);
      this.settle(op, this.local(op, 408, REASON_TIMEOUT));
    } else if (op.state === 'proceeding') {
      if (op.settled) {
        // Already cancelled and still no final response: forget the transaction.
        this.transition(op, 'terminated');
        this.invites.delete(op.branch);
        return;
      }
      // The UA gives up: CANCEL, answer the caller now, absorb the final response later.
      this.settle(op, this.local(op, 408, REASON_TIMEOUT));
      this.cancel(op);
      this.armTimerB(op);
    }
  }

  private cancel(op: InviteOp): void {
    if (op.cancelSent || op.state === 'accepted' || op.state === 'completed' || op.state === 'terminated') return;
    op.cancelWanted = true;
    if (op.state !== 'proceeding') return; // RFC 3261 section 9.1: wait for a provisional response.
    op.cancelSent = true;
    const text =
      `CANCEL ${op.spec.uri} SIP/2.0\r\n` +
      this.via(op.branch) +
      `Max-Forwards: 70\r\n` +
      `From: ${this.wire.fromHeader};tag=${op.fromTag}\r\n` +
      `To: <${op.spec.uri}>\r\n` +
      `Call-ID: ${op.callId}\r\n` +
      `CSeq: ${op.cseq} CANCEL\r\n` +
      `User-Agent: ${SENDER_USER_AGENT}\r\n` +
      `Content-Length: 0\r\n\r\n`;
    // Its 200 is matched by branch and method CANCEL and simply absorbed (onResponse).
    this.wire.send(text);
  }

  onResponse(response: SipResponse, branch: string): boolean {
    let method: string;
    try {
      method = parseCSeq(getHeader(response, 'cseq') ?? '').method;
    } catch {
      return false;
    }
    if (method === 'CANCEL') return this.invites.has(branch);
    if (method !== 'INVITE') {
      const tx = this.others.get(branch);
      if (!tx || tx.method !== method) return false;
      if (response.status < 200) return true;
      this.others.delete(branch);
      clearTimeout(tx.timer);
      tx.resolve(response);
      return true;
    }
    const op = this.invites.get(branch);
    if (!op) return false;
    this.onInviteResponse(op, response);
    return true;
  }

  private onInviteResponse(op: InviteOp, response: SipResponse): void {
    const { status } = response;
    if (status < 200) {
      if (op.state === 'calling' || op.state === 'proceeding') {
        this.transition(op, 'proceeding');
        if (op.cancelWanted && !op.cancelSent) this.cancel(op);
        if (!op.settled) op.spec.onProvisional?.(response);
      }
      return;
    }
    if (status < 300) {
      this.on2xx(op, response);
      return;
    }
    // 300-699: ACK in the same transaction (section 17.1.1.3), once per retransmission.
    if (op.state === 'completed' || op.state === 'terminated') {
      this.ackNon2xx(op, response);
      return;
    }
    if (op.state === 'accepted') return;
    this.transition(op, 'completed');
    this.ackNon2xx(op, response);
    if (op.timer) clearTimeout(op.timer);
    op.timer = undefined;
    // Timer D = 0 on a reliable transport.
    this.transition(op, 'terminated');
    this.invites.delete(op.branch);
    if ((status === 401 || status === 407) && !op.settled) {
      const why = op.authTried ? 'authentication failed' : undefined;
      const creds = why ? { why } : this.wire.credentials('INVITE', op.spec.uri, response);
      if ('lines' in creds) {
        op.authTried = true;
        op.authLines = creds.lines;
        op.cseq++;
        this.transmit(op);
        return;
      }
      this.settle(op, { ...this.result(op, status, `${response.reason} (${creds.why})`), response });
      return;
    }
    this.settle(op, { ...this.result(op, status, response.reason), response });
  }

  private on2xx(op: InviteOp, response: SipResponse): void {
    const to = getHeader(response, 'to') ?? '';
    let remoteTag: string;
    let contact: string;
    try {
      remoteTag = parseNameAddr(to).params.get('tag') ?? '';
      contact = parseNameAddr(getHeaderValues(response, 'contact')[0] ?? '').uri;
    } catch {
      remoteTag = '';
      contact = '';
    }
    if (!remoteTag || !/^sips?:/i.test(contact)) {
      // Cannot ACK or BYE without a tag and a Contact (section 13.2.2.4): treat as a failure.
      if (!op.settled) {
        if (op.state === 'calling' || op.state === 'proceeding') this.transition(op, 'terminated');
        this.invites.delete(op.branch);
        if (op.timer) clearTimeout(op.timer);
        this.settle(op, { ...this.result(op, 502, '2xx without To tag or Contact'), response });
      }
      return;
    }
    const routeSet = getHeaderValues(response, 'record-route').reverse();
    const known = op.acked.get(remoteTag);
    if (known !== undefined) {
      this.wire.send(known); // retransmitted 2xx: ACK again (section 13.2.2.4)
      return;
    }
    const dialog = new DialogImpl(this, {
      callId: op.callId,
      localTag: op.fromTag,
      remoteTag,
      remoteTo: to,
      remoteTarget: contact,
      routeSet,
      localCseq: op.cseq,
      answer: response,
      authLines: op.authLines,
    });
    const ack = dialog.ackText(op.cseq);
    op.acked.set(remoteTag, ack);
    this.wire.send(ack);
    if (op.state === 'calling' || op.state === 'proceeding') {
      this.transition(op, 'accepted');
      if (op.timer) clearTimeout(op.timer);
      // Timer M: absorb 2xx retransmissions and other forks' 2xx, then forget the transaction.
      op.timer = setTimeout(() => {
        if (op.state === 'accepted') this.transition(op, 'terminated');
        this.invites.delete(op.branch);
      }, Math.min(TIMER_M_MS, op.timeoutMs));
      op.timer.unref?.();
    }
    if (!op.settled) {
      op.dialog = dialog;
      this.dialogMap.set(dialog.key, dialog);
      this.settle(op, { ...this.result(op, response.status, response.reason), response, dialog });
      return;
    }
    // Another fork, or a 2xx after we gave up: end it at once (section 13.2.2.4).
    this.dialogMap.set(dialog.key, dialog);
    void dialog.bye();
  }

  private ackNon2xx(op: InviteOp, response: SipResponse): void {
    const text =
      `ACK ${op.spec.uri} SIP/2.0\r\n` +
      this.via(op.branch) +
      `Max-Forwards: 70\r\n` +
      `From: ${this.wire.fromHeader};tag=${op.fromTag}\r\n` +
      `To: ${getHeader(response, 'to') ?? `<${op.spec.uri}>`}\r\n` +
      `Call-ID: ${op.callId}\r\n` +
      `CSeq: ${op.cseq} ACK\r\n` +
      `User-Agent: ${SENDER_USER_AGENT}\r\n` +
      `Content-Length: 0\r\n\r\n`;
    this.wire.send(text);
  }

  // ---- requests from the peer ---------------------------------------------------------

  onRequest(request: SipRequest): boolean {
    let toTag: string | undefined;
    let fromTag: string | undefined;
    try {
      toTag = parseNameAddr(getHeader(request, 'to') ?? '').params.get('tag') ?? undefined;
      fromTag = parseNameAddr(getHeader(request, 'from') ?? '').params.get('tag') ?? undefined;
    } catch {
      return false;
    }
    if (!toTag) return false;
    const dialog = this.dialogMap.get(`${getHeader(request, 'call-id')}|${toTag}|${fromTag}`);
    if (!dialog) {
      if (request.method === 'ACK') return false;
      // An in-dialog request for a dialog we do not know (RFC 3261 section 12.2.2).
      if (request.method === 'BYE') {
        this.respond(request, 481);
        return true;
      }
      return false;
    }
    switch (request.method) {
      case 'ACK':
        return true;
      case 'BYE':
        this.respond(request, 200);
        dialog.terminate('remote');
        return true;
      case 'OPTIONS':
        this.respond(request, 200, [{ name: 'Allow', value: 'INVITE, ACK, CANCEL, BYE, OPTIONS' }]);
        return true;
      case 'INVITE':
      case 'UPDATE':
        // No session changes during a push (RFC 3261 section 14.2 allows refusing with 488).
        this.respond(request, 488);
        return true;
      default:
        this.respond(request, 405, [{ name: 'Allow', value: 'INVITE, ACK, CANCEL, BYE, OPTIONS' }]);
        return true;
    }
  }

  private respond(request: SipRequest, status: number, headers: SipHeader[] = []): void {
    const response = createResponse(request, status, { headers });
    this.wire.send(Buffer.from(serializeSipMessage(response)).toString('utf8'));
  }

  onClosed(reason: string): void {
    for (const op of [...this.invites.values()]) {
      if (op.timer) clearTimeout(op.timer);
      op.timer = undefined;
      if (op.state !== 'terminated') op.state = 'terminated';
      this.settle(op, this.local(op, 503, reason));
    }
    this.invites.clear();
    for (const tx of [...this.others.values()]) {
      clearTimeout(tx.timer);
      tx.resolve(undefined, reason);
    }
    this.others.clear();
    for (const dialog of [...this.dialogMap.values()]) dialog.terminate('transport');
  }

  // ---- non-INVITE requests in a dialog -------------------------------------------------

  /** Send a non-INVITE request built by `build(branch)`; resolves with the final response. */
  sendNonInvite(method: string, build: (branch: string) => string): Promise<{ response?: SipResponse; reason?: string }> {
    return new Promise((resolve) => {
      const branch = newBranch();
      const timer = setTimeout(() => {
        this.others.delete(branch);
        resolve({ reason: REASON_TIMEOUT });
      }, this.timeoutMs);
      this.others.set(branch, {
        method,
        timer,
        resolve: (response, reason) => resolve(response ? { response } : { reason: reason ?? REASON_CONNECTION_LOST }),
      });
      if (!this.wire.send(build(branch))) {
        clearTimeout(timer);
        this.others.delete(branch);
        resolve({ reason: REASON_CONNECTION_LOST });
      }
    });
  }

  forget(dialog: DialogImpl): void {
    this.dialogMap.delete(dialog.key);
  }

  via(branch: string): string {
    return `Via: SIP/2.0/WS ${this.wire.viaHost};branch=${branch};rport\r\n`;
  }

  // ---- results -----------------------------------------------------------------------

  private settle(op: InviteOp, result: InviteResult): void {
    if (op.settled) return;
    op.settled = true;
    op.resolve(result);
  }

  private result(op: InviteOp, status: number, reason: string): SipResult {
    return { status, reason, ok: status >= 200 && status < 300, elapsedMs: Math.round((performance.now() - op.startedAt) * 1000) / 1000 };
  }

  private local(op: InviteOp, status: number, reason: string): InviteResult {
    return this.result(op, status, reason);
  }
}

interface DialogInit {
  callId: string;
  localTag: string;
  remoteTag: string;
  remoteTo: string;
  remoteTarget: string;
  routeSet: string[];
  localCseq: number;
  answer: SipResponse;
  authLines: string;
}

class DialogImpl implements Dialog {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly remoteTarget: string;
  readonly routeSet: readonly string[];
  readonly answer: SipResponse;
  private readonly remoteTo: string;
  private localCseq: number;
  private readonly authLines: string;
  private _state: DialogState = 'confirmed';
  private _endedBy: 'local' | 'remote' | 'transport' | undefined;
  private byeResult: Promise<SipResult> | undefined;
  private readonly listeners: Array<(by: 'remote' | 'transport') => void> = [];

  constructor(
    private readonly client: InviteClientImpl,
    init: DialogInit,
  ) {
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.answer = init.answer;
    this.remoteTo = init.remoteTo;
    this.localCseq = init.localCseq;
    this.authLines = init.authLines;
  }

  get key(): string {
    return `${this.callId}|${this.localTag}|${this.remoteTag}`;
  }

  get state(): DialogState {
    return this._state;
  }

  get endedBy(): 'local' | 'remote' | 'transport' | undefined {
    return this._endedBy;
  }

  onTerminated(listener: (by: 'remote' | 'transport') => void): void {
    this.listeners.push(listener);
  }

  /** Request line and the dialog's headers up to CSeq (RFC 3261 section 12.2.1.1). */
  private head(method: string, branch: string, cseq: number): string {
    let text =
      `${method} ${this.remoteTarget} SIP/2.0\r\n` +
      this.client.via(branch) +
      `Max-Forwards: 70\r\n`;
    for (const route of this.routeSet) text += `Route: ${route}\r\n`;
    text +=
      `From: ${this.client.wire.fromHeader};tag=${this.localTag}\r\n` +
      `To: ${this.remoteTo}\r\n` +
      `Call-ID: ${this.callId}\r\n` +
      `CSeq: ${cseq} ${method}\r\n` +
      `User-Agent: ${SENDER_USER_AGENT}\r\n`;
    return text;
  }

  /** The ACK for the 2xx (section 13.2.2.4): a new transaction, the INVITE's CSeq number and credentials. */
  ackText(inviteCseq: number): string {
    return this.head('ACK', newBranch(), inviteCseq) + this.authLines + `Content-Length: 0\r\n\r\n`;
  }

  bye(): Promise<SipResult> {
    if (this.byeResult) return this.byeResult;
    const startedAt = performance.now();
    const result = (status: number, reason: string, response?: SipResponse): SipResult => {
      const r: SipResult = { status, reason, ok: status >= 200 && status < 300, elapsedMs: Math.round((performance.now() - startedAt) * 1000) / 1000 };
      if (response) r.response = response;
      return r;
    };
    if (this._state === 'terminated') {
      this.byeResult = Promise.resolve(result(481, `Dialog already ended (${this._endedBy})`));
      return this.byeResult;
    }
    this._state = 'terminated';
    this._endedBy = 'local';
    this.byeResult = (async () => {
      let authLines = '';
      for (let attempt = 0; attempt < 2; attempt++) {
        const cseq = ++this.localCseq;
        const { response, reason } = await this.client.sendNonInvite('BYE', (branch) => this.head('BYE', branch, cseq) + authLines + `Content-Length: 0\r\n\r\n`);
        if (!response) {
          this.client.forget(this);
          return result(reason === REASON_TIMEOUT ? 408 : 503, reason ?? REASON_CONNECTION_LOST);
        }
        if ((response.status === 401 || response.status === 407) && attempt === 0) {
          const creds = this.client.wire.credentials('BYE', this.remoteTarget, response);
          if ('lines' in creds) {
            authLines = creds.lines;
            continue;
          }
        }
        this.client.forget(this);
        return result(response.status, response.reason, response);
      }
      this.client.forget(this);
      return result(401, 'Unauthorized (authentication failed)');
    })();
    return this.byeResult;
  }

  terminate(by: 'remote' | 'transport'): void {
    this.client.forget(this);
    if (this._state === 'terminated') return;
    this._state = 'terminated';
    this._endedBy = by;
    for (const l of this.listeners.splice(0)) l(by);
  }
}
