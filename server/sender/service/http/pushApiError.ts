/**
 * An error answer of the HTTP API as its clients see it (the CLI's client.ts, the console's
 * page): pure, so the browser bundle can take it.
 */
/** The API answered with an error (`{"error": {...}}`), or with something that is not the API. */
export class PushApiError extends Error {
  override name = 'PushApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
