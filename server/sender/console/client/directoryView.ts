/** What the console shows of the directory (GET /v1/receivers), as plain text. Pure. */
import type { ReceiverEntry, TerminalEntry } from '../../service/types.ts';

/** The directory as the console holds it. */
export interface DirectoryState {
  receivers: ReceiverEntry[];
  loading: boolean;
  error?: string;
  refreshedAt?: number;
}

/** The push apps a terminal announced (reg event or OPTIONS), else its UAProf's, else none known. */
export function terminalApps(t: TerminalEntry): string[] {
  return t.pushApps ?? t.capabilities?.pushApps ?? [];
}

/** The apps to offer in the compose form: the chosen receiver's first, then every other known one. */
export function appsOf(receivers: readonly ReceiverEntry[], chosen?: ReceiverEntry): string[] {
  const apps = new Set<string>();
  for (const t of chosen?.terminals ?? []) for (const a of terminalApps(t)) apps.add(a);
  for (const r of receivers) for (const t of r.terminals) for (const a of terminalApps(t)) apps.add(a);
  return [...apps];
}

/** A terminal in one line: its instance, else its GRUU, else its contact. */
export function terminalLabel(t: TerminalEntry): string {
  if (t.instanceId) return `instance ${t.instanceId}`;
  if (t.pubGruu) return `GRUU ${t.pubGruu}`;
  return `contact ${t.contact}`;
}

/** `in 3 min`, `in 45 s`, `expired`, or `unknown`. */
export function expiresIn(expiresAt: number | null, now: number): string {
  if (expiresAt === null) return 'unknown';
  const seconds = Math.round((expiresAt - now) / 1000);
  if (seconds <= 0) return 'expired';
  if (seconds < 120) return `in ${seconds} s`;
  if (seconds < 7200) return `in ${Math.round(seconds / 60)} min`;
  return `in ${Math.round(seconds / 3600)} h`;
}

/** Bytes for people: `61,440 bytes (60 KiB)`. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return 'not advertised';
  const kib = bytes / 1024;
  return kib >= 1 ? `${bytes.toLocaleString('en')} bytes (${Number.isInteger(kib) ? kib : kib.toFixed(1)} KiB)` : `${bytes} bytes`;
}
