/**
 * The INVITE client transaction of the Push Sender Agent (RFC 3261 sections 17.1.1, 13.2.2,
 * 9.1, 22.2), with RFC 6026's Accepted state, on a reliable transport:
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
 *
 * The request texts are built in inviteMessages.ts; the dialog a 2xx establishes is dialog.ts;
 * the INVITE client (inviteClient.ts) routes responses here by branch.
 */
import { getHeader, getHeaderValues, newBranch, parseNameAddr, randomToken, type SipHeader, type SipResponse } from '../../../src/protocol/sip/index.ts';
import { REASON_CONNECTION_LOST, REASON_TIMEOUT, sipResult, type SipResult } from './result.ts';
import type { SipWire } from './wire.ts';
import type { Dialog, DialogSet } from './dialog.ts';
import { inviteText, sameTransactionText, type InviteIds } from './inviteMessages.ts';

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

/** What a transaction needs from the INVITE client that owns it. */
export interface InviteTransactionHost {
  readonly wire: SipWire;
  /** The live INVITE transactions by branch: the client routes their responses through it. */
  readonly invites: Map<string, InviteTransaction>;
  /** The dialogs a 2xx establishes join this set. */
  readonly dialogSet: DialogSet;
}

/** Timer M of RFC 6026 (64 * T1): how long an accepted INVITE transaction absorbs 2xx. */
const TIMER_M_MS = 32_000;

/** One INVITE as its caller sees it: may span two transactions (challenge, then credentials). */
export class InviteTransaction {
  readonly result: Promise<InviteResult>;
  private readonly callId = randomToken(22);
  private readonly fromTag = randomToken(10);
  private cseq = 1;
  private branch = '';
  private authLines = '';
  private authTried = false;
  private _state: InviteState = 'calling';
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly startedAt = performance.now();
  private cancelWanted = false;
  private cancelSent = false;
  /** Resolved (the caller has its result); the transaction may live on (accepted, cancelling). */
  private settled = false;
  private resolve!: (result: InviteResult) => void;
  /** To tags of 2xx seen, to ACK each retransmission and BYE extra forks once. */
  private readonly acked = new Map<string, string>();

  constructor(
    private readonly host: InviteTransactionHost,
    private readonly spec: InviteSpec,
    private readonly timeoutMs: number,
  ) {
    this.result = new Promise<InviteResult>((r) => (this.resolve = r));
  }

  get state(): InviteState {
    return this._state;
  }

  private transition(next: InviteState): void {
    if (!INVITE_TRANSITIONS[this._state].includes(next)) throw new Error(`Illegal INVITE transaction state change ${this._state} -> ${next}`);
    this._state = next;
  }

  /** Send the INVITE in a new transaction (the first one, or the retry with credentials). */
  transmit(): void {
    this.branch = newBranch();
    this._state = 'calling';
    const text = inviteText(this.host.wire, this.ids(), this.spec, this.authLines);
    this.host.invites.set(this.branch, this);
    if (!this.host.wire.send(text)) {
      this.host.invites.delete(this.branch);
      this.settle(this.local(503, REASON_CONNECTION_LOST));
      return;
    }
    this.armTimerB();
  }

