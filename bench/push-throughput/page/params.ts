/** Parameters of a baseline page: `?server=ws://...&aor=sip:...&app=news.ua`. */
export interface BenchPageParams {
  server: string;
  aor: string;
  app: string;
}

export function benchParams(): BenchPageParams {
  const q = new URLSearchParams(location.search);
  return { server: q.get('server') ?? 'ws://127.0.0.1:8066', aor: q.get('aor') ?? 'sip:bench@localhost', app: q.get('app') ?? 'news.ua' };
}

export interface BenchWindow {
  __benchReady?: boolean;
  __benchReceived?: number;
}

export function benchWindow(): BenchWindow {
  return window as unknown as BenchWindow;
}

export function setStatus(text: string): void {
  const el = document.getElementById('status');
  if (el) el.textContent = text;
}
