/**
 * The SIP side of an MSRP push (flow 5.4.2): INVITE with an MSRP offer, then ACK, BYE and
 * CANCEL, answered by the agent itself (JsSIP would answer through RTCPeerConnection, which
 * cannot take `m=message`: ARCHITECTURE.md section 3). It never sends requests and never
 * throws to the socket: every request gets a response (or null for ACK).
 *
 * This file holds the state (the dialog table, the ACK timer, the callbacks); the checks, the
 * SDP answer and the responses are pure functions in inviteOffer.ts.
 *
 * INVITE, in order (the first check that fails answers):
 *   headers From, To (no tag), Call-ID, CSeq INVITE       400
 *   Content-Type application/sdp and a body               415 + Accept: application/sdp / 488
 *   app addressed and registered, sender allowed          404 / 403   (decidePush)
 *   too many sessions                                     486 Busy Here
 *   offer: m=message with TCP/WS/MSRP or TCP/WSS/MSRP     488 (400 when the SDP does not parse)
 *   file type / accept-types taken by the app            415 + Accept: <the app's types>
 *   file-selector size <= maxTransferBytes                413
 *   prepare() (the receiver's resume lookup)              its status
 *   200 with the SDP answer, Contact, a To tag (and the INVITE's Record-Route)
 *
 * Dialogs, keyed by Call-ID + remote (From) tag + local (To) tag:
 *
 * ```
 *   INVITE --> proceeding --200--> accepted --ACK--> confirmed --BYE--> terminated
 *                  |                   |  '--BYE / no ACK in ackTimeoutMs--> terminated
 *                  |                   |
 *                  |        sessionEnded() (socket closed, no BYE)
 *                  |                   v
 *                  |                closing --BYE from the sender: 200--> terminated
 *                  |                   '--byeAfterSessionEndMs: our BYE--> terminated
 *                  '--CANCEL: 200, and 487 to the INVITE--> terminated
 * ```
 *
 * A closing dialog no longer counts against maxSessions: a session that ended by any path
 * frees its slot at once, whether or not the sender ever sends its BYE.
 */
import { SdpError, type FileRange } from '../../protocol/sdp/index.ts';
import { randomIdent } from '../../protocol/msrp/index.ts';
import { createResponse, newBranch, randomToken, safeReasonPhrase, type SipRequest, type SipResponse } from '../../protocol/sip/index.ts';
import type { AppLookup } from '../policy/pushPolicy.ts';
import type { AgentEvents, PushAppSpec } from '../types.ts';
import {
  acceptOffer,
  answerTypes,
  buildAnswerSdp,
  buildBye,
  buildResponse,
  DEFAULT_INVITE_LIMITS,
  okHeaders,
  readDialogHeaders,
  Refusal,
  toTagOf,
  type AcceptedOffer,
  type DialogHeaders,
} from './inviteOffer.ts';
import type { MsrpInviteLimits } from '../types.ts';

export type DialogState = 'proceeding' | 'accepted' | 'confirmed' | 'closing' | 'terminated';

const TRANSITIONS: Readonly<Record<DialogState, readonly DialogState[]>> = {
  proceeding: ['accepted', 'terminated'],
  accepted: ['confirmed', 'terminated'],
  confirmed: ['closing', 'terminated'],
  closing: ['terminated'],
  terminated: [],
};

export type TerminationCause = 'bye' | 'cancel' | 'ack-timeout' | 'shutdown' | 'session-ended';

export type PrepareResult<P> = { plan: P; fileRange?: FileRange } | { reject: { status: number; reason: string } };

export interface MsrpDialog<P = unknown> extends AcceptedOffer {
  /** `${callId};${remoteTag};${localTag}`. */
  id: string;
  remoteTag: string;
  localTag: string;
  state: DialogState;
  /** Our MSRP URI, in the answer's a=path. */
  localUri: string;
  /** The sender's a=path (relays first, endpoint last). */
  remotePath: string[];
  /** a=file-range of the answer, when resuming. */
  fileRange?: FileRange;
  /** a=accept-types of our answer: every message of the session must be of one of them (`*`: any). */
  acceptTypes: string[];
  /** What prepare() returned for this dialog. */
  plan: P;
}

