/**
 * Incremental MSRP parser (RFC 4975 sections 6, 7 and 9), in the style of ws's
 * lib/receiver.js: an explicit state machine fed arbitrary slices.
 *
 * ```
 *            start line                blank line
 *  StartLine ----------> Headers -------------------> Body
 *      ^                  |  ^ header line              |
 *      |   end-line (no   |  '--'                       | CRLF end-line CRLF
 *      '--- body) --------'                             |
 *      '------------------------------------------------'
 *   any state --error--> Failed --reset()--> StartLine
 * ```
 *
 * `MsrpStreamParser` reports a message as it arrives: `onHead` once the header section is
 * complete, `onBodyData` for each run of body bytes (views into the pushed slices, never a
 * copy of a whole chunk), `onEnd` with the continuation flag. Whole messages are collected
 * from those events by messageParser.ts (`MsrpParser`, `parseMsrpMessage`).
 *
 * The body ends at the first `CRLF "-------" transaction-id flag CRLF` (RFC 4975 sections 6
 * and 7.1.1); the terminator may be split across any number of slices. Because CR occurs
 * only at the start of `CRLF -------tid`, a failed partial match never hides the start of
 * another one except at the byte that broke it, which is examined again.
 */
import { concatBytes } from '../bytes.ts';
import { MsrpError } from './errors.ts';
import {
  isIdent,
  isToken,
  parseByteRange,
  parsePath,
  parseStatusHeader,
} from './message.ts';
import type { MsrpFlag, MsrpHead } from './model.ts';

export interface MsrpParserLimits {
  /** Bytes of start line and headers, including the blank line or, without a body, the end-line. */
  maxHeaderBytes: number;
  /** Body bytes of one SEND chunk; past it: MSRP_ERR_CHUNK_TOO_LARGE, 413. */
  maxChunkBytes: number;
  /** Body bytes of any other request or of a response; past it: MSRP_ERR_BODY_TOO_LARGE, 413. */
  maxNonSendBodyBytes: number;
}

/** Chunks stay below 64 KB over WebSocket (ARCHITECTURE.md section 2). */
export const DEFAULT_MSRP_LIMITS: Readonly<MsrpParserLimits> = {
  maxHeaderBytes: 8192,
  maxChunkBytes: 65536,
  maxNonSendBodyBytes: 8192,
};

/** Receives a message as it is parsed. Body views stay valid as long as the pushed slices do. */
export interface MsrpSink {
  onHead(head: MsrpHead, hasBody: boolean): void;
  onBodyData(data: Uint8Array): void;
  onEnd(flag: MsrpFlag): void;
}

type State = 'start-line' | 'headers' | 'body' | 'failed';

const TRANSITIONS: Readonly<Record<State, readonly State[]>> = {
  'start-line': ['headers', 'failed'],
  headers: ['headers', 'body', 'start-line', 'failed'],
  body: ['start-line', 'failed'],
  failed: ['start-line'],
};

const CR = 13;
const LF = 10;
const DASH = 45;
const FLAGS: Readonly<Record<number, MsrpFlag>> = { 36: '$', 43: '+', 35: '#' };
const FLAG_CHARS = '$+#';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const ascii = new TextEncoder();

export class MsrpStreamParser {
  private state: State = 'start-line';
  private readonly limits: MsrpParserLimits;
  private readonly sink: MsrpSink;
  private failure: unknown;

  // Line assembly (start line and headers).
  private lineParts: Uint8Array[] = [];
  private lineLength = 0;
  private headBytes = 0;

  // Message being read.
  private head: MsrpHead | undefined;
  private transactionId = '';
  private seen = new Set<string>();

  // Body: terminator `CRLF -------tid F CRLF`, with F matched as any flag at flagAt.
  private terminator: Uint8Array = new Uint8Array(0);
  private flagAt = 0;
  private matched = 0;
  private bodyBytes = 0;
  private bodyLimit = 0;
  private flag: MsrpFlag = '$';

  constructor(sink: MsrpSink, limits: Partial<MsrpParserLimits> = {}) {
    this.sink = sink;
    this.limits = { ...DEFAULT_MSRP_LIMITS, ...limits };
  }

  /** True between messages: nothing of a next message has been received. */
  get idle(): boolean {
    return this.state === 'start-line' && this.lineLength === 0;
  }

  /**
   * An MsrpError for the message in progress ending here (its end-line never came): with its
   * transaction ID and head when they were read, so the receiver can still answer it.
   */
  incomplete(message: string): MsrpError {
    return this.error('MSRP_ERR_INCOMPLETE', 400, message);
  }

  /** Feed bytes. Throws MsrpError on a protocol error; the parser then stays failed until reset(). */
  push(data: Uint8Array): void {
    if (this.state === 'failed') throw this.failure;
    try {
      let i = 0;
      while (i < data.length) {
        i = this.state === 'body' ? this.readBody(data, i) : this.readLine(data, i);
      }
    } catch (err) {
      this.failure = err;
      this.state = 'failed';
      throw err;
    }
  }

