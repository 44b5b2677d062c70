/** What the bench reads from and calls on a page of bench/msrp-throughput through `window`. */
export interface MsrpBenchWindow {
  __benchReady?: boolean;
  /** Raw pages: connect to the bench's WebSocket server and receive `total` bytes. */
  __benchConnect?: (url: string, total: number) => void;
  /** Bytes received (raw) or stored (agent) so far. */
  __benchBytes?: number;
  /** Agent page: transfers committed as pushes (the agent verified size and hash first). */
  __benchCompleted?: Array<{ id: string; size: number | null; state: string }>;
  __benchError?: string;
}

export function benchWindow(): MsrpBenchWindow {
  return window as unknown as MsrpBenchWindow;
}

export function setStatus(text: string): void {
  const el = document.getElementById('status');
  if (el) el.textContent = text;
}
