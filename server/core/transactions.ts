/**
 * SIP transactions (RFC 3261 section 17, with the Accepted states of RFC 6026) as explicit
 * state machines: an enum, a table of legal moves per kind, and one `transition()` that
 * rejects anything else. Timers run on the shared TimerWheel; over reliable transports (WS,
 * TCP) the absorb timers J, K, D, I are zero and no retransmission timer is ever armed, which
 * keeps the per-push cost of the WebSocket path at one timer (F).
 */
import { getHeader, getHeaderValues, type SipMessage, type SipRequest, type SipResponse } from '../../src/protocol/sip/index.ts';
import type { Flow } from './flows.ts';
import type { TimerHandle, TimerWheel } from './timers.ts';

export const T1 = 500;
export const T2 = 4000;
export const T4 = 5000;
const TIMER_64T1 = 64 * T1;

export interface TransactionEnv {
  timers: TimerWheel;
  /** Serialize and send; returns the bytes so a retransmission needs no second serialization. */
  send(flow: Flow, message: SipMessage): Uint8Array;
  resend(flow: Flow, bytes: Uint8Array): void;
  /** Timer B / F / C. */
  timeoutMs: number;
}

export class IllegalTransition extends Error {
  constructor(kind: string, from: string, to: string) {
    super(`${kind}: illegal transition ${from} -> ${to}`);
  }
}

/**
 * Server transaction states.
 *
 * ```
 * non-INVITE:  Trying --1xx--> Proceeding --final--> Completed --J--> Terminated
 *                 '------------final-------------^
 * INVITE:      Proceeding --2xx--> Accepted --L--> Terminated
 *                 '--300-699--> Completed --ACK--> Confirmed --I--> Terminated
 *                                   '--H (no ACK)--> Terminated
 * ```
 */
export enum ServerState {
  Trying = 'Trying',
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Confirmed = 'Confirmed',
  Accepted = 'Accepted',
  Terminated = 'Terminated',
}

const SERVER_NON_INVITE: Record<ServerState, readonly ServerState[]> = {
  [ServerState.Trying]: [ServerState.Proceeding, ServerState.Completed, ServerState.Terminated],
  [ServerState.Proceeding]: [ServerState.Completed, ServerState.Terminated],
  [ServerState.Completed]: [ServerState.Terminated],
  [ServerState.Confirmed]: [],
  [ServerState.Accepted]: [],
  [ServerState.Terminated]: [],
};

const SERVER_INVITE: Record<ServerState, readonly ServerState[]> = {
  [ServerState.Trying]: [],
  [ServerState.Proceeding]: [ServerState.Accepted, ServerState.Completed, ServerState.Terminated],
  [ServerState.Completed]: [ServerState.Confirmed, ServerState.Terminated],
  [ServerState.Confirmed]: [ServerState.Terminated],
  [ServerState.Accepted]: [ServerState.Terminated],
  [ServerState.Terminated]: [],
};

export class ServerTransaction {
  state: ServerState;
  readonly isInvite: boolean;
  /** The identity the core authenticated for this request (`<sip:user@domain>`), asserted downstream. */
  assertedIdentity: string | null = null;
  /** Final status sent, 0 until then. */
  finalStatus = 0;
  private lastResponse: Uint8Array | null = null;
  private timer: TimerHandle | null = null;
  private retransmitTimer: TimerHandle | null = null;

  constructor(
    readonly key: string,
    readonly request: SipRequest,
    readonly flow: Flow,
    private readonly env: TransactionEnv,
    private readonly onTerminated: (tx: ServerTransaction) => void,
  ) {
    this.isInvite = request.method === 'INVITE';
    this.state = this.isInvite ? ServerState.Proceeding : ServerState.Trying;
  }

  transition(to: ServerState): void {
    const table = this.isInvite ? SERVER_INVITE : SERVER_NON_INVITE;
    if (!table[this.state].includes(to)) throw new IllegalTransition(this.isInvite ? 'INVITE server' : 'server', this.state, to);
    this.state = to;
    if (to === ServerState.Terminated) {
      this.clearTimers();
      this.onTerminated(this);
    }
  }

  /** Send a response. Returns false when the transaction can no longer send it. */
  respond(response: SipResponse): boolean {
    const status = response.status;
    if (status < 200) {
      if (this.state === ServerState.Trying) this.transition(ServerState.Proceeding);
      if (this.state !== ServerState.Proceeding) return false;
      this.lastResponse = this.env.send(this.flow, response);
      return true;
    }
    if (this.state === ServerState.Accepted && status < 300) {
      // RFC 6026 section 7.1: further 2xx (forks, retransmissions) pass through while Accepted.
      this.env.send(this.flow, response);
      return true;
    }
    if (this.state !== ServerState.Trying && this.state !== ServerState.Proceeding) return false;
    this.finalStatus = status;
    this.lastResponse = this.env.send(this.flow, response);
    const reliable = this.flow.reliable;
    if (!this.isInvite) {
      this.transition(ServerState.Completed);
      this.after(reliable ? 0 : TIMER_64T1, ServerState.Terminated); // Timer J
    } else if (status < 300) {
      this.transition(ServerState.Accepted);
      this.after(TIMER_64T1, ServerState.Terminated); // Timer L
    } else {
      this.transition(ServerState.Completed);
      if (!reliable) this.retransmit(T1); // Timer G
      this.after(TIMER_64T1, ServerState.Terminated); // Timer H
    }
    return true;
  }

