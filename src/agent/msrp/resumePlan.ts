/**
 * The resume lookup behind InviteHandler's prepare() (RFC 5547 section 8): does the offered
 * file continue a failed, resumable transfer? When it does and a contiguous prefix is stored,
 * the answer asks only for the rest with a=file-range. A read of the transfer store, nothing
 * else: no record is written until the ACK.
 */
import type { FileRange } from '../../protocol/sdp/index.ts';
import { pickHash } from '../hash/fileHash.ts';
import type { PrepareResult } from '../sip/inviteHandler.ts';
import type { AcceptedOffer } from '../sip/inviteOffer.ts';
import { contiguousPrefix } from './ranges.ts';
import type { TransferRecord } from '../store/transferSchema.ts';
import type { TransferStore } from '../store/transferStore.ts';

/** What prepare() decided for a dialog. */
export interface SessionPlan {
  resume?: TransferRecord;
}

/** The plan of an accepted offer: a fresh transfer, or the partial one it continues and the range still missing. */
export async function planSession(store: Pick<TransferStore, 'findResumable'>, offer: AcceptedOffer): Promise<PrepareResult<SessionPlan>> {
  const selector = offer.offer.fileSelector;
  if (!selector) return { plan: {} };
  const hash = pickHash(selector.hashes);
  const query: Parameters<TransferStore['findResumable']>[0] = { appId: offer.appId, from: offer.fromAor, size: selector.size ?? null };
  if (selector.name !== undefined) query.fileName = selector.name;
  if (hash) {
    query.hashAlgorithm = hash.algorithm;
    query.expectedHash = hash.hex;
  }
  if (offer.offer.fileTransferId !== undefined) query.fileTransferId = offer.offer.fileTransferId;
  const resume = await store.findResumable(query);
  if (!resume || resume.size === null) return { plan: {} };
  const prefix = contiguousPrefix(resume.ranges);
  if (prefix === 0 || prefix >= resume.size) return { plan: {} };
  const fileRange: FileRange = { start: prefix + 1, stop: resume.size };
  return { plan: { resume }, fileRange };
}
