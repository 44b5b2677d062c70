/**
 * The transfer database's schema (flow 5.4.2), as an explicit list of migrations
 * (TRANSFER_MIGRATIONS[i] takes version i to i + 1), in a database of its own
 * (`${dbName}-transfers`) so the push schema (schema.ts) is untouched. The store that reads
 * and writes it is transferStore.ts; how a group commit's batch becomes requests is
 * writeBatch.ts.
 *
 * v1:
 *   transfers  keyPath 'id'                    one record per file transfer (TransferRecord)
 *              byState  state                  'receiving' at open = interrupted by a reload
 *   chunks     keyPath ['transferId', 'start'] one record per received chunk, `bytes` a Blob
 *                                              (or an ArrayBuffer, see chunkStorage)
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import type { ByteSpan } from '../msrp/ranges.ts';
import type { PushReportRequest, StoredPush, TransferState } from '../types.ts';

export interface TransferRecord {
  id: string;
  appId: string;
  /** Sender AoR (`sip:user@host`). */
  from: string;
  fromDisplayName?: string;
  /** Cleared from the transfers list by the user (a complete transfer stays as its push's content). */
  hidden?: boolean;
  /** The agent trusts its core and the core asserted no identity (see StoredPush.senderUnverified). */
  senderUnverified?: boolean;
  /** The AoR or GRUU the INVITE was addressed to. */
  to: string;
  fileName?: string;
  /** File type (a=file-selector type), else the SEND's Content-Type. */
  contentType: string;
  /** Expected size in bytes (file-selector size or Byte-Range total); null while unknown. */
  size: number | null;
  /** Algorithm verified at completion (`sha-256`, `sha-1`...), when the selector had one we support. */
  hashAlgorithm?: string;
  /** Expected digest, lower-case hex. */
  expectedHash?: string;
  /** Bytes stored (sum of `ranges`). */
  receivedBytes: number;
  /** Stored byte ranges of the file, 1-based inclusive, sorted and merged. */
  ranges: ByteSpan[];
  state: TransferState;
  /** Why it failed ("Aborted by the sender (#)", "BYE before the end", "Hash mismatch"...). */
  reason?: string;
  /** Failed but its chunks are kept: a new session may continue it (RFC 5547 section 8). */
  resumable: boolean;
  startedAt: number;
  updatedAt: number;
  /** MSRP Message-ID of the session that delivers it now (a resumed session has a new one). */
  messageId: string;
  /** a=file-transfer-id of the latest offer (RFC 5547 section 6). */
  fileTransferId?: string;
  /** SIP Call-ID of the latest session. */
  callId: string;
  /** True once the completion record was committed to the push store (see MsrpReceiver). */
  pushed: boolean;
  /** Push control information of the INVITE (src/protocol/push), carried to the push record. */
  pushId?: string;
  deliverBefore?: number;
  deliverAfter?: number;
  priority?: StoredPush['priority'];
  /** Reports the INVITE asked for (Push-Message-ID, Push-Disposition-Notification). */
  report?: PushReportRequest;
}

export interface ChunkRecord {
  transferId: string;
  /** First byte of the chunk in the file, 1-based. */
  start: number;
  bytes: Blob | ArrayBuffer;
}

export interface TransferDbSchema extends DBSchema {
  transfers: { key: string; value: TransferRecord; indexes: { byState: TransferState } };
  chunks: { key: [string, number]; value: ChunkRecord };
}

export type TransferDb = IDBPDatabase<TransferDbSchema>;
export type Tx = IDBPTransaction<TransferDbSchema, StoreNames<TransferDbSchema>[], 'versionchange' | 'readwrite'>;
type Migration = (db: TransferDb) => void;

/** Append only. */
export const TRANSFER_MIGRATIONS: readonly Migration[] = [
  (db) => {
    const transfers = db.createObjectStore('transfers', { keyPath: 'id' });
    transfers.createIndex('byState', 'state');
    db.createObjectStore('chunks', { keyPath: ['transferId', 'start'] });
  },
];
export const TRANSFER_DB_VERSION = TRANSFER_MIGRATIONS.length;

/** The transfer database of an agent whose push database is `dbName`. */
export function transferDbName(dbName: string): string {
  return `${dbName}-transfers`;
}
