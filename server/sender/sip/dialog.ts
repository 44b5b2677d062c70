/**
 * The dialog an INVITE's 2xx established (RFC 3261 section 12), seen from the sender (UAC):
 *
 * ```
 *   confirmed --bye() / peer BYE / socket lost--> terminated
 * ```
 *
 * - Requests in the dialog carry the route set (Record-Route reversed, section 12.1.2) and go
 *   to the peer's Contact (section 12.2.1.1). Loose routing only (every Record-Route of our
 *   cores carries `;lr`).
 * - BYE (section 15.1.1) runs in a non-INVITE transaction of its own (Timer F, digest retry
 *   once); a BYE from the peer gets 200 (section 15.1.2); the peer may not change the session
 *   (re-INVITE or UPDATE get 488, section 14.2).
 */
import {
  createResponse,
  getHeader,
  newBranch,
  parseNameAddr,
  serializeSipMessage,
  type SipHeader,
  type SipRequest,
  type SipResponse,
} from '../../../src/protocol/sip/index.ts';
import { SENDER_USER_AGENT } from './headers.ts';
import { REASON_CONNECTION_LOST, REASON_TIMEOUT, sipResult, type SipResult } from './result.ts';
import type { SipWire } from './wire.ts';

export type DialogState = 'confirmed' | 'terminated';

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

/** The final response to a request in the dialog, or the reason there is none (REASON_TIMEOUT, REASON_CONNECTION_LOST...). */
export type NonInviteOutcome = { response?: SipResponse; reason?: string };

/** What a dialog needs from the INVITE client that owns its connection. */
export interface DialogHost {
  readonly wire: SipWire;
  /** Our Via line for a new branch. */
  via(branch: string): string;
  /** Send a non-INVITE request built by `build(branch)`; resolves with the final response. */
  sendNonInvite(method: string, build: (branch: string) => string): Promise<NonInviteOutcome>;
}

const ALLOW = { name: 'Allow', value: 'INVITE, ACK, CANCEL, BYE, OPTIONS' };

/** The dialogs not yet terminated, and the requests the peer sends in them. */
export class DialogSet {
  private readonly byKey = new Map<string, DialogImpl>();

  constructor(private readonly host: DialogHost) {}

  get size(): number {
    return this.byKey.size;
  }

  open(init: DialogInit): DialogImpl {
    return new DialogImpl(this.host, init, (dialog) => this.byKey.delete(dialog.key));
  }

  add(dialog: DialogImpl): void {
    this.byKey.set(dialog.key, dialog);
  }

  /** The socket closed: every dialog ends. */
  terminateAll(): void {
    for (const dialog of [...this.byKey.values()]) dialog.terminate('transport');
  }

  /** Answer a request from the peer in one of our dialogs; false when it is not for one. */
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
    const dialog = this.byKey.get(`${getHeader(request, 'call-id')}|${toTag}|${fromTag}`);
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
        this.respond(request, 200, [ALLOW]);
        return true;
      case 'INVITE':
      case 'UPDATE':
        // No session changes during a push (RFC 3261 section 14.2 allows refusing with 488).
        this.respond(request, 488);
        return true;
      default:
        this.respond(request, 405, [ALLOW]);
        return true;
    }
  }

  private respond(request: SipRequest, status: number, headers: SipHeader[] = []): void {
    const response = createResponse(request, status, { headers });
    this.host.wire.send(Buffer.from(serializeSipMessage(response)).toString('utf8'));
  }
}

export interface DialogInit {
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

export class DialogImpl implements Dialog {
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
    private readonly host: DialogHost,
    init: DialogInit,
    /** Drops the dialog from its set (ended). */
    private readonly forget: (dialog: DialogImpl) => void,
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
      this.host.via(branch) +
      `Max-Forwards: 70\r\n`;
    for (const route of this.routeSet) text += `Route: ${route}\r\n`;
    text +=
      `From: ${this.host.wire.fromHeader};tag=${this.localTag}\r\n` +
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
    const result = (status: number, reason: string, response?: SipResponse): SipResult => sipResult(startedAt, status, reason, response);
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
        const { response, reason } = await this.host.sendNonInvite('BYE', (branch) => this.head('BYE', branch, cseq) + authLines + `Content-Length: 0\r\n\r\n`);
        if (!response) {
          this.forget(this);
          return result(reason === REASON_TIMEOUT ? 408 : 503, reason ?? REASON_CONNECTION_LOST);
        }
        if ((response.status === 401 || response.status === 407) && attempt === 0) {
          const creds = this.host.wire.credentials('BYE', this.remoteTarget, response);
          if ('lines' in creds) {
            authLines = creds.lines;
            continue;
          }
        }
        this.forget(this);
        return result(response.status, response.reason, response);
      }
      this.forget(this);
      return result(401, 'Unauthorized (authentication failed)');
    })();
    return this.byeResult;
  }

  terminate(by: 'remote' | 'transport'): void {
    this.forget(this);
    if (this._state === 'terminated') return;
    this._state = 'terminated';
    this._endedBy = by;
    for (const l of this.listeners.splice(0)) l(by);
  }
}
