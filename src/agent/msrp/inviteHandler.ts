/**
 * The SIP side of an MSRP push (flow 5.4.2): INVITE with an MSRP offer, then ACK, BYE and
 * CANCEL, answered by the agent itself (JsSIP would answer through RTCPeerConnection, which
 * cannot take `m=message`: ARCHITECTURE.md section 3). It never sends requests and never
 * throws to the socket: every request gets a response (or null for ACK).
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
 *                  '--CANCEL: 200, and 487 to the INVITE--> terminated
 * ```
 */
import { buildMsrpAnswer, chooseAcceptTypes, MSRP_WS_PROTOCOLS, parseMsrpOffer, SdpError, type FileRange, type MsrpOffer } from '../../protocol/sdp/index.ts';
import { randomIdent } from '../../protocol/msrp/index.ts';
import {
  addressOfRecord,
  createResponse,
  getHeader,
  getHeaders,
  parseAcceptContactHeaders,
  parseCSeq,
  parseNameAddr,
  randomToken,
  requestedPushAppIds,
  type SipHeader,
  type SipRequest,
  type SipResponse,
} from '../../protocol/sip/index.ts';
import { bareMediaType, decidePush, mediaTypeMatches, type AppLookup } from '../push/policy.ts';
import type { AgentEvents, PushAppSpec } from '../types.ts';

export type DialogState = 'proceeding' | 'accepted' | 'confirmed' | 'terminated';

const TRANSITIONS: Readonly<Record<DialogState, readonly DialogState[]>> = {
  proceeding: ['accepted', 'terminated'],
  accepted: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  terminated: [],
};

export type TerminationCause = 'bye' | 'cancel' | 'ack-timeout' | 'shutdown';

/** An accepted offer, before prepare() decides whether it continues a partial transfer. */
export interface AcceptedOffer {
  callId: string;
  appId: string;
  fromAor: string;
  fromDisplayName?: string;
  toAor: string;
  offer: MsrpOffer;
  /** The file type (a=file-selector type) or the first offered type the app accepts. */
  contentType: string;
}

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
  /** What prepare() returned for this dialog. */
  plan: P;
}

export interface MsrpInviteLimits {
  /** Largest file accepted (a=file-selector size), in bytes; above it the INVITE gets 413. */
  maxTransferBytes: number;
  /** MSRP sessions (dialogs not terminated) at once; above it 486 Busy Here. */
  maxSessions: number;
  /** How long a 200 waits for its ACK (64*T1, RFC 3261 section 13.3.1.4). */
  ackTimeoutMs: number;
}

export const DEFAULT_INVITE_LIMITS: MsrpInviteLimits = {
  maxTransferBytes: 2 * 1024 ** 3,
  maxSessions: 16,
  ackTimeoutMs: 32_000,
};

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

class Refusal extends Error {
  constructor(
    readonly status: number,
    reason: string,
    readonly headers: SipHeader[] = [],
    readonly appId?: string,
    readonly from?: string,
  ) {
    super(reason);
  }
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

