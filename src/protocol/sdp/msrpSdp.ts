/**
 * SDP offer/answer for MSRP sessions (RFC 4975 section 8, RFC 7977 section 5 for
 * TCP/WS/MSRP and TCP/WSS/MSRP, RFC 6135 and RFC 4145 for a=setup, RFC 5547 for file
 * transfer, RFC 3264 for offer/answer).
 */
import { SdpError } from './errors.ts';
import {
  formatFileDate,
  formatFileRange,
  formatFileSelector,
  parseFileDate,
  parseFileRange,
  parseFileSelector,
  type FileDate,
  type FileRange,
  type FileSelector,
} from './fileTransfer.ts';
import { formatSdp, parseSdp, type SdpAttribute, type SdpConnection, type SdpMedia, type SdpOrigin } from './session.ts';

export type MsrpSdpProtocol = 'TCP/MSRP' | 'TCP/TLS/MSRP' | 'TCP/WS/MSRP' | 'TCP/WSS/MSRP';
export const MSRP_PROTOCOLS: readonly MsrpSdpProtocol[] = ['TCP/MSRP', 'TCP/TLS/MSRP', 'TCP/WS/MSRP', 'TCP/WSS/MSRP'];
/** What a browser can use: it reaches the peer's path over WebSocket (RFC 7977 section 5). */
export const MSRP_WS_PROTOCOLS: readonly MsrpSdpProtocol[] = ['TCP/WS/MSRP', 'TCP/WSS/MSRP'];

export type SdpSetup = 'active' | 'passive' | 'actpass' | 'holdconn';
export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** The MSRP media of an SDP body, with the RFC 5547 file description when present. */
export interface MsrpMediaDescription {
  protocol: MsrpSdpProtocol;
  port: number;
  /** Media-level c= line, else the session-level one. */
  connection?: SdpConnection;
  /** a=path: relays first, the endpoint's URI last (RFC 4975 section 8.1). */
  path: string[];
  acceptTypes: string[];
  acceptWrappedTypes: string[];
  setup?: SdpSetup;
  /** a=sendonly/recvonly/sendrecv/inactive; sendrecv when absent (RFC 4566 section 6). */
  direction: SdpDirection;
  maxSize?: number;
  fileSelector?: FileSelector;
  fileTransferId?: string;
  /** `render`, `attachment`, ... (RFC 5547 section 6). */
  fileDisposition?: string;
  fileDate?: FileDate;
  fileRange?: FileRange;
  /** Every other media-level attribute, in order. */
  otherAttributes: SdpAttribute[];
}

export interface MsrpOffer extends MsrpMediaDescription {
  origin: SdpOrigin;
  sessionName: string;
  /** Index of the chosen m= line among all of them; the answer keeps their number (RFC 3264 section 6). */
  mediaIndex: number;
  /** All m= lines of the offer, to reject the others in the answer with port 0. */
  media: Pick<SdpMedia, 'type' | 'port' | 'protocol' | 'formats'>[];
}

export interface ParseMsrpOfferOptions {
  /** Transports the caller can use; default all four. The browser passes MSRP_WS_PROTOCOLS. */
  protocols?: readonly MsrpSdpProtocol[];
}

const SETUPS: readonly string[] = ['active', 'passive', 'actpass', 'holdconn'];

function notAcceptable(code: 'SDP_ERR_NO_MSRP_MEDIA' | 'SDP_ERR_PATH' | 'SDP_ERR_SETUP' | 'SDP_ERR_DIRECTION' | 'SDP_ERR_ATTRIBUTE', message: string): never {
  throw new SdpError(code, 488, message);
}

function list(value: string | undefined): string[] {
  return (value ?? '').trim().split(/\s+/).filter(Boolean);
}

