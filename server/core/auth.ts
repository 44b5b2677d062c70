/**
 * Digest authentication of the core (RFC 3261 section 22): 401 for REGISTER, 407 for other
 * requests from local users. Nonces are stateless (timestamp + HMAC under a per-run secret),
 * so a restarted core simply re-challenges and nothing needs to be remembered per client.
 */
import { createHmac, randomBytes } from 'node:crypto';
import {
  createResponse,
  formatChallenge,
  getHeaders,
  parseCredentials,
  randomToken,
  verifyCredentials,
  type DigestCredentials,
  type SipRequest,
  type SipResponse,
} from '../../src/protocol/sip/index.ts';

/** A nonce older than this is answered with a fresh challenge marked stale=true. */
const NONCE_LIFETIME_MS = 5 * 60_000;

export type AuthResult = { ok: true; username: string } | { ok: false; response: SipResponse };

export class DigestAuthenticator {
  private readonly secret = randomBytes(16);

  constructor(private readonly users: Map<string, string>, private readonly realm: string, private readonly now: () => number = Date.now) {}

  /**
   * Check the request's Authorization (kind 'www', answered 401) or Proxy-Authorization
   * (kind 'proxy', answered 407) for our realm. A wrong password or unknown user gets a new
   * challenge, like an absent one, so the answer does not reveal which users exist.
   */
  authenticate(request: SipRequest, kind: 'www' | 'proxy'): AuthResult {
    const header = kind === 'www' ? 'authorization' : 'proxy-authorization';
    let stale = false;
    for (const value of getHeaders(request, header)) {
      let creds: DigestCredentials;
      try {
        creds = parseCredentials(value);
      } catch {
        continue;
      }
      if (creds.realm !== this.realm) continue;
      const age = this.nonceAge(creds.nonce);
      if (age === null) continue;
      const password = this.users.get(creds.username);
      if (password === undefined || !verifyCredentials(creds, password, request.method)) continue;
      if (age > NONCE_LIFETIME_MS) {
        stale = true;
        continue;
      }
      return { ok: true, username: creds.username };
    }
    return { ok: false, response: this.challenge(request, kind, stale) };
  }

  private challenge(request: SipRequest, kind: 'www' | 'proxy', stale: boolean): SipResponse {
    const value = formatChallenge({ realm: this.realm, nonce: this.newNonce(), algorithm: 'MD5', qop: ['auth'], stale });
    return createResponse(request, kind === 'www' ? 401 : 407, {
      toTag: randomToken(10),
      headers: [{ name: kind === 'www' ? 'WWW-Authenticate' : 'Proxy-Authenticate', value }],
    });
  }

  private newNonce(): string {
    const ts = this.now().toString(36);
    return `${ts}.${this.sign(ts)}`;
  }

  /** Milliseconds since we issued the nonce, or null if we did not issue it. */
  private nonceAge(nonce: string): number | null {
    const dot = nonce.indexOf('.');
    if (dot <= 0) return null;
    const ts = nonce.slice(0, dot);
    if (this.sign(ts) !== nonce.slice(dot + 1)) return null;
    return this.now() - parseInt(ts, 36);
  }

  private sign(ts: string): string {
    return createHmac('sha256', this.secret).update(ts).digest('base64url').slice(0, 22);
  }
}
