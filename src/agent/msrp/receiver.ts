/**
 * MsrpReceiver: flow 5.4.2 on the receiving side, composed of the pieces of this folder.
 *
 *   INVITE --InviteHandler (policy, offer, resume lookup)--> 200 + SDP answer
 *   ACK ----> transfer record created (or a partial one reopened) + MsrpSession.connect()
 *             --bind SEND--> chunks --IncomingTransfer--> TransferStore (IndexedDB, per chunk)
 *             `$` and every byte stored --> verify size + hash --> complete
 *             --> onComplete(transfer) (the facade commits a StoredPush) --> REPORT 200
 *   BYE ----> 200; the session ends once its socket closes or after byeGraceMs; an incomplete
 *             transfer is then failed "BYE before the end" (resumable when bytes were stored)
 *   socket drop --> failed "Connection lost before the end" (resumable)
 *   `#`, hash mismatch, size mismatch, 413 --> failed, chunks deleted
 *
 * The first MSRP message of a session is the file of its a=file-selector (RFC 5547 section 8:
 * one file per session, hash and size verified); further messages in the same session (other
 * Message-IDs, interleaved) are received as transfers of their own, checked against their
 * Byte-Range total only.
 *
 * This class orchestrates; the parts with one job each live beside it: the resume lookup
 * (resumePlan.ts), a session's Message-ID bookkeeping (sessionMessages.ts) and the record
 * builders (transferRecords.ts). The INVITE dialogs are SIP (../sip/inviteHandler.ts), the
 * transfer database is storage (../store/transferStore.ts), digests are ../hash/.
 */
import { parsePushControl, PushControlError, PUSH_REPORT_REASON_HEADER, PUSH_REPORT_REASONS, type PushControl } from '../../protocol/push/control.ts';
import { createResponse, getHeader, parseNameAddr, randomToken, safeReasonPhrase, type SipRequest, type SipResponse } from '../../protocol/sip/index.ts';
import { TypedEmitter } from '../events.ts';
import type { AppLookup } from '../policy/pushPolicy.ts';
import type { AgentEvents, MsrpReceiverLimits, PushAppSpec, TransferProgress } from '../types.ts';
import { IncomingTransfer } from './incomingTransfer.ts';
import { InviteHandler, type MsrpDialog, type TerminationCause } from '../sip/inviteHandler.ts';
import { DEFAULT_INVITE_LIMITS } from '../sip/inviteOffer.ts';
import { ProgressTracker, type ProgressTrackerOptions } from './progress.ts';
import { planSession, type SessionPlan } from './resumePlan.ts';
import { MsrpSession, type ChunkResult, type IncomingChunk, type MsrpSessionState, type WebSocketFactory } from './session.ts';
import { failMessage, isBareEmptySend, isSettledAfterBye, messageTypeRefusal, transferForChunk, type ActiveSession } from './sessionMessages.ts';
import { fileTransferRecord, messageTransferRecord } from './transferRecords.ts';
import type { TransferRecord } from '../store/transferSchema.ts';
import type { TransferStore } from '../store/transferStore.ts';
import type { HashFactory } from '../hash/workerHash.ts';
import type { FrameTap } from '../trace/tracer.ts';

export const DEFAULT_RECEIVER_LIMITS: MsrpReceiverLimits = {
  ...DEFAULT_INVITE_LIMITS,
  maxChunkBytes: 65536,
  maxMessagesPerSession: 8,
  byeGraceMs: 5000,
};

export interface MsrpReceiverEvents {
  /** Bytes, rate, size and state of a transfer (throttled while receiving; every state change). */
  progress: TransferProgress;
  /** A transfer verified and committed as a push (after onComplete resolved). */
  completed: TransferRecord;
  /** A transfer that ended failed, with its reason (and whether it can resume). */
  failed: TransferRecord;
  /** An INVITE answered with something other than 200. */
  rejected: AgentEvents['rejected'];
  /** MSRP session (WebSocket) state changes. */
  session: { callId: string; state: MsrpSessionState; reason?: string };
}

export interface MsrpReceiverOptions {
  apps: AppLookup<PushAppSpec>;
  store: TransferStore;
  /** Contact header of the 200 to INVITE. */
  contact: () => string;
  /**
   * Commit the completed transfer as a push (e.g. `committer.enqueue(transferToPush(t))`).
   * The success REPORT waits for it; a rejection fails the transfer (chunks deleted).
   */
  onComplete: (transfer: TransferRecord) => Promise<void> | void;
  limits?: Partial<MsrpReceiverLimits>;
  createWebSocket?: WebSocketFactory;
  /** Where incremental file hashes run (default: this thread; the agent passes a worker's). */
  createHash?: HashFactory;
  /** Overrides the WebSocket URL derived from the sender's path (tests, relays). */
  webSocketUrl?: (remotePath: string[]) => string;
  now?: () => number;
  progress?: ProgressTrackerOptions;
  toTag?: () => string;
  randomId?: () => string;
  /** How the agent sends its own BYE for a dialog whose session ended (InviteHandlerOptions). */
  sendRequest?: (request: SipRequest) => void;
  via?: () => string;
  /** The sender is the core's P-Asserted-Identity (AgentConfig.trustAssertedIdentity). */
  trustAssertedIdentity?: boolean;
  /** The trace tap of every MSRP session (MsrpSessionOptions.trace). */
  trace?: FrameTap;
}