export interface InviteHandlerOptions<P> {
  apps: AppLookup<PushAppSpec>;
  /** Contact header value of the 200 (the agent's registered Contact). */
  contact: () => string;
  limits?: Partial<MsrpInviteLimits>;
  /** Decides how the accepted offer is received (e.g. continue a partial transfer). */
  prepare: (offer: AcceptedOffer) => Promise<PrepareResult<P>> | PrepareResult<P>;
  /** ACK received: open the MSRP connection. */
  onConfirmed: (dialog: MsrpDialog<P>) => void;
  /** The dialog ended (BYE, CANCEL before the 200, no ACK, shutdown). */
  onTerminated: (dialog: MsrpDialog<P>, cause: TerminationCause) => void;
  onRejected?: (rejection: AgentEvents['rejected']) => void;
  toTag?: () => string;
  /** Random host and session-id of our path (tests inject fixed ones). */
  randomId?: () => string;
  /**
   * Sends a request of ours (the BYE of a dialog whose session ended) on the SIP connection;
   * `via` is our Via without its branch (`SIP/2.0/WSS abc.invalid`). Without it no BYE is
   * sent and a closing dialog just ends after byeAfterSessionEndMs.
   */
  sendRequest?: (request: SipRequest) => void;
  via?: () => string;
  /** The sender is the core's P-Asserted-Identity (AgentConfig.trustAssertedIdentity). */
  trustAssertedIdentity?: boolean;
}

interface Pending<P> {
  dialog: MsrpDialog<P>;
  cseq: number;
  invite: SipRequest;
  /** Set when a CANCEL arrived before the final response. */
  cancelled: boolean;
  response?: SipResponse;
  final?: Promise<SipResponse>;
  timer?: ReturnType<typeof setTimeout>;
}

export class InviteHandler<P = unknown> {
  private readonly options: InviteHandlerOptions<P>;
  private readonly limits: MsrpInviteLimits;
  private readonly toTag: () => string;
  private readonly randomId: () => string;
  /** Dialogs by `${callId};${remoteTag};${localTag}`. */
  private readonly dialogs = new Map<string, Pending<P>>();
  /** INVITE transactions by `${callId};${remoteTag}` (CANCEL and retransmissions have no To tag). */
  private readonly invites = new Map<string, Pending<P>>();

  constructor(options: InviteHandlerOptions<P>) {
    this.options = options;
    this.limits = { ...DEFAULT_INVITE_LIMITS, ...options.limits };
    this.toTag = options.toTag ?? (() => randomToken(10));
    this.randomId = options.randomId ?? (() => randomIdent(16));
  }

  /** Dialogs that hold a session slot: neither terminated nor closing. */
  get active(): MsrpDialog<P>[] {
    return [...this.invites.values()].filter((p) => p.dialog.state !== 'terminated' && p.dialog.state !== 'closing').map((p) => p.dialog);
  }

  /**
   * The MSRP session of a confirmed dialog ended without a BYE (the sender closed the socket,
   * or the agent ended the session): the slot is freed now, and unless the sender's BYE comes
   * within byeAfterSessionEndMs the agent sends its own. No-op for any other state.
   */
  sessionEnded(dialogId: string): void {
    const pending = this.dialogs.get(dialogId);
    if (!pending || pending.dialog.state !== 'confirmed') return;
    this.transition(pending.dialog, 'closing');
    pending.timer = setTimeout(() => {
      if (pending.dialog.state !== 'closing') return;
      this.sendBye(pending);
      this.terminate(pending, 'session-ended');
    }, this.limits.byeAfterSessionEndMs);
  }

  /** The response to INVITE, BYE, CANCEL (null for ACK). Never rejects. */
  handle(request: SipRequest): Promise<SipResponse | null> | SipResponse | null {
    try {
      switch (request.method) {
        case 'INVITE':
          return this.invite(request);
        case 'ACK':
          this.ack(request);
          return null;
        case 'BYE':
          return this.bye(request);
        case 'CANCEL':
          return this.cancel(request);
        default:
          return createResponse(request, 405, { headers: [{ name: 'Allow', value: 'INVITE, ACK, BYE, CANCEL' }], toTag: this.toTag() });
      }
    } catch (error) {
      return this.safeResponse(request, 500, `Internal error: ${String((error as Error).message ?? error)}`);
    }
  }

