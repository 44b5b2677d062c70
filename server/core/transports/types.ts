import type { SipMessage } from '../../../src/protocol/sip/index.ts';
import type { Flow, FlowTable } from '../flows.ts';

/** What a transport hands its traffic to (the core's dispatcher). */
export interface TransportSink {
  readonly flows: FlowTable;
  /** One whole message (a WebSocket message or a UDP datagram), not yet parsed. */
  receiveBytes(bytes: Uint8Array, flow: Flow): void;
  /** A message framed and parsed from a stream (TCP). */
  receiveMessage(message: SipMessage, flow: Flow): void;
  /** Bytes that could not be framed; the sink answers 400/513 when it can build a response. */
  rejectBytes(bytes: Uint8Array, error: unknown, flow: Flow): void;
  /** Flows a live registration holds: never closed or forgotten for being idle. */
  heldFlows(): ReadonlySet<Flow>;
}

export interface RunningTransport {
  readonly port: number;
  close(): Promise<void>;
}
