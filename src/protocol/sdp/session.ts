/**
 * A small generic SDP (RFC 4566) line codec: session-level origin, name and connection, and
 * per media its m= line, connection and attributes in order. sdp-transform was considered
 * and not used: it files a=path, a=accept-types, a=file-selector and the other MSRP and
 * RFC 5547 attributes under `invalid`, and reads o= session IDs as numbers, losing digits.
 */
import { SdpError } from './errors.ts';

export interface SdpOrigin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

export interface SdpConnection {
  netType: string;
  addrType: string;
  address: string;
}

export interface SdpAttribute {
  name: string;
  /** Absent for property attributes (`a=sendonly`). */
  value?: string;
}

export interface SdpMedia {
  type: string;
  port: number;
  protocol: string;
  formats: string[];
  connection?: SdpConnection;
  attributes: SdpAttribute[];
}

export interface SdpSession {
  origin: SdpOrigin;
  sessionName: string;
  connection?: SdpConnection;
  /** Session-level attributes. */
  attributes: SdpAttribute[];
  media: SdpMedia[];
}

function syntax(message: string): never {
  throw new SdpError('SDP_ERR_SYNTAX', 400, message);
}

function parseConnection(value: string): SdpConnection {
  const parts = value.trim().split(/\s+/);
  if (parts.length !== 3) syntax(`Invalid c= line: ${value}`);
  return { netType: parts[0]!, addrType: parts[1]!, address: parts[2]! };
}

function parseAttribute(value: string): SdpAttribute {
  const colon = value.indexOf(':');
  return colon < 0 ? { name: value } : { name: value.slice(0, colon), value: value.slice(colon + 1) };
}

/** Parse SDP text (CRLF or LF line ends). Throws SDP_ERR_SYNTAX (400). */
export function parseSdp(text: string): SdpSession {
  const lines = text.split(/\r?\n/).filter((l) => l !== '');
  if (lines[0] !== 'v=0') syntax('SDP must start with v=0');
  let origin: SdpOrigin | undefined;
  let sessionName = '';
  let connection: SdpConnection | undefined;
  const attributes: SdpAttribute[] = [];
  const media: SdpMedia[] = [];
  for (const line of lines.slice(1)) {
    if (line.length < 2 || line[1] !== '=') syntax(`Invalid SDP line: ${line}`);
    const type = line[0]!;
    const value = line.slice(2);
    const current = media[media.length - 1];
    switch (type) {
      case 'o': {
        const p = value.trim().split(/\s+/);
        if (p.length !== 6) syntax(`Invalid o= line: ${value}`);
        origin = { username: p[0]!, sessionId: p[1]!, sessionVersion: p[2]!, netType: p[3]!, addrType: p[4]!, address: p[5]! };
        break;
      }
      case 's':
        sessionName = value;
        break;
      case 'c':
        if (current) current.connection = parseConnection(value);
        else connection = parseConnection(value);
        break;
      case 'm': {
        const m = /^(\S+) (\d+)(?:\/\d+)? (\S+)(?: (.*))?$/.exec(value);
        if (!m) syntax(`Invalid m= line: ${value}`);
        media.push({ type: m[1]!, port: Number(m[2]), protocol: m[3]!, formats: (m[4] ?? '').split(' ').filter(Boolean), attributes: [] });
        break;
      }
      case 'a':
        (current ? current.attributes : attributes).push(parseAttribute(value));
        break;
      default:
      // v t r z k b i u e p: not used by MSRP sessions.
    }
  }
  if (!origin) syntax('Missing o= line');
  const session: SdpSession = { origin, sessionName, attributes, media };
  if (connection) session.connection = connection;
  return session;
}

/** Serialize, with the line order of RFC 4566 section 5 and CRLF line ends. */
export function formatSdp(session: SdpSession): string {
  const o = session.origin;
  const lines = ['v=0', `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`, `s=${session.sessionName || '-'}`];
  const c = (x: SdpConnection): string => `c=${x.netType} ${x.addrType} ${x.address}`;
  const a = (x: SdpAttribute): string => (x.value === undefined ? `a=${x.name}` : `a=${x.name}:${x.value}`);
  if (session.connection) lines.push(c(session.connection));
  lines.push('t=0 0');
  for (const attr of session.attributes) lines.push(a(attr));
  for (const m of session.media) {
    lines.push(`m=${m.type} ${m.port} ${m.protocol}${m.formats.length ? ` ${m.formats.join(' ')}` : ''}`);
    if (m.connection) lines.push(c(m.connection));
    for (const attr of m.attributes) lines.push(a(attr));
  }
  return `${lines.join('\r\n')}\r\n`;
}
