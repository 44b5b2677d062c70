/**
 * One open MSRP session of MsrpReceiver and how its chunks find their transfer. The first
 * Message-ID of the session is the file of its a=file-selector (created at ACK, RFC 5547
 * section 8); further Message-IDs are transfers of their own, up to a limit. Only the
 * bookkeeping of one session lives here: creating and storing records, delivering and ending
 * sessions are the receiver's.
 */
import { decidePush, mediaTypeMatches, type AppLookup } from '../policy/pushPolicy.ts';
import type { PushAppSpec } from '../types.ts';
import type { IncomingTransfer } from './incomingTransfer.ts';
import type { MsrpDialog } from '../sip/inviteHandler.ts';
import type { SessionPlan } from './resumePlan.ts';
import type { IncomingChunk, MsrpSession } from './session.ts';

export interface ActiveSession {
  dialog: MsrpDialog<SessionPlan>;
  session: MsrpSession;
  /** The file of the a=file-selector, created at ACK; bound to the first Message-ID. */
  file: Promise<IncomingTransfer>;
  fileMessageId?: string;
  /** Transfers by Message-ID (promises: creation is asynchronous, chunks wait in order). */
  messages: Map<string, Promise<IncomingTransfer>>;
  transfers: Set<IncomingTransfer>;
  /** Message-IDs refused for their content type: every chunk of them is answered 415. */
  refused: Set<string>;
  bye: boolean;
  byeTimer?: ReturnType<typeof setTimeout>;
}

/**
 * An empty SEND before any content (a keep-alive or the peer's own bind): only answered, no
 * transfer. Not when it is a whole empty message (Byte-Range total 0, or the file of size 0).
 */
export function isBareEmptySend(entry: ActiveSession, chunk: IncomingChunk): boolean {
  if (chunk.body.length !== 0 || chunk.flag === '#' || entry.messages.has(chunk.messageId)) return false;
  const size = entry.dialog.offer.fileSelector?.size;
  const empty = chunk.byteRange?.total === 0 || (size === 0 && entry.fileMessageId === undefined);
  return !empty;
}

/**
 * Why the message a chunk starts may not be received, or undefined when it may: its
 * Content-Type (the offered file type when the SEND has none) must be among the accept-types
 * of our answer and pass the app's policy (accept, allowFrom), like the INVITE did. Checked
 * once per Message-ID, on its first chunk; a refused Message-ID stays refused.
 */
export function messageTypeRefusal(entry: ActiveSession, chunk: IncomingChunk, apps: AppLookup<PushAppSpec>): string | undefined {
  if (entry.refused.has(chunk.messageId)) return `Message ${chunk.messageId} was refused`;
  if (entry.messages.has(chunk.messageId)) return undefined;
  const { dialog } = entry;
  const type = chunk.contentType ?? dialog.contentType;
  let reason: string | undefined;
  if (!dialog.acceptTypes.some((range) => mediaTypeMatches(range, type))) {
    reason = `Content type ${type} is not among the session's accept-types (${dialog.acceptTypes.join(' ')})`;
  } else {
    const decision = decidePush({ appIds: [dialog.appId], fromAor: dialog.fromAor, senderUnverified: dialog.senderUnverified ?? false, contentType: type, size: 0 }, apps, { maxMessageBytes: Infinity });
    if (!decision.accept) reason = decision.reason;
  }
  if (reason !== undefined) entry.refused.add(chunk.messageId);
  return reason;
}

/**
 * The transfer a chunk belongs to: known by its Message-ID, else the file (first Message-ID),
 * else a new one from `createExtra`; null past `maxMessages` messages in the session.
 */
export function transferForChunk(
  entry: ActiveSession,
  chunk: IncomingChunk,
  maxMessages: number,
  createExtra: () => Promise<IncomingTransfer>,
): Promise<IncomingTransfer> | null {
  const known = entry.messages.get(chunk.messageId);
  if (known) return known;
  let created: Promise<IncomingTransfer>;
  if (entry.fileMessageId === undefined) {
    entry.fileMessageId = chunk.messageId;
    created = entry.file;
  } else {
    if (entry.messages.size >= maxMessages) return null;
    created = createExtra();
  }
  entry.messages.set(chunk.messageId, created);
  void created.then((t) => entry.transfers.add(t), () => undefined);
  return created;
}

/** A message the session could not take (chunk too large, malformed): its transfer fails, chunks deleted. */
export function failMessage(entry: ActiveSession, messageId: string, status: number, reason: string): void {
  const known = entry.messages.get(messageId);
  const fail = (t: IncomingTransfer): void => void t.fail(status === 413 ? `Chunk too large (${reason})` : `Malformed chunk (${reason})`, false);
  if (known) void known.then(fail, () => undefined);
  else if (entry.fileMessageId === undefined) {
    entry.fileMessageId = messageId;
    entry.messages.set(messageId, entry.file);
    void entry.file.then(fail, () => undefined);
  }
}

/** Nothing receiving or verifying, and the file's first chunk has arrived (so no data is owed). */
export function isSettledAfterBye(entry: ActiveSession): boolean {
  const busy = [...entry.transfers].some((t) => t.state === 'receiving' || t.state === 'verifying');
  return !busy && entry.fileMessageId !== undefined;
}
