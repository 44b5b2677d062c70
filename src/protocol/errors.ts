/**
 * The one base of every codec error in src/protocol. Each carries a stable `code` (for tests,
 * logs and callers that branch on the cause), the `status` a receiver answers a request that
 * carried the bad input with (SIP 400/413/415/488/513, MSRP 400/413, ...), and a message that
 * names the cause. Every subclass takes them in that order: (code, status, message).
 */
export class CodecError<Code extends string = string, Status extends number = number> extends Error {
  readonly code: Code;
  readonly status: Status;

  constructor(code: Code, status: Status, message: string) {
    super(message);
    this.code = code;
    this.status = status;
  }
}
