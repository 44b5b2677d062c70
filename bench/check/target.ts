/**
 * A target a bench's `--check` holds one figure to, and how the bench reports them. The
 * target's name says the figure and the bound, so the printed line is the claim checked.
 */
export interface Target {
  name: string;
  ok: boolean;
  /** The figure as measured, for the report. */
  value: string;
}

export function printTargets(targets: readonly Target[]): void {
  console.log('targets:');
  for (const t of targets) console.log(`  ${t.ok ? 'ok  ' : 'MISS'} ${t.name}: ${t.value}`);
}

/** `--check`'s exit status: 1 when any target is missed. */
export function checkExitCode(targets: readonly Target[]): 0 | 1 {
  return targets.every((t) => t.ok) ? 0 : 1;
}