/** Read the MSRP attributes of one m=message line. Throws SdpError (488) on bad values. */
export function readMsrpMedia(media: SdpMedia, sessionConnection?: SdpConnection): MsrpMediaDescription {
  const out: MsrpMediaDescription = {
    protocol: media.protocol.toUpperCase() as MsrpSdpProtocol,
    port: media.port,
    path: [],
    acceptTypes: [],
    acceptWrappedTypes: [],
    direction: 'sendrecv',
    otherAttributes: [],
  };
  const connection = media.connection ?? sessionConnection;
  if (connection) out.connection = connection;
  let sawAcceptTypes = false;
  for (const attr of media.attributes) {
    const name = attr.name.toLowerCase();
    const value = attr.value?.trim();
    switch (name) {
      case 'path':
        out.path = list(value);
        break;
      case 'accept-types':
        sawAcceptTypes = true;
        out.acceptTypes = list(value);
        break;
      case 'accept-wrapped-types':
        out.acceptWrappedTypes = list(value);
        break;
      case 'setup':
        if (!value || !SETUPS.includes(value.toLowerCase())) notAcceptable('SDP_ERR_SETUP', `Invalid a=setup: ${value}`);
        out.setup = value.toLowerCase() as SdpSetup;
        break;
      case 'sendrecv':
      case 'sendonly':
      case 'recvonly':
      case 'inactive':
        out.direction = name;
        break;
      case 'max-size':
        if (!value || !/^\d{1,15}$/.test(value)) notAcceptable('SDP_ERR_ATTRIBUTE', `Invalid a=max-size: ${value}`);
        out.maxSize = Number(value);
        break;
      case 'file-selector':
        out.fileSelector = parseFileSelector(value ?? '');
        break;
      case 'file-transfer-id':
        if (!value) notAcceptable('SDP_ERR_ATTRIBUTE', 'Empty a=file-transfer-id');
        out.fileTransferId = value;
        break;
      case 'file-disposition':
        if (!value) notAcceptable('SDP_ERR_ATTRIBUTE', 'Empty a=file-disposition');
        out.fileDisposition = value;
        break;
      case 'file-date':
        out.fileDate = parseFileDate(value ?? '');
        break;
      case 'file-range':
        out.fileRange = parseFileRange(value ?? '');
        break;
      default:
        out.otherAttributes.push(attr);
    }
  }
  if (out.path.length === 0) notAcceptable('SDP_ERR_PATH', 'MSRP media without a=path (RFC 4975 section 8.1)');
  if (!out.path.every((uri) => /^msrps?:\/\/[^\s]+;[A-Za-z0-9]+/i.test(uri))) notAcceptable('SDP_ERR_PATH', `Invalid a=path: ${out.path.join(' ')}`);
  if (!sawAcceptTypes || out.acceptTypes.length === 0) notAcceptable('SDP_ERR_ATTRIBUTE', 'MSRP media without a=accept-types (RFC 4975 section 8.1)');
  return out;
}

/**
 * Parse an offer and pick its first usable MSRP media: `m=message`, a port other than 0, a
 * protocol among `options.protocols`. Throws SdpError: 400 on SDP syntax, 488 when no media
 * line is usable or its MSRP attributes are missing or malformed.
 */
export function parseMsrpOffer(sdp: string, options: ParseMsrpOfferOptions = {}): MsrpOffer {
  const protocols = options.protocols ?? MSRP_PROTOCOLS;
  const session = parseSdp(sdp);
  const mediaIndex = session.media.findIndex(
    (m) => m.type === 'message' && m.port !== 0 && protocols.includes(m.protocol.toUpperCase() as MsrpSdpProtocol),
  );
  if (mediaIndex < 0) {
    notAcceptable('SDP_ERR_NO_MSRP_MEDIA', `No usable m=message line with ${protocols.join(', ')}`);
  }
  const description = readMsrpMedia(session.media[mediaIndex]!, session.connection);
  return {
    ...description,
    origin: session.origin,
    sessionName: session.sessionName,
    mediaIndex,
    media: session.media.map(({ type, port, protocol, formats }) => ({ type, port, protocol, formats })),
  };
}

/** Media type match, case-insensitive and without parameters; `*` and `type/*` are wildcards. */
export function mediaTypeMatches(type: string, accepted: readonly string[]): boolean {
  const t = type.split(';')[0]!.trim().toLowerCase();
  return accepted.some((a) => {
    const x = a.split(';')[0]!.trim().toLowerCase();
    return x === '*' || x === t || (x.endsWith('/*') && t.startsWith(x.slice(0, -1))) || t === '*';
  });
}

export interface AcceptedTypes {
  acceptTypes: string[];
  acceptWrappedTypes: string[];
}

/**
 * Decide which of the offered types the receiver takes (RFC 4975 section 8.6, wrapped types
 * in CPIM per section 8.6 and RFC 3862). The file of an RFC 5547 offer must itself be of an
 * accepted type. Throws SDP_ERR_ACCEPT_TYPES (415) when nothing matches.
 */