  /** Terminate every dialog (agent stop). */
  shutdown(): void {
    for (const p of [...this.invites.values()]) {
      if (p.dialog.state === 'proceeding') {
        p.cancelled = true;
      }
      this.terminate(p, 'shutdown');
    }
  }

  // ---- INVITE --------------------------------------------------------------------------------

  private async invite(request: SipRequest): Promise<SipResponse> {
    let read: DialogHeaders;
    try {
      read = readDialogHeaders(request, 'INVITE');
    } catch (error) {
      return this.reject(request, new Refusal(400, (error as Error).message));
    }
    const key = `${read.callId};${read.remoteTag}`;
    const existing = this.invites.get(key);
    if (read.hasToTag) {
      // A re-INVITE: sessions are not modified (RFC 3264 section 8 would allow it).
      return this.reject(request, new Refusal(existing ? 488 : 481, existing ? 'Session modification not supported' : 'Call/Transaction Does Not Exist'));
    }
    if (existing && existing.cseq === read.cseq && existing.final) {
      // A retransmission: the same final response again (or when it is ready).
      return existing.final;
    }
    if (existing) return this.reject(request, new Refusal(400, 'A second INVITE in the same call'));

    let accepted: AcceptedOffer;
    try {
      accepted = acceptOffer(request, read.callId, { apps: this.options.apps, limits: this.limits, activeSessions: this.active.length, trustAssertedIdentity: this.options.trustAssertedIdentity ?? false });
    } catch (error) {
      return this.reject(request, error instanceof Refusal ? error : new Refusal(400, String((error as Error).message ?? error)));
    }
    const localTag = this.toTag();
    const id = this.randomId();
    const dialog: MsrpDialog<P> = {
      ...accepted,
      id: `${read.callId};${read.remoteTag};${localTag}`,
      remoteTag: read.remoteTag,
      localTag,
      state: 'proceeding',
      localUri: `msrp://${id.toLowerCase()}.invalid:2855/${this.randomId()};ws`,
      remotePath: accepted.offer.path,
      acceptTypes: [],
      plan: undefined as P,
    };
    const pending: Pending<P> = { dialog, cseq: read.cseq, invite: request, cancelled: false };
    this.invites.set(key, pending);
    pending.final = this.answer(pending, accepted).catch((error: unknown) => {
      this.terminate(pending, 'shutdown');
      return this.safeResponse(request, 500, `Internal error: ${String((error as Error).message ?? error)}`);
    });
    return pending.final;
  }

  private async answer(pending: Pending<P>, accepted: AcceptedOffer): Promise<SipResponse> {
    const { dialog, invite: request } = pending;
    const localTag = dialog.localTag;
    let prepared: PrepareResult<P>;
    try {
      prepared = await this.options.prepare(accepted);
    } catch (error) {
      prepared = { reject: { status: 500, reason: `Transfer storage failed: ${String((error as Error).message ?? error)}` } };
    }
    if (pending.cancelled) return this.finalResponse(pending, buildResponse(request, 487, undefined, [], localTag));
    if ('reject' in prepared) {
      this.forget(pending);
      return this.reject(request, new Refusal(prepared.reject.status, prepared.reject.reason, [], accepted.appId, accepted.fromAor), localTag);
    }
    dialog.plan = prepared.plan;
    if (prepared.fileRange) dialog.fileRange = prepared.fileRange;
    let answer: string;
    try {
      const types = answerTypes(this.options.apps, accepted);
      dialog.acceptTypes = types.acceptTypes;
      answer = buildAnswerSdp(types, accepted, dialog.localUri, prepared.fileRange);
    } catch (error) {
      this.forget(pending);
      const status = error instanceof SdpError ? error.status : 488;
      return this.reject(request, new Refusal(status, (error as Error).message, [], accepted.appId, accepted.fromAor), localTag);
    }
    const headers = okHeaders(request, this.options.contact());
    const ok = buildResponse(request, 200, undefined, headers, localTag, new TextEncoder().encode(answer));
    this.transition(dialog, 'accepted');
    this.dialogs.set(dialog.id, pending);
    pending.timer = setTimeout(() => {
      if (dialog.state === 'accepted') this.terminate(pending, 'ack-timeout');
    }, this.limits.ackTimeoutMs);
    return this.finalResponse(pending, ok);
  }