export class MsrpReceiver extends TypedEmitter<MsrpReceiverEvents> {
  readonly limits: MsrpReceiverLimits;
  private readonly options: MsrpReceiverOptions;
  private readonly store: TransferStore;
  private readonly invites: InviteHandler<SessionPlan>;
  private readonly sessions = new Map<string, ActiveSession>();
  private readonly tracker: ProgressTracker;
  private readonly now: () => number;
  /**
   * Push control information of INVITEs, by Call-ID, from the INVITE until its dialog ends (or
   * its refusal): the transfer records of the session take it.
   */
  private readonly controls = new Map<string, PushControl>();

  constructor(options: MsrpReceiverOptions) {
    super();
    this.options = options;
    this.store = options.store;
    this.limits = { ...DEFAULT_RECEIVER_LIMITS, ...options.limits };
    this.now = options.now ?? Date.now;
    this.tracker = new ProgressTracker({ now: this.now, ...options.progress });
    this.invites = new InviteHandler<SessionPlan>({
      apps: options.apps,
      contact: options.contact,
      limits: this.limits,
      prepare: (offer) => planSession(this.store, offer),
      onConfirmed: (dialog) => this.open(dialog),
      onTerminated: (dialog, cause) => this.terminated(dialog, cause),
      onRejected: (rejection) => this.emit('rejected', rejection),
      ...(options.toTag ? { toTag: options.toTag } : {}),
      ...(options.randomId ? { randomId: options.randomId } : {}),
      ...(options.sendRequest ? { sendRequest: options.sendRequest } : {}),
      ...(options.via ? { via: options.via } : {}),
      ...(options.trustAssertedIdentity ? { trustAssertedIdentity: true } : {}),
    });
  }

  /** SIP methods the facade routes here (add them to the intercepting socket's interceptMethods). */
  static readonly METHODS: readonly string[] = ['INVITE', 'ACK', 'BYE', 'CANCEL'];

  /** The response to an INVITE, ACK (null), BYE or CANCEL. Never rejects. */
  handle(request: SipRequest): Promise<SipResponse | null> | SipResponse | null {
    if (request.method !== 'INVITE' || hasToTag(request)) return this.invites.handle(request);
    // A new INVITE: its push control headers first (400 naming a bad one, 410 when expired).
    let control: PushControl;
    try {
      control = parsePushControl((name) => getHeader(request, name));
    } catch (error) {
      if (!(error instanceof PushControlError)) throw error;
      return this.refuse(request, 400, error.message);
    }
    if (control.deliverBefore !== undefined && control.deliverBefore <= this.now()) {
      return this.refuse(request, 410, 'Push expired (Push-Deliver-Before has passed)', [{ name: PUSH_REPORT_REASON_HEADER, value: PUSH_REPORT_REASONS.expired }]);
    }
    const callId = getHeader(request, 'Call-ID')?.trim() ?? '';
    this.controls.set(callId, control);
    return Promise.resolve(this.invites.handle(request)).then((response) => {
      if (!response || response.status >= 300) this.controls.delete(callId);
      return response;
    });
  }

  private refuse(request: SipRequest, status: number, reason: string, headers: { name: string; value: string }[] = []): SipResponse {
    const response = createResponse(request, status, { reason: safeReasonPhrase(reason), headers, toTag: this.options.toTag?.() ?? randomToken(10) });
    this.emit('rejected', { status, reason: response.reason });
    return response;
  }

  /**
   * Once at start: transfers left `receiving` by a reload become failed and resumable;
   * transfers complete but not yet committed as a push are handed to onComplete again.
   */
  async recover(): Promise<{ interrupted: TransferRecord[]; redelivered: TransferRecord[] }> {
    const interrupted: TransferRecord[] = [];
    for (const t of await this.store.listByState('receiving')) {
      if ([...this.sessions.values()].some((s) => [...s.transfers].some((x) => x.id === t.id))) continue;
      const keep = t.receivedBytes > 0;
      const failed: TransferRecord = { ...t, state: 'failed', reason: 'Interrupted (page closed)', resumable: keep, updatedAt: this.now() };
      if (keep) await this.store.putTransfer(failed);
      else await this.store.putTransferDroppingChunks({ ...failed, ranges: [], receivedBytes: 0 });
      interrupted.push(failed);
      this.emit('failed', failed);
    }
    const redelivered: TransferRecord[] = [];
    for (const t of await this.store.listByState('complete')) {
      if (t.pushed) continue;
      if ((await this.deliver(t)).code === 200) redelivered.push(t);
    }
    return { interrupted, redelivered };
  }

