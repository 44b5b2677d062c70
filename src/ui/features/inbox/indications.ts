/**
 * Which Service Indications an inbox no longer shows, by WAP-167 section 6.2 (SI reception):
 * SIs are identified by si-id (the href when none is given). Of several SIs with one si-id only
 * the newest stands: a newer one replaces an older, an older one arriving later (out of order)
 * is dropped. "Newer" is the later `created` when both have one, else the later arrival. An SI
 * with action="delete" removes the standing SI with its si-id when it is not older than it;
 * the delete itself stays in the inbox as a card saying what it did (a phone would not show it;
 * here every push the user received stays visible, so a delete never hides unread content).
 *
 * This is the view's decision over what is stored: the pushes stay in IndexedDB, and each
 * read of an inbox applies it again (pure over the list; the caller reads each push's SI).
 */
import type { StoredPush } from '../../../agent/types.ts';
import type { ServiceContent } from '../../../protocol/si/model.ts';

type Indication = { push: StoredPush; siId: string; created: number | undefined; delete: boolean };

function newer(a: Indication, b: Indication): boolean {
  if (a.created !== undefined && b.created !== undefined && a.created !== b.created) return a.created > b.created;
  return a.push.receivedAt > b.push.receivedAt || (a.push.receivedAt === b.push.receivedAt && a.push.id > b.push.id);
}

/** The IDs of the pushes an inbox hides; `read` gives a push's SI/SL (undefined for others or unreadable ones). */
export function supersededIndications(pushes: readonly StoredPush[], read: (push: StoredPush) => ServiceContent | undefined): Set<string> {
  const hidden = new Set<string>();
  const standing = new Map<string, Indication>();
  const indications: Indication[] = [];
  for (const push of pushes) {
    const si = read(push);
    if (si?.kind !== 'si' || si.siId === undefined) continue;
    indications.push({ push, siId: si.siId, created: si.created !== undefined ? Date.parse(si.created) : undefined, delete: si.action === 'delete' });
  }
  // Oldest arrival first, as a phone would have received them.
  indications.sort((a, b) => a.push.receivedAt - b.push.receivedAt || (a.push.id < b.push.id ? -1 : a.push.id > b.push.id ? 1 : 0));
  for (const si of indications) {
    const id = si.siId;
    const current = standing.get(id);
    if (si.delete) {
      if (current && !newer(current, si)) {
        hidden.add(current.push.id);
        standing.delete(id);
      }
    } else if (!current) {
      standing.set(id, si);
    } else if (newer(si, current)) {
      hidden.add(current.push.id);
      standing.set(id, si);
    } else {
      hidden.add(si.push.id);
    }
  }
  return hidden;
}

/** The pushes without the hidden ones, in the same order (the same array when none is hidden). */
export function withoutSuperseded(pushes: StoredPush[], read: (push: StoredPush) => ServiceContent | undefined): StoredPush[] {
  const hidden = supersededIndications(pushes, read);
  return hidden.size === 0 ? pushes : pushes.filter((p) => !hidden.has(p.id));
}
