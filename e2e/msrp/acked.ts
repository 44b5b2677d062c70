/**
 * Acting at a point of a transfer: a sender onProgress callback that runs an action once, the
 * first time the receiver has acknowledged (200) at least a given number of bytes, e.g. to
 * reload the page or cut its socket part-way through.
 */
import type { TransferProgress } from '../../server/sender/index.ts';

export class OnceAcked<T> {
  /** What the action returned (awaited by the caller); undefined until it has run. */
  outcome: Promise<Awaited<T>> | undefined;
  /** Bytes acknowledged when the action ran. */
  ackedAt: number | undefined;

  constructor(
    private readonly bytes: number,
    private readonly action: () => T,
  ) {}

  readonly onProgress = (progress: TransferProgress): void => {
    if (this.outcome !== undefined || progress.bytesAcked < this.bytes) return;
    this.ackedAt = progress.bytesAcked;
    this.outcome = Promise.resolve(this.action());
  };
}
