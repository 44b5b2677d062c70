/**
 * A SipWire (server/sender/sip/wire.ts) without a socket, for unit tests of what runs on the
 * sender's connection (the service's reg-event subscriptions): it records what is sent, parsed,
 * and lets the test play the core: answer a request, send a request in (NOTIFY), close the flow.
 */
import {
  createResponse,
  encodeUtf8,
  getHeader,
  parseSipMessage,
  randomToken,
  type SipHeader,
  type SipRequest,
  type SipResponse,
} from '../../src/protocol/sip/index.ts';
import type { SipWire, SipWireHandler } from '../sender/sip/wire.ts';
import { until } from './until.ts';

export class FakeSipWire implements SipWire {
  readonly viaHost = 'fake.invalid';
  readonly fromHeader = '<sip:psa@localhost>';
  readonly contactUri = 'sip:psa@fake.invalid;transport=ws';
  /** Every message sent, parsed, in order. */
  readonly sent: Array<SipRequest | SipResponse> = [];
  open = true;
  private readonly handlers = new Set<SipWireHandler>();

  get isOpen(): boolean {
    return this.open;
  }

  connect(): Promise<void> {
    this.open = true;
    return Promise.resolve();
  }

  send(text: string): boolean {
    if (!this.open) return false;
    this.sent.push(parseSipMessage(encodeUtf8(text)) as SipRequest | SipResponse);
    return true;
  }

  credentials(): { lines: string } | { why: string } {
    return { lines: 'Authorization: Digest username="psa", realm="localhost", nonce="n", uri="sip:x", response="00"\r\n' };
  }

  attach(handler: SipWireHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  get attached(): number {
    return this.handlers.size;
  }

  /** The requests sent with this method, in order. */
  requests(method: string): SipRequest[] {
    return this.sent.filter((m): m is SipRequest => m.kind === 'request' && m.method === method);
  }

  /** The responses we sent (to NOTIFYs). */
  responses(): SipResponse[] {
    return this.sent.filter((m): m is SipResponse => m.kind === 'response');
  }

  /** Wait until `count` requests of a method have been sent; returns the last. */
  async nth(method: string, count: number, timeoutMs = 3000): Promise<SipRequest> {
    await until(() => this.requests(method).length >= count, timeoutMs);
    return this.requests(method)[count - 1]!;
  }

  /** Play the core: answer a request we sent. Returns the response given to the handlers. */
  answer(request: SipRequest, status: number, headers: SipHeader[] = [], toTag = `nt-${randomToken(6)}`): SipResponse {
    const response = createResponse(request, status, { headers, toTag });
    const branch = /branch=([^;,\s]+)/.exec(getHeader(request, 'via') ?? '')?.[1] ?? '';
    for (const h of this.handlers) if (h.onResponse(response, branch)) break;
    return response;
  }

  /** Play the core: a request in (a NOTIFY). True when a handler claimed it. */
  deliver(request: SipRequest): boolean {
    for (const h of this.handlers) if (h.onRequest(request)) return true;
    return false;
  }

  /** The flow closed. */
  close(reason = 'Connection to core lost'): void {
    this.open = false;
    for (const h of [...this.handlers]) h.onClosed(reason);
  }
}

/** A NOTIFY in the dialog of a SUBSCRIBE we sent (notifier tag `remoteTag`). */
export function notifyFor(subscribe: SipRequest, options: { remoteTag: string; state?: string; body?: string; cseq?: number }): SipRequest {
  const headers: SipHeader[] = [
    { name: 'Via', value: 'SIP/2.0/WS core.invalid;branch=z9hG4bKnotify' + randomToken(6) },
    { name: 'From', value: `${getHeader(subscribe, 'to')!.replace(/;tag=.*$/, '')};tag=${options.remoteTag}` },
    { name: 'To', value: getHeader(subscribe, 'from')! },
    { name: 'Call-ID', value: getHeader(subscribe, 'call-id')! },
    { name: 'CSeq', value: `${options.cseq ?? 1} NOTIFY` },
    { name: 'Contact', value: '<sip:core.invalid;transport=ws>' },
    { name: 'Event', value: 'reg' },
    { name: 'Subscription-State', value: options.state ?? 'active;expires=600' },
  ];
  if (options.body !== undefined) headers.push({ name: 'Content-Type', value: 'application/reginfo+xml' });
  return { kind: 'request', method: 'NOTIFY', uri: 'sip:psa@fake.invalid;transport=ws', headers, body: encodeUtf8(options.body ?? '') };
}
