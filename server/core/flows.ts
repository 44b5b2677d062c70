/**
 * Flows (RFC 5626 section 3.2): the connection a message came in on. A binding remembers its
 * flow, responses go back on the flow of their server transaction, and Record-Route carries
 * flow IDs so in-dialog requests find their connection again. Browsers register contacts with
 * `<random>.invalid` hosts (RFC 7118 section 5.2), so the flow is the only way to reach them.
 */

export type TransportName = 'WS' | 'TCP' | 'UDP';

export interface Flow {
  /** Short alphanumeric ID, unique per core run; used inside Record-Route flow tokens. */
  readonly id: string;
  readonly transport: TransportName;
  /** Connection-oriented (WS, TCP): no retransmissions, and the flow can close. */
  readonly reliable: boolean;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** False once the connection closed; UDP flows stay open. */
  readonly open: boolean;
  send(bytes: Uint8Array): void;
  close(): void;
}

const runId = Math.random().toString(36).slice(2, 6);
let counter = 0;

/** Alphanumeric only, so a flow token can split on '-' and sit in a URI user part. */
export function newFlowId(): string {
  counter++;
  return `${runId}${counter.toString(36)}`;
}

export type FlowClosedListener = (flow: Flow) => void;

export class FlowTable {
  private readonly flows = new Map<string, Flow>();
  private readonly closedListeners: FlowClosedListener[] = [];

  add(flow: Flow): void {
    this.flows.set(flow.id, flow);
  }

  get(id: string): Flow | undefined {
    return this.flows.get(id);
  }

  /** Called by a transport when its connection closed. */
  closed(flow: Flow): void {
    if (!this.flows.delete(flow.id)) return;
    for (const listener of this.closedListeners) listener(flow);
  }

  onClosed(listener: FlowClosedListener): void {
    this.closedListeners.push(listener);
  }

  all(): IterableIterator<Flow> {
    return this.flows.values();
  }
}
