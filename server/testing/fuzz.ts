/**
 * Seeded, bounded fuzzing for the fuzz suites (issue 9): the inputs a careless or hostile
 * peer sends, built from valid messages (SIP, MSRP: fuzzMessages.ts) by mutations, or random.
 *
 * - One seed per run: FUZZ_SEED (default DEFAULT_FUZZ_SEED). Each suite prints it with the
 *   number of inputs tried (`fuzz: <name>: <N> inputs, seed <S>`), so a failure replays with
 *   the same FUZZ_SEED; fast-check's report adds the counterexample and its path.
 * - Bounded: a property stops at its numRuns or after FUZZ_BUDGET_MS (default 3000 ms),
 *   whichever comes first, so a suite takes a few seconds on a 2-core machine.
 * - Mutations are data (printed in a counterexample as what was done, not as a function):
 *   byte flips and insertions, truncation at every kind of point (inside a line, before its
 *   CR, between CR and LF, in the blank line, in the body, after a colon, before the last
 *   line), lines duplicated, removed, swapped and folded, line ends changed (bare LF, bare CR,
 *   CR CR LF, LF CR, none), a value grown past each size limit, numbers replaced by boundary
 *   values, the message repeated. Besides those: "soup" (lines of the protocol's vocabulary and
 *   noise joined by any line end) and random bytes.
 *
 * Test support only (ARCHITECTURE.md section 4), for the SIP and MSRP fuzz suites of src/ and
 * server/ alike (a test may import server/testing; server code may not import src/testing).
 */
import fc from 'fast-check';
import { CodecError } from '../../src/protocol/errors.ts';

export const DEFAULT_FUZZ_SEED = 20_240_909;

