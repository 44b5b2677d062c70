/**
 * A Service Indication or Service Loading shown as a link card: its text, the href as text and,
 * only when http(s) and not expired, as a link (new tab, no opener, no referrer; never opened
 * by us), the action, the created and expiry dates and an "expired" mark. Everything the sender
 * wrote is a text node; never innerHTML.
 */
import { Fragment, useEffect, useState } from 'react';
import type { StoredPush } from '../../../agent/types.ts';
import { linkCardOf, type CardDate, type LinkCard } from './linkCard.ts';
import { readServiceContent, useServiceCodec } from './serviceCodec.ts';

const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
/** setTimeout's longest delay; an expiry further away is re-checked when the card renders again. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function When({ label, date, testId }: { label: string; date: CardDate; testId: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>
        <time dateTime={date.iso} data-testid={testId}>
          {DATE.format(date.ms)}
        </time>
      </dd>
    </>
  );
}

export function LinkCardView({ card, pushId }: { card: LinkCard; pushId: string }) {
  const headingId = `link-card-${pushId}`;
  return (
    <section className="viewer link-card" data-testid="push-content" data-kind="link-card" data-card={card.kind} data-state="ready" data-expired={card.expired ? 'true' : 'false'} aria-labelledby={headingId}>
      <h3 id={headingId} className="link-card-heading">
        {card.heading}
        {card.expired && (
          <span className="push-badge link-card-expired" data-testid="link-card-expired">
            {' '}
            expired
          </span>
        )}
      </h3>
      {card.text !== '' && (
        <p className="link-card-text" data-testid="link-card-text">
          {card.text}
        </p>
      )}
      {card.href !== undefined && (
        <p className="link-card-href">
          {card.linkHref !== undefined ? (
            <a href={card.linkHref} target="_blank" rel="noopener noreferrer" data-testid="link-card-link">
              {card.href}
              <span className="visually-hidden"> (opens in a new tab)</span>
            </a>
          ) : (
            <code data-testid="link-card-href">{card.href}</code>
          )}
          {card.hrefNote !== undefined && (
            <span className="viewer-note link-card-note" data-testid="link-card-note">
              {' '}
              {card.hrefNote}
            </span>
          )}
        </p>
      )}
      <dl className="link-card-meta">
        <dt>Action</dt>
        <dd data-testid="link-card-action" data-action={card.action}>
          {card.action} ({card.actionLabel})
        </dd>
        {card.siId !== undefined && (
          <>
            <dt>ID</dt>
            <dd data-testid="link-card-si-id">{card.siId}</dd>
          </>
        )}
        {card.created && <When label="Created" date={card.created} testId="link-card-created" />}
        {card.expires && <When label={card.expired ? 'Expired' : 'Expires'} date={card.expires} testId="link-card-expires" />}
      </dl>
      {card.info.length > 0 && (
        <dl className="link-card-info" aria-label="Details" data-testid="link-card-info">
          {card.info.map((item, i) => (
            <Fragment key={i}>
              <dt>{item.class}</dt>
              <dd>{item.text}</dd>
            </Fragment>
          ))}
        </dl>
      )}
    </section>
  );
}

/** Now, and again when `at` passes (the card turns expired while shown). */
function useNowUntil(at: number | undefined): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (at === undefined || at <= now) return;
    const timer = setTimeout(() => setNow(Date.now()), Math.min(at - now + 1, MAX_TIMER_MS));
    return () => clearTimeout(timer);
  }, [at, now]);
  return now;
}

/** A MESSAGE push of one of the four SI/SL content types, read with the lazily loaded codec. */
export function ServiceContentViewer({ push }: { push: StoredPush }) {
  const codec = useServiceCodec(true);
  const read = codec ? readServiceContent(codec, push) : undefined;
  const expiresAt = read?.ok && read.content.kind === 'si' && read.content.expires !== undefined ? Date.parse(read.content.expires) : undefined;
  const now = useNowUntil(expiresAt);
  if (!read) {
    return (
      <div className="viewer" data-testid="push-content" data-kind="link-card" data-state="loading">
        <span className="viewer-preparing">Reading the indication…</span>
      </div>
    );
  }
  if (!read.ok) {
    return (
      <div className="viewer" data-testid="push-content" data-kind="link-card" data-state="error">
        <p className="error" role="alert" data-testid="viewer-error">
          Could not read this {push.contentType.split(';')[0]}: {read.message}
        </p>
      </div>
    );
  }
  return <LinkCardView card={linkCardOf(read.content, now)} pushId={push.id} />;
}
