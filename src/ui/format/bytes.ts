/**
 * The one size formatter of the UI. Sizes are in SI units, as they claim (IEC 80000-13):
 * 1 kB = 1000 bytes, 1 MB = 10^6, 1 GB = 10^9, 1 TB = 10^12. Below 1 kB whole bytes; above,
 * one decimal, switching unit where the rounded figure would reach 1000 (999 950 bytes is
 * "1.0 MB", not "1000.0 kB").
 */
const UNITS = ['kB', 'MB', 'GB', 'TB'] as const;

/** `999 B`, `1.5 kB`, `50.0 MB`; `—` for a negative or non-finite value. */
export function formatBytes(size: number): string {
  if (!Number.isFinite(size) || size < 0) return '—';
  if (Math.round(size) < 1000) return `${Math.round(size)} B`;
  let base = 1;
  for (let i = 0; i < UNITS.length; i++) {
    base *= 1000;
    const tenths = Math.round((size / base) * 10);
    if (tenths < 10_000 || i === UNITS.length - 1) return `${(tenths / 10).toFixed(1)} ${UNITS[i]}`;
  }
  /* c8 ignore next */
  return '—';
}
