/**
 * The push sender: SIP MESSAGE pushes (OMA SIP Push flow 5.4.1, RFC 3428) addressed to a push
 * application with `Accept-Contact: *;+g.oma.pusheventapp="<app>";require;explicit`
 * (RFC 3841 section 9.2, RFC 3840 feature tag syntax).
 */
import { isValidAppId, pushEventAppParam, type SipHeader } from '../../src/protocol/sip/index.ts';
import { startMsrpEndpoint, type MsrpEndpoint, type MsrpEndpointOptions } from './msrp/endpoint.ts';
import { createInviteClient, type InviteClient } from './sip/inviteClient.ts';
import { sendLargePush, type LargePushRequest, type LargePushResult } from './msrp/pushLarge.ts';
import { createSipClient, SenderError, type ClientState, type SipClient, type SipClientOptions, type SipResult } from './sipClient.ts';

export interface PushSenderOptions extends SipClientOptions {
  /** The MSRP WebSocket endpoint for large pushes (started on the first one; binds 127.0.0.1, random port by default). */
  msrp?: MsrpEndpointOptions;
}

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
  /**
   * Large content (flow 5.4.2): INVITE with an MSRP offer, the file over the MSRP endpoint,
   * BYE. Resolves with the outcome; rejects only for invalid input (SENDER_ERR_*).
   */
  sendLargePush(push: LargePushRequest): Promise<LargePushResult>;
  /** The MSRP endpoint, started on first use. */
  msrpEndpoint(): Promise<MsrpEndpoint>;
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
  let invites: InviteClient | undefined;
  let endpoint: Promise<MsrpEndpoint> | undefined;
  const msrpEndpoint = (): Promise<MsrpEndpoint> => {
    endpoint ??= startMsrpEndpoint(options.msrp);
    endpoint.catch(() => {
      endpoint = undefined;
    });
    return endpoint;
  };
  return {
    get state() {
      return client.state;
    },
    get inFlight() {
      return client.inFlight;
    },
    client,
    connect: () => client.connect(),
    msrpEndpoint,
    sendLargePush(push: LargePushRequest): Promise<LargePushResult> {
      invites ??= createInviteClient(client.wire, options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {});
      return sendLargePush({ invites, endpoint: msrpEndpoint, acceptContact: acceptContactFor, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) }, push);
    },
    async close() {
      const started = endpoint;
      endpoint = undefined;
      await client.close();
      invites?.close();
      invites = undefined;
      if (started) await started.then((e) => e.close(), () => {});
    },
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
