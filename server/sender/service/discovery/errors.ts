/** Errors of the discovery part of the Push Sender Agent service (issue 12 items 2 and 3). */

export type DiscoveryErrorCode = 'DISCOVERY_ERR_LIMIT' | 'DISCOVERY_ERR_OPTION' | 'DISCOVERY_ERR_CLOSED';

/** A caller mistake (a bad option, a limit reached): thrown, one line with the cause and the fix. */
export class DiscoveryError extends Error {
  override name = 'DiscoveryError';
  constructor(
    readonly code: DiscoveryErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A positive option, or `fallback` when absent; throws DISCOVERY_ERR_OPTION otherwise. */
export function positiveOption(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value)) throw new DiscoveryError('DISCOVERY_ERR_OPTION', `${name} must be a positive number, got ${value}`);
  return value;
}