export function chooseAcceptTypes(offer: MsrpMediaDescription, accepted: readonly string[]): AcceptedTypes {
  const fail = (why: string): never => {
    throw new SdpError('SDP_ERR_ACCEPT_TYPES', 415, why);
  };
  const fileType = offer.fileSelector?.type;
  if (fileType !== undefined && !mediaTypeMatches(fileType, accepted)) fail(`File type ${fileType} is not accepted`);
  const acceptWrappedTypes = offer.acceptWrappedTypes.includes('*')
    ? accepted.filter((t) => t !== '*')
    : offer.acceptWrappedTypes.filter((t) => mediaTypeMatches(t, accepted));
  const acceptTypes = offer.acceptTypes.includes('*')
    ? accepted.filter((t) => t !== '*')
    : offer.acceptTypes.filter(
        (t) => mediaTypeMatches(t, accepted) || (t.toLowerCase() === 'message/cpim' && acceptWrappedTypes.length > 0),
      );
  if (acceptTypes.length === 0) fail(`None of ${offer.acceptTypes.join(' ')} is accepted`);
  return { acceptTypes, acceptWrappedTypes };
}

export interface MsrpAnswerOptions {
  /** Our a=path, e.g. `msrp://<random>.invalid:2855/<session>;ws`. */
  path: string | string[];
  /** From chooseAcceptTypes. */
  acceptTypes: string[];
  acceptWrappedTypes?: string[];
  /** The browser is always the active side (RFC 7977 section 5, RFC 6135). */
  setup: 'active';
  /** The part of the file still wanted, to resume (RFC 5547 section 8); default the offer's. */
  fileRange?: FileRange;
  maxSize?: number;
  /** o= fields; default `-`, a random session ID, version 1, the c= address. */
  origin?: Partial<SdpOrigin>;
  /** c= and o= address; default the host of our path (a WebSocket client has no reachable address). */
  address?: string;
}

/** Host of the endpoint URI (the last) of a path, for c= and o=. */
function pathHost(path: string | string[]): string {
  const uri = Array.isArray(path) ? path[path.length - 1] : path;
  const host = /^msrps?:\/\/(?:[^@/;]*@)?(\[[^\]]+\]|[^:/;]+)/i.exec(uri ?? '')?.[1];
  return host ? host.replace(/^\[|\]$/g, '') : '0.0.0.0';
}

function addrType(address: string): 'IP4' | 'IP6' {
  return address.includes(':') ? 'IP6' : 'IP4';
}

function randomDigits(n: number): string {
  let s = String(1 + Math.floor(Math.random() * 9));
  while (s.length < n) s += String(Math.floor(Math.random() * 10));
  return s;
}

function directionAnswer(offered: SdpDirection): SdpDirection {
  if (offered === 'recvonly') {
    notAcceptable('SDP_ERR_DIRECTION', 'The offer asks to receive; this endpoint only receives pushes');
  }
  return offered === 'inactive' ? 'inactive' : 'recvonly';
}

/**
 * The answer to an MSRP offer (RFC 3264 section 6): as many m= lines as offered, the others
 * rejected with port 0; the MSRP one with our path, the accepted types, `a=setup:active`
 * (an offer that insists on `active` or `holdconn` is refused with 488), `a=recvonly` to a
 * sendonly or sendrecv offer, and the offer's RFC 5547 file-selector and file-transfer-id
 * repeated to accept the file (RFC 5547 section 8).
 */
