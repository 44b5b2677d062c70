/**
 * Between the proxy and the registrar: answering a REGISTER (the AoR must be ours, and with
 * users configured the digest user must be its user part), and choosing which registered
 * bindings a request to an AoR or GRUU is forked to.
 */
import {
  createResponse,
  filterContacts,
  getHeader,
  getHeaders,
  parseAcceptContactHeaders,
  parseNameAddr,
  parseUri,
  randomToken,
  unquote,
  type SipRequest,
  type SipUri,
} from '../../src/protocol/sip/index.ts';
import type { DigestAuthenticator } from './auth.ts';
import type { LocalAddresses } from './localAddresses.ts';
import type { Binding, Registrar } from './registrar.ts';
import type { ServerTransaction } from './transactions.ts';

/** Answer a REGISTER in its server transaction (RFC 3261 section 10.3). */
export function register(tx: ServerTransaction, registrar: Registrar, auth: DigestAuthenticator | null, local: LocalAddresses, domain: string): void {
  const request = tx.request;
  const to = parseNameAddr(getHeader(request, 'to')!);
  const toUri = parseUri(to.uri);
  const reply = (status: number, reason: string) => tx.respond(createResponse(request, status, { reason, toTag: randomToken(10) }));
  if (toUri.user === undefined || !local.isOurUri(toUri)) return void reply(404, 'Address of record not in this domain');
  if (auth) {
    const result = auth.authenticate(request, 'www');
    if (!result.ok) return void tx.respond(result.response);
    if (result.username !== toUri.user) return void reply(403, 'Authenticated user does not match the address of record');
  }
  tx.respond(registrar.register(request, `sip:${toUri.user}@${domain}`, tx.flow));
}

/**
 * RFC 5627 section 8.4.1: a GRUU targets only its instance's contacts (480 when none); the
 * sender already chose the terminal, so Accept-Contact is left to it. An AoR targets every
 * binding that satisfies the Accept-Contact `require` predicates (RFC 3841 section 7.4).
 */
export function selectTargets(request: SipRequest, ruri: SipUri, bindings: Binding[]): Binding[] | 'no-instance' {
  const gr = ruri.params.get('gr');
  if (gr !== undefined && gr !== null) {
    const instance = unquote(gr);
    const matched = bindings.filter((b) => b.instanceId === instance);
    return matched.length > 0 ? matched : 'no-instance';
  }
  const lines = getHeaders(request, 'accept-contact');
  if (lines.length === 0) return bindings;
  return filterContacts(bindings, (b) => b.features, parseAcceptContactHeaders(lines));
}
