export type QueueErrorCode =
  | 'QUEUE_ERR_PUSH_ID_TAKEN'
  | 'QUEUE_ERR_NOT_FOUND'
  | 'QUEUE_ERR_INPUT'
  | 'QUEUE_ERR_ILLEGAL_TRANSITION'
  | 'QUEUE_ERR_SCHEMA';

/** The HTTP status an API answers each code with (the service's choice, kept next to the codes). */
const HTTP_STATUS: Record<QueueErrorCode, number> = {
  QUEUE_ERR_PUSH_ID_TAKEN: 409,
  QUEUE_ERR_NOT_FOUND: 404,
  QUEUE_ERR_INPUT: 400,
  QUEUE_ERR_ILLEGAL_TRANSITION: 409,
  QUEUE_ERR_SCHEMA: 500,
};

/** A refused queue operation: a stable `code`, the HTTP `status` to answer with, and a message naming the cause. */
export class QueueError extends Error {
  readonly code: QueueErrorCode;
  readonly status: number;

  constructor(code: QueueErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QueueError';
    this.code = code;
    this.status = HTTP_STATUS[code];
  }
}
