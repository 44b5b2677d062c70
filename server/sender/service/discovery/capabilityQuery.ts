/**
 * Capability query (RFC 3840 section 7, RFC 3261 section 11): for a contact whose reginfo
 * carries no feature tags (Kamailio 5.6 drops them), the service sends OPTIONS to the terminal
 * and reads its feature tags from the Contact of the 200, as the browser's answer writes it
 * (src/agent/sip/optionsResponder.ts: the registered Contact, with `+g.oma.pusheventapp`,
 * `+sip.instance` and `+g.oma.uaprof`).
 *
 * Addressing, one contact per query: the contact's public GRUU when known (RFC 5627: it
 * routes to that instance only); else the contact URI the reg event listed (RFC 3680 section
 * 5.1 `<uri>`) as the Request-URI, with the AoR in To (RFC 3261 section 8.1.1.2: the logical
 * recipient). The embedded core routes a registered contact URI to its flow; Kamailio
 * does it for push senders only (deploy/kamailio/kamailio.cfg route[CONTACT_QUERY]: the
 * binding of the To AoR with that URI, else 404). Sent to the AoR instead, the OPTIONS would
 * fork and only one 200 would come back (RFC 3261 section 16.7): with two browsers at one AoR,
 * one would stay unknown. So the answer always describes the contact asked.
 *
 * parseCapabilityAnswer is pure; createCapabilityQuery adds the SIP client, a timeout and a
 * bound on the queries in flight (the rest wait in order).
 */
import { getHeaderValues, parseNameAddr, PUSH_EVENT_APP_TAG, pushAppIdsOf, SIP_INSTANCE_TAG, type SipResponse } from '../../../../src/protocol/sip/index.ts';
import { parseFeatureValue } from '../../../../src/protocol/sip/index.ts';
import { UAPROF_CONTACT_PARAM, UAPROF_URI_PARAM } from '../../../../src/protocol/reginfo/index.ts';
import type { SipClient } from '../../sipClient.ts';
import { positiveOption } from './errors.ts';

/** What a 200 to OPTIONS says about the terminal that answered. */
export interface CapabilityAnswer {
  /** The Contact URI of the answer (an alias parameter a proxy added included). */
  contactUri: string;
  /** Push application IDs; null when the Contact announces none (no `+g.oma.pusheventapp`). */
  pushApps: string[] | null;
  uaprofUrl: string | null;
  instanceId: string | null;
  /**
   * Its public GRUU when the Contact shows one: a `pub-gruu` parameter (RFC 5627),
   * or a Contact URI that is one (`gr=<instance>`, the UA using its GRUU as Contact, section 8.1).
   */
  pubGruu: string | null;
}

/** Which contact to ask. */
export interface CapabilityTarget {
  aor: string;
  contactUri: string;
  pubGruu: string | null;
  instanceId: string | null;
}

export type CapabilityResult = { ok: true; answer: CapabilityAnswer } | { ok: false; error: string };

export type CapabilityQuery = (target: CapabilityTarget) => Promise<CapabilityResult>;

export interface CapabilityQueryOptions {
  /** Timer F of each OPTIONS, ms (default 8000). */
  timeoutMs?: number;
  /** OPTIONS in flight at once (default 8); the others wait in order. */
  maxConcurrent?: number;
}

export const DEFAULT_CAPABILITY_QUERY_OPTIONS = { timeoutMs: 8000, maxConcurrent: 8 } as const satisfies Required<CapabilityQueryOptions>;

/** The feature tags of the Contact in a 200 to OPTIONS; undefined when it has no parseable Contact. */
export function parseCapabilityAnswer(response: SipResponse): CapabilityAnswer | undefined {
  const first = getHeaderValues(response, 'contact')[0];
  if (first === undefined) return undefined;
  let contact;
  try {
    contact = parseNameAddr(first);
  } catch {
    return undefined;
  }
  const params = contact.params;
  const hasApps = [...params.keys()].some((k) => k.toLowerCase() === PUSH_EVENT_APP_TAG);
  const lowered = new Map([...params].map(([k, v]) => [k.toLowerCase(), v]));
  return {
    contactUri: contact.uri,
    pushApps: hasApps ? pushAppIdsOf(lowered) : null,
    uaprofUrl: uaprofOf(lowered.get(UAPROF_CONTACT_PARAM), contact.uri),
    instanceId: instanceOf(lowered.get(SIP_INSTANCE_TAG)),
    pubGruu: pubGruuOf(lowered.get('pub-gruu'), contact.uri),
  };
}

/** The Request-URI, To and headers of the query for a target (see the header comment). */
export function capabilityRequest(target: CapabilityTarget): { uri: string; to?: string; headers: { name: string; value: string }[] } {
  const headers = [{ name: 'Accept', value: 'application/sdp, message/cpim, text/plain' }];
  if (target.pubGruu) return { uri: target.pubGruu, headers };
  return { uri: target.contactUri, to: target.aor, headers };
}

export function createCapabilityQuery(client: Pick<SipClient, 'request'>, options: CapabilityQueryOptions = {}): CapabilityQuery {
  const timeoutMs = positiveOption(options.timeoutMs, DEFAULT_CAPABILITY_QUERY_OPTIONS.timeoutMs, 'capabilityQuery.timeoutMs');
  const maxConcurrent = positiveOption(options.maxConcurrent, DEFAULT_CAPABILITY_QUERY_OPTIONS.maxConcurrent, 'capabilityQuery.maxConcurrent');
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (target) => {
    if (active >= maxConcurrent) await new Promise<void>((go) => waiting.push(go));
    active++;
    try {
      const { uri, to, headers } = capabilityRequest(target);
      let result;
      try {
        result = await client.request({ method: 'OPTIONS', uri, ...(to === undefined ? {} : { to }), headers, timeoutMs });
      } catch (error) {
        return { ok: false, error: `OPTIONS to ${uri} not sent: ${error instanceof Error ? error.message : String(error)}` };
      }
      if (!result.ok || !result.response) {
        return { ok: false, error: `OPTIONS to ${uri} answered ${result.status} ${result.reason}: the terminal's capabilities stay unknown until it registers again` };
      }
      const answer = parseCapabilityAnswer(result.response);
      if (!answer) return { ok: false, error: `OPTIONS to ${uri} answered 200 without a Contact: the terminal does not say its feature tags (RFC 3840 section 7)` };
      return { ok: true, answer };
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

function uaprofOf(param: string | null | undefined, uri: string): string | null {
  if (param !== undefined && param !== null) {
    const value = parseFeatureValue(param);
    if (value.kind === 'string' && value.value !== '') return value.value;
    const bare = param.replace(/^"(.*)"$/, '$1');
    if (bare !== '') return bare;
  }
  const m = new RegExp(`;${UAPROF_URI_PARAM}=([^;?>]*)`, 'i').exec(uri);
  if (!m || m[1] === '') return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1]!;
  }
}

function pubGruuOf(param: string | null | undefined, uri: string): string | null {
  if (param !== undefined && param !== null) {
    const bare = param.replace(/^"(.*)"$/, '$1');
    if (bare !== '') return bare;
  }
  // `;gr=<instance>` names a public GRUU; a bare `;gr` is a temporary one (RFC 5627).
  return /;gr=[^;?>]+/i.test(uri) ? uri : null;
}

function instanceOf(param: string | null | undefined): string | null {
  if (param === undefined || param === null) return null;
  const bare = param.replace(/^"(.*)"$/, '$1');
  const inner = bare.startsWith('<') && bare.endsWith('>') ? bare.slice(1, -1) : bare;
  return inner === '' ? null : inner;
}
