/**
 * Transfer progress for the UI: bytes received, rate over a sliding window, expected size,
 * time left and state. Pure bookkeeping; the receiver emits what `update` returns.
 */
import type { TransferRecord } from '../store/transferSchema.ts';
import type { TransferProgress } from '../types.ts';

export interface ProgressTrackerOptions {
  /** Rate window (default 2000 ms). */
  windowMs?: number;
  /** Least interval between two progress reports of a transfer while receiving (default 100 ms). */
  intervalMs?: number;
  now?: () => number;
}

interface Track {
  samples: { t: number; bytes: number }[];
  lastEmit: number;
  lastState: TransferProgress['state'] | undefined;
}

export class ProgressTracker {
  private readonly windowMs: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly tracks = new Map<string, Track>();

  constructor(options: ProgressTrackerOptions = {}) {
    this.windowMs = options.windowMs ?? 2000;
    this.intervalMs = options.intervalMs ?? 100;
    this.now = options.now ?? Date.now;
  }

  /**
   * Record a change; returns the progress to report, or null when a byte update comes sooner
   * than `intervalMs` after the last report (state changes are always reported).
   */
  update(record: TransferRecord, state: TransferProgress['state'] = record.state): TransferProgress | null {
    const t = this.now();
    let track = this.tracks.get(record.id);
    if (!track) this.tracks.set(record.id, (track = { samples: [], lastEmit: -Infinity, lastState: undefined }));
    track.samples.push({ t, bytes: record.receivedBytes });
    while (track.samples.length > 2 && track.samples[0]!.t < t - this.windowMs) track.samples.shift();
    const first = track.samples[0]!;
    const elapsed = t - first.t;
    const rate = elapsed > 0 ? Math.max(0, ((record.receivedBytes - first.bytes) * 1000) / elapsed) : 0;
    const stateChanged = state !== track.lastState;
    if (!stateChanged && t - track.lastEmit < this.intervalMs) return null;
    track.lastEmit = t;
    track.lastState = state;
    const progress = progressOf(record, state, rate);
    if (state === 'complete' || state === 'failed') this.tracks.delete(record.id);
    return progress;
  }
}

/**
 * The progress view of a transfer record: what the UI shows for a stored transfer (rate 0
 * when not measured, e.g. a list read from storage after a reload).
 */
export function progressOf(record: TransferRecord, state: TransferProgress['state'] = record.state, rate = 0): TransferProgress {
  const progress: TransferProgress = {
    id: record.id,
    appId: record.appId,
    from: record.from,
    contentType: record.contentType,
    size: record.size,
    receivedBytes: record.receivedBytes,
    rate,
    state,
    resumable: record.resumable,
    startedAt: record.startedAt,
    updatedAt: record.updatedAt,
  };
  if (record.fileName !== undefined) progress.fileName = record.fileName;
  if (record.reason !== undefined) progress.reason = record.reason;
  if (record.size !== null && rate > 0 && state === 'receiving') progress.secondsLeft = (record.size - record.receivedBytes) / rate;
  return progress;
}
