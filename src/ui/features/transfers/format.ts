/**
 * How the transfers panel words a transfer's progress. Pure; every function accepts what the
 * agent may report (unknown size, no rate yet, a stalled transfer, absurd estimates).
 */
import type { TransferProgress } from '../../../agent/types.ts';
import { formatBytes } from '../../format/bytes.ts';

/** `12.3 MB of 50.0 MB`, or `12.3 MB received` while the size is unknown. */
export function formatTransferBytes(receivedBytes: number, size: number | null): string {
  if (size === null || !Number.isFinite(size) || size < 0) return `${formatBytes(receivedBytes)} received`;
  return `${formatBytes(receivedBytes)} of ${formatBytes(size)}`;
}

/** `4.2 MB/s`; `0 B/s` when stalled; `—` when not a rate. */
export function formatRate(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond < 0) return '—';
  return `${formatBytes(bytesPerSecond)}/s`;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * `about 12 s left`, `about 3 min left`, …; null when unknown (absent, negative, not finite),
 * which the panel shows as nothing at all.
 */
export function formatTimeLeft(seconds: number | undefined): string | null {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return null;
  if (seconds < 1) return 'less than a second left';
  if (seconds < 90) return `about ${Math.round(seconds)} s left`;
  if (seconds < 90 * MINUTE) return `about ${Math.round(seconds / MINUTE)} min left`;
  if (seconds < 48 * HOUR) return `about ${Math.round(seconds / HOUR)} h left`;
  if (seconds < 365 * DAY) return `about ${Math.round(seconds / DAY)} days left`;
  return 'more than a year left';
}

/** `value`/`max` of the <progress> element: null (indeterminate) while receiving a file of unknown size. */
export function progressValue(t: Pick<TransferProgress, 'receivedBytes' | 'size' | 'state'>): { value: number; max: number } | null {
  if (t.size === null || !Number.isFinite(t.size) || t.size < 0) {
    // Indeterminate only while bytes may still come; a finished bar is full, a failed one empty.
    if (t.state === 'complete') return { value: 1, max: 1 };
    return t.state === 'failed' ? { value: 0, max: 1 } : null;
  }
  // An empty file: <progress max=0> is invalid (max must be > 0).
  if (t.size === 0) return { value: t.state === 'complete' ? 1 : 0, max: 1 };
  const received = Number.isFinite(t.receivedBytes) ? Math.min(Math.max(t.receivedBytes, 0), t.size) : 0;
  return { value: received, max: t.size };
}

/** Whole percent for screen readers and the title, null when the size is unknown. */
export function percentDone(t: Pick<TransferProgress, 'receivedBytes' | 'size' | 'state'>): number | null {
  const p = progressValue(t);
  return p === null ? null : Math.floor((p.value / p.max) * 100);
}

export const STATE_LABEL: Record<TransferProgress['state'], string> = {
  receiving: 'Receiving',
  verifying: 'Checking size and hash…',
  complete: 'Complete',
  failed: 'Failed',
};

/** The name to show for a transfer: its file name, or what it is and who sends it. */
export function transferTitle(t: Pick<TransferProgress, 'fileName' | 'contentType'>): string {
  const name = t.fileName?.trim();
  return name ? name : `Unnamed ${t.contentType || 'file'}`;
}
