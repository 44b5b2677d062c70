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
} from './sipClient.ts';
export { createPushSender, acceptContactFor, type PushSender, type PushSenderOptions, type PushRequest, type PushResult } from './pushSender.ts';
export { runLoad, percentile, type LoadSpec, type LoadReport } from './load.ts';
export { guessContentType, FALLBACK_CONTENT_TYPE } from './contentType.ts';
