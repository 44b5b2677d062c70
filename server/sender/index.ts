export {
  createSipClient,
  validateExtraHeader,
  SenderError,
  DEFAULT_TIMEOUT_MS,
  SENDER_USER_AGENT,
  REASON_TIMEOUT,
  REASON_CONNECTION_LOST,
  REASON_CLOSED,
  type SenderErrorCode,
  type SipClient,
  type SipClientOptions,
  type SipRequestSpec,
  type SipResult,
  type ClientState,
  type SipWire,
  type SipWireHandler,
} from './sipClient.ts';
export {
  send,
  planSend,
  DEFAULT_MESSAGE_MAX,
  type Push,
  type InlinePush,
  type FilePush,
  type SendMode,
  type SendRules,
  type SendOptions,
  type SendPlan,
  type SendResult,
} from './send.ts';
export { createPushSender, acceptContactFor, type PushSender, type PushSenderOptions, type PushRequest, type PushResult } from './pushSender.ts';
export { runLoad, percentile, type LoadSpec, type LoadReport } from './load.ts';
export { guessContentType, FALLBACK_CONTENT_TYPE } from './contentType.ts';
export {
  startMsrpEndpoint,
  DEFAULT_HIGH_WATER_MARK,
  DEFAULT_REPORT_TIMEOUT_MS,
  MAX_CHUNK_SIZE,
  MSRP_SUBPROTOCOL,
  type MsrpEndpoint,
  type MsrpEndpointOptions,
  type MsrpSendSession,
  type MsrpSessionState,
  type MsrpReportInfo,
  type TransferSpec,
  type TransferProgress,
  type TransferResult,
} from './msrp/endpoint.ts';
export { createInviteClient, type InviteClient, type InviteSpec, type InviteHandle, type InviteResult, type InviteState, type Dialog, type DialogState } from './sip/inviteClient.ts';
export { sendLargePush, describeFile, DEFAULT_CONNECT_TIMEOUT_MS, type LargePushRequest, type LargePushResult, type LargePushPhase, type LargePushContext } from './msrp/pushLarge.ts';
