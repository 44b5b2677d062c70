/**
 * Pure builders of the records MsrpReceiver stores and commits: the TransferRecord of a
 * session's file (new, or a resumed one reopened), the TransferRecord of a further message in
 * the same session, and the push record of a complete transfer. Ids and clocks are arguments
 * so the builders stay pure and the receiver decides when they are read.
 */
import type { PushControl } from '../../protocol/push/control.ts';
import type { NewPush } from '../store/pushStore.ts';
import type { PushReportRequest, StoredPush } from '../types.ts';
import { pickHash } from '../hash/fileHash.ts';
import type { MsrpDialog } from '../sip/inviteHandler.ts';
import type { SessionPlan } from './resumePlan.ts';
import type { IncomingChunk } from './session.ts';
import type { TransferRecord } from '../store/transferSchema.ts';

/**
 * The record of the file of the a=file-selector, at ACK: the resumed transfer reopened
 * (`receiving` again, its reason dropped), else a new one from the offer. `newId` is called
 * only for a new one.
 */
export function fileTransferRecord(dialog: MsrpDialog<SessionPlan>, newId: () => string, now: number, control: PushControl = {}): TransferRecord {
  const selector = dialog.offer.fileSelector;
  let record: TransferRecord;
  const resume = dialog.plan.resume;
  if (resume) {
    record = { ...resume, state: 'receiving', resumable: false, updatedAt: now, callId: dialog.callId };
    delete record.reason;
  } else {
    const hash = selector ? pickHash(selector.hashes) : undefined;
    record = {
      id: newId(),
      appId: dialog.appId,
      from: dialog.fromAor,
      to: dialog.toAor,
      contentType: dialog.contentType,
      size: selector?.size ?? null,
      receivedBytes: 0,
      ranges: [],
      state: 'receiving',
      resumable: false,
      startedAt: now,
      updatedAt: now,
      messageId: '',
      callId: dialog.callId,
      pushed: false,
    };
    if (dialog.fromDisplayName !== undefined) record.fromDisplayName = dialog.fromDisplayName;
    if (dialog.senderUnverified) record.senderUnverified = true;
    if (selector?.name !== undefined) record.fileName = selector.name;
    if (hash) {
      record.hashAlgorithm = hash.algorithm;
      record.expectedHash = hash.hex;
    }
  }
  if (dialog.offer.fileTransferId !== undefined) record.fileTransferId = dialog.offer.fileTransferId;
  return withInviteControl(record, dialog, control, now);
}

/** The record of a further message of a session (its own Message-ID): sized by its Byte-Range total only. */
export function messageTransferRecord(dialog: MsrpDialog<SessionPlan>, chunk: IncomingChunk, id: string, now: number, control: PushControl = {}): TransferRecord {
  const total = chunk.byteRange && chunk.byteRange.total !== '*' ? chunk.byteRange.total : null;
  const record: TransferRecord = {
    id,
    appId: dialog.appId,
    from: dialog.fromAor,
    to: dialog.toAor,
    contentType: chunk.contentType ?? dialog.contentType,
    size: total,
    receivedBytes: 0,
    ranges: [],
    state: 'receiving',
    resumable: false,
    startedAt: now,
    updatedAt: now,
    messageId: chunk.messageId,
    callId: dialog.callId,
    pushed: false,
  };
  if (dialog.fromDisplayName !== undefined) record.fromDisplayName = dialog.fromDisplayName;
  if (dialog.senderUnverified) record.senderUnverified = true;
  return withInviteControl(record, dialog, control, now);
}

/**
 * The INVITE's push control information on a transfer record (a resumed transfer takes the
 * newest INVITE's). With a Push-Message-ID, reports go to the INVITE's From AoR: display when
 * Push-Disposition-Notification asked for it, and negative-delivery always (delivery itself is
 * reported by the MSRP Success-Report REPORT).
 */
export function withInviteControl(record: TransferRecord, dialog: Pick<MsrpDialog, 'fromAor'>, control: PushControl, now: number): TransferRecord {
  if (control.pushId !== undefined) record.pushId = control.pushId;
  if (control.deliverBefore !== undefined) record.deliverBefore = control.deliverBefore;
  if (control.deliverAfter !== undefined) record.deliverAfter = control.deliverAfter;
  if (control.priority !== undefined) record.priority = control.priority;
  if (control.reportMessageId !== undefined) {
    const report: PushReportRequest = {
      messageId: control.reportMessageId,
      dispositions: control.displayRequested ? ['negative-delivery', 'display'] : ['negative-delivery'],
      replyTo: dialog.fromAor,
      dateTime: new Date(now).toISOString(),
    };
    record.report = report;
  }
  return record;
}

/**
 * The push record of a complete transfer, for GroupCommitter.enqueue: `via: 'msrp'`, the
 * content left in the transfer store (empty `content`, the file's `size`), dedupKey
 * `msrp:<transfer id>` so a redelivery after a reload is stored once.
 */
export function transferToPush(transfer: TransferRecord): NewPush {
  const push: NewPush = {
    appId: transfer.appId,
    from: transfer.from,
    to: transfer.to,
    contentType: transfer.contentType,
    content: new Uint8Array(0),
    size: transfer.size ?? transfer.receivedBytes,
    receivedAt: transfer.updatedAt,
    via: 'msrp',
    dedupKey: `${MSRP_DEDUP_PREFIX}${transfer.id}`,
  };
  if (transfer.fromDisplayName !== undefined) push.fromDisplayName = transfer.fromDisplayName;
  if (transfer.senderUnverified) push.senderUnverified = true;
  if (transfer.pushId !== undefined) push.pushId = transfer.pushId;
  if (transfer.deliverBefore !== undefined) push.deliverBefore = transfer.deliverBefore;
  if (transfer.deliverAfter !== undefined) push.deliverAfter = transfer.deliverAfter;
  if (transfer.priority !== undefined) push.priority = transfer.priority;
  if (transfer.report !== undefined) push.report = transfer.report;
  return push;
}

const MSRP_DEDUP_PREFIX = 'msrp:';

/** The transfer ID behind an MSRP push (open its content with openTransferContent). */
export function transferIdOf(push: Pick<StoredPush, 'via' | 'dedupKey'>): string | undefined {
  return push.via === 'msrp' && push.dedupKey.startsWith(MSRP_DEDUP_PREFIX) ? push.dedupKey.slice(MSRP_DEDUP_PREFIX.length) : undefined;
}
