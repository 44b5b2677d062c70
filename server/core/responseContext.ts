/**
 * The proxy's response context (RFC 3261 section 16.7): one per forwarded request, collecting
 * the responses of its parallel branches and choosing what goes upstream.
 *
 * - 1xx other than 100 go upstream at once (step 5).
 * - The first 2xx goes upstream at once; for INVITE the other branches are CANCELled (16.7
 *   step 10). Later 2xx to an INVITE also go upstream (RFC 6026).
 * - A 6xx to an INVITE CANCELs the other branches (step 10).
 * - Otherwise, once every branch is final, the best response goes upstream (step 6): a 6xx if
 *   any, else the lowest class, preferring 401, 407, 415, 420, 484 within 4xx; 503 becomes
 *   500; 401/407 carry every branch's challenge (step 7).
 */
import { getHeaders, removeFirstValue, createResponse, randomToken, type SipRequest, type SipResponse } from '../../src/protocol/sip/index.ts';
import type { ClientTransaction, ClientTransactionUser, ServerTransaction } from './transactions.ts';

export interface BranchControl {
  /** Send a CANCEL for this branch (it has had a provisional response). */
  cancel(branch: ClientTransaction): void;
}

const PREFERRED_4XX = [401, 407, 415, 420, 484];

export class ResponseContext implements ClientTransactionUser {
  private readonly pending = new Set<ClientTransaction>();
  private readonly provisional = new Set<ClientTransaction>();
  /** Branches to CANCEL as soon as they send a provisional response (RFC 3261 section 9.1). */
  private readonly cancelWhenProvisional = new Set<ClientTransaction>();
  private readonly finals: SipResponse[] = [];
  private answered = false;
  private cancelling = false;

  constructor(readonly server: ServerTransaction, private readonly control: BranchControl) {}

  add(branch: ClientTransaction): void {
    this.pending.add(branch);
  }

  onResponse(branch: ClientTransaction, response: SipResponse): void {
    const status = response.status;
    if (status < 200) {
      if (!this.provisional.has(branch)) {
        this.provisional.add(branch);
        if (this.cancelWhenProvisional.delete(branch)) this.control.cancel(branch);
      }
      if (status !== 100 && !this.answered) this.forward(response);
      return;
    }
    this.pending.delete(branch);
    this.cancelWhenProvisional.delete(branch);
    if (status < 300) {
      const first = !this.answered;
      this.answered = true;
      this.forward(response);
      if (first && this.server.isInvite) this.cancelAll();
      return;
    }
    this.finals.push(response);
    if (status >= 600 && this.server.isInvite) this.cancelAll();
    this.maybeFinish();
  }

  onTimeout(branch: ClientTransaction): void {
    this.pending.delete(branch);
    // Timer C on an INVITE that had a provisional: CANCEL it (RFC 3261 section 16.8).
    if (branch.isInvite && this.provisional.has(branch)) this.control.cancel(branch);
    this.finals.push(synthesize(branch.request, 408, 'Request Timeout'));
    this.maybeFinish();
  }

  /** The branch's flow closed before a final response. */
  onTransportError(branch: ClientTransaction): void {
    if (!this.pending.delete(branch)) return;
    this.finals.push(synthesize(branch.request, 480, 'Contact connection closed'));
    this.maybeFinish();
  }

  /** CANCEL received from upstream, or a 2xx/6xx arrived: stop the pending INVITE branches. */
  cancelAll(): void {
    this.cancelling = true;
    for (const branch of this.pending) {
      if (!branch.isInvite) continue;
      if (this.provisional.has(branch)) this.control.cancel(branch);
      else this.cancelWhenProvisional.add(branch);
    }
  }

  get isCancelling(): boolean {
    return this.cancelling;
  }

  private maybeFinish(): void {
    if (this.answered || this.pending.size > 0) return;
    this.answered = true;
    const best = chooseBest(this.finals);
    // No branch at all is not expected (the core forks to at least one), but never leave the client hanging.
    if (best) this.forward(best);
    else this.server.respond(synthesize(this.server.request, 408, 'Request Timeout'));
  }

  private forward(response: SipResponse): void {
    const upstream: SipResponse = { ...response, headers: response.headers.map((h) => ({ ...h })) };
    removeFirstValue(upstream, 'via'); // our own Via (RFC 3261 section 16.7 step 9)
    this.server.respond(upstream);
  }
}

/** RFC 3261 section 16.7 step 6 (and 7 for challenges). Exported for unit tests. */
export function chooseBest(finals: readonly SipResponse[]): SipResponse | undefined {
  if (finals.length === 0) return undefined;
  let best = finals.find((r) => r.status >= 600);
  if (!best) {
    const lowestClass = Math.min(...finals.map((r) => Math.floor(r.status / 100)));
    const inClass = finals.filter((r) => Math.floor(r.status / 100) === lowestClass);
    best = (lowestClass === 4 ? inClass.find((r) => PREFERRED_4XX.includes(r.status)) : undefined) ?? inClass[0]!;
  }
  if (best.status === 503) return { ...best, status: 500, reason: 'Server Internal Error' };
  if (best.status === 401 || best.status === 407) {
    const challenges = finals
      .filter((r) => r.status === 401 || r.status === 407)
      .flatMap((r) => [...getHeaders(r, 'www-authenticate').map((v) => ({ name: 'WWW-Authenticate', value: v })), ...getHeaders(r, 'proxy-authenticate').map((v) => ({ name: 'Proxy-Authenticate', value: v }))]);
    const headers = best.headers.filter((h) => !/^(www|proxy)-authenticate$/i.test(h.name));
    return { ...best, headers: [...headers, ...challenges] };
  }
  return best;
}

/** A response the proxy makes up for a branch (timeout, lost flow), Via included so forward() strips ours. */
function synthesize(request: SipRequest, status: number, reason: string): SipResponse {
  return createResponse(request, status, { reason, toTag: randomToken(10) });
}