  listTransfers(): Promise<TransferRecord[]> {
    return this.store.list();
  }

  /** The content of a complete transfer, a Blob of its stored chunks. */
  openTransferContent(id: string): Promise<Blob> {
    return this.store.openContent(id);
  }

  /** Delete a transfer and its content (e.g. the user dismisses a failed one). */
  deleteTransfer(id: string): Promise<void> {
    return this.store.deleteTransfer(id);
  }

  /** Sessions open now. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** End every session (transfers become failed and resumable) and stop answering. */
  async close(): Promise<void> {
    this.invites.shutdown();
    for (const entry of [...this.sessions.values()]) await this.endSession(entry, 'Agent stopped before the end', true);
    await this.store.idle();
  }

  // ---- ACK: open the session ----------------------------------------------------------------

  private open(dialog: MsrpDialog<SessionPlan>): void {
    const entry: ActiveSession = {
      dialog,
      session: undefined as unknown as MsrpSession,
      file: undefined as unknown as Promise<IncomingTransfer>,
      messages: new Map(),
      transfers: new Set(),
      refused: new Set(),
      bye: false,
    };
    entry.file = this.createFileTransfer(dialog);
    entry.file.catch(() => undefined);
    entry.session = new MsrpSession({
      localUri: dialog.localUri,
      remotePath: dialog.remotePath,
      handler: {
        onChunk: (chunk) => this.onChunk(entry, chunk),
        onMessageError: (messageId, status, reason) => failMessage(entry, messageId, status, reason),
      },
      limits: { maxChunkBytes: this.limits.maxChunkBytes },
      ...(this.options.createWebSocket ? { createWebSocket: this.options.createWebSocket } : {}),
      ...(this.options.webSocketUrl ? { url: this.options.webSocketUrl(dialog.remotePath) } : {}),
      ...(this.options.trace ? { trace: this.options.trace } : {}),
      onStateChange: (state, info) => {
        const event: MsrpReceiverEvents['session'] = { callId: dialog.callId, state };
        if (info) event.reason = info.reason;
        this.emit('session', event);
        if (state === 'closed' && info && !info.local) {
          void this.endSession(entry, entry.bye ? 'BYE before the end' : 'Connection lost before the end', true);
        }
      },
    });
    this.sessions.set(dialog.id, entry);
    entry.session.connect();
  }

  private async createFileTransfer(dialog: MsrpDialog<SessionPlan>): Promise<IncomingTransfer> {
    const record = fileTransferRecord(dialog, () => this.store.newId(), this.now(), this.controls.get(dialog.callId));
    await this.store.putTransfer(record);
    return this.track(record);
  }

  private track(record: TransferRecord): IncomingTransfer {
    const transfer = new IncomingTransfer({
      store: this.store,
      record,
      maxTransferBytes: this.limits.maxTransferBytes,
      now: this.now,
      ...(this.options.createHash ? { createHash: this.options.createHash } : {}),
      onChange: (r) => {
        if (r.state === 'complete') return; // reported once committed as a push (deliver)
        const p = this.tracker.update(r, transfer.state === 'verifying' ? 'verifying' : r.state);
        if (p) this.emit('progress', p);
      },
    });
    const p = this.tracker.update(transfer.snapshot);
    if (p) this.emit('progress', p);
    void transfer.settled.then((r) => {
      if (r.state === 'failed') this.emit('failed', r);
    });
    return transfer;
  }

  // ---- MSRP: chunks --------------------------------------------------------------------------

  private async createExtraTransfer(entry: ActiveSession, chunk: IncomingChunk): Promise<IncomingTransfer> {
    const now = this.now();
    const record = messageTransferRecord(entry.dialog, chunk, this.store.newId(), now, this.controls.get(entry.dialog.callId));
    await this.store.putTransfer(record);
    return this.track(record);
  }