  private armTimerB(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onTimerB(), this.timeoutMs);
  }

  private onTimerB(): void {
    this.timer = undefined;
    if (this._state === 'calling') {
      this.transition('terminated');
      this.host.invites.delete(this.branch);
      this.settle(this.local(408, REASON_TIMEOUT));
    } else if (this._state === 'proceeding') {
      if (this.settled) {
        // Already cancelled and still no final response: forget the transaction.
        this.transition('terminated');
        this.host.invites.delete(this.branch);
        return;
      }
      // The UA gives up: CANCEL, answer the caller now, absorb the final response later.
      this.settle(this.local(408, REASON_TIMEOUT));
      this.cancel();
      this.armTimerB();
    }
  }

  cancel(): void {
    if (this.cancelSent || this._state === 'accepted' || this._state === 'completed' || this._state === 'terminated') return;
    this.cancelWanted = true;
    if (this._state !== 'proceeding') return; // RFC 3261 section 9.1: wait for a provisional response.
    this.cancelSent = true;
    const text = sameTransactionText(this.host.wire, this.ids(), 'CANCEL');
    // Its 200 is matched by branch and method CANCEL and simply absorbed (inviteClient.ts).
    this.host.wire.send(text);
  }

  /** A response with this transaction's branch and CSeq method INVITE. */
  onResponse(response: SipResponse): void {
    const { status } = response;
    if (status < 200) {
      if (this._state === 'calling' || this._state === 'proceeding') {
        this.transition('proceeding');
        if (this.cancelWanted && !this.cancelSent) this.cancel();
        if (!this.settled) this.spec.onProvisional?.(response);
      }
      return;
    }
    if (status < 300) {
      this.on2xx(response);
      return;
    }
    // 300-699: ACK in the same transaction (section 17.1.1.3), once per retransmission.
    if (this._state === 'completed' || this._state === 'terminated') {
      this.ackNon2xx(response);
      return;
    }
    if (this._state === 'accepted') return;
    this.transition('completed');
    this.ackNon2xx(response);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // Timer D = 0 on a reliable transport.
    this.transition('terminated');
    this.host.invites.delete(this.branch);
    if ((status === 401 || status === 407) && !this.settled) {
      const why = this.authTried ? 'authentication failed' : undefined;
      const creds = why ? { why } : this.host.wire.credentials('INVITE', this.spec.uri, response);
      if ('lines' in creds) {
        this.authTried = true;
        this.authLines = creds.lines;
        this.cseq++;
        this.transmit();
        return;
      }
      this.settle({ ...this.local(status, `${response.reason} (${creds.why})`), response });
      return;
    }
    this.settle({ ...this.local(status, response.reason), response });
  }

  private on2xx(response: SipResponse): void {
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
      if (!this.settled) {
        if (this._state === 'calling' || this._state === 'proceeding') this.transition('terminated');
        this.host.invites.delete(this.branch);
        if (this.timer) clearTimeout(this.timer);
        this.settle({ ...this.local(502, '2xx without To tag or Contact'), response });
      }
      return;
    }
    const routeSet = getHeaderValues(response, 'record-route').reverse();
    const known = this.acked.get(remoteTag);
    if (known !== undefined) {
      this.host.wire.send(known); // retransmitted 2xx: ACK again (section 13.2.2.4)
      return;
    }
    const dialogs = this.host.dialogSet;
    const dialog = dialogs.open({
      callId: this.callId,
      localTag: this.fromTag,
      remoteTag,
      remoteTo: to,
      remoteTarget: contact,
      routeSet,
      localCseq: this.cseq,
      answer: response,
      authLines: this.authLines,
    });
    const ack = dialog.ackText(this.cseq);
    this.acked.set(remoteTag, ack);
    this.host.wire.send(ack);
    if (this._state === 'calling' || this._state === 'proceeding') {
      this.transition('accepted');
      if (this.timer) clearTimeout(this.timer);
      // Timer M: absorb 2xx retransmissions and other forks' 2xx, then forget the transaction.
      this.timer = setTimeout(() => {
        if (this._state === 'accepted') this.transition('terminated');
        this.host.invites.delete(this.branch);
      }, Math.min(TIMER_M_MS, this.timeoutMs));
      this.timer.unref?.();
    }
    if (!this.settled) {
      dialogs.add(dialog);
      this.settle({ ...this.local(response.status, response.reason), response, dialog });
      return;
    }
    // Another fork, or a 2xx after we gave up: end it at once (section 13.2.2.4).
    dialogs.add(dialog);
    void dialog.bye();
  }

  private ackNon2xx(response: SipResponse): void {
    const text = sameTransactionText(this.host.wire, this.ids(), 'ACK', getHeader(response, 'to') ?? `<${this.spec.uri}>`);
    this.host.wire.send(text);
  }

  /** The socket closed (or the client did): the caller gets a local 503 now. */
  close(reason: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this._state !== 'terminated') this._state = 'terminated';
    this.settle(this.local(503, reason));
  }

  settle(result: InviteResult): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(result);
  }

  /** A result timed from the call, without a response (added by the caller when there is one). */
  local(status: number, reason: string): InviteResult {
    return sipResult(this.startedAt, status, reason);
  }

  private ids(): InviteIds {
    return { uri: this.spec.uri, callId: this.callId, fromTag: this.fromTag, cseq: this.cseq, branch: this.branch };
  }
}
