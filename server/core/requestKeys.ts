/**
 * What the core reads off a request's headers before routing it: the server transaction key
 * (RFC 3261 section 17.2.3), whether it is in a dialog, and where it really came from (noted on
 * its top Via, section 18.2.1 and RFC 3581).
 */
import { formatVia, getHeader, getHeaderValues, parseCSeq, parseNameAddr, parseVia, type SipRequest } from '../../src/protocol/sip/index.ts';
import type { Flow } from './flows.ts';

/** RFC 3261 section 17.2.3: branch + sent-by + method (ACK and CANCEL look up their INVITE). */
export function serverKey(request: SipRequest, method = request.method): string | null {
  const top = getHeaderValues(request, 'via')[0];
  if (top === undefined) return null;
  const via = parseVia(top);
  const branch = via.params.get('branch');
  if (branch && branch.startsWith('z9hG4bK')) return `${branch}|${via.host}:${via.port ?? ''}|${method}`;
  // RFC 2543 peers: fall back on Call-ID, CSeq number and From tag.
  const cseq = parseCSeq(getHeader(request, 'cseq') ?? '0 X').seq;
  const fromTag = parseNameAddr(getHeader(request, 'from') ?? '').params.get('tag') ?? '';
  return `2543|${getHeader(request, 'call-id')}|${cseq}|${fromTag}|${method}`;
}

export function hasToTag(request: SipRequest): boolean {
  return parseNameAddr(getHeader(request, 'to') ?? '').params.has('tag');
}

/**
 * RFC 3261 section 18.2.1 and RFC 3581: note where the request really came from on its top
 * Via (`received`, and `rport` when asked), so responses retrace the path.
 */
export function markReceived(request: SipRequest, flow: Flow): void {
  const index = request.headers.findIndex((h) => h.name.toLowerCase() === 'via' || h.name.toLowerCase() === 'v');
  if (index < 0) return;
  const header = request.headers[index]!;
  const values = getHeaderValues({ headers: [header] }, 'via');
  const via = parseVia(values[0]!);
  const address = flow.remoteAddress.replace(/^::ffff:/, '');
  if (via.params.has('rport')) via.params.set('rport', String(flow.remotePort));
  else if (via.host === address) return;
  via.params.set('received', address);
  values[0] = formatVia(via);
  header.value = values.join(', ');
}
