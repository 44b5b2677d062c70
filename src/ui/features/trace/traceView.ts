/** What the trace panel shows of the agent's trace entries: filters, labels, the exported file. Pure. */
import { formatTrace } from '../../../agent/trace/frames.ts';
import type { TraceEntry } from '../../../agent/types.ts';

export interface TraceFilter {
  /** A method (a response counts as the method it answers); '' for all. */
  method: string;
  /** Case-insensitive text anywhere in the frame; '' for all. */
  text: string;
}

export const NO_FILTER: TraceFilter = { method: '', text: '' };

export function filterEntries(entries: readonly TraceEntry[], filter: TraceFilter): TraceEntry[] {
  const needle = filter.text.trim().toLowerCase();
  return entries.filter((e) => (filter.method === '' || e.method === filter.method) && (needle === '' || e.text.toLowerCase().includes(needle) || e.firstLine.toLowerCase().includes(needle)));
}

/** The methods seen, sorted: the method filter's choices (the one chosen stays listed). */
export function methodsOf(entries: readonly TraceEntry[], chosen = ''): string[] {
  const methods = new Set<string>();
  for (const e of entries) if (e.method !== undefined) methods.add(e.method);
  if (chosen !== '') methods.add(chosen);
  return [...methods].sort();
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local wall-clock time with milliseconds: 14:03:07.125. */
export function timeLabel(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** The file an export writes: the entries oldest first, as text (src/agent/trace/frames.ts). */
export function exportText(entries: readonly TraceEntry[]): string {
  return formatTrace(entries);
}

/** `sip-push-trace-2024-01-02T03-04-05.txt`: sortable, and valid on every file system. */
export function exportFileName(now: number): string {
  return `sip-push-trace-${new Date(now).toISOString().slice(0, 19).replace(/:/g, '-')}.txt`;
}

/** The status line: how much is kept, the bound, what fell out of the ring. */
export function keptLabel(kept: number, limit: number, dropped: number): string {
  const frames = kept === 1 ? 'frame' : 'frames';
  return `${kept} ${frames} kept (at most ${limit})${dropped > 0 ? `, ${dropped} older dropped` : ''}`;
}
