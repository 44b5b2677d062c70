/**
 * Large-content push (OMA SIP Push flow 5.4.2): INVITE with an MSRP file-transfer offer
 * (RFC 4975 section 8, RFC 7977 section 5, RFC 5547), then the file over the sender's MSRP
 * WebSocket endpoint, then BYE.
 *
 * ```
 *  PSA                         core                         PRA (browser)
 *   |--INVITE (SDP offer)------->|--------------------------->|
 *   |<-200 (SDP answer)----------|<---------------------------|
 *   |--ACK---------------------->|--------------------------->|
 *   |<================ WebSocket `msrp` to a=path, bind SEND ===|
 *   |== SEND chunks (+ ... $) ===============================>|  200 per chunk
 *   |<================================= REPORT 000 200 =======|
 *   |--BYE---------------------->|--------------------------->|
 * ```
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { randomIdent } from '../../../src/protocol/msrp/index.ts';
import { buildMsrpOffer, MSRP_WS_PROTOCOLS, parseSdp, readMsrpMedia, type MsrpMediaDescription } from '../../../src/protocol/sdp/index.ts';
import { getHeader, type SipHeader } from '../../../src/protocol/sip/index.ts';
import { guessContentType } from '../contentType.ts';
import { DEFAULT_TIMEOUT_MS, SenderError, type SipResult } from '../sipClient.ts';
import type { MsrpEndpoint, MsrpReportInfo, TransferProgress } from './endpoint.ts';
import type { InviteClient } from '../sip/inviteClient.ts';

/** How long the receiver has to open its WebSocket and bind after the 200 (default), ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 32_000;

export interface LargePushRequest {
  /** Recipient: an AoR, a GRUU or any SIP URI. */
  to: string;
  /** Push application ID; adds the same Accept-Contact as for MESSAGE. */
  app?: string;
  /** Path of the file to push. */
  file: string;
  /** Default: from the file extension. */
  contentType?: string;
  /** Name in a=file-selector; default the file's base name. */
  fileName?: string;
  /** Offer only the part from this 1-based byte on (a=file-range, RFC 5547 section 8). */
  fileRange?: { start: number };
  /** a=file-disposition (RFC 5547 section 6); default `attachment`. */
  disposition?: string;
  /** Extra SIP headers for the INVITE. */
  headers?: SipHeader[];
  /** Timer B for the INVITE, ms (default the sender's timeout). */
  timeoutMs?: number;
  /** How long the receiver has to connect and bind after the 200, ms (default 32000). */
  connectTimeoutMs?: number;
  /** How long to wait for the REPORT after the last chunk, ms (default 32000). */
  reportTimeoutMs?: number;
  onProgress?: (progress: TransferProgress) => void;
  /**
   * Stop the push: before the 200 the INVITE is cancelled (CANCEL, RFC 3261 section 9); during
   * the transfer the message ends with an empty `#` chunk (RFC 4975 section 7.1.1) and a BYE,
   * and the result is `ok: false` with the signal's reason.
   */
  signal?: AbortSignal;
}

export type LargePushPhase = 'invite' | 'answer' | 'connect' | 'transfer' | 'done';

export interface LargePushResult {
  /** SIP status of a refused INVITE; otherwise the MSRP outcome (200 on a success REPORT). */
  status: number;
  reason: string;
  ok: boolean;
  /** Where it ended: `done` on success, else the phase that failed. */
  phase: LargePushPhase;
  /** Body bytes sent in this session (the rest only, when resuming). */
  bytesSent: number;
  /** Size of the whole file. */
  totalBytes: number;
  /** 1-based first byte sent (above 1 when the receiver asked to resume). */
  firstByte: number;
  /** The hash offered in a=file-selector (hex, lower case). */
  sha256: string;
  elapsedMs: number;
  /** The final REPORT, when one came. */
  report?: MsrpReportInfo;
  /** The INVITE's final result. */
  invite: SipResult;
  /** Our BYE's result, when we sent one. */
  bye?: SipResult;
  /** Our MSRP URI for the session. */
  sessionUri?: string;
  chunks: number;
  /** Largest ws.bufferedAmount seen right after a send (flow control). */
  maxBufferedAmount: number;
  /** Times the transfer waited for the socket's queue to drain (flow control). */
  drainWaits: number;
  /** Times the transfer waited for 200s because its window of unanswered chunks was full. */
  windowWaits: number;
  /** Most chunks unanswered at once (at most the endpoint's maxUnacknowledgedChunks). */
  maxUnacknowledged: number;
}

