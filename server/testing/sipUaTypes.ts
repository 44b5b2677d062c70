/**
 * The shapes the test SIP UA (sipUa.ts) takes and gives back: its options, what build(),
 * registration(), request() and waitFor() accept, an exchange's responses and an answer()
 * handler. Apart from the UA so that its class reads as behaviour only; callers import them
 * from sipUa.ts, which re-exports every one.
 */
import type { SipHeader, SipRequest, SipResponse } from '../../src/protocol/sip/index.ts';
import type { DigestOptions } from './sipUaDigest.ts';

/** Signing (`password`, `credentials`, `preemptiveAuth`): see DigestOptions. */
export interface SipUaOptions extends DigestOptions {
  /** Our AoR: From of what build() writes, the AoR register() binds (default sip:sender@localhost). */
  aor?: string;
  /** How long a request waits for its final response, and waitFor() for a match (default 5000 ms). */
  timeoutMs?: number;
  /** Incoming requests answered with a status by method, e.g. `{ NOTIFY: 200 }` (default none). */
  autoAnswer?: Record<string, number>;
  /** Added to every registration(), e.g. the expires and option tags a browser's UA sends. */
  registration?: Omit<RegisterOptions, 'aor' | 'contact'>;
}

export interface WsUaOptions extends SipUaOptions {
  /** Subprotocols offered; the server must choose `sip` (default `['sip']`). */
  protocols?: string[];
  /** wss: the CA certificate(s) (PEM) the server's certificate must verify against. */
  ca?: string | Buffer;
}

export interface BuildOptions {
  /** From URI (default our AoR); a tag is added. */
  from?: string;
  /** To header value (default `<uri>`). */
  to?: string;
  callId?: string;
  /** Default 1. */
  cseq?: number;
  maxForwards?: number;
  headers?: SipHeader[];
  body?: string | Uint8Array;
  contentType?: string;
}

export interface RegisterOptions {
  /** The AoR to bind (default ours). */
  aor?: string;
  /** Header parameters after the Contact's URI, e.g. `;+g.oma.pusheventapp="news.ua"`. */
  contactParams?: string;
  /** Parameters inside the Contact's URI, e.g. `;uaprof=...`. */
  uriParams?: string;
  /** The Contact's expires parameter. */
  contactExpires?: number;
  /** The whole Contact header value instead of ours with the parameters above (`*` too). */
  contact?: string;
  /** The Expires header. */
  expires?: number;
  headers?: SipHeader[];
}

export interface RequestOptions {
  /** Default: the UA's timeoutMs. */
  timeoutMs?: number;
  /** Answer a 401/407 (default true). */
  authenticate?: boolean;
  /** Sign as this user, whoever the From is. */
  signAs?: { user: string; password: string };
}

export interface WaitOptions {
  /** Only messages from this index of `received` on. */
  from?: number;
  /** Default: the UA's timeoutMs. */
  timeoutMs?: number;
  /** What is awaited, for the error on timeout. */
  what?: string;
}

export interface SipExchange {
  /** The request as last sent (signed and its CSeq incremented after a challenge). */
  request: SipRequest;
  final: SipResponse;
  /** Every final response, challenges included, in order. */
  finals: SipResponse[];
}

/** Answers an incoming request: a response, several (180 then 200), or null to pass. */
export type Answerer = (req: SipRequest) => SipResponse | SipResponse[] | null;
