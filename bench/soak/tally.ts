/** Counts of outcomes by name ("REGISTER 200", "tcp-idle closed"), for the report. */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(outcome: string, n = 1): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + n);
  }

  get(outcome: string): number {
    return this.counts.get(outcome) ?? 0;
  }

  /** The sum over outcomes whose name passes `match`. */
  sum(match: (outcome: string) => boolean): number {
    let total = 0;
    for (const [outcome, n] of this.counts) if (match(outcome)) total += n;
    return total;
  }

  /** `outcome n, outcome n`, sorted by name. */
  toString(): string {
    return [...this.counts].sort(([a], [b]) => a.localeCompare(b)).map(([outcome, n]) => `${outcome} ${n}`).join(', ') || 'none';
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
