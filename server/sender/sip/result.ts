/** The outcome of one request as its caller sees it, SIP or local. */
import type { SipResponse } from '../../../src/protocol/sip/index.ts';

export interface SipResult {
  status: number;
  reason: string;
  /** True for a 2xx final response. */
  ok: boolean;
  /** The final response; absent when the result is local (timeout, connection lost). */
  response?: SipResponse;
  /** From the call to the final result, including queueing and an auth retry. */
  elapsedMs: number;
}

/** Reasons of the local results (no final response from the core). */
export const REASON_TIMEOUT = 'Request Timeout (no response from core)';
export const REASON_CONNECTION_LOST = 'Connection to core lost';
export const REASON_CLOSED = 'Sender closed';

/** A result timed from `startedAt` (performance.now()), with the response when there is one. */
export function sipResult(startedAt: number, status: number, reason: string, response?: SipResponse): SipResult {
  const result: SipResult = { status, reason, ok: status >= 200 && status < 300, elapsedMs: Math.round((performance.now() - startedAt) * 1000) / 1000 };
  if (response) result.response = response;
  return result;
}
