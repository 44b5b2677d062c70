/**
 * What a link card shows for a Service Indication or Service Loading (WAP-167, WAP-168). Pure.
 * The href is always shown as text; it is offered as a link only when it is http(s)
 * (isClickableHref) and the indication has not expired. Nothing is ever opened without the
 * user: SL's execute-low/execute-high ask a phone to load the URI at once, here they are shown
 * like any other link.
 */
import { isClickableHref } from '../../../protocol/si/href.ts';
import type { ServiceContent, SiInfoItem } from '../../../protocol/si/model.ts';

export interface CardDate {
  /** `YYYY-MM-DDThh:mm:ssZ`, for <time dateTime>. */
  iso: string;
  ms: number;
}

export interface LinkCard {
  kind: 'si' | 'sl';
  /** "Service indication" or "Service loading". */
  heading: string;
  text: string;
  href?: string;
  /** The href, when it may be a link (http or https, not expired). */
  linkHref?: string;
  /** Why a present href is not a link, when it is not. */
  hrefNote?: string;
  action: string;
  actionLabel: string;
  siId?: string;
  created?: CardDate;
  expires?: CardDate;
  expired: boolean;
  info: SiInfoItem[];
}

const ACTION_LABELS: Record<string, string> = {
  'signal-none': 'Not signalled (stored quietly)',
  'signal-low': 'Low priority',
  'signal-medium': 'Medium priority',
  'signal-high': 'High priority',
  delete: 'Deletes the earlier indication with this ID',
  'execute-low': 'Load (low priority); not opened automatically here',
  'execute-high': 'Load (high priority); not opened automatically here',
  cache: 'Cache; not fetched automatically here',
};

function cardDate(iso: string | undefined): CardDate | undefined {
  return iso === undefined ? undefined : { iso, ms: Date.parse(iso) };
}

export function linkCardOf(content: ServiceContent, now: number): LinkCard {
  if (content.kind === 'sl') {
    const card: LinkCard = { kind: 'sl', heading: 'Service loading', text: '', href: content.href, action: content.action, actionLabel: ACTION_LABELS[content.action]!, expired: false, info: [] };
    if (isClickableHref(content.href)) card.linkHref = content.href;
    else card.hrefNote = 'Not an http or https link: shown as text only';
    return card;
  }
  const expires = cardDate(content.expires);
  // WAP-167 6.2: an SI past si-expires is no longer valid (a phone deletes it); here it stays, marked.
  const expired = expires !== undefined && expires.ms <= now;
  const card: LinkCard = { kind: 'si', heading: 'Service indication', text: content.text, action: content.action, actionLabel: ACTION_LABELS[content.action]!, expired, info: content.info };
  if (content.href !== undefined) {
    card.href = content.href;
    if (!isClickableHref(content.href)) card.hrefNote = 'Not an http or https link: shown as text only';
    else if (expired) card.hrefNote = 'Expired: the link is no longer offered';
    else if (content.action !== 'delete') card.linkHref = content.href;
  }
  if (content.siId !== undefined) card.siId = content.siId;
  const created = cardDate(content.created);
  if (created) card.created = created;
  if (expires) card.expires = expires;
  return card;
}
