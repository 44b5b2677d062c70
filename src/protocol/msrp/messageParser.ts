/**
 * Whole MSRP messages from the incremental parser's events (parser.ts). `MsrpParser` collects
 * every message a pushed slice completes; `parseMsrpMessage` parses exactly one message, the
 * common case over WebSocket where one WebSocket message carries one MSRP message (RFC 7977
 * section 5).
 */
import { concatBytes } from '../bytes.ts';
import { MsrpError } from './errors.ts';
import type { MsrpHead, MsrpMessage } from './model.ts';
import { MsrpStreamParser, type MsrpParserLimits } from './parser.ts';

/**
 * Collects whole messages. A body that arrived in one slice is a view into that slice
 * (no copy); one spread over several slices is copied into a single array.
 */
export class MsrpParser {
  private readonly stream: MsrpStreamParser;
  private out: MsrpMessage[] = [];
  private head: MsrpHead | undefined;
  private hasBody = false;
  private parts: Uint8Array[] = [];
  private length = 0;

  constructor(limits: Partial<MsrpParserLimits> = {}) {
    this.stream = new MsrpStreamParser(
      {
        onHead: (head, hasBody) => {
          this.head = head;
          this.hasBody = hasBody;
          this.parts = [];
          this.length = 0;
        },
        onBodyData: (data) => {
          this.parts.push(data);
          this.length += data.length;
        },
        onEnd: (flag) => {
          const head = this.head!;
          const message = { ...head, flag } as MsrpMessage;
          if (this.hasBody) {
            message.body = this.parts.length === 1 ? this.parts[0]! : concatBytes(this.parts, this.length);
          }
          this.out.push(message);
          this.head = undefined;
          this.parts = [];
        },
      },
      limits,
    );
  }

  /** Feed bytes; returns the messages they complete, in order. Throws MsrpError. */
  push(data: Uint8Array): MsrpMessage[] {
    this.out = [];
    this.stream.push(data);
    return this.out;
  }

  get idle(): boolean {
    return this.stream.idle;
  }

  /** The error for a message cut off here, with what was read of it (MsrpStreamParser.incomplete). */
  incomplete(message: string): MsrpError {
    return this.stream.incomplete(message);
  }

  reset(): void {
    this.stream.reset();
    this.head = undefined;
    this.parts = [];
    this.length = 0;
  }
}

/**
 * Parse bytes holding exactly one MSRP message (one WebSocket message, RFC 7977 section 5).
 * Throws MSRP_ERR_INCOMPLETE when it ends early and MSRP_ERR_TRAILING_DATA when more follows.
 */
export function parseMsrpMessage(bytes: Uint8Array, limits: Partial<MsrpParserLimits> = {}): MsrpMessage {
  const parser = new MsrpParser(limits);
  const messages = parser.push(bytes);
  // No end-line (missing, or naming another transaction): the transaction ID and head, when
  // read, travel with the error so the receiver can answer 400 (RFC 4975 section 7.3).
  if (messages.length === 0) throw parser.incomplete('Incomplete MSRP message: no end-line for this transaction');
  if (messages.length > 1 || !parser.idle) {
    throw new MsrpError('MSRP_ERR_TRAILING_DATA', 400, 'Bytes after the end of the MSRP message', {
      transactionId: messages[0]!.transactionId,
    });
  }
  return messages[0]!;
}
