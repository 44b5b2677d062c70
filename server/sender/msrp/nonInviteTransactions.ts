/**
 * Non-INVITE client transactions of the INVITE client (BYE in a dialog, RFC 3261 section
 * 17.1.2) on a reliable transport: one Timer F each, no retransmissions, matched by branch
 * and CSeq method; a provisional response is absorbed, the final one resolves.
 */
import { newBranch, type SipResponse } from '../../../src/protocol/sip/index.ts';
import { REASON_CONNECTION_LOST, REASON_TIMEOUT } from '../sip/result.ts';

/** The final response, or the reason there is none (REASON_TIMEOUT, REASON_CONNECTION_LOST, ...). */
export type NonInviteOutcome = { response?: SipResponse; reason?: string };

interface NonInviteTx {
  method: string;
  resolve: (response: SipResponse | undefined, reason?: string) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class NonInviteTransactions {
  private readonly byBranch = new Map<string, NonInviteTx>();

  /** `send` puts a message on the wire and says false when it could not. */
  constructor(
    private readonly send: (text: string) => boolean,
    private readonly timeoutMs: number,
  ) {}

  /** Send a request built by `build(branch)`; resolves with the final response. */
  start(method: string, build: (branch: string) => string): Promise<NonInviteOutcome> {
    return new Promise((resolve) => {
      const branch = newBranch();
      const timer = setTimeout(() => {
        this.byBranch.delete(branch);
        resolve({ reason: REASON_TIMEOUT });
      }, this.timeoutMs);
      this.byBranch.set(branch, {
        method,
        timer,
        resolve: (response, reason) => resolve(response ? { response } : { reason: reason ?? REASON_CONNECTION_LOST }),
      });
      if (!this.send(build(branch))) {
        clearTimeout(timer);
        this.byBranch.delete(branch);
        resolve({ reason: REASON_CONNECTION_LOST });
      }
    });
  }

  /** Take a response for one of these transactions; false when it is not theirs. */
  onResponse(response: SipResponse, branch: string, method: string): boolean {
    const tx = this.byBranch.get(branch);
    if (!tx || tx.method !== method) return false;
    if (response.status < 200) return true;
    this.byBranch.delete(branch);
    clearTimeout(tx.timer);
    tx.resolve(response);
    return true;
  }

  /** The socket closed: every transaction ends without a response. */
  failAll(reason: string): void {
    for (const tx of [...this.byBranch.values()]) {
      clearTimeout(tx.timer);
      tx.resolve(undefined, reason);
    }
    this.byBranch.clear();
  }
}
