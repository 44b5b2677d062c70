/**
 * MSRP URIs (RFC 4975 section 9, `;ws` transport of RFC 7977 section 5):
 * `msrp[s]://[user@]host[:port][/session-id];transport[;param...]`.
 */
import { MsrpError } from './errors.ts';

export interface MsrpUri {
  /** `msrps` (TLS; over WebSocket, WSS). */
  secure: boolean;
  user?: string;
  /** Host as written; IPv6 references keep their brackets. */
  host: string;
  port?: number;
  /** Absent in relay URIs (RFC 4976). */
  sessionId?: string;
  /** `tcp`, or `ws` for WebSocket (RFC 7977 section 5). */
  transport: string;
  /** Further URI parameters, as written (`name` or `name=value`). */
  params: string[];
}

const URI =
  /^(msrps?):\/\/(?:([^@/;\s]+)@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,=]+)(?::(\d{1,5}))?(?:\/([A-Za-z0-9\-._~+=/%]+))?;([A-Za-z0-9]+)((?:;[^;\s]+)*)$/i;

/** Parse an MSRP URI. Throws MSRP_ERR_URI (400). */
export function parseMsrpUri(text: string): MsrpUri {
  const m = URI.exec(text);
  const port = m?.[4] === undefined ? undefined : Number(m[4]);
  if (!m || (port !== undefined && port > 65535)) throw new MsrpError('MSRP_ERR_URI', 400, `Invalid MSRP URI: ${text}`);
  const uri: MsrpUri = {
    secure: m[1]!.toLowerCase() === 'msrps',
    host: m[3]!,
    transport: m[6]!,
    params: m[7] ? m[7].slice(1).split(';') : [],
  };
  if (m[2] !== undefined) uri.user = m[2];
  if (port !== undefined) uri.port = port;
  if (m[5] !== undefined) uri.sessionId = m[5];
  return uri;
}

export function formatMsrpUri(uri: MsrpUri): string {
  let s = `${uri.secure ? 'msrps' : 'msrp'}://`;
  if (uri.user !== undefined) s += `${uri.user}@`;
  s += uri.host;
  if (uri.port !== undefined) s += `:${uri.port}`;
  if (uri.sessionId !== undefined) s += `/${uri.sessionId}`;
  s += `;${uri.transport}`;
  for (const p of uri.params) s += `;${p}`;
  return s;
}

function asUri(u: string | MsrpUri): MsrpUri {
  return typeof u === 'string' ? parseMsrpUri(u) : u;
}

/**
 * URI equality of RFC 4975 section 6.1: scheme, host (case-insensitive), port (an explicit
 * port never equals an absent one), session-id (case-sensitive), transport (case-insensitive).
 * User part and other parameters are not compared.
 */
export function msrpUriEquals(a: string | MsrpUri, b: string | MsrpUri): boolean {
  const x = asUri(a);
  const y = asUri(b);
  return (
    x.secure === y.secure &&
    x.host.toLowerCase() === y.host.toLowerCase() &&
    x.port === y.port &&
    x.sessionId === y.sessionId &&
    x.transport.toLowerCase() === y.transport.toLowerCase()
  );
}

/**
 * Session matching for WebSocket clients (RFC 7977 section 5): the client's host is a made-up
 * `.invalid` name, so an endpoint matches a URI to its session by session-id alone.
 */
export function sameSession(a: string | MsrpUri, b: string | MsrpUri): boolean {
  const x = asUri(a).sessionId;
  return x !== undefined && x === asUri(b).sessionId;
}

/**
 * The endpoint of a path: its last URI (To-Path lists the destination last, From-Path the
 * originator last, RFC 4975 section 7.1).
 */
export function pathEndpoint(path: readonly string[]): string | undefined {
  return path[path.length - 1];
}
