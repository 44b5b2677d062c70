/**
 * Digest authentication of the test SIP UA (sipUa.ts, RFC 3261 section 22), apart from its
 * sending and matching so that the whole of who signs, with which nonce and how the retry
 * differs from the request challenged reads in one place.
 *
 * A 401/407 is answered once, like JsSIP does, with the CSeq incremented (section 8.1.3.5) and
 * a new branch, signed as the request's From user when the UA knows that user's password:
 * `password` for its own AoR, `credentials` for any user of a domain. With `preemptiveAuth`
 * the UA fetches a nonce when it connects (fetchNonce()) and signs every such request up front
 * with it (a cached nonce, section 22.1, nc counting up), so a hand-written request reaches
 * the callee with exactly the Call-ID and CSeq written; a stale nonce is answered once as
 * above and its fresh nonce is cached instead.
 */
import {
  answerChallenge,
  canonicalHeaderName,
  formatCredentials,
  getHeader,
  newBranch,
  parseChallenge,
  parseNameAddr,
  parseUri,
  type DigestChallenge,
  type SipRequest,
  type SipResponse,
  type SipUri,
} from '../../src/protocol/sip/index.ts';

/** Passwords of a domain's users, for requests written From any of them. */
export interface SipCredentials {
  /** A request From another domain is sent unsigned. */
  domain: string;
  passwordFor(user: string): string | undefined;
}

/** The UA's options that say who it signs as (part of SipUaOptions). */
export interface DigestOptions {
  /** The password of our AoR's user. */
  password?: string;
  /** Passwords of the users of a domain (a request From one of them is signed as that user). */
  credentials?: SipCredentials;
  /** Fetch a nonce when connecting and sign requests up front (with `credentials`). */
  preemptiveAuth?: boolean;
}

/** Who a request is signed as. */
export interface Signer {
  user: string;
  password: string;
}

interface Nonce {
  header: 'Authorization' | 'Proxy-Authorization';
  challenge: DigestChallenge;
  /** Uses of the nonce so far (RFC 2617 nc). */
  nc: number;
}

/** One UA's signing: its passwords and, with preemptiveAuth, the nonce it caches. */
export class SipUaDigest {
  private nonce: Nonce | null = null;

  constructor(
    /** Our AoR, whose user signs with `options.password`. */
    private readonly aor: string,
    private readonly options: DigestOptions,
  ) {}

  /** Who signs the request when challenged: the From user, if we know the password. */
  signerFor(request: SipRequest): Signer | null {
    const uri = fromUri(request);
    if (!uri?.user) return null;
    const own = parseUri(this.aor);
    if (this.options.password !== undefined && uri.user === own.user && uri.host.toLowerCase() === own.host.toLowerCase()) {
      return { user: uri.user, password: this.options.password };
    }
    const credentials = this.options.credentials;
    if (!credentials || uri.host.toLowerCase() !== credentials.domain.toLowerCase()) return null;
    const password = credentials.passwordFor(uri.user);
    if (password === undefined) throw new Error(`no password for ${uri.user}@${uri.host}: provision it at the core`);
    return { user: uri.user, password };
  }

  /** The request as first sent: with preemptiveAuth and a cached nonce, signed up front. */
  upFront(request: SipRequest, signer: Signer): SipRequest {
    return this.options.preemptiveAuth && this.nonce ? sign(request, signer, this.nonce) : request;
  }

  /** The answer to a 401/407: the request as a new transaction, signed with its nonce (cached with preemptiveAuth). */
  retry(request: SipRequest, signer: Signer, challenge: SipResponse): SipRequest {
    const nonce = nonceOf(challenge);
    if (this.options.preemptiveAuth) this.nonce = nonce;
    return sign(nextAttempt(request), signer, nonce);
  }

  /**
   * With preemptiveAuth and `credentials`: any request From the domain is challenged before
   * routing, so `probe` sends one (From and to the URI given) and its challenge's nonce is
   * cached. Any other answer means the core does not challenge the domain: `abandon` (closing
   * the connection) runs before the error is thrown.
   */
  async fetchNonce(probe: (uri: string) => Promise<SipResponse>, abandon: () => Promise<void>): Promise<void> {
    const domain = this.options.credentials?.domain;
    if (!this.options.preemptiveAuth || domain === undefined) return;
    const response = await probe(`sip:nonce@${domain}`);
    if (response.status !== 401 && response.status !== 407) {
      await abandon();
      throw new Error(`expected the core to challenge a request from ${domain} (401/407), got ${response.status} ${response.reason}`);
    }
    this.nonce = nonceOf(response);
  }
}

function fromUri(request: SipRequest): SipUri | null {
  try {
    return parseUri(parseNameAddr(getHeader(request, 'from') ?? '').uri);
  } catch {
    return null; // a From a test wrote on purpose unparsable
  }
}

function nonceOf(response: SipResponse): Nonce {
  const proxy = response.status === 407;
  const value = getHeader(response, proxy ? 'proxy-authenticate' : 'www-authenticate');
  if (!value) throw new Error(`${response.status} without a ${proxy ? 'Proxy' : 'WWW'}-Authenticate challenge`);
  return { header: proxy ? 'Proxy-Authorization' : 'Authorization', challenge: parseChallenge(value), nc: 0 };
}

/** The request with credentials for the nonce (replacing any it carried). */
function sign(request: SipRequest, signer: Signer, nonce: Nonce): SipRequest {
  const creds = answerChallenge(nonce.challenge, { username: signer.user, password: signer.password, method: request.method, uri: request.uri, nc: ++nonce.nc });
  const headers = request.headers.filter((h) => !/^(proxy-)?authorization$/.test(canonicalHeaderName(h.name)));
  return { ...request, headers: [...headers, { name: nonce.header, value: formatCredentials(creds) }] };
}

/** The same request as a new transaction: a new branch in our Via and the CSeq incremented. */
function nextAttempt(request: SipRequest): SipRequest {
  let topVia = true;
  const headers = request.headers.map((h) => {
    const name = canonicalHeaderName(h.name);
    if (name === 'cseq') return { ...h, value: h.value.replace(/^\s*(\d+)/, (_, n: string) => String(Number(n) + 1)) };
    if (name === 'via' && topVia) {
      topVia = false;
      return { ...h, value: h.value.replace(/branch=[^;,\s]+/i, `branch=${newBranch()}`) };
    }
    return h;
  });
  return { ...request, headers };
}
