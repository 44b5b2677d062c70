/** The Push Sender Agent service's HTTP JSON API (issue 12) and its client: see server.ts and client.ts. */
export { ApiError, SERVICE_ERROR_STATUS, type ApiErrorCode } from './apiError.ts';
export { createPushApi, PUSH_API_DEFAULTS, type PushApi, type PushApiOptions } from './server.ts';
export { formatStatusEvent } from './sse.ts';
export { DEFAULT_SUBMIT_LIMITS, parseSubmitBody, type ParsedSubmit, type SubmitContext, type SubmitLimits } from './submitBody.ts';
export { isSettled, pushView, summaryStatus, type PushView, type SummaryStatus } from './summary.ts';
export { openUploadStore, type UploadStore, type UploadStoreOptions } from './uploads.ts';
export { createPushApiClient, createSseParser, followPush, PushApiError, PushApiUnreachable, type FollowOptions, type FollowResult, type PushApiClient, type PushApiClientOptions, type SseEvent, type WaitFor } from './client.ts';