  private async onChunk(entry: ActiveSession, chunk: IncomingChunk): Promise<ChunkResult> {
    // An empty SEND before any content (a keep-alive or the peer's own bind) is only answered.
    if (isBareEmptySend(entry, chunk)) return { code: 200 };
    // Every message, not only the offered file, is held to the answer's types and the app's policy.
    const refusal = messageTypeRefusal(entry, chunk, this.options.apps);
    // A refused message never binds as the session's file: the file waits for a message it may take.
    if (refusal !== undefined) return { code: 415, comment: refusal };
    const pending = transferForChunk(entry, chunk, this.limits.maxMessagesPerSession, () => this.createExtraTransfer(entry, chunk));
    if (!pending) return { code: 413, comment: `More than ${this.limits.maxMessagesPerSession} messages in this session` };
    let transfer: IncomingTransfer;
    try {
      transfer = await pending;
    } catch {
      return { code: 413, comment: 'Transfer storage failed' };
    }
    const wasReceiving = transfer.state === 'receiving';
    const outcome = transfer.receiveChunk(chunk.byteRange, chunk.body, chunk.flag, chunk.messageId);
    // Checked at once: this chunk is the one that started verification (its message ended).
    const ended = wasReceiving && transfer.state === 'verifying' ? transfer.settled.then((r) => this.finishMessage(entry, r)) : undefined;
    const result: ChunkResult = { ...(await outcome) };
    if (ended) result.ended = ended;
    return result;
  }

  /** The REPORT outcome of a message that ended: deliver a complete one first. */
  private async finishMessage(entry: ActiveSession, record: TransferRecord): Promise<{ code: number; comment?: string; byteRange?: { start: number; end: number; total: number } }> {
    const size = record.size ?? record.receivedBytes;
    const whole = { start: 1, end: size, total: size };
    let outcome: { code: number; comment?: string };
    if (record.state === 'complete') outcome = await this.deliver(record);
    else outcome = { code: 400, comment: record.reason ?? 'Transfer failed' };
    if (entry.bye) this.maybeEndAfterBye(entry);
    return { ...outcome, byteRange: whole };
  }

  /** Hand a complete transfer to onComplete; on success mark it pushed and report it. */
  private async deliver(record: TransferRecord): Promise<{ code: number; comment?: string }> {
    try {
      await this.options.onComplete(record);
    } catch (error) {
      const reason = `Not stored: ${String((error as Error).message ?? error)}`;
      const failed: TransferRecord = { ...record, state: 'failed', reason, resumable: false, ranges: [], receivedBytes: 0, updatedAt: this.now() };
      await this.store.putTransferDroppingChunks(failed).catch(() => undefined);
      const p = this.tracker.update(failed);
      if (p) this.emit('progress', p);
      this.emit('failed', failed);
      return { code: 413, comment: 'Not stored' };
    }
    const pushed: TransferRecord = { ...record, pushed: true };
    await this.store.putTransfer(pushed).catch(() => undefined);
    const p = this.tracker.update(pushed);
    if (p) this.emit('progress', p);
    this.emit('completed', pushed);
    return { code: 200 };
  }

  // ---- BYE, CANCEL, drops ---------------------------------------------------------------------

  private terminated(dialog: MsrpDialog<SessionPlan>, cause: TerminationCause): void {
    // The session's file record took it at ACK; a further message arriving after this ends without it.
    this.controls.delete(dialog.callId);
    const entry = this.sessions.get(dialog.id);
    if (!entry) return; // never confirmed: no transfer was created
    if (cause === 'bye') {
      entry.bye = true;
      if (!this.maybeEndAfterBye(entry)) {
        entry.byeTimer = setTimeout(() => void this.endSession(entry, 'BYE before the end', true), this.limits.byeGraceMs);
      }
      return;
    }
    void this.endSession(entry, cause === 'shutdown' ? 'Agent stopped before the end' : 'Session ended before the end', true);
  }

  /**
   * After a BYE: end the session once nothing is receiving or verifying and the file's first
   * chunk has arrived (data may still be on its way on the MSRP socket; until then the socket's
   * close or the grace timer decides). Deferred by a task so a pending REPORT goes out first.
   */
  private maybeEndAfterBye(entry: ActiveSession): boolean {
    if (!isSettledAfterBye(entry)) return false;
    setTimeout(() => void this.endSession(entry, 'BYE before the end', true), 0);
    return true;
  }

  private async endSession(entry: ActiveSession, reason: string, resumable: boolean): Promise<void> {
    if (this.sessions.get(entry.dialog.id) !== entry) return;
    this.sessions.delete(entry.dialog.id);
    clearTimeout(entry.byeTimer);
    entry.session.close(reason);
    // Whatever ended the session, its slot is free now; a dialog with no BYE yet is closed.
    this.invites.sessionEnded(entry.dialog.id);
    const file = await entry.file.catch(() => undefined);
    const all = new Set(entry.transfers);
    if (file) all.add(file);
    await Promise.all([...all].map((t) => t.interrupt(reason, resumable)));
  }
}

function hasToTag(request: SipRequest): boolean {
  const to = getHeader(request, 'To');
  if (!to) return false;
  try {
    return parseNameAddr(to).params.has('tag');
  } catch {
    return false; // the INVITE handler answers the garbled To
  }
}