  /** The same request again (a UDP retransmission): repeat the last response, if any. */
  retransmission(): void {
    if ((this.state === ServerState.Proceeding || this.state === ServerState.Completed) && this.lastResponse) {
      this.env.resend(this.flow, this.lastResponse);
    }
  }

  /** The ACK for a non-2xx final response: absorbed here, hop by hop (RFC 3261 section 17.2.1). */
  ack(): void {
    if (this.state !== ServerState.Completed) return;
    this.transition(ServerState.Confirmed);
    this.after(this.flow.reliable ? 0 : T4, ServerState.Terminated); // Timer I
  }

  /** Shutdown or transport failure. */
  terminate(): void {
    if (this.state !== ServerState.Terminated) {
      this.state = ServerState.Terminated;
      this.clearTimers();
      this.onTerminated(this);
    }
  }

  private after(ms: number, to: ServerState): void {
    this.timer?.cancel();
    if (ms === 0) {
      this.transition(to);
      return;
    }
    this.timer = this.env.timers.schedule(ms, () => {
      this.timer = null;
      if (this.state !== ServerState.Terminated) this.transition(to);
    });
  }

  private retransmit(interval: number): void {
    this.retransmitTimer = this.env.timers.schedule(interval, () => {
      if (this.state !== ServerState.Completed || !this.lastResponse) return;
      this.env.resend(this.flow, this.lastResponse);
      this.retransmit(Math.min(interval * 2, T2));
    });
  }

  private clearTimers(): void {
    this.timer?.cancel();
    this.retransmitTimer?.cancel();
    this.timer = this.retransmitTimer = null;
  }
}

/**
 * Client transaction states.
 *
 * ```
 * non-INVITE:  Trying --1xx--> Proceeding --final--> Completed --K--> Terminated
 *                 '--------final----------------^
 * INVITE:      Calling --1xx--> Proceeding --2xx--> Accepted --M--> Terminated
 *                 |                '--300-699 (ACK sent)--> Completed --D--> Terminated
 *                 '--2xx / 300-699 directly, as above
 * Timer B/F/C (no final in time) moves Calling/Trying/Proceeding to Terminated.
 * ```
 */
export enum ClientState {
  Calling = 'Calling',
  Trying = 'Trying',
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Accepted = 'Accepted',
  Terminated = 'Terminated',
}

const CLIENT_NON_INVITE: Record<ClientState, readonly ClientState[]> = {
  [ClientState.Calling]: [],
  [ClientState.Trying]: [ClientState.Proceeding, ClientState.Completed, ClientState.Terminated],
  [ClientState.Proceeding]: [ClientState.Completed, ClientState.Terminated],
  [ClientState.Completed]: [ClientState.Terminated],
  [ClientState.Accepted]: [],
  [ClientState.Terminated]: [],
};

const CLIENT_INVITE: Record<ClientState, readonly ClientState[]> = {
  [ClientState.Calling]: [ClientState.Proceeding, ClientState.Completed, ClientState.Accepted, ClientState.Terminated],
  [ClientState.Trying]: [],
  [ClientState.Proceeding]: [ClientState.Completed, ClientState.Accepted, ClientState.Terminated],
  [ClientState.Completed]: [ClientState.Terminated],
  [ClientState.Accepted]: [ClientState.Terminated],
  [ClientState.Terminated]: [],
};

export interface ClientTransactionUser {
  /** A response the proxy core must see (not retransmissions the transaction absorbs). */
  onResponse(tx: ClientTransaction, response: SipResponse): void;
  /** Timer B/F/C fired before a final response. */
  onTimeout(tx: ClientTransaction): void;
}

export class ClientTransaction {
  state: ClientState;
  readonly isInvite: boolean;
  private bytes: Uint8Array | null = null;
  private timeout: TimerHandle | null = null;
  private timer: TimerHandle | null = null;
  private retransmitTimer: TimerHandle | null = null;
  private ackBytes: Uint8Array | null = null;

  constructor(
    readonly key: string,
    readonly request: SipRequest,
    readonly flow: Flow,
    private readonly env: TransactionEnv,
    private readonly user: ClientTransactionUser,
    private readonly onTerminated: (tx: ClientTransaction) => void,
  ) {
    this.isInvite = request.method === 'INVITE';
    this.state = this.isInvite ? ClientState.Calling : ClientState.Trying;
  }

