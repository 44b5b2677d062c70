/**
 * Helpers for the endpoints: chunk planning, responses and REPORTs (RFC 4975 section 7).
 */
import { MsrpError } from './errors.ts';
import { MSRP_REASONS } from './message.ts';
import type { ByteRange, MsrpRequest, MsrpRequestHead } from './model.ts';
import type { MsrpRequestInit, MsrpResponseInit } from './serializer.ts';

/** Body size per chunk that keeps a SEND with generous headers under a 64 KB WebSocket frame. */
export const DEFAULT_CHUNK_SIZE = 61440;

/**
 * Byte-Ranges that cover `totalBytes` in chunks of at most `chunkSize` (RFC 4975 section
 * 7.1.1), starting at byte `firstByte` (1-based; above 1 to resume, RFC 5547 section 8).
 * An empty content is one empty chunk `1-0/0`.
 */
export function chunkPlan(totalBytes: number, chunkSize: number, firstByte = 1): ByteRange[] {
  if (!Number.isSafeInteger(totalBytes) || totalBytes < 0) throw new RangeError(`Invalid total: ${totalBytes}`);
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new RangeError(`Invalid chunk size: ${chunkSize}`);
  if (!Number.isSafeInteger(firstByte) || firstByte < 1 || firstByte > totalBytes + 1) {
    throw new RangeError(`Invalid first byte: ${firstByte}`);
  }
  if (totalBytes === 0) return [{ start: 1, end: 0, total: 0 }];
  const out: ByteRange[] = [];
  for (let start = firstByte; start <= totalBytes; start += chunkSize) {
    out.push({ start, end: Math.min(start + chunkSize - 1, totalBytes), total: totalBytes });
  }
  return out;
}

/**
 * Whether a request gets a transaction response with this status (RFC 4975 section 7.1.2):
 * never for REPORT; for SEND, none when Failure-Report is `no`, only errors when `partial`;
 * other methods (answered 501) always.
 */
export function responseDue(request: MsrpRequestHead, code: number): boolean {
  if (request.method === 'REPORT') return false;
  if (request.method !== 'SEND') return true;
  if (request.failureReport === 'no') return false;
  if (request.failureReport === 'partial') return code !== 200;
  return true;
}

/**
 * The response to a request, or null when none is due (see responseDue). Responses are hop
 * by hop (RFC 4975 section 7.2): To-Path is the previous hop (first From-Path URI), From-Path
 * the responder (last To-Path URI).
 */
export function makeResponse(request: MsrpRequestHead, code: number, comment?: string): MsrpResponseInit | null {
  if (!responseDue(request, code)) return null;
  const response: MsrpResponseInit = {
    kind: 'response',
    transactionId: request.transactionId,
    code,
    toPath: [request.fromPath[0]!],
    fromPath: [request.toPath[request.toPath.length - 1]!],
  };
  const text = comment ?? MSRP_REASONS[code];
  if (text !== undefined && text !== '') response.comment = text;
  return response;
}

/** Whether the sender asked for a success REPORT (RFC 4975 section 7.1.2, default `no`). */
export function successReportWanted(request: MsrpRequestHead): boolean {
  return request.successReport === 'yes';
}

/**
 * Whether the sender asked for a failure REPORT with this status (RFC 4975 section 7.1.2):
 * default `yes`; `partial` and `yes` both want failures.
 */
export function failureReportWanted(request: MsrpRequestHead): boolean {
  return request.failureReport !== 'no';
}

/**
 * A REPORT for a SEND (RFC 4975 section 7.1.2): end to end, To-Path the SEND's From-Path,
 * From-Path the reporting endpoint, same Message-ID, `Status: 000 <code> <reason>`, and the
 * Byte-Range reported (by default the SEND's). The transaction ID is chosen at serialization.
 */
export function makeReport(request: MsrpRequestHead | MsrpRequest, code = 200, byteRange?: ByteRange, reason?: string): MsrpRequestInit {
  if (request.messageId === undefined) {
    throw new MsrpError('MSRP_ERR_MISSING_HEADER', 400, 'A REPORT needs the Message-ID of the request', {
      transactionId: request.transactionId,
    });
  }
  const range = byteRange ?? request.byteRange;
  const text = reason ?? MSRP_REASONS[code];
  const report: MsrpRequestInit = {
    method: 'REPORT',
    toPath: [...request.fromPath],
    fromPath: [request.toPath[request.toPath.length - 1]!],
    messageId: request.messageId,
    status: text ? { namespace: '000', code, reason: text } : { namespace: '000', code },
  };
  if (range !== undefined) report.byteRange = range;
  return report;
}
