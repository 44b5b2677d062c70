/**
 * Delivery reports reaching the service: IMDN MESSAGEs (RFC 5438) that receivers send to the
 * service's AoR arrive on its registered flow; reports/imdnIntake.ts reads each, and the queue
 * records it (any order against the SIP final response: status.ts allows it). Answered after
 * the queue recorded it, so a report the queue could not take gets a 500 and the receiver
 * sends it again. Requests other than MESSAGE are left to the other parts on the wire
 * (reg-event NOTIFYs to discovery; OPTIONS to the SIP client's default answer).
 */
import { createResponse, serializeSipMessage, type SipResponse } from '../../../../src/protocol/sip/index.ts';
import type { PushQueue, ReportResult } from '../../queue/index.ts';
import type { SipWire } from '../../sipClient.ts';
import { handleImdn } from '../reports/imdnIntake.ts';

export interface ReportIntakeEvents {
  /** A report changed a delivery's status. */
  onApplied?: (result: ReportResult) => void;
  onError?: (error: unknown) => void;
}

const decoder = new TextDecoder();
/** Responses carry no body: the wire takes them as text. */
function text(response: SipResponse): string {
  return decoder.decode(serializeSipMessage(response));
}

/** Start taking reports on `wire`; returns the detach. */
export function attachReportIntake(wire: SipWire, queue: Pick<PushQueue, 'getPush' | 'report'>, events: ReportIntakeEvents = {}): () => void {
  return wire.attach({
    onResponse: () => false,
    onClosed: () => {},
    onRequest(request) {
      if (request.method !== 'MESSAGE') return false;
      handleImdn(request, queue).then(
        (handled) => {
          wire.send(text(handled.response));
          if (handled.result?.applied) events.onApplied?.(handled.result);
        },
        (err: unknown) => {
          events.onError?.(err);
          wire.send(text(createResponse(request, 500, { reason: 'Report not recorded; send it again' })));
        },
      );
      return true;
    },
  });
}