  /** Dialogs not terminated. */
  get active(): MsrpDialog<P>[] {
    return [...this.invites.values()].filter((p) => p.dialog.state !== 'terminated').map((p) => p.dialog);
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
    let read: { callId: string; remoteTag: string; cseq: number; hasToTag: boolean };
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
      accepted = this.acceptOffer(request, read.callId);
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
    if (pending.cancelled) return this.finalResponse(pending, this.respond(request, 487, undefined, [], localTag));
    if ('reject' in prepared) {
      this.forget(pending);
      return this.reject(request, new Refusal(prepared.reject.status, prepared.reject.reason, [], accepted.appId, accepted.fromAor), localTag);
    }
    dialog.plan = prepared.plan;
    if (prepared.fileRange) dialog.fileRange = prepared.fileRange;
    let answer: string;
    try {
      const types = this.answerTypes(accepted);
      answer = buildMsrpAnswer(accepted.offer, {
        path: dialog.localUri,
        acceptTypes: types.acceptTypes,
        acceptWrappedTypes: types.acceptWrappedTypes,
        setup: 'active',
        ...(prepared.fileRange ? { fileRange: prepared.fileRange } : {}),
      });
    } catch (error) {
      this.forget(pending);
      const status = error instanceof SdpError ? error.status : 488;
      return this.reject(request, new Refusal(status, (error as Error).message, [], accepted.appId, accepted.fromAor), localTag);
    }
    const headers: SipHeader[] = getHeaders(request, 'record-route').map((value) => ({ name: 'Record-Route', value }));
    headers.push({ name: 'Contact', value: this.options.contact() }, { name: 'Content-Type', value: 'application/sdp' });
    const ok = this.respond(request, 200, undefined, headers, localTag, new TextEncoder().encode(answer));
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

  /** Headers, app policy and offer (throws Refusal). */
  private acceptOffer(request: SipRequest, callId: string): AcceptedOffer {
    const from = nameAddr(request, 'From');
    const to = nameAddr(request, 'To');
    let appIds: string[];
    try {
      appIds = requestedPushAppIds(parseAcceptContactHeaders(getHeaders(request, 'accept-contact')));
    } catch {
      throw new Refusal(400, 'Malformed Accept-Contact header');
    }
    const contentType = getHeader(request, 'Content-Type');
    if (request.body.length === 0) throw new Refusal(488, 'INVITE without an SDP offer (offers in ACK are not supported)');
    if (!contentType || bareMediaType(contentType) !== 'application/sdp') {
      throw new Refusal(415, `Content type ${contentType ?? '(none)'} is not application/sdp`, [{ name: 'Accept', value: 'application/sdp' }]);
    }
    // 404 / 403 first, whatever the offer says (size 0 and a type every app... is checked below).
    const who = decidePush({ appIds, fromAor: from.aor, contentType: '*/*', size: 0 }, this.options.apps, { maxMessageBytes: Infinity });
    if (!who.accept && (who.status === 404 || who.status === 403)) throw new Refusal(who.status, who.reason, who.headers, who.appId, from.aor);
    const app = who.accept ? who.app : this.options.apps.get(who.appId!)!;
    if (this.active.length >= this.limits.maxSessions) {
      throw new Refusal(486, `Too many MSRP sessions (${this.limits.maxSessions})`, [], app.id, from.aor);
    }
    let offer: MsrpOffer;
    try {
      offer = parseMsrpOffer(new TextDecoder().decode(request.body), { protocols: MSRP_WS_PROTOCOLS });
    } catch (error) {
      const status = error instanceof SdpError ? error.status : 400;
      throw new Refusal(status, (error as Error).message, status === 415 ? acceptHeader(app) : [], app.id, from.aor);
    }
    if (offer.setup === 'active' || offer.setup === 'holdconn') {
      throw new Refusal(488, `Offer has a=setup:${offer.setup}; this endpoint must be active (RFC 7977 section 5)`, [], app.id, from.aor);
    }
    if (offer.direction === 'recvonly') throw new Refusal(488, 'The offer asks to receive; this endpoint only receives pushes', [], app.id, from.aor);
    const fileType = offer.fileSelector?.type;
    const type = fileType ?? offer.acceptTypes.find((t) => t !== '*' && app.accept.some((r) => mediaTypeMatches(r, t))) ?? offer.acceptTypes[0]!;
    const decision = decidePush({ appIds: [app.id], fromAor: from.aor, contentType: type === '*' ? 'application/octet-stream' : type, size: 0 }, this.options.apps, {
      maxMessageBytes: Infinity,
    });
    if (!decision.accept) throw new Refusal(decision.status, decision.reason, decision.headers, app.id, from.aor);
    const accepted: AcceptedOffer = { callId, appId: app.id, fromAor: from.aor, toAor: to.aor, offer, contentType: type === '*' ? 'application/octet-stream' : type };
    if (from.displayName !== undefined) accepted.fromDisplayName = from.displayName;
    try {
      this.answerTypes(accepted);
    } catch (error) {
      throw new Refusal(415, (error as Error).message, acceptHeader(app), app.id, from.aor);
    }
    const size = offer.fileSelector?.size;
    if (size !== undefined && size > this.limits.maxTransferBytes) {
      throw new Refusal(413, `File of ${size} bytes exceeds ${this.limits.maxTransferBytes}`, [], app.id, from.aor);
    }
    return accepted;
  }

  /** chooseAcceptTypes with the app's ranges (`*\/*` is SDP's `*`, RFC 4975 section 8.6). */
  private answerTypes(accepted: AcceptedOffer): { acceptTypes: string[]; acceptWrappedTypes: string[] } {
    const app = this.options.apps.get(accepted.appId)!;
    const ranges = app.accept.map((r) => (bareMediaType(r) === '*/*' ? '*' : r));
    if (ranges.includes('*') && accepted.offer.acceptTypes.includes('*')) {
      return { acceptTypes: ['*'], acceptWrappedTypes: accepted.offer.acceptWrappedTypes.length ? ['*'] : [] };
    }
    return chooseAcceptTypes(accepted.offer, ranges);
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
      const localTag = toTag(request);
      if (localTag === undefined) return undefined;
      return this.dialogs.get(`${read.callId};${read.remoteTag};${localTag}`);
    } catch {
      return undefined;
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

  private respond(request: SipRequest, status: number, reason: string | undefined, headers: SipHeader[], tag: string, body?: Uint8Array): SipResponse {
    const opts: Parameters<typeof createResponse>[2] = { headers, toTag: tag };
    if (reason !== undefined) opts.reason = reasonPhrase(reason);
    if (body) opts.body = body;
    return createResponse(request, status, opts);
  }

  private safeResponse(request: SipRequest, status: number, reason?: string): SipResponse {
    try {
      return this.respond(request, status, reason, [], this.toTag());
    } catch {
      return createResponse(request, status, reason === undefined ? {} : { reason: reasonPhrase(reason) });
    }
  }

  private reject(request: SipRequest, refusal: Refusal, tag = this.toTag()): SipResponse {
    let response: SipResponse;
    try {
      response = this.respond(request, refusal.status, refusal.message, refusal.headers, tag);
    } catch {
      response = createResponse(request, refusal.status, { reason: reasonPhrase(refusal.message), headers: refusal.headers });
    }
    const rejection: AgentEvents['rejected'] = { status: refusal.status, reason: response.reason };
    if (refusal.appId !== undefined) rejection.appId = refusal.appId;
    if (refusal.from !== undefined) rejection.from = refusal.from;
    this.options.onRejected?.(rejection);
    return response;
  }
}

function acceptHeader(app: PushAppSpec): SipHeader[] {
  return [{ name: 'Accept', value: app.accept.join(', ') }];
}

function readDialogHeaders(request: SipRequest, method: string): { callId: string; remoteTag: string; cseq: number; hasToTag: boolean } {
  const callId = getHeader(request, 'Call-ID')?.trim();
  if (!callId) throw new Error('Missing Call-ID header');
  const fromValue = getHeader(request, 'From');
  if (!fromValue) throw new Error('Missing From header');
  let remoteTag: string | undefined;
  try {
    remoteTag = parseNameAddr(fromValue).params.get('tag') ?? undefined;
  } catch {
    throw new Error('Malformed From header');
  }
  if (!remoteTag) throw new Error('From header without a tag');
  const cseqValue = getHeader(request, 'CSeq');
  if (!cseqValue) throw new Error('Missing CSeq header');
  let cseq;
  try {
    cseq = parseCSeq(cseqValue);
  } catch {
    throw new Error('Malformed CSeq header');
  }
  if (cseq.method !== method) throw new Error(`CSeq method ${cseq.method} does not match ${method}`);
  if (!getHeader(request, 'To')) throw new Error('Missing To header');
  return { callId, remoteTag, cseq: cseq.seq, hasToTag: toTag(request) !== undefined };
}

function toTag(request: SipRequest): string | undefined {
  try {
    return parseNameAddr(getHeader(request, 'To') ?? '').params.get('tag') ?? undefined;
  } catch {
    return undefined;
  }
}

function nameAddr(request: SipRequest, name: 'From' | 'To'): { aor: string; displayName?: string } {
  const value = getHeader(request, name);
  if (!value) throw new Refusal(400, `Missing ${name} header`);
  try {
    const addr = parseNameAddr(value);
    const out: { aor: string; displayName?: string } = { aor: addressOfRecord(addr.uri) };
    if (addr.displayName) out.displayName = addr.displayName;
    return out;
  } catch {
    throw new Refusal(400, `Malformed ${name} header`);
  }
}

function reasonPhrase(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length > 200 ? `${clean.slice(0, 197)}...` : clean;
}