/** What sendLargePush needs from the push sender. */
export interface LargePushContext {
  invites: InviteClient;
  /** The MSRP endpoint, started on first use. */
  endpoint: () => Promise<MsrpEndpoint>;
  /** The Accept-Contact value for an application ID (validates it). */
  acceptContact: (app: string) => string;
  /** Default Timer B. */
  timeoutMs?: number;
}

export interface FileFacts {
  size: number;
  sha256: string;
}

/** Size and SHA-256 of a file, read once as a stream. Throws SENDER_ERR_FILE. */
export async function describeFile(path: string): Promise<FileFacts> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new SenderError('SENDER_ERR_FILE', `${path} is not a regular file`);
    size = info.size;
  } catch (err) {
    if (err instanceof SenderError) throw err;
    throw new SenderError('SENDER_ERR_FILE', `Cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const hash = createHash('sha256');
  let read = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      read += chunk.length;
    }
  } catch (err) {
    throw new SenderError('SENDER_ERR_FILE', `Cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (read !== size) throw new SenderError('SENDER_ERR_FILE', `${path} changed size while it was hashed`);
  return { size, sha256: hash.digest('hex') };
}

/** The MSRP media of an SDP answer, or why it is unusable. */
function readAnswer(sdp: string): MsrpMediaDescription | string {
  try {
    const session = parseSdp(sdp);
    const media = session.media.find((m) => m.type === 'message' && m.port !== 0 && MSRP_WS_PROTOCOLS.includes(m.protocol.toUpperCase() as never));
    if (!media) return 'no accepted m=message TCP/WS/MSRP line in the answer';
    const description = readMsrpMedia(media, session.connection);
    // We are passive: the answerer must connect (RFC 6135 section 4, RFC 7977 section 5).
    if (description.setup === 'passive' || description.setup === 'holdconn') return `answer has a=setup:${description.setup}`;
    return description;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export async function sendLargePush(ctx: LargePushContext, push: LargePushRequest): Promise<LargePushResult> {
  const startedAt = performance.now();
  const headers: SipHeader[] = [];
  if (push.app !== undefined) headers.push({ name: 'Accept-Contact', value: ctx.acceptContact(push.app) });
  if (push.headers) headers.push(...push.headers);
  const contentType = push.contentType ?? guessContentType(push.file);
  if (/[\s"]/.test(contentType.split(';')[0]!) || !contentType.includes('/')) {
    throw new SenderError('SENDER_ERR_HEADER', `Invalid content type ${JSON.stringify(contentType)}`);
  }
  const [facts, endpoint] = await Promise.all([describeFile(push.file), ctx.endpoint()]);
  const offeredStart = push.fileRange?.start ?? 1;
  if (!Number.isSafeInteger(offeredStart) || offeredStart < 1 || offeredStart > Math.max(facts.size, 1)) {
    throw new SenderError('SENDER_ERR_OPTION', `fileRange.start ${offeredStart} is outside the file (${facts.size} bytes)`);
  }
  const session = endpoint.createSession();
  const elapsed = () => Math.round((performance.now() - startedAt) * 1000) / 1000;
  const base = { totalBytes: facts.size, sha256: facts.sha256, sessionUri: session.uri, chunks: 0, maxBufferedAmount: 0, drainWaits: 0, windowWaits: 0, maxUnacknowledged: 0, bytesSent: 0 };
  const offer = buildMsrpOffer({
    protocol: 'TCP/WS/MSRP',
    path: session.uri,
    acceptTypes: [contentType.split(';')[0]!.trim()],
    setup: 'passive',
    direction: 'sendonly',
    file: {
      selector: { name: push.fileName ?? basename(push.file), type: contentType, size: facts.size, hashes: [{ algorithm: 'sha-256', hex: facts.sha256 }] },
      transferId: randomIdent(24),
      disposition: push.disposition ?? 'attachment',
      ...(push.fileRange && facts.size > 0 ? { range: { start: offeredStart, stop: facts.size } } : {}),
    },
  });
  const handle = ctx.invites.invite({
    uri: push.to,
    headers,
    contentType: 'application/sdp',
    body: offer,
    timeoutMs: push.timeoutMs ?? ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  const aborted = (): string => `Aborted by the sender: ${String(push.signal?.reason instanceof Error ? push.signal.reason.message : (push.signal?.reason ?? 'aborted'))}`;
  const onAbort = (): void => {
    handle.cancel();
    session.abort(aborted());
  };
  if (push.signal?.aborted) onAbort();
  else push.signal?.addEventListener('abort', onAbort, { once: true });
  const invite = await handle.result;
  const { dialog } = invite;
  if (!invite.ok || !dialog) {
    push.signal?.removeEventListener('abort', onAbort);
    session.close();
    return { ...base, status: invite.status, reason: invite.reason, ok: false, phase: 'invite', firstByte: offeredStart, elapsedMs: elapsed(), invite };
  }
  const finish = async (partial: Omit<LargePushResult, 'elapsedMs' | 'invite' | 'bye' | keyof typeof base> & Partial<typeof base>): Promise<LargePushResult> => {
    push.signal?.removeEventListener('abort', onAbort);
    const result: LargePushResult = { ...base, ...partial, invite, elapsedMs: 0 };
    if (dialog.state === 'confirmed') result.bye = await dialog.bye();
    session.close();
    result.elapsedMs = elapsed();
    return result;
  };
  dialog.onTerminated((by) => session.abort(by === 'remote' ? 'The receiver ended the session (BYE) before the transfer completed' : 'SIP connection lost'));

  const contentTypeOfAnswer = getHeader(dialog.answer, 'content-type')?.split(';')[0]!.trim().toLowerCase();
  const answer = contentTypeOfAnswer === 'application/sdp' ? readAnswer(Buffer.from(dialog.answer.body).toString('utf8')) : 'the 2xx carries no SDP answer';
  if (typeof answer === 'string') {
    return finish({ status: 488, reason: `Unusable SDP answer: ${answer}`, ok: false, phase: 'answer', firstByte: offeredStart });
  }
  // RFC 5547 section 8: the answer's a=file-range says which part the receiver still wants.
  const firstByte = answer.fileRange?.start ?? offeredStart;
  if (firstByte > facts.size + 1) {
    return finish({ status: 423, reason: `The answer's a=file-range starts past the end of the file (${firstByte} > ${facts.size})`, ok: false, phase: 'answer', firstByte });
  }
  const connectTimeoutMs = push.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const bound = await session.waitForBind(connectTimeoutMs);
  if (!bound) {
    const why = dialog.state === 'terminated' ? 'The receiver ended the session before connecting' : `The receiver did not connect to ${session.uri} within ${connectTimeoutMs} ms`;
    return finish({ status: 408, reason: why, ok: false, phase: 'connect', firstByte });
  }
  const transfer = await session.send({
    file: push.file,
    contentType,
    totalBytes: facts.size,
    firstByte,
    peerPath: answer.path,
    ...(push.reportTimeoutMs !== undefined ? { reportTimeoutMs: push.reportTimeoutMs } : {}),
    ...(push.onProgress ? { onProgress: push.onProgress } : {}),
  });
  return finish({
    status: transfer.status,
    reason: transfer.reason,
    ok: transfer.ok,
    phase: transfer.ok ? 'done' : 'transfer',
    firstByte,
    bytesSent: transfer.bytesSent,
    chunks: transfer.chunks,
    maxBufferedAmount: transfer.maxBufferedAmount,
    drainWaits: transfer.drainWaits,
    windowWaits: transfer.windowWaits,
    maxUnacknowledged: transfer.maxUnacknowledged,
    ...(transfer.report ? { report: transfer.report } : {}),
  });
}
