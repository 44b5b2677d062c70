/**
 * The raw SIP connection as the INVITE client (inviteClient.ts) sees it:
 * shared with the MESSAGE path of the lean client, which hands over what it does not claim.
 */
import type { SipRequest, SipResponse } from '../../../src/protocol/sip/index.ts';

/**
 * What sees the messages the non-INVITE path does not claim: responses whose branch is not one
 * of its transactions (or whose CSeq method differs), and incoming requests before the default
 * answer (OPTIONS 200, anything else 405).
 */
export interface SipWireHandler {
  /** Return true when the response belonged to the handler. */
  onResponse(response: SipResponse, branch: string): boolean;
  /** Return true when the handler answered (or absorbed) the request. */
  onRequest(request: SipRequest): boolean;
  /** The WebSocket closed; `reason` is REASON_CLOSED or REASON_CONNECTION_LOST. */
  onClosed(reason: string): void;
}

/** The raw connection shared by the MESSAGE path and the INVITE client. */
export interface SipWire {
  /** Host of our Via (a random `.invalid` name, as a browser's, RFC 7118 section 5). */
  readonly viaHost: string;
  /** From header value without its tag, e.g. `"PSA" <sip:psa@localhost>`. */
  readonly fromHeader: string;
  /** Contact URI for dialogs: the `contact` option, else `sip:<user>@<viaHost>;transport=ws` (RFC 7118 section 5). */
  readonly contactUri: string;
  readonly isOpen: boolean;
  connect(): Promise<void>;
  /** Put one SIP message on the socket (text frame); false when the socket is not open. */
  send(text: string): boolean;
  /**
   * Authorization / Proxy-Authorization lines answering the challenges of a 401/407 for a
   * request (RFC 3261 section 22.2); a string explaining why not when none can be made.
   */
  credentials(method: string, uri: string, challenge: SipResponse): { lines: string } | { why: string };
  attach(handler: SipWireHandler): () => void;
}
