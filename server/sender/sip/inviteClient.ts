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
 * - The dialog (dialog.ts) sends BYE in a non-INVITE transaction of its own (a
 *   TransactionTable of sip/transactions.ts, as the MESSAGE path) and answers the peer's requests; the request texts of this
 *   transaction are built in inviteMessages.ts.
 */
import {
  getHeader,
  getHeaderValues,
  newBranch,
  parseCSeq,
  parseNameAddr,
  randomToken,
  type SipHeader,
  type SipRequest,
  type SipResponse,
} from '../../../src/protocol/sip/index.ts';
import { SenderError } from './errors.ts';
import { validateExtraHeader } from './headers.ts';
import { REASON_CLOSED, REASON_CONNECTION_LOST, REASON_TIMEOUT, sipResult, type SipResult } from './result.ts';
import { DEFAULT_TIMEOUT_MS, TransactionTable } from './transactions.ts';
import type { SipWire, SipWireHandler } from './wire.ts';
import { DialogSet, type Dialog, type DialogHost, type DialogImpl, type NonInviteOutcome } from './dialog.ts';
import { inviteText, sameTransactionText, viaLine, type InviteIds } from './inviteMessages.ts';

export type { Dialog, DialogState } from './dialog.ts';

export type InviteState = 'calling' | 'proceeding' | 'accepted' | 'completed' | 'terminated';

const INVITE_TRANSITIONS: Record<InviteState, readonly InviteState[]> = {
  calling: ['proceeding', 'accepted', 'completed', 'terminated'],
  proceeding: ['proceeding', 'accepted', 'completed', 'terminated'],
  accepted: ['terminated'],
  completed: ['terminated'],
  terminated: [],
};

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
  settle: (outcome: NonInviteOutcome) => void;
}

/** Timer M of RFC 6026 (64 * T1): how long an accepted INVITE transaction absorbs 2xx. */
const TIMER_M_MS = 32_000;

export function createInviteClient(wire: SipWire, options: InviteClientOptions = {}): InviteClient {
  return new InviteClientImpl(wire, options);
}

class InviteClientImpl implements InviteClient, SipWireHandler, DialogHost {
  /** INVITE transactions by branch. */
  private readonly invites = new Map<string, InviteOp>();
  /** Non-INVITE transactions (BYE in a dialog): no retransmissions, the final response resolves. */
  private readonly others = new TransactionTable<NonInviteTx>((tx) => tx.settle({ reason: REASON_TIMEOUT }));
  private readonly dialogSet: DialogSet;
  private readonly detach: () => void;
  readonly timeoutMs: number;

  constructor(
    readonly wire: SipWire,
    options: InviteClientOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new SenderError('SENDER_ERR_OPTION', `timeoutMs must be a positive number, got ${this.timeoutMs}`);
    this.dialogSet = new DialogSet(this);
    this.detach = wire.attach(this);
  }

  get dialogs(): number {
    return this.dialogSet.size;
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
    const text = inviteText(this.wire, ids(op), op.spec, op.authLines);
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
    const text = sameTransactionText(this.wire, ids(op), 'CANCEL');
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
    if (method !== 'INVITE') return this.onNonInviteResponse(response, branch, method);
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
    const dialog = this.dialogSet.open({
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
      this.dialogSet.add(dialog);
      this.settle(op, { ...this.result(op, response.status, response.reason), response, dialog });
      return;
    }
    // Another fork, or a 2xx after we gave up: end it at once (section 13.2.2.4).
    this.dialogSet.add(dialog);
    void dialog.bye();
  }

  private ackNon2xx(op: InviteOp, response: SipResponse): void {
    const text = sameTransactionText(this.wire, ids(op), 'ACK', getHeader(response, 'to') ?? `<${op.spec.uri}>`);
    this.wire.send(text);
  }

  // ---- requests from the peer ---------------------------------------------------------

  onRequest(request: SipRequest): boolean {
    return this.dialogSet.onRequest(request);
  }

  onClosed(reason: string): void {
    for (const op of [...this.invites.values()]) {
      if (op.timer) clearTimeout(op.timer);
      op.timer = undefined;
      if (op.state !== 'terminated') op.state = 'terminated';
      this.settle(op, this.local(op, 503, reason));
    }
    this.invites.clear();
    for (const tx of this.others.takeAll()) tx.settle({ reason });
    this.dialogSet.terminateAll();
  }

  // ---- DialogHost --------------------------------------------------------------------

  sendNonInvite(method: string, build: (branch: string) => string): Promise<NonInviteOutcome> {
    return new Promise((settle) => {
      const branch = newBranch();
      if (!this.wire.send(build(branch))) {
        settle({ reason: REASON_CONNECTION_LOST });
        return;
      }
      this.others.add(branch, { method, settle }, this.timeoutMs);
    });
  }

  /** A provisional response is absorbed (Timer F keeps running), the final one resolves. */
  private onNonInviteResponse(response: SipResponse, branch: string, method: string): boolean {
    const tx = this.others.match(branch, method);
    if (!tx) return false;
    if (response.status < 200) return true;
    this.others.delete(branch);
    tx.settle({ response });
    return true;
  }

  via(branch: string): string {
    return viaLine(this.wire, branch);
  }

  // ---- results -----------------------------------------------------------------------

  private settle(op: InviteOp, result: InviteResult): void {
    if (op.settled) return;
    op.settled = true;
    op.resolve(result);
  }

  private result(op: InviteOp, status: number, reason: string): SipResult {
    return sipResult(op.startedAt, status, reason);
  }

  private local(op: InviteOp, status: number, reason: string): InviteResult {
    return this.result(op, status, reason);
  }
}

function ids(op: InviteOp): InviteIds {
  return { uri: op.spec.uri, callId: op.callId, fromTag: op.fromTag, cseq: op.cseq, branch: op.branch };
}
