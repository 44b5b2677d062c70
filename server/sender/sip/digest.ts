/**
 * Digest credentials of the sender (RFC 3261 sections 22.2/22.3 with RFC 2617): the lines
 * answering a 401/407, with a nonce count per nonce so a reused nonce gets a fresh `nc`.
 */
import { answerChallenge, formatCredentials, getHeaders, parseChallenge, type SipResponse } from '../../../src/protocol/sip/index.ts';

/** Nonces remembered for `nc` before the table starts over. */
const MAX_NONCES = 1024;

export class DigestCredentials {
  /** Digest nonce -> times used, for nc (RFC 2617 section 3.2.2). */
  private readonly nonceCounts = new Map<string, number>();

  constructor(
    private readonly username: string | undefined,
    private readonly password: string | undefined,
  ) {}

  /** Authorization / Proxy-Authorization lines, or why none can be made. */
  answer(method: string, uri: string, challenge: SipResponse): { lines: string } | { why: string } {
    if (this.password === undefined || this.username === undefined) return { why: 'no credentials configured' };
    const lines = this.lines(method, uri, challenge);
    return lines === undefined ? { why: 'unsupported challenge' } : { lines };
  }

  /** One line per MD5 Digest challenge of the response; undefined when there is none. */
  private lines(method: string, uri: string, response: SipResponse): string | undefined {
    const proxy = response.status === 407;
    const challenges = getHeaders(response, proxy ? 'proxy-authenticate' : 'www-authenticate');
    let lines = '';
    for (const value of challenges) {
      try {
        const challenge = parseChallenge(value);
        const nc = (this.nonceCounts.get(challenge.nonce) ?? 0) + 1;
        if (this.nonceCounts.size > MAX_NONCES) this.nonceCounts.clear();
        this.nonceCounts.set(challenge.nonce, nc);
        const creds = answerChallenge(challenge, {
          username: this.username!,
          password: this.password!,
          method,
          uri,
          nc,
        });
        lines += `${proxy ? 'Proxy-Authorization' : 'Authorization'}: ${formatCredentials(creds)}\r\n`;
      } catch {
        // Not Digest, or not MD5: skip this one.
      }
    }
    return lines || undefined;
  }
}