  /** Drop any partial message and start again at a message boundary (e.g. the next WebSocket message). */
  reset(): void {
    this.transition('start-line');
    this.failure = undefined;
    this.startMessage();
  }

  private transition(to: State): void {
    if (this.state !== to && !TRANSITIONS[this.state].includes(to)) {
      throw new Error(`MsrpStreamParser: illegal transition ${this.state} -> ${to}`);
    }
    this.state = to;
  }

  private startMessage(): void {
    this.lineParts = [];
    this.lineLength = 0;
    this.headBytes = 0;
    this.head = undefined;
    this.transactionId = '';
    this.seen = new Set();
    this.matched = 0;
    this.bodyBytes = 0;
  }

  private error(code: ConstructorParameters<typeof MsrpError>[0], status: 400 | 413, message: string): MsrpError {
    return new MsrpError(code, status, message, { transactionId: this.transactionId || undefined, head: this.head });
  }

  // ---- start line and headers ------------------------------------------------------------

  private readLine(data: Uint8Array, from: number): number {
    const lf = data.indexOf(LF, from);
    const end = lf < 0 ? data.length : lf + 1;
    this.headBytes += end - from;
    if (this.headBytes > this.limits.maxHeaderBytes) {
      throw this.error('MSRP_ERR_HEADERS_TOO_LARGE', 400, `Header section exceeds ${this.limits.maxHeaderBytes} bytes`);
    }
    if (lf < 0) {
      this.lineParts.push(data.subarray(from));
      this.lineLength += data.length - from;
      return data.length;
    }
    let line: Uint8Array;
    if (this.lineParts.length === 0) {
      line = data.subarray(from, lf + 1);
    } else {
      this.lineParts.push(data.subarray(from, lf + 1));
      line = concatBytes(this.lineParts, this.lineLength + lf + 1 - from);
    }
    this.lineParts = [];
    this.lineLength = 0;
    if (line.length < 2 || line[line.length - 2] !== CR) {
      throw this.error(this.state === 'start-line' ? 'MSRP_ERR_START_LINE' : 'MSRP_ERR_HEADER', 400, 'Line not terminated by CRLF');
    }
    const content = line.subarray(0, line.length - 2);
    if (content.includes(CR)) throw this.error('MSRP_ERR_HEADER', 400, 'Bare CR in header section');
    if (this.state === 'start-line') this.onStartLine(content);
    else this.onHeaderLine(content);
    return end;
  }

  private decode(bytes: Uint8Array): string {
    try {
      return utf8.decode(bytes);
    } catch {
      throw this.error(this.state === 'start-line' ? 'MSRP_ERR_START_LINE' : 'MSRP_ERR_HEADER', 400, 'Invalid UTF-8 in header section');
    }
  }

  private onStartLine(bytes: Uint8Array): void {
    const line = this.decode(bytes);
    const m = /^MSRP ([^ ]+) (?:([A-Z]+)|(\d{3})(?: (.*))?)$/.exec(line);
    if (!m) {
      const tid = /^MSRP ([^ ]+) /.exec(line)?.[1];
      if (tid && isIdent(tid)) this.transactionId = tid;
      throw this.error('MSRP_ERR_START_LINE', 400, `Invalid start line: ${line.slice(0, 80)}`);
    }
    const tid = m[1]!;
    if (!isIdent(tid)) throw this.error('MSRP_ERR_TRANSACTION_ID', 400, `Invalid transaction ID: ${tid.slice(0, 80)}`);
    this.transactionId = tid;
    const fields = { toPath: [], fromPath: [], extraHeaders: [] };
    if (m[2] !== undefined) {
      this.head = { kind: 'request', transactionId: tid, method: m[2], ...fields };
    } else {
      this.head = { kind: 'response', transactionId: tid, code: Number(m[3]), ...fields };
      if (m[4] !== undefined && m[4] !== '') this.head.comment = m[4];
    }
    this.transition('headers');
  }

