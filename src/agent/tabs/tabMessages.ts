/**
 * What the tabs of one browser profile and identity tell each other over their
 * BroadcastChannel (tabGroup.ts). Same-origin only by the platform; still checked on receipt,
 * since another version of this app in a stale tab may post a shape this one does not know.
 *
 *   hello   a tab joined: the owner answers with its state, followers with nothing
 *   owner   a tab became owner: every follower answers with its apps
 *   apps    the apps registered in one tab (the owner announces the union in REGISTER)
 *   leave   a tab is going away (best effort; a crashed tab is found by its presence lock)
 *   state   the owner's registration state
 *   stored / dispatched / rejected / transfer   the owner's agent events, for every tab
 *   read / deleted / transfersRemoved            a tab changed what is stored (any tab)
 */
import type { AgentEvents, AgentState, PushAppSpec, StoredPush, TransferProgress } from '../types.ts';

export type TabMessage =
  | { type: 'hello'; tabId: string }
  | { type: 'owner'; tabId: string }
  | { type: 'apps'; tabId: string; apps: PushAppSpec[] }
  | { type: 'leave'; tabId: string }
  | { type: 'state'; tabId: string; state: AgentState }
  | { type: 'stored'; pushes: StoredPush[] }
  | { type: 'dispatched'; push: StoredPush }
  | { type: 'rejected'; rejection: AgentEvents['rejected'] }
  | { type: 'transfer'; progress: TransferProgress }
  | { type: 'read'; ids: string[] }
  | { type: 'deleted'; ids: string[] }
  | { type: 'transfersRemoved'; ids: string[] };

const FIELDS: Record<TabMessage['type'], Record<string, 'string' | 'object' | 'array'>> = {
  hello: { tabId: 'string' },
  owner: { tabId: 'string' },
  apps: { tabId: 'string', apps: 'array' },
  leave: { tabId: 'string' },
  state: { tabId: 'string', state: 'object' },
  stored: { pushes: 'array' },
  dispatched: { push: 'object' },
  rejected: { rejection: 'object' },
  transfer: { progress: 'object' },
  read: { ids: 'array' },
  deleted: { ids: 'array' },
  transfersRemoved: { ids: 'array' },
};

/** The message, or null for anything this version does not know (ignored, never thrown). */
export function readTabMessage(data: unknown): TabMessage | null {
  if (typeof data !== 'object' || data === null) return null;
  const record = data as Record<string, unknown>;
  const type = record.type;
  if (typeof type !== 'string' || !Object.hasOwn(FIELDS, type)) return null;
  for (const [field, kind] of Object.entries(FIELDS[type as TabMessage['type']])) {
    const value = record[field];
    const ok = kind === 'array' ? Array.isArray(value) : kind === 'object' ? typeof value === 'object' && value !== null : typeof value === kind;
    if (!ok) return null;
  }
  return data as TabMessage;
}
