/**
 * The push sender: SIP MESSAGE pushes (OMA SIP Push flow 5.4.1, RFC 3428) addressed to a push
 * application with `Accept-Contact: *;+g.oma.pusheventapp="<app>";require;explicit`
 * (RFC 3841 section 9.2, RFC 3840 feature tag syntax).
 */
import { isValidAppId, pushEventAppParam, type SipHeader } from '../../src/protocol/sip/index.ts';
import { createSipClient, SenderError, type ClientState, type SipClient, type SipClientOptions, type SipResult } from './sipClient.ts';

export type PushSenderOptions = SipClientOptions;

export interface PushRequest {
  /** Recipient: an AoR, a GRUU or any SIP URI (Request-URI and To). */
  to: string;
  /** Push application ID (RFC 3840 token, e.g. `news.ua`); adds the Accept-Contact predicate. */
  app?: string;
  contentType: string;
  body: string | Uint8Array;
  headers?: SipHeader[];
  timeoutMs?: number;
}

export type PushResult = SipResult;

export interface PushSender {
  readonly state: ClientState;
  readonly inFlight: number;
  /** The underlying UAC, for other non-INVITE requests (OPTIONS capability queries...). */
  readonly client: SipClient;
  connect(): Promise<void>;
  /** Resolves with the final SIP result (or a local 408/503); rejects only for invalid input or an unreachable core. */
  sendPush(push: PushRequest): Promise<PushResult>;
  close(): Promise<void>;
}

/** The Accept-Contact value that selects one push application (ARCHITECTURE.md section 2). */
export function acceptContactFor(app: string): string {
  if (!isValidAppId(app)) {
    throw new SenderError('SENDER_ERR_APP_ID', `Push application ID ${JSON.stringify(app)} is not an RFC 3840 token`);
  }
  const [name, value] = pushEventAppParam([app]);
  return `*;${name}=${value};require;explicit`;
}

export function createPushSender(options: PushSenderOptions): PushSender {
  const client = createSipClient(options);
  return {
    get state() {
      return client.state;
    },
    get inFlight() {
      return client.inFlight;
    },
    client,
    connect: () => client.connect(),
    close: () => client.close(),
    async sendPush(push: PushRequest): Promise<PushResult> {
      const headers: SipHeader[] = [];
      if (push.app !== undefined) headers.push({ name: 'Accept-Contact', value: acceptContactFor(push.app) });
      if (push.headers) headers.push(...push.headers);
      return client.request({
        method: 'MESSAGE',
        uri: push.to,
        headers,
        contentType: push.contentType,
        body: push.body,
        ...(push.timeoutMs !== undefined ? { timeoutMs: push.timeoutMs } : {}),
      });
    },
  };
}
