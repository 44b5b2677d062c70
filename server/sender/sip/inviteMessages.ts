/**
 * The requests of the INVITE client transaction, as text (pure): the INVITE, its CANCEL
 * (RFC 3261 section 9.1: same branch, Request-URI, Call-ID, From, To and CSeq number) and the
 * ACK of a 300-699 (section 17.1.1.3: same branch and Request-URI, To with the response's tag).
 */
import type { SipHeader } from '../../../src/protocol/sip/index.ts';
import { SENDER_USER_AGENT } from './headers.ts';
import type { SipWire } from './wire.ts';

/** What the messages say about us: a SipWire has all of it. */
export type Local = Pick<SipWire, 'viaHost' | 'fromHeader' | 'contactUri'>;

/** One INVITE transaction's identifiers. */
export interface InviteIds {
  uri: string;
  callId: string;
  fromTag: string;
  cseq: number;
  branch: string;
}

export interface InviteContent {
  headers?: SipHeader[] | undefined;
  contentType?: string | undefined;
  body?: string | undefined;
}

/** Our Via over WebSocket (RFC 7118 section 5), asking for rport. */
export function viaLine(local: Local, branch: string): string {
  return `Via: SIP/2.0/WS ${local.viaHost};branch=${branch};rport\r\n`;
}

export function inviteText(local: Local, ids: InviteIds, content: InviteContent, authLines: string): string {
  const body = content.body ?? '';
  let text =
    `INVITE ${ids.uri} SIP/2.0\r\n` +
    viaLine(local, ids.branch) +
    `Max-Forwards: 70\r\n` +
    `From: ${local.fromHeader};tag=${ids.fromTag}\r\n` +
    `To: <${ids.uri}>\r\n` +
    `Call-ID: ${ids.callId}\r\n` +
    `CSeq: ${ids.cseq} INVITE\r\n` +
    `Contact: <${local.contactUri}>\r\n` +
    `Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n` +
    `User-Agent: ${SENDER_USER_AGENT}\r\n`;
  for (const h of content.headers ?? []) text += `${h.name}: ${h.value}\r\n`;
  if (content.contentType !== undefined) text += `Content-Type: ${content.contentType}\r\n`;
  return text + authLines + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** CANCEL (`method` 'CANCEL') or the ACK of a non-2xx (`method` 'ACK', `to` the response's To). */
export function sameTransactionText(local: Local, ids: InviteIds, method: 'CANCEL' | 'ACK', to = `<${ids.uri}>`): string {
  return (
    `${method} ${ids.uri} SIP/2.0\r\n` +
    viaLine(local, ids.branch) +
    `Max-Forwards: 70\r\n` +
    `From: ${local.fromHeader};tag=${ids.fromTag}\r\n` +
    `To: ${to}\r\n` +
    `Call-ID: ${ids.callId}\r\n` +
    `CSeq: ${ids.cseq} ${method}\r\n` +
    `User-Agent: ${SENDER_USER_AGENT}\r\n` +
    `Content-Length: 0\r\n\r\n`
  );
}
