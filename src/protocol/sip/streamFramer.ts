/**
 * Incremental framing of SIP over a byte stream (TCP, RFC 3261 section 18.3): fed arbitrary
 * slices, it yields each complete message once its header section and Content-Length bytes
 * have arrived. Content-Length is mandatory on streams. CRLF keep-alives between messages
 * (RFC 5626 section 3.5.1) are skipped.
 */
import { concatBytes } from '../bytes.ts';
import { SipError } from './errors.ts';
import { DEFAULT_SIP_LIMITS, findHeaderEnd, parseSipMessage, type SipMessage, type SipParseLimits } from './message.ts';

/**
 * A framing error, with what the same push had framed before it (`framed`, complete and
 * valid: to be handled as usual) and the bytes from the start of the message that failed
 * (`rest`: what an error response is salvaged from). Without these, a valid request and a
 * malformed one in one TCP read lost the valid one and answered it with the other's 400.
 */
export class SipFramingError extends SipError {
  constructor(
    cause: SipError,
    readonly framed: SipMessage[],
    readonly rest: Uint8Array,
  ) {
    super(cause.code, cause.status, cause.message);
  }
}

export class SipStreamFramer {
  private buffer: Uint8Array = new Uint8Array(0);
  private readonly limits: SipParseLimits;

  constructor(limits: Partial<SipParseLimits> = {}) {
    this.limits = { ...DEFAULT_SIP_LIMITS, ...limits };
  }

  /** Append bytes and return the messages they complete. Throws SipFramingError on a framing error. */
  push(chunk: Uint8Array): SipMessage[] {
    this.buffer = this.buffer.length === 0 ? chunk.slice() : concatBytes([this.buffer, chunk]);
    const out: SipMessage[] = [];
    try {
      this.frame(out);
    } catch (error) {
      if (error instanceof SipError) throw new SipFramingError(error, out, this.buffer);
      throw error;
    }
    return out;
  }

  private frame(out: SipMessage[]): void {
    for (;;) {
      let start = 0;
      while (start + 1 < this.buffer.length && this.buffer[start] === 13 && this.buffer[start + 1] === 10) start += 2;
      if (start > 0) this.buffer = this.buffer.slice(start);
      if (this.buffer.length === 0) break;
      const headEnd = findHeaderEnd(this.buffer);
      if (headEnd < 0) {
        // Up to 3 bytes of the blank line may already be here: a header section of exactly
        // maxHeaderBytes must not be refused while its terminator is still arriving.
        if (this.buffer.length > this.limits.maxHeaderBytes + 3) {
          throw new SipError('SIP_ERR_HEADERS_TOO_LARGE', 513, `Header section exceeds ${this.limits.maxHeaderBytes} bytes`);
        }
        break;
      }
      if (headEnd > this.limits.maxHeaderBytes) {
        throw new SipError('SIP_ERR_HEADERS_TOO_LARGE', 513, `Header section exceeds ${this.limits.maxHeaderBytes} bytes`);
      }
      const head = new TextDecoder().decode(this.buffer.subarray(0, headEnd));
      const m = /\r\n(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)/i.exec(head);
      if (!m) throw new SipError('SIP_ERR_CONTENT_LENGTH', 400, 'Content-Length is required on a stream transport');
      const lengthText = m[1]!.trim();
      if (!/^\d+$/.test(lengthText)) throw new SipError('SIP_ERR_CONTENT_LENGTH', 400, `Invalid Content-Length: ${lengthText}`);
      const total = headEnd + 4 + Number(lengthText);
      if (total > this.limits.maxMessageBytes) {
        throw new SipError('SIP_ERR_MESSAGE_TOO_LARGE', 513, `Message of ${total} bytes exceeds ${this.limits.maxMessageBytes}`);
      }
      if (this.buffer.length < total) break;
      out.push(parseSipMessage(this.buffer.subarray(0, total), this.limits));
      this.buffer = this.buffer.slice(total);
    }
  }

  /** Bytes received but not yet part of a complete message. */
  get pending(): number {
    return this.buffer.length;
  }
}
