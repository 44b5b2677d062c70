/**
 * Command-line validation shared by the benches. A refused command line is an OptionError:
 * one line naming the cause and the fix, exit status 2 (1 is kept for a missed target, so a
 * script can tell "slower than promised" from "asked the wrong question").
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class OptionError extends Error {}

/** node:util parseArgs, strict, its errors (unknown option, missing value) as OptionError. */
export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    // Node's message may run to three lines; the refusal is one.
    throw new OptionError((error instanceof Error ? error.message : String(error)).split('\n').join(' '));
  }
}

/** `--option a,b`: each item one of `known`, at least one, no repeats. */
export function parseList<K extends string>(option: string, text: string, known: readonly K[]): K[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new OptionError(`--${option} is empty: give one or more of ${known.join(',')}`);
  const unknown = items.filter((item) => !(known as readonly string[]).includes(item));
  if (unknown.length > 0) throw new OptionError(`--${option}: unknown ${unknown.join(', ')}; choose from ${known.join(',')}`);
  if (new Set(items).size !== items.length) throw new OptionError(`--${option} ${text} names a value twice: give each once`);
  return items as K[];
}

/** `--option N`: a number above zero; with `integer`, a whole one. */
export function parsePositive(option: string, text: string, { integer }: { integer: boolean }): number {
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n) || (integer && !Number.isSafeInteger(n))) {
    throw new OptionError(`--${option} ${text} is not a ${integer ? 'positive whole number' : 'positive number'}: give one, e.g. --${option} ${integer ? 3 : 64}`);
  }
  return n;
}

/** A kind `--check` compares against, and what for. */
export interface Baseline<K extends string> {
  kind: K;
  neededFor: string;
}

/**
 * `--check` measures its targets against baselines run in the same run: without one a target
 * would be skipped and the check would pass having checked nothing. Refuse instead.
 */
export function requireBaselines<K extends string>(kinds: readonly K[], baselines: readonly Baseline<K>[]): void {
  const missing = baselines.filter((b) => !kinds.includes(b.kind));
  if (missing.length === 0) return;
  const names = missing.map((b) => b.kind).join(',');
  throw new OptionError(`--check needs ${missing.map((b) => `${b.kind} (${b.neededFor})`).join(' and ')} among --kinds: add ${names} to --kinds, or run without --check`);
}

/** parse(); on an OptionError print `bench: message` and exit 2. */
export function parseOrExit<T>(bench: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof OptionError)) throw error;
    console.error(`${bench}: ${error.message}`);
    process.exit(2);
  }
}
