/**
 * The median of a bench's rounds. With an even count it is the mean of the two middle values:
 * taking the upper one would report the better of two rounds as "the median" of a throughput,
 * which flatters it exactly when rounds disagree.
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
