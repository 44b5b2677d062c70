/**
 * The pure half of InviteHandler (inviteHandler.ts): reading an INVITE's headers, checking
 * its offer against the app policy and the limits, and building the SDP answer and the SIP
 * responses. No dialog table, no timers, no callbacks: a check that fails throws a Refusal
 * (status, reason, extra headers) and the handler turns it into the response and the
 * `rejected` event. The order of the checks is the table in inviteHandler.ts.
 */
import { buildMsrpAnswer, chooseAcceptTypes, MSRP_WS_PROTOCOLS, parseMsrpOffer, SdpError, type FileRange, type MsrpOffer } from '../../protocol/sdp/index.ts';
import {
  createResponse,
  getHeader,
  getHeaders,
  parseCSeq,
  parseNameAddr,
  safeReasonPhrase,
  type SipHeader,
  type SipRequest,
  type SipResponse,
} from '../../protocol/sip/index.ts';
import { MalformedPushRequest, readAppIds, readParty, readSender, type PushParty, type PushSender } from '../policy/pushAddressing.ts';
import { bareMediaType, decidePush, mediaTypeMatches, type AppLookup } from '../policy/pushPolicy.ts';
import type { MsrpInviteLimits, PushAppSpec } from '../types.ts';

/** An accepted offer, before prepare() decides whether it continues a partial transfer. */
export interface AcceptedOffer {
  callId: string;
  appId: string;
  /** The sender: the asserted identity when the core is trusted, else From. */
  fromAor: string;
  /** Trusting the core, it asserted nobody: every message is held to that too (allowFrom). */
  senderUnverified?: boolean;
  fromDisplayName?: string;
  toAor: string;
  offer: MsrpOffer;
  /** The file type (a=file-selector type) or the first offered type the app accepts. */
  contentType: string;
}

export const DEFAULT_INVITE_LIMITS: MsrpInviteLimits = {
  maxTransferBytes: 2 * 1024 ** 3,
  maxSessions: 16,
  ackTimeoutMs: 32_000,
  byeAfterSessionEndMs: 2_000,
};

