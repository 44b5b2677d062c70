/** The persistent push queue and status store (issue 12, store and forward): see queue.ts. */
export { DEFAULT_BACKOFF, backoffDelay, resolveBackoff, type BackoffOptions } from './backoff.ts';
export { QueueError, type QueueErrorCode } from './errors.ts';
export { DEFAULT_QUEUE_DIR, QUEUE_URL_ENV, describeQueueLocation, isPostgresUrl, openQueueDatabase, queueLocation } from './open.ts';
export { outcomeAction, type AttemptOutcome, type OutcomeAction } from './outcomes.ts';
export { openPglite, pgliteSql } from './pglite.ts';
export { openPostgres, postgresSql, type PostgresOptions } from './postgres.ts';
export {
  openPushQueue,
  type CancelResult,
  type Claim,
  type ClaimOptions,
  type ContentFile,
  type DeliveryState,
  type EnqueueRequest,
  type Json,
  type PushQueue,
  type PushQueueOptions,
  type PushState,
  type RecordResult,
  type ReportResult,
  type StatusChange,
} from './queue.ts';
export { MIGRATIONS, SCHEMA_VERSION, migrate } from './schema.ts';
export type { Sql, SqlClient, SqlResult } from './sql.ts';
export { DELIVERY_STATUSES, TRANSITIONS, canTransition, isDeliveryStatus, isFinal, transition, type DeliveryStatus } from './status.ts';