  private onHeaderLine(bytes: Uint8Array): void {
    const head = this.head!;
    if (bytes.length === 0) {
      this.completeHead(true);
      this.beginBody();
      return;
    }
    if (bytes[0] === DASH && bytes.length >= 7 && bytes.subarray(0, 7).every((b) => b === DASH)) {
      const text = this.decode(bytes);
      const flag = text.at(-1)!;
      if (text.slice(7, -1) !== this.transactionId || !FLAG_CHARS.includes(flag)) {
        throw this.error('MSRP_ERR_END_LINE', 400, `End-line does not match transaction ${this.transactionId}`);
      }
      this.completeHead(false);
      this.transition('start-line');
      this.startMessage();
      this.sink.onEnd(flag as MsrpFlag);
      return;
    }
    const line = this.decode(bytes);
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon);
    if (!isToken(name)) throw this.error('MSRP_ERR_HEADER', 400, `Invalid header line: ${line.slice(0, 80)}`);
    const value = line.slice(colon + 1).replace(/^[ \t]+/, '').replace(/[ \t]+$/, '');
    const key = name.toLowerCase();
    if (key in KNOWN_LOWER) {
      if (this.seen.has(key)) throw this.error('MSRP_ERR_HEADER', 400, `Duplicate ${name} header`);
      this.seen.add(key);
    }
    try {
      switch (key) {
        case 'to-path':
          head.toPath = parsePath(value);
          break;
        case 'from-path':
          head.fromPath = parsePath(value);
          break;
        case 'message-id':
          if (!isIdent(value)) throw this.error('MSRP_ERR_MESSAGE_ID', 400, `Invalid Message-ID: ${value.slice(0, 80)}`);
          head.messageId = value;
          break;
        case 'byte-range':
          head.byteRange = parseByteRange(value);
          break;
        case 'content-type':
          head.contentType = value;
          break;
        case 'success-report':
          if (value !== 'yes' && value !== 'no') throw this.error('MSRP_ERR_HEADER', 400, `Invalid Success-Report: ${value}`);
          head.successReport = value;
          break;
        case 'failure-report':
          if (value !== 'yes' && value !== 'no' && value !== 'partial') {
            throw this.error('MSRP_ERR_HEADER', 400, `Invalid Failure-Report: ${value}`);
          }
          head.failureReport = value;
          break;
        case 'status':
          head.status = parseStatusHeader(value);
          break;
        default:
          head.extraHeaders.push({ name, value });
      }
    } catch (err) {
      if (err instanceof MsrpError && err.transactionId === undefined) {
        throw this.error(err.code, 400, err.message);
      }
      throw err;
    }
  }

  private completeHead(hasBody: boolean): void {
    const head = this.head!;
    if (head.toPath.length === 0) throw this.error('MSRP_ERR_MISSING_HEADER', 400, 'Missing To-Path');
    if (head.fromPath.length === 0) throw this.error('MSRP_ERR_MISSING_HEADER', 400, 'Missing From-Path');
    this.sink.onHead(head, hasBody);
  }

  // ---- body --------------------------------------------------------------------------------

  private beginBody(): void {
    const tid = this.transactionId;
    this.terminator = ascii.encode(`\r\n-------${tid}$\r\n`);
    this.flagAt = 9 + tid.length;
    this.matched = 0;
    this.bodyBytes = 0;
    const head = this.head!;
    this.bodyLimit = head.kind === 'request' && head.method === 'SEND' ? this.limits.maxChunkBytes : this.limits.maxNonSendBodyBytes;
    this.transition('body');
  }

  private emit(data: Uint8Array): void {
    if (data.length === 0) return;
    this.bodyBytes += data.length;
    if (this.bodyBytes > this.bodyLimit) {
      const send = this.head!.kind === 'request' && this.head!.method === 'SEND';
      throw this.error(
        send ? 'MSRP_ERR_CHUNK_TOO_LARGE' : 'MSRP_ERR_BODY_TOO_LARGE',
        413,
        `Body exceeds ${this.bodyLimit} bytes`,
      );
    }
    this.sink.onBodyData(data);
  }

  /** Bytes of the terminator matched so far, flag substituted: body after all. */
  private heldBytes(count: number): Uint8Array {
    const held = this.terminator.slice(0, count);
    if (count > this.flagAt) held[this.flagAt] = this.flag.charCodeAt(0);
    return held;
  }

  private readBody(data: Uint8Array, from: number): number {
    const t = this.terminator;
    const n = data.length;
    let held = this.matched; // terminator bytes carried over from earlier slices
    let matchStart = -1; // where the current partial match began in this slice
    const runStart = from;
    let i = from;
    while (i < n) {
      if (this.matched === 0) {
        const cr = data.indexOf(CR, i);
        if (cr < 0) {
          i = n;
          break;
        }
        matchStart = cr;
        this.matched = 1;
        i = cr + 1;
        continue;
      }
      const b = data[i]!;
      const ok = this.matched === this.flagAt ? FLAGS[b] !== undefined : b === t[this.matched];
      if (ok) {
        if (this.matched === this.flagAt) this.flag = FLAGS[b]!;
        this.matched++;
        i++;
        if (this.matched === t.length) {
          if (matchStart >= 0) this.emit(data.subarray(runStart, matchStart));
          const flag = this.flag;
          this.transition('start-line');
          this.startMessage();
          this.sink.onEnd(flag);
          return i;
        }
        continue;
      }
      // Mismatch: the partial match was body. Bytes held from earlier slices come first.
      if (held > 0) {
        this.emit(this.heldBytes(held));
        held = 0;
      }
      this.matched = 0;
      matchStart = -1;
      // data[i] is examined again: it may start the terminator.
    }
    if (this.matched === 0) {
      this.emit(data.subarray(runStart, n));
    } else if (matchStart >= 0) {
      this.emit(data.subarray(runStart, matchStart));
    }
    // else: the partial match began in an earlier slice and covers all of this one.
    return n;
  }
}

const KNOWN_LOWER: Readonly<Record<string, true>> = {
  'to-path': true,
  'from-path': true,
  'message-id': true,
  'byte-range': true,
  'content-type': true,
  'success-report': true,
  'failure-report': true,
  status: true,
};