  private finalResponse(pending: Pending<P>, response: SipResponse): SipResponse {
    pending.response = response;
    if (response.status >= 300 && pending.dialog.state === 'proceeding') this.terminate(pending, 'cancel');
    return response;
  }

  // ---- ACK, BYE, CANCEL -----------------------------------------------------------------------

  private ack(request: SipRequest): void {
    const pending = this.findDialog(request, 'ACK');
    if (!pending || pending.dialog.state !== 'accepted') return; // ACK to a non-2xx, or a retransmission
    clearTimeout(pending.timer);
    this.transition(pending.dialog, 'confirmed');
    this.options.onConfirmed(pending.dialog);
  }

  private bye(request: SipRequest): SipResponse {
    const pending = this.findDialog(request, 'BYE');
    if (!pending || pending.dialog.state === 'terminated') return this.safeResponse(request, 481);
    this.terminate(pending, 'bye');
    return this.safeResponse(request, 200);
  }

  private cancel(request: SipRequest): SipResponse {
    let read;
    try {
      read = readDialogHeaders(request, 'CANCEL');
    } catch (error) {
      return this.safeResponse(request, 400, (error as Error).message);
    }
    const pending = this.invites.get(`${read.callId};${read.remoteTag}`);
    if (!pending || pending.cseq !== read.cseq) return this.safeResponse(request, 481);
    // After the final response a CANCEL has no effect but is still answered 200 (RFC 3261 section 9.2).
    if (pending.dialog.state === 'proceeding' && !pending.response) pending.cancelled = true;
    return this.safeResponse(request, 200);
  }

  private findDialog(request: SipRequest, method: string): Pending<P> | undefined {
    try {
      const read = readDialogHeaders(request, method);
      const localTag = toTagOf(request);
      if (localTag === undefined) return undefined;
      return this.dialogs.get(`${read.callId};${read.remoteTag};${localTag}`);
    } catch {
      return undefined;
    }
  }

  private sendBye(pending: Pending<P>): void {
    const { sendRequest, via } = this.options;
    if (!sendRequest || !via) return;
    try {
      sendRequest(buildBye(pending.invite, pending.dialog.localTag, via(), newBranch()));
    } catch {
      // The INVITE had no usable Contact: the dialog still ends here; the sender's own timers end it there.
    }
  }

  private terminate(pending: Pending<P>, cause: TerminationCause): void {
    const dialog = pending.dialog;
    if (dialog.state === 'terminated') return;
    clearTimeout(pending.timer);
    const wasProceeding = dialog.state === 'proceeding';
    this.transition(dialog, 'terminated');
    this.forget(pending);
    if (!wasProceeding || cause !== 'cancel') this.options.onTerminated(dialog, cause);
  }

  private forget(pending: Pending<P>): void {
    const d = pending.dialog;
    if (this.invites.get(`${d.callId};${d.remoteTag}`) === pending) this.invites.delete(`${d.callId};${d.remoteTag}`);
    this.dialogs.delete(d.id);
  }

  private transition(dialog: MsrpDialog<P>, to: DialogState): void {
    if (!TRANSITIONS[dialog.state].includes(to)) throw new Error(`MsrpDialog: illegal transition ${dialog.state} -> ${to}`);
    dialog.state = to;
  }

  // ---- responses ------------------------------------------------------------------------------

  private safeResponse(request: SipRequest, status: number, reason?: string): SipResponse {
    try {
      return buildResponse(request, status, reason, [], this.toTag());
    } catch {
      return createResponse(request, status, reason === undefined ? {} : { reason: safeReasonPhrase(reason) });
    }
  }

  private reject(request: SipRequest, refusal: Refusal, tag = this.toTag()): SipResponse {
    let response: SipResponse;
    try {
      response = buildResponse(request, refusal.status, refusal.message, refusal.headers, tag);
    } catch {
      response = createResponse(request, refusal.status, { reason: safeReasonPhrase(refusal.message), headers: refusal.headers });
    }
    const rejection: AgentEvents['rejected'] = { status: refusal.status, reason: response.reason };
    if (refusal.appId !== undefined) rejection.appId = refusal.appId;
    if (refusal.from !== undefined) rejection.from = refusal.from;
    this.options.onRejected?.(rejection);
    return response;
  }
}
