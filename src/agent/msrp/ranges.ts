/**
 * Byte ranges of a file as a sorted list of disjoint, non-adjacent intervals, 1-based and
 * inclusive like MSRP Byte-Range (RFC 4975 section 7.1.1) and a=file-range (RFC 5547 section
 * 6). Pure functions: the transfer keeps its received ranges with them and stores them as is.
 */

/** `[start, end]`, 1-based inclusive, `start <= end`. */
export type ByteSpan = readonly [number, number];

/** Add `[start, end]` to `ranges` (sorted, merged); returns a new list. An empty span is a no-op. */
export function addRange(ranges: readonly ByteSpan[], start: number, end: number): ByteSpan[] {
  if (end < start) return [...ranges];
  const out: ByteSpan[] = [];
  let s = start;
  let e = end;
  let placed = false;
  for (const r of ranges) {
    if (r[1] + 1 < s) {
      out.push(r);
    } else if (e + 1 < r[0]) {
      if (!placed) {
        out.push([s, e]);
        placed = true;
      }
      out.push(r);
    } else {
      s = Math.min(s, r[0]);
      e = Math.max(e, r[1]);
    }
  }
  if (!placed) out.push([s, e]);
  return out;
}

/** Bytes covered. */
export function coveredBytes(ranges: readonly ByteSpan[]): number {
  let n = 0;
  for (const [s, e] of ranges) n += e - s + 1;
  return n;
}

/** Length of the contiguous prefix starting at byte 1 (0 when byte 1 is missing). */
export function contiguousPrefix(ranges: readonly ByteSpan[]): number {
  const first = ranges[0];
  return first && first[0] === 1 ? first[1] : 0;
}

/** Whether bytes 1..total are all covered (an empty file is complete with no range). */
export function isComplete(ranges: readonly ByteSpan[], total: number): boolean {
  return total === 0 || contiguousPrefix(ranges) >= total;
}

/** Bytes of 1..total not covered, as spans. */
export function missingRanges(ranges: readonly ByteSpan[], total: number): ByteSpan[] {
  const out: ByteSpan[] = [];
  let next = 1;
  for (const [s, e] of ranges) {
    if (s > total) break;
    if (s > next) out.push([next, s - 1]);
    next = Math.max(next, e + 1);
  }
  if (next <= total) out.push([next, total]);
  return out;
}

/** The parts of start..end not covered by `ranges`, as spans (a chunk's bytes not yet stored). */
export function uncoveredSpans(ranges: readonly ByteSpan[], start: number, end: number): ByteSpan[] {
  const out: ByteSpan[] = [];
  let next = start;
  for (const [s, e] of ranges) {
    if (e < next) continue;
    if (s > end) break;
    if (s > next) out.push([next, s - 1]);
    next = Math.max(next, e + 1);
    if (next > end) return out;
  }
  if (next <= end) out.push([next, end]);
  return out;
}
