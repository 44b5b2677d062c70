/**
 * The INVITE client of the Push Sender Agent (RFC 3261 sections 13.2, 12.1.2, 15), on the
 * WebSocket of the lean UAC (../sipClient.ts, a reliable transport): it starts INVITE client
 * transactions (inviteTransaction.ts), routes the responses the MESSAGE path does not claim to
 * them by branch and CSeq method, keeps the dialogs their 2xx establish (dialog.ts) and runs
 * the non-INVITE transactions in those dialogs (BYE) in a TransactionTable of transactions.ts,
 * the same table as the MESSAGE path: one Timer F each, no retransmissions, a provisional
 * response absorbed, the final one resolving.
 */
import { getHeader, newBranch, parseCSeq, type SipRequest, type SipResponse } from '../../../src/protocol/sip/index.ts';
import { SenderError } from './errors.ts';
import { validateExtraHeader } from './headers.ts';
import { REASON_CLOSED, REASON_CONNECTION_LOST, REASON_TIMEOUT } from './result.ts';
import { DEFAULT_TIMEOUT_MS, TransactionTable } from './transactions.ts';
import type { SipWire, SipWireHandler } from './wire.ts';
import { DialogSet, type DialogHost, type NonInviteOutcome } from './dialog.ts';
import { viaLine } from './inviteMessages.ts';
import { InviteTransaction, type InviteHandle, type InviteSpec, type InviteTransactionHost } from './inviteTransaction.ts';

export type { Dialog, DialogState } from './dialog.ts';
export type { InviteHandle, InviteResult, InviteSpec, InviteState } from './inviteTransaction.ts';

export interface InviteClientOptions {
  /** Timer B / Timer F default, ms (default 32000). */
  timeoutMs?: number;
}

export interface InviteClient {
  invite(spec: InviteSpec): InviteHandle;
  /** Dialogs not yet terminated. */
  readonly dialogs: number;
  /** Stop listening on the wire; pending INVITEs resolve 503. */
  close(): void;
}

interface NonInviteTx {
  method: string;
  settle: (outcome: NonInviteOutcome) => void;
}

export function createInviteClient(wire: SipWire, options: InviteClientOptions = {}): InviteClient {
  return new InviteClientImpl(wire, options);
}

class InviteClientImpl implements InviteClient, SipWireHandler, DialogHost, InviteTransactionHost {
  /** INVITE transactions by branch. */
  readonly invites = new Map<string, InviteTransaction>();
  /** Non-INVITE transactions (BYE in a dialog): no retransmissions, the final response resolves. */
  private readonly others = new TransactionTable<NonInviteTx>((tx) => tx.settle({ reason: REASON_TIMEOUT }));
  readonly dialogSet: DialogSet;
  private readonly detach: () => void;
  readonly timeoutMs: number;

  constructor(
    readonly wire: SipWire,
    options: InviteClientOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new SenderError('SENDER_ERR_OPTION', `timeoutMs must be a positive number, got ${this.timeoutMs}`);
    this.dialogSet = new DialogSet(this);
    this.detach = wire.attach(this);
  }

  get dialogs(): number {
    return this.dialogSet.size;
  }

  invite(spec: InviteSpec): InviteHandle {
    for (const h of spec.headers ?? []) {
      validateExtraHeader(h);
      if (/^(contact|m|route|user-agent)$/i.test(h.name)) throw new SenderError('SENDER_ERR_HEADER', `Header ${h.name} is set by the INVITE client`);
    }
    if (!/^sips?:[^\s<>"]+$/i.test(spec.uri)) throw new SenderError('SENDER_ERR_URI', `Invalid request URI ${JSON.stringify(spec.uri)}`);
    const timeoutMs = spec.timeoutMs ?? this.timeoutMs;
    if (!(timeoutMs > 0)) throw new SenderError('SENDER_ERR_OPTION', `timeoutMs must be a positive number, got ${timeoutMs}`);
    const tx = new InviteTransaction(this, spec, timeoutMs);
    const handle: InviteHandle = {
      result: tx.result,
      get state() {
        return tx.state;
      },
      cancel: () => tx.cancel(),
    };
    this.wire.connect().then(
      () => tx.transmit(),
      (err: unknown) => tx.settle(tx.local(503, err instanceof Error ? err.message : String(err))),
    );
    return handle;
  }

  close(): void {
    this.detach();
    this.onClosed(REASON_CLOSED);
  }

  // ---- SipWireHandler ----------------------------------------------------------------

  onResponse(response: SipResponse, branch: string): boolean {
    let method: string;
    try {
      method = parseCSeq(getHeader(response, 'cseq') ?? '').method;
    } catch {
      return false;
    }
    if (method === 'CANCEL') return this.invites.has(branch);
    if (method !== 'INVITE') return this.onNonInviteResponse(response, branch, method);
    const tx = this.invites.get(branch);
    if (!tx) return false;
    tx.onResponse(response);
    return true;
  }

  /** A provisional response is absorbed (Timer F keeps running), the final one resolves. */
  private onNonInviteResponse(response: SipResponse, branch: string, method: string): boolean {
    const tx = this.others.match(branch, method);
    if (!tx) return false;
    if (response.status < 200) return true;
    this.others.delete(branch);
    tx.settle({ response });
    return true;
  }

  onRequest(request: SipRequest): boolean {
    return this.dialogSet.onRequest(request);
  }

  onClosed(reason: string): void {
    for (const tx of [...this.invites.values()]) tx.close(reason);
    this.invites.clear();
    for (const tx of this.others.takeAll()) tx.settle({ reason });
    this.dialogSet.terminateAll();
  }

  // ---- DialogHost --------------------------------------------------------------------

  sendNonInvite(method: string, build: (branch: string) => string): Promise<NonInviteOutcome> {
    return new Promise((settle) => {
      const branch = newBranch();
      if (!this.wire.send(build(branch))) {
        settle({ reason: REASON_CONNECTION_LOST });
        return;
      }
      this.others.add(branch, { method, settle }, this.timeoutMs);
    });
  }

  via(branch: string): string {
    return viaLine(this.wire, branch);
  }
}