/** A check that failed: the response status, its reason and headers, and who it concerned. */
export class Refusal extends Error {
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

export interface DialogHeaders {
  callId: string;
  /** The From tag. */
  remoteTag: string;
  cseq: number;
  hasToTag: boolean;
}

/** Call-ID, From tag and CSeq of an in-dialog or INVITE request (throws Error with the reason). */
export function readDialogHeaders(request: SipRequest, method: string): DialogHeaders {
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
  return { callId, remoteTag, cseq: cseq.seq, hasToTag: toTagOf(request) !== undefined };
}

/** The To tag (our local tag in a dialog), undefined when absent or unreadable. */
export function toTagOf(request: SipRequest): string | undefined {
  try {
    return parseNameAddr(getHeader(request, 'To') ?? '').params.get('tag') ?? undefined;
  } catch {
    return undefined;
  }
}

/** What the offer checks need besides the request. */
export interface OfferContext {
  apps: AppLookup<PushAppSpec>;
  limits: Pick<MsrpInviteLimits, 'maxTransferBytes' | 'maxSessions'>;
  /** Dialogs not terminated now (for maxSessions). */
  activeSessions: number;
  /** The sender is the core's P-Asserted-Identity (AgentConfig.trustAssertedIdentity). */
  trustAssertedIdentity?: boolean;
}

/** Headers, app policy and offer of an INVITE (throws Refusal). */
export function acceptOffer(request: SipRequest, callId: string, context: OfferContext): AcceptedOffer {
  const { apps, limits } = context;
  const { from, to, appIds } = readAddressing(request, context.trustAssertedIdentity ?? false);
  const senderUnverified = from.identity === 'unverified';
  const contentType = getHeader(request, 'Content-Type');
  if (request.body.length === 0) throw new Refusal(488, 'INVITE without an SDP offer (offers in ACK are not supported)');
  if (!contentType || bareMediaType(contentType) !== 'application/sdp') {
    throw new Refusal(415, `Content type ${contentType ?? '(none)'} is not application/sdp`, [{ name: 'Accept', value: 'application/sdp' }]);
  }
  // 404 / 403 first, whatever the offer says (size 0 and a type every app... is checked below).
  const who = decidePush({ appIds, fromAor: from.aor, senderUnverified, contentType: '*/*', size: 0 }, apps, { maxMessageBytes: Infinity });
  if (!who.accept && (who.status === 404 || who.status === 403)) throw new Refusal(who.status, who.reason, who.headers, who.appId, from.aor);
  const app = who.accept ? who.app : apps.get(who.appId!)!;
  if (context.activeSessions >= limits.maxSessions) {
    throw new Refusal(486, `Too many MSRP sessions (${limits.maxSessions})`, [], app.id, from.aor);
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
  const decision = decidePush({ appIds: [app.id], fromAor: from.aor, senderUnverified, contentType: type === '*' ? 'application/octet-stream' : type, size: 0 }, apps, {
    maxMessageBytes: Infinity,
  });
  if (!decision.accept) throw new Refusal(decision.status, decision.reason, decision.headers, app.id, from.aor);
  const accepted: AcceptedOffer = { callId, appId: app.id, fromAor: from.aor, toAor: to.aor, offer, contentType: type === '*' ? 'application/octet-stream' : type };
  if (from.displayName !== undefined) accepted.fromDisplayName = from.displayName;
  if (senderUnverified) accepted.senderUnverified = true;
  try {
    answerTypes(apps, accepted);
  } catch (error) {
    throw new Refusal(415, (error as Error).message, acceptHeader(app), app.id, from.aor);
  }
  const size = offer.fileSelector?.size;
  if (size !== undefined && size > limits.maxTransferBytes) {
    throw new Refusal(413, `File of ${size} bytes exceeds ${limits.maxTransferBytes}`, [], app.id, from.aor);
  }
  return accepted;
}

/** chooseAcceptTypes with the app's ranges (`*\/*` is SDP's `*`, RFC 4975 section 8.6). */
/** The accept-types and accept-wrapped-types of our answer: what every message of the session may carry. */
export interface AnswerTypes {
  acceptTypes: string[];
  acceptWrappedTypes: string[];
}

export function answerTypes(apps: AppLookup<PushAppSpec>, accepted: AcceptedOffer): AnswerTypes {
  const app = apps.get(accepted.appId)!;
  const ranges = app.accept.map((r) => (bareMediaType(r) === '*/*' ? '*' : r));
  if (ranges.includes('*') && accepted.offer.acceptTypes.includes('*')) {
    return { acceptTypes: ['*'], acceptWrappedTypes: accepted.offer.acceptWrappedTypes.length ? ['*'] : [] };
  }
  return chooseAcceptTypes(accepted.offer, ranges);
}

/** The SDP answer of the 200: our path, the accepted types, setup active, the resume range. */
export function buildAnswerSdp(types: AnswerTypes, accepted: AcceptedOffer, localUri: string, fileRange?: FileRange): string {
  return buildMsrpAnswer(accepted.offer, {
    path: localUri,
    acceptTypes: types.acceptTypes,
    acceptWrappedTypes: types.acceptWrappedTypes,
    setup: 'active',
    ...(fileRange ? { fileRange } : {}),
  });
}

/**
 * The BYE that ends a dialog from our side (UAS), built from its INVITE (RFC 3261 sections
 * 12.1.1 and 15.1.1): Request-URI the sender's Contact, Route the INVITE's Record-Route in
 * order, From the INVITE's To with our tag, To the INVITE's From, the same Call-ID, and a
 * CSeq of our own (we sent no request in this dialog before). `via` is the sent-by and
 * transport of our Via (the WebSocket's, e.g. `SIP/2.0/WSS abc.invalid`).
 */
export function buildBye(invite: SipRequest, localTag: string, via: string, branch: string): SipRequest {
  const contact = getHeader(invite, 'Contact');
  const from = getHeader(invite, 'From');
  const to = getHeader(invite, 'To');
  const callId = getHeader(invite, 'Call-ID');
  if (!contact || !from || !to || !callId) throw new Error('The INVITE lacks Contact, From, To or Call-ID: no BYE can be built');
  const headers: SipHeader[] = [{ name: 'Via', value: `${via};branch=${branch}` }, { name: 'Max-Forwards', value: '70' }];
  for (const value of getHeaders(invite, 'record-route')) headers.push({ name: 'Route', value });
  headers.push(
    { name: 'From', value: `${to};tag=${localTag}` },
    { name: 'To', value: from },
    { name: 'Call-ID', value: callId },
    { name: 'CSeq', value: '1 BYE' },
  );
  return { kind: 'request', method: 'BYE', uri: parseNameAddr(contact).uri, headers, body: new Uint8Array(0) };
}

/** Headers of the 200: the INVITE's Record-Route, our Contact, the SDP content type. */
export function okHeaders(request: SipRequest, contact: string): SipHeader[] {
  const headers: SipHeader[] = getHeaders(request, 'record-route').map((value) => ({ name: 'Record-Route', value }));
  headers.push({ name: 'Contact', value: contact }, { name: 'Content-Type', value: 'application/sdp' });
  return headers;
}

/** A response with our To tag; the reason, when given, made safe for a status line. */
export function buildResponse(request: SipRequest, status: number, reason: string | undefined, headers: SipHeader[], tag: string, body?: Uint8Array): SipResponse {
  const opts: Parameters<typeof createResponse>[2] = { headers, toTag: tag };
  if (reason !== undefined) opts.reason = safeReasonPhrase(reason);
  if (body) opts.body = body;
  return createResponse(request, status, opts);
}

function acceptHeader(app: PushAppSpec): SipHeader[] {
  return [{ name: 'Accept', value: app.accept.join(', ') }];
}

/** The sender, To and the addressed app IDs (pushAddressing.ts), a malformed one refused 400. */
function readAddressing(request: SipRequest, trustAssertedIdentity: boolean): { from: PushSender; to: PushParty; appIds: string[] } {
  try {
    return { from: readSender(request, trustAssertedIdentity), to: readParty(request, 'To'), appIds: readAppIds(request) };
  } catch (error) {
    if (error instanceof MalformedPushRequest) throw new Refusal(400, error.message);
    throw error;
  }
}