  transition(to: ClientState): void {
    const table = this.isInvite ? CLIENT_INVITE : CLIENT_NON_INVITE;
    if (!table[this.state].includes(to)) throw new IllegalTransition(this.isInvite ? 'INVITE client' : 'client', this.state, to);
    this.state = to;
    if (to === ClientState.Terminated) {
      this.clearTimers();
      this.onTerminated(this);
    }
  }

  start(): void {
    this.bytes = this.env.send(this.flow, this.request);
    if (!this.flow.reliable) this.retransmit(T1); // Timer A / E
    this.armTimeout();
  }

  receive(response: SipResponse): void {
    const status = response.status;
    const pending = this.state === ClientState.Calling || this.state === ClientState.Trying || this.state === ClientState.Proceeding;
    if (status < 200) {
      if (!pending) return;
      if (this.state !== ClientState.Proceeding) this.transition(ClientState.Proceeding);
      if (this.isInvite) {
        // Timer C restarts on every provisional (RFC 3261 section 16.6 step 11); INVITE
        // retransmissions stop once the UAS answered (section 17.1.1.2).
        this.retransmitTimer?.cancel();
        this.armTimeout();
      }
      this.user.onResponse(this, response);
      return;
    }
    if (this.isInvite && status < 300) {
      if (pending) {
        this.transition(ClientState.Accepted);
        this.clearTimers();
        this.after(TIMER_64T1); // Timer M
      }
      // RFC 6026: retransmitted or forked 2xx pass to the proxy core while Accepted.
      if (this.state === ClientState.Accepted) this.user.onResponse(this, response);
      return;
    }
    if (!pending) {
      // A retransmitted final response: repeat our ACK (INVITE), otherwise absorb it.
      if (this.isInvite && this.state === ClientState.Completed && this.ackBytes) this.env.resend(this.flow, this.ackBytes);
      return;
    }
    this.transition(ClientState.Completed);
    this.clearTimers();
    if (this.isInvite) {
      this.ackBytes = this.env.send(this.flow, ackFor(this.request, response));
      this.after(this.flow.reliable ? 0 : TIMER_64T1 / 2); // Timer D
    } else {
      this.after(this.flow.reliable ? 0 : T4); // Timer K
    }
    this.user.onResponse(this, response);
  }

  /** Shutdown, or the branch's flow closed: stop without telling the user. */
  terminate(): void {
    if (this.state !== ClientState.Terminated) {
      this.state = ClientState.Terminated;
      this.clearTimers();
      this.onTerminated(this);
    }
  }

  private armTimeout(): void {
    this.timeout?.cancel();
    this.timeout = this.env.timers.schedule(this.env.timeoutMs, () => {
      this.timeout = null;
      if (this.state === ClientState.Calling || this.state === ClientState.Trying || this.state === ClientState.Proceeding) {
        this.transition(ClientState.Terminated);
        this.user.onTimeout(this);
      }
    });
  }

  private after(ms: number): void {
    if (ms === 0) {
      this.transition(ClientState.Terminated);
      return;
    }
    this.timer = this.env.timers.schedule(ms, () => {
      this.timer = null;
      if (this.state !== ClientState.Terminated) this.transition(ClientState.Terminated);
    });
  }

  private retransmit(interval: number): void {
    this.retransmitTimer = this.env.timers.schedule(interval, () => {
      const pending = this.state === ClientState.Calling || this.state === ClientState.Trying || this.state === ClientState.Proceeding;
      if (!pending || !this.bytes) return;
      this.env.resend(this.flow, this.bytes);
      // Timer A doubles without a cap; Timer E caps at T2 (and stays at T2 once Proceeding).
      this.retransmit(this.isInvite ? interval * 2 : this.state === ClientState.Proceeding ? T2 : Math.min(interval * 2, T2));
    });
  }

  private clearTimers(): void {
    this.timeout?.cancel();
    this.timer?.cancel();
    this.retransmitTimer?.cancel();
    this.timeout = this.timer = this.retransmitTimer = null;
  }
}

/** ACK for a non-2xx final response (RFC 3261 section 17.1.1.3). */
export function ackFor(invite: SipRequest, response: SipResponse): SipRequest {
  const headers = [{ name: 'Via', value: getHeaderValues(invite, 'via')[0]! }];
  for (const name of ['Max-Forwards', 'From', 'Call-ID'] as const) {
    const value = getHeader(invite, name);
    if (value !== undefined) headers.push({ name, value });
  }
  const to = getHeader(response, 'to');
  if (to !== undefined) headers.push({ name: 'To', value: to });
  const seq = (getHeader(invite, 'cseq') ?? '1').trim().split(/\s+/)[0];
  headers.push({ name: 'CSeq', value: `${seq} ACK` });
  for (const route of getHeaderValues(invite, 'route')) headers.push({ name: 'Route', value: route });
  return { kind: 'request', method: 'ACK', uri: invite.uri, headers, body: new Uint8Array(0) };
}
