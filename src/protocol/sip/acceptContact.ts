/**
 * Caller preferences (RFC 3841): Accept-Contact predicates and contact filtering.
 *
 * A proxy keeps, for every `require` predicate, only the contacts whose feature sets match
 * it (section 7.4.2); with `explicit` a contact must name every tag of the predicate itself,
 * otherwise a missing tag counts as an implicit match. Scores and q-ordering only rank
 * contacts for sequential forking; we fork in parallel, so they are not modelled.
 */
import { parseParams } from './headers.ts';
import { splitHeaderValues } from './message.ts';
import { featureSetFromParams, PUSH_EVENT_APP_TAG, type FeatureSet, type FeatureValue } from './featureTags.ts';

export interface AcceptContactPredicate {
  features: FeatureSet;
  require: boolean;
  explicit: boolean;
}

/** Parse one Accept-Contact value: `*;+g.oma.pusheventapp="news.ua";require;explicit`. */
export function parseAcceptContact(value: string): AcceptContactPredicate {
  const text = value.trim();
  const params = parseParams(text.startsWith('*') ? text.slice(1) : text);
  return {
    features: featureSetFromParams(params),
    require: params.has('require'),
    explicit: params.has('explicit'),
  };
}

/** Every predicate of every Accept-Contact header line of a request. */
export function parseAcceptContactHeaders(lines: readonly string[]): AcceptContactPredicate[] {
  return lines.flatMap(splitHeaderValues).map(parseAcceptContact);
}

export type PredicateMatch = 'explicit' | 'implicit' | 'none';

function valueMatches(wanted: FeatureValue, offered: FeatureValue): boolean {
  switch (wanted.kind) {
    case 'tokens': {
      if (offered.kind !== 'tokens') return false;
      const have = offered.values.map((v) => v.toLowerCase());
      // A predicate's token list is a disjunction; `!x` asks for "anything but x". A contact's
      // list is a set of alternatives (RFC 3840 section 9, RFC 2533 matching): `!x` matches
      // when the contact offers some value other than x.
      return wanted.values.some((w) => (w.startsWith('!') ? have.some((v) => v !== w.slice(1).toLowerCase()) : have.includes(w.toLowerCase())));
    }
    case 'boolean':
      return offered.kind === 'boolean' ? offered.value === wanted.value : false;
    case 'string':
      return offered.kind === 'string' && offered.value === wanted.value;
    case 'numeric':
      // Numeric ranges are not used by SIP Push; treat a numeric feature as present.
      return offered.kind === 'numeric';
  }
}

/** How a contact's feature set matches one predicate (RFC 3841 section 7.4.2). */
export function matchPredicate(predicate: AcceptContactPredicate, contact: FeatureSet): PredicateMatch {
  let implicit = false;
  for (const [name, wanted] of predicate.features) {
    const offered = contact.get(name);
    if (offered === undefined) {
      implicit = true;
      continue;
    }
    if (!valueMatches(wanted, offered)) return 'none';
  }
  return implicit ? 'implicit' : 'explicit';
}

/**
 * The contacts a proxy may fork to: those that satisfy every `require` predicate
 * (explicitly, when the predicate says `explicit`).
 */
export function filterContacts<T>(contacts: readonly T[], featuresOf: (contact: T) => FeatureSet, predicates: readonly AcceptContactPredicate[]): T[] {
  return contacts.filter((contact) => {
    const features = featuresOf(contact);
    return predicates.every((p) => {
      if (!p.require) return true;
      const match = matchPredicate(p, features);
      return match === 'explicit' || (match === 'implicit' && !p.explicit);
    });
  });
}

/** Push application IDs a request addresses through `+g.oma.pusheventapp` predicates. */
export function requestedPushAppIds(predicates: readonly AcceptContactPredicate[]): string[] {
  const ids: string[] = [];
  for (const p of predicates) {
    const value = p.features.get(PUSH_EVENT_APP_TAG);
    if (value?.kind === 'tokens') for (const v of value.values) if (!v.startsWith('!') && !ids.includes(v)) ids.push(v);
  }
  return ids;
}