export function buildMsrpAnswer(offer: MsrpOffer, options: MsrpAnswerOptions): string {
  if (offer.setup === 'active' || offer.setup === 'holdconn') {
    notAcceptable('SDP_ERR_SETUP', `Offer has a=setup:${offer.setup}; this endpoint must be active (RFC 7977 section 5)`);
  }
  if (options.acceptTypes.length === 0) {
    throw new SdpError('SDP_ERR_ACCEPT_TYPES', 415, 'An answer needs at least one accepted type');
  }
  const attrs: SdpAttribute[] = [
    { name: 'path', value: (Array.isArray(options.path) ? options.path : [options.path]).join(' ') },
    { name: 'accept-types', value: options.acceptTypes.join(' ') },
  ];
  if (options.acceptWrappedTypes?.length) attrs.push({ name: 'accept-wrapped-types', value: options.acceptWrappedTypes.join(' ') });
  attrs.push({ name: 'setup', value: options.setup });
  attrs.push({ name: directionAnswer(offer.direction) });
  if (options.maxSize !== undefined) attrs.push({ name: 'max-size', value: String(options.maxSize) });
  if (offer.fileSelector) attrs.push({ name: 'file-selector', value: formatFileSelector(offer.fileSelector) });
  if (offer.fileTransferId !== undefined) attrs.push({ name: 'file-transfer-id', value: offer.fileTransferId });
  const range = options.fileRange ?? offer.fileRange;
  if (range) attrs.push({ name: 'file-range', value: formatFileRange(range) });
  const address = options.address ?? pathHost(options.path);
  const media: SdpMedia[] = offer.media.map((m, i) =>
    i === offer.mediaIndex
      ? { type: 'message', port: offer.port, protocol: offer.protocol, formats: ['*'], attributes: attrs }
      : { type: m.type, port: 0, protocol: m.protocol, formats: m.formats, attributes: [] },
  );
  return formatSdp({
    origin: {
      username: '-',
      sessionId: randomDigits(16),
      sessionVersion: '1',
      netType: 'IN',
      addrType: addrType(address),
      address,
      ...options.origin,
    },
    sessionName: '-',
    connection: { netType: 'IN', addrType: addrType(address), address },
    attributes: [],
    media,
  });
}

export interface MsrpOfferOptions {
  protocol: MsrpSdpProtocol;
  /** Our a=path (the WebSocket URL's host and port, RFC 7977 section 5). */
  path: string | string[];
  acceptTypes: string[];
  acceptWrappedTypes?: string[];
  /** The sender serves the WebSocket: passive, or actpass (RFC 6135 section 4). Default actpass. */
  setup?: 'passive' | 'actpass';
  /** Default sendonly: a push (RFC 5547 section 8). */
  direction?: SdpDirection;
  /** m= port; 9 (discard) by default, as the connection goes to the path (RFC 7977 section 5). */
  port?: number;
  /** c= and o= address; default the host of the path (the connection goes to a=path, RFC 4975 section 8.1). */
  address?: string;
  maxSize?: number;
  file?: {
    selector: FileSelector;
    transferId: string;
    disposition?: string;
    date?: FileDate;
    range?: FileRange;
  };
  origin?: Partial<SdpOrigin>;
}

/** The sender's offer: one `m=message <port> <protocol> *` line with the MSRP and RFC 5547 attributes. */
export function buildMsrpOffer(options: MsrpOfferOptions): string {
  const address = options.address ?? pathHost(options.path);
  const type = addrType(address);
  const attrs: SdpAttribute[] = [
    { name: 'path', value: (Array.isArray(options.path) ? options.path : [options.path]).join(' ') },
    { name: 'accept-types', value: options.acceptTypes.join(' ') },
  ];
  if (options.acceptWrappedTypes?.length) attrs.push({ name: 'accept-wrapped-types', value: options.acceptWrappedTypes.join(' ') });
  attrs.push({ name: 'setup', value: options.setup ?? 'actpass' });
  attrs.push({ name: options.direction ?? 'sendonly' });
  if (options.maxSize !== undefined) attrs.push({ name: 'max-size', value: String(options.maxSize) });
  const file = options.file;
  if (file) {
    attrs.push({ name: 'file-selector', value: formatFileSelector(file.selector) });
    attrs.push({ name: 'file-transfer-id', value: file.transferId });
    if (file.disposition !== undefined) attrs.push({ name: 'file-disposition', value: file.disposition });
    if (file.date) attrs.push({ name: 'file-date', value: formatFileDate(file.date) });
    if (file.range) attrs.push({ name: 'file-range', value: formatFileRange(file.range) });
  }
  return formatSdp({
    origin: { username: '-', sessionId: randomDigits(16), sessionVersion: '1', netType: 'IN', addrType: type, address, ...options.origin },
    sessionName: '-',
    connection: { netType: 'IN', addrType: type, address },
    attributes: [],
    media: [{ type: 'message', port: options.port ?? 9, protocol: options.protocol, formats: ['*'], attributes: attrs }],
  });
}

