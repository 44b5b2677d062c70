/**
 * The API's one error shape, `{"error": {"code", "field"?, "message"}}`, and the HTTP status
 * of every error the service throws. The message is one line: the cause, then the fix.
 */
import { QueueError } from '../../queue/index.ts';
import { ServiceError } from '../types.ts';

export type ApiErrorCode =
  | ServiceError['code']
  | 'PSA_ERR_JSON'
  | 'PSA_ERR_TOO_LARGE'
  | 'PSA_ERR_CONTENT_TYPE'
  | 'PSA_ERR_UNAUTHORIZED'
  | 'PSA_ERR_METHOD'
  | 'PSA_ERR_INTERNAL';

/** An answer other than 2xx, thrown by the routes and written by the server. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode | string,
    message: string,
    readonly field?: string,
    /** Extra response headers (Allow, WWW-Authenticate, Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): { error: { code: string; field?: string; message: string } } {
    return { error: { code: this.code, ...(this.field !== undefined ? { field: this.field } : {}), message: this.message } };
  }
}

/** A 400 naming the field (`target[1].aor`): what is wrong with it and what to send instead. */
export function fieldError(field: string, message: string): ApiError {
  return new ApiError(400, 'PSA_ERR_INPUT', message, field);
}

export const SERVICE_ERROR_STATUS: Readonly<Record<ServiceError['code'], number>> = {
  PSA_ERR_CAPABILITIES: 422,
  PSA_ERR_PUSH_ID_TAKEN: 409,
  PSA_ERR_INPUT: 400,
  PSA_ERR_NOT_FOUND: 404,
  PSA_ERR_UNAVAILABLE: 503,
};

/** Any error thrown while answering, as the ApiError to write; undefined for a bug (500, logged). */
export function toApiError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof ServiceError) return new ApiError(SERVICE_ERROR_STATUS[err.code], err.code, err.message, err.field);
  if (err instanceof QueueError && err.status < 500) return new ApiError(err.status, err.code, err.message);
  return undefined;
}