function envNumber(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got ${JSON.stringify(text)}`);
  return value;
}

/** The seed of this run (FUZZ_SEED). */
export const FUZZ_SEED = envNumber('FUZZ_SEED', DEFAULT_FUZZ_SEED);
/** Time budget of one property, in ms (FUZZ_BUDGET_MS). */
export const FUZZ_BUDGET_MS = envNumber('FUZZ_BUDGET_MS', 2500);

/** fast-check parameters of a fuzz property: the run's seed, at most `numRuns`, at most `budgetMs`. */
export function fuzzParameters<T>(numRuns: number, budgetMs = FUZZ_BUDGET_MS): fc.Parameters<T> {
  // The plugin is the same for any property (it only watches the clock).
  return { seed: FUZZ_SEED, numRuns, plugins: [fc.interruptAfterTimeLimit(budgetMs) as fc.Plugin<T>] };
}

/** No single synchronous step of a fuzz property (one parse of at most a few hundred KB) may take this long. */
export const SLOW_STEP_MS = 1000;

/** Runs one synchronous step of a property and fails it when it took SLOW_STEP_MS or more: a hang, or work that grows faster than the input. */
export function quickly<T>(step: () => T): T {
  const start = performance.now();
  try {
    return step();
  } finally {
    const ms = performance.now() - start;
    if (ms >= SLOW_STEP_MS) throw new Error(`one step took ${Math.round(ms)} ms (limit ${SLOW_STEP_MS} ms)`);
  }
}

/**
 * The only way a codec may refuse fuzzed input: an instance of `type` (a CodecError), its code
 * of the codec's family (`SIP_ERR_...`), its status one a receiver answers with. Anything else
 * (a TypeError, a RangeError, a bare Error) is a crash and fails the property.
 */
export function assertCodecRefusal<E extends CodecError>(error: unknown, type: abstract new (...args: never[]) => E, family: string, statuses: readonly number[], input: unknown): asserts error is E {
  const ok = error instanceof type && error instanceof CodecError && error.code.startsWith(`${family}_ERR_`) && statuses.includes(error.status);
  if (!ok) throw new Error(`${fc.stringify(input)} ended in ${String(error)} (${String((error as CodecError)?.code)} ${String((error as CodecError)?.status)}), not a ${type.name} with a ${family}_ERR_ code and status ${statuses.join('/')}`, { cause: error });
}

/** Inputs tried by a suite, printed once at its end as `fuzz: <name>: <N> inputs, seed <S>`. */
export class FuzzTally {
  inputs = 0;
  constructor(readonly name: string) {}

  tried(count = 1): void {
    this.inputs += count;
  }

  line(): string {
    return `fuzz: ${this.name}: ${this.inputs} inputs, seed ${FUZZ_SEED}`;
  }
}

// ---- bytes as text -------------------------------------------------------------------------

/** Bytes as a string of code points 0-255 (lossless both ways, unlike UTF-8). */
export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export function fromLatin1(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

/** Replace every occurrence of a placeholder in the bytes (a Call-ID, a path known only at run time). */
export function replaceAll(bytes: Uint8Array, placeholder: string, value: string): Uint8Array {
  const text = latin1(bytes);
  return text.includes(placeholder) ? fromLatin1(text.split(placeholder).join(value)) : bytes;
}

// ---- mutations -----------------------------------------------------------------------------

/** Where a truncation cuts. */
export type CutPoint = 'anywhere' | 'before-cr' | 'between-cr-lf' | 'after-lf' | 'in-blank-line' | 'in-body' | 'after-colon' | 'before-last-line';

/**
 * One mutation. Positions (`at`, `line`, `nth`) are taken modulo what the message has, so
 * every mutation applies to every message.
 */
export type Mutation =
  | { op: 'flip'; at: number; byte: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; length: number }
  | { op: 'truncate'; at: number; where: CutPoint }
  | { op: 'duplicate-line' | 'remove-line' | 'fold-line'; line: number }
  | { op: 'swap-lines'; line: number; other: number }
  | { op: 'line-end'; line: number; ending: string }
  | { op: 'huge'; line: number; size: number; fill: string }
  | { op: 'number'; nth: number; value: string }
  | { op: 'repeat'; times: number };

/** Bytes parsers treat specially: CR, LF, NUL, DEL, space, tab, colon, comma, angle brackets, quotes, `-`, the MSRP flags, UTF-8 lead and continuation bytes. */
const SPECIAL_BYTES = [13, 10, 0, 127, 32, 9, 58, 44, 60, 62, 34, 59, 61, 45, 36, 43, 35, 0xc3, 0x80, 0xff];

/** Sizes around the limits of the codecs and the core (8 KB MSRP headers, 16 KB SIP headers, 64 KB chunks and messages). */
const HUGE_SIZES = [200, 1024, 8190, 8200, 16_380, 16_400, 65_540];

const BOUNDARY_NUMBERS = ['0', '-1', '00000000000000000001', '4294967296', '9007199254740993', '99999999999999999999999', '1e3', '0x10', '', ' 7', '3.5'];

const LINE_ENDINGS = ['\n', '\r', '\r\r\n', '\n\r', ' \r\n', '', '\r\n\r\n'];

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), byte: fc.oneof(fc.constantFrom(...SPECIAL_BYTES), fc.integer({ min: 0, max: 255 })) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom('\r', '\n', '\r\n', '\0', ' ', ':', ';', ',', '"', '<', '>', '\r\n\r\n', '-------'), fc.string({ maxLength: 8 })) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('truncate' as const),
      at: fc.nat(),
      where: fc.constantFrom<CutPoint>('anywhere', 'before-cr', 'between-cr-lf', 'after-lf', 'in-blank-line', 'in-body', 'after-colon', 'before-last-line'),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom('duplicate-line' as const, 'remove-line' as const, 'fold-line' as const), line: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('swap-lines' as const), line: fc.nat(), other: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('line-end' as const), line: fc.nat(), ending: fc.constantFrom(...LINE_ENDINGS) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('huge' as const), line: fc.nat(), size: fc.constantFrom(...HUGE_SIZES), fill: fc.constantFrom('a', ' ', ',', '<', '"', '\u00e9', '\t') }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('number' as const), nth: fc.nat(), value: fc.constantFrom(...BOUNDARY_NUMBERS) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('repeat' as const), times: fc.integer({ min: 2, max: 3 }) }) },
);

/** Lines as [start, end of content, end including the line end]; a last line without LF ends at the end. */
function lineSpans(text: string): [number, number, number][] {
  const spans: [number, number, number][] = [];
  let start = 0;
  while (start < text.length) {
    const lf = text.indexOf('\n', start);
    if (lf < 0) {
      spans.push([start, text.length, text.length]);
      break;
    }
    spans.push([start, lf > start && text[lf - 1] === '\r' ? lf - 1 : lf, lf + 1]);
    start = lf + 1;
  }
  return spans;
}

function positionsOf(text: string, pattern: RegExp): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(pattern)) out.push(m.index);
  return out;
}

/** Where a truncation at `where` cuts this message (`at` picks among the candidates). */
function cutIndex(text: string, at: number, where: CutPoint): number {
  const pick = (candidates: number[]): number => (candidates.length === 0 ? at % (text.length + 1) : candidates[at % candidates.length]!);
  const blank = text.indexOf('\r\n\r\n');
  switch (where) {
    case 'anywhere':
      return at % (text.length + 1);
    case 'before-cr':
      return pick(positionsOf(text, /\r/g));
    case 'between-cr-lf':
      return pick(positionsOf(text, /\r\n/g).map((i) => i + 1));
    case 'after-lf':
      return pick(positionsOf(text, /\n/g).map((i) => i + 1));
    case 'in-blank-line':
      return blank < 0 ? pick([]) : blank + 2 + (at % 2);
    case 'in-body':
      return blank < 0 || blank + 4 >= text.length ? pick([]) : blank + 4 + (at % (text.length - blank - 4));
    case 'after-colon':
      return pick(positionsOf(text, /:/g).map((i) => i + 1));
    case 'before-last-line': {
      const spans = lineSpans(text);
      return spans.length < 2 ? pick([]) : spans[spans.length - 1]![0];
    }
  }
}

function applyOne(text: string, m: Mutation): string {
  const n = text.length;
  const spans = lineSpans(text);
  const span = (line: number) => spans[line % Math.max(1, spans.length)];
  switch (m.op) {
    case 'flip': {
      if (n === 0) return text;
      const i = m.at % n;
      return text.slice(0, i) + String.fromCharCode(m.byte) + text.slice(i + 1);
    }
    case 'insert': {
      const i = m.at % (n + 1);
      // Code points above 255 become their UTF-8 bytes, as a peer would send them.
      return text.slice(0, i) + latin1(new TextEncoder().encode(m.text)) + text.slice(i);
    }
    case 'delete': {
      const i = m.at % (n + 1);
      return text.slice(0, i) + text.slice(i + m.length);
    }
    case 'truncate':
      return text.slice(0, cutIndex(text, m.at, m.where));
    case 'duplicate-line': {
      const s = span(m.line);
      return s ? text.slice(0, s[2]) + text.slice(s[0], s[2]) + text.slice(s[2]) : text;
    }
    case 'remove-line': {
      const s = span(m.line);
      return s ? text.slice(0, s[0]) + text.slice(s[2]) : text;
    }
    case 'fold-line': {
      // The line continues on the next one, which starts with white space (RFC 3261 section 7.3.1).
      const s = span(m.line);
      if (!s) return text;
      const mid = s[0] + Math.floor((s[1] - s[0]) / 2);
      return `${text.slice(0, mid)}\r\n ${text.slice(mid)}`;
    }
    case 'swap-lines': {
      const a = span(m.line);
      const b = span(m.other);
      if (!a || !b || a[0] === b[0]) return text;
      const [first, second] = a[0] < b[0] ? [a, b] : [b, a];
      return text.slice(0, first[0]) + text.slice(second[0], second[2]) + text.slice(first[2], second[0]) + text.slice(first[0], first[2]) + text.slice(second[2]);
    }
    case 'line-end': {
      const s = span(m.line);
      return s && s[1] < s[2] ? text.slice(0, s[1]) + m.ending + text.slice(s[2]) : text;
    }
    case 'huge': {
      const s = span(m.line);
      const at = s ? s[1] : n;
      return text.slice(0, at) + latin1(new TextEncoder().encode(m.fill)).repeat(m.size) + text.slice(at);
    }
    case 'number': {
      const runs = [...text.matchAll(/\d+/g)];
      if (runs.length === 0) return text;
      const run = runs[m.nth % runs.length]!;
      return text.slice(0, run.index) + m.value + text.slice(run.index + run[0].length);
    }
    case 'repeat':
      return text.repeat(m.times);
  }
}

/** The message after the mutations, in order. */
export function applyMutations(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let text = latin1(bytes);
  for (const m of mutations) text = applyOne(text, m);
  return fromLatin1(text);
}

// ---- inputs --------------------------------------------------------------------------------

/** One fuzz input: its bytes and how it was made (what a counterexample prints). */
export interface FuzzInput {
  readonly bytes: Uint8Array;
  readonly origin: string;
}

function fuzzInput(bytes: Uint8Array, origin: string): FuzzInput {
  return {
    bytes,
    origin,
    [fc.toStringMethod]: () => {
      const text = latin1(bytes);
      return `${origin} (${bytes.length} bytes): ${JSON.stringify(text.length > 400 ? `${text.slice(0, 400)}...` : text)}`;
    },
  } as FuzzInput;
}

/** Lines of a protocol's vocabulary and noise, joined by any line end (never a valid message but close). */
function soup(vocabulary: readonly string[]): fc.Arbitrary<FuzzInput> {
  const piece = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...vocabulary) }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) });
  return fc
    .array(fc.tuple(piece, fc.constantFrom('\r\n', '\r\n', '\r\n', '\n', '\r', '')), { minLength: 1, maxLength: 14 })
    .map((parts) => fuzzInput(new TextEncoder().encode(parts.map(([p, eol]) => p + eol).join('')), 'soup'));
}

/**
 * Inputs from valid messages: some as they are, most mutated one to three times, some soup of
 * the vocabulary, some random bytes.
 */
export function fuzzInputs(valid: fc.Arbitrary<Uint8Array>, vocabulary: readonly string[]): fc.Arbitrary<FuzzInput> {
  return fc.oneof(
    { weight: 2, arbitrary: valid.map((bytes) => fuzzInput(bytes, 'valid')) },
    {
      weight: 12,
      arbitrary: fc
        .tuple(valid, fc.array(mutationArb, { minLength: 1, maxLength: 3 }))
        .map(([bytes, mutations]) => fuzzInput(applyMutations(bytes, mutations), `mutated ${JSON.stringify(mutations)}`)),
    },
    { weight: 2, arbitrary: soup(vocabulary) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 600 }).map((bytes) => fuzzInput(bytes, 'random bytes')) },
  );
}

/** Cut points that split `length` bytes into slices (sorted, distinct, inside). */
export function slicesOf(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].filter((c) => c > 0).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}
