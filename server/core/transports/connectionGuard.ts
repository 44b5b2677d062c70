/**
 * Resource limits of the connections and datagram flows the core accepts (issue 9 items 5
 * and 6), in one place so every transport applies the same rules:
 *
 * - connections per source address: the one past `maxConnectionsPerSource` is closed at once
 *   (WS and TCP counted together: a source cannot hold every descriptor);
 * - message completion: a SIP message whose first byte arrived `messageTimeoutMs` ago and is
 *   still incomplete (half-sent headers or body on TCP; the HTTP upgrade request on WS) closes
 *   its connection: no response can be built from it and the stream has no known boundary;
 * - idle: a connection, or a UDP flow, on which no complete message went either way for
 *   `idleTimeoutMs` (`udpFlowIdleMs`) is closed (forgotten) unless a live registration holds
 *   it: a browser's registered WebSocket is the only way to reach it (RFC 5626 section 5.3)
 *   and may be quiet until its next refresh;
 * - UDP flows at most `maxUdpFlows`: past it the least recently used unheld flows go first
 *   (source addresses of datagrams can be spoofed, so the table must not grow with them).
 *
 * One timer sweeps the tracked connections; it runs only while there are some (so it keeps
 * nothing alive that they do not).
 */
import type { Flow } from '../flows.ts';

export interface ConnectionLimits {
  maxConnectionsPerSource: number;
  messageTimeoutMs: number;
  idleTimeoutMs: number;
}

/** A connection as the guard sees it; the transport updates the two times. */
export interface GuardedConnection {
  readonly flow: Flow;
  /** Last complete message received or any message sent (ms). */
  lastActivity: number;
  /** When the bytes of the message in progress began, undefined between messages. */
  partialSince: number | undefined;
  /** Close it now (the guard's reason is for logs and tests). */
  terminate(reason: string): void;
}

export type HeldFlows = () => ReadonlySet<Flow>;

export class ConnectionGuard {
  private readonly perSource = new Map<string, number>();
  private readonly connections = new Set<GuardedConnection>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly limits: ConnectionLimits,
    private readonly heldFlows: HeldFlows,
    readonly now: () => number = Date.now,
  ) {}

  /** Take a new connection from `address`; false (close it) past maxConnectionsPerSource. */
  admit(address: string): boolean {
    const count = this.perSource.get(address) ?? 0;
    if (count >= this.limits.maxConnectionsPerSource) return false;
    this.perSource.set(address, count + 1);
    return true;
  }

  /** A connection admitted earlier closed. */
  release(address: string): void {
    const count = (this.perSource.get(address) ?? 1) - 1;
    if (count > 0) this.perSource.set(address, count);
    else this.perSource.delete(address);
  }

  /** Watch a connection for the message and idle limits until `untrack`. */
  track(connection: GuardedConnection): () => void {
    this.connections.add(connection);
    this.startTimer();
    return () => {
      this.connections.delete(connection);
      if (this.connections.size === 0) this.stopTimer();
    };
  }

  /** Connections tracked now (tests, stats). */
  get size(): number {
    return this.connections.size;
  }

  /** Close what is over a limit now (the timer calls it; tests may too). */
  sweep(): void {
    const now = this.now();
    let held: ReadonlySet<Flow> | undefined;
    for (const c of [...this.connections]) {
      if (c.partialSince !== undefined && now - c.partialSince >= this.limits.messageTimeoutMs) {
        c.terminate(`No complete message within ${this.limits.messageTimeoutMs} ms`);
      } else if (now - c.lastActivity >= this.limits.idleTimeoutMs && !(held ??= this.heldFlows()).has(c.flow)) {
        c.terminate(`Idle for ${this.limits.idleTimeoutMs} ms with no registration on it`);
      }
    }
  }

  close(): void {
    this.stopTimer();
    this.connections.clear();
  }

  private startTimer(): void {
    if (this.timer) return;
    const every = Math.max(10, Math.min(1000, Math.floor(Math.min(this.limits.messageTimeoutMs, this.limits.idleTimeoutMs) / 4)));
    this.timer = setInterval(() => this.sweep(), every);
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
