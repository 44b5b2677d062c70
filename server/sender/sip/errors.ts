export type SenderErrorCode =
  | 'SENDER_ERR_CONNECT'
  | 'SENDER_ERR_CLOSED'
  | 'SENDER_ERR_URI'
  | 'SENDER_ERR_APP_ID'
  | 'SENDER_ERR_HEADER'
  | 'SENDER_ERR_OPTION'
  | 'SENDER_ERR_FILE';

/** A caller mistake or an unreachable core: thrown (rejected), never turned into a SIP result. */
export class SenderError extends Error {
  readonly code: SenderErrorCode;

  /** `options.cause`: what went wrong underneath (e.g. the fs error, with its errno code). */
  constructor(code: SenderErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SenderError';
    this.code = code;
  }
}

/** A positive option, or `fallback` when absent; throws SENDER_ERR_OPTION otherwise. */
export function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0)) throw new SenderError('SENDER_ERR_OPTION', `${name} must be a positive number, got ${value}`);
  return value;
}
