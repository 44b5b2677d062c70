/**
 * The light receivers: N SIP-over-WebSocket user agents (RFC 7118) registered on the core, as
 * N browsers would be, without a browser each. Deliberately less than the test UA
 * (server/testing/sipUa.ts keeps every message received; a thousand of those is the bench's
 * own load): each holds one socket, REGISTERs once with the push application feature tag and
 * an instance ID (RFC 5626), answers MESSAGE and OPTIONS 200 and anything else 405, and notes
 * the arrival time of every bench push by the token in its body (body.ts). Nothing stored.
 */
import WebSocket from 'ws';
import {
  bodyText,
  createResponse,
  getHeader,
  newBranch,
  parseCSeq,
  parseSipMessage,
  randomToken,
  serializeSipMessage,
  type SipRequest,
  type SipResponse,
} from '../../src/protocol/sip/index.ts';
import { parsePushToken, tokenKey } from './body.ts';

export const PUSH_APP = 'bench.ua';

export interface ReceiverPoolOptions {
  wsUrl: string;
  domain: string;
  count: number;
  /** AoR user of receiver i: `${userPrefix}${i}`. */
  userPrefix?: string;
  /** Connections and REGISTERs under way at once while the pool comes up. */
  connectConcurrency?: number;
  /** A REGISTER not answered 200 by then fails the pool. */
  registerTimeoutMs?: number;
  /** Registration asked for, seconds: longer than any run, so no refresh is needed. */
  expires?: number;
}

export interface ReceiverPool {
  /** AoR of receiver i (`sip:bench<i>@domain`). */
  readonly aors: readonly string[];
  /** When each bench push arrived (epoch ms, sub-ms), by tokenKey(). */
  readonly arrivals: ReadonlyMap<string, number>;
  /** Bench pushes that arrived more than once, bodies that were not the bench's, requests answered 405. */
  readonly anomalies: { duplicates: number; foreign: number; refused: number };
  /** Body sizes received per path (bytes as framed by Content-Length): both paths should send the same. */
  readonly bodySizes: ReadonlyMap<string, ReadonlySet<number>>;
  close(): Promise<void>;
}

/** Epoch ms with the monotonic clock's resolution: comparable with sipp's and the SSE's epoch times. */
export const nowEpochMs = (): number => performance.timeOrigin + performance.now();

export async function startReceiverPool(options: ReceiverPoolOptions): Promise<ReceiverPool> {
  const prefix = options.userPrefix ?? 'bench';
  const aors = Array.from({ length: options.count }, (_, i) => `sip:${prefix}${i}@${options.domain}`);
  const arrivals = new Map<string, number>();
  const anomalies = { duplicates: 0, foreign: 0, refused: 0 };
  const bodySizes = new Map<string, Set<number>>();
  const sockets: WebSocket[] = [];

  const onRequest = (socket: WebSocket, request: SipRequest): void => {
    if (request.method === 'ACK') return;
    if (request.method === 'MESSAGE') {
      const at = nowEpochMs();
      const token = parsePushToken(bodyText(request));
      if (!token) anomalies.foreign++;
      else if (arrivals.has(tokenKey(token))) anomalies.duplicates++;
      else arrivals.set(tokenKey(token), at);
      if (token) bodySizes.set(token.path, (bodySizes.get(token.path) ?? new Set()).add(request.body.length));
    }
    const ok = request.method === 'MESSAGE' || request.method === 'OPTIONS';
    if (!ok) anomalies.refused++;
    socket.send(serializeSipMessage(createResponse(request, ok ? 200 : 405, { toTag: randomToken(8) })), { binary: false });
  };

  const register = (aor: string): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      const socket = new WebSocket(options.wsUrl, 'sip');
      sockets.push(socket);
      const host = `${randomToken(8)}.invalid`;
      const timer = setTimeout(() => fail(new Error(`receiver ${aor}: no 200 to REGISTER within ${options.registerTimeoutMs ?? 10_000} ms: is the core at ${options.wsUrl} up, and its limits.maxConnectionsPerSource above ${options.count}?`)), options.registerTimeoutMs ?? 10_000);
      let registered = false;
      const fail = (error: Error) => {
        clearTimeout(timer);
        if (!registered) reject(error);
      };
      socket.on('error', (error) => fail(new Error(`receiver ${aor}: ${error.message}`)));
      socket.on('close', () => fail(new Error(`receiver ${aor}: the core closed the WebSocket before the REGISTER was answered`)));
      socket.on('message', (data: WebSocket.RawData) => {
        const message = parseSipMessage(data as Buffer);
        if (message.kind === 'request') return onRequest(socket, message);
        if (registered || parseCSeq(getHeader(message, 'cseq') ?? '').method !== 'REGISTER' || message.status < 200) return;
        clearTimeout(timer);
        if (message.status !== 200) return reject(new Error(`receiver ${aor}: REGISTER answered ${message.status} ${(message as SipResponse).reason}`));
        registered = true;
        resolve(socket);
      });
      socket.on('open', () => {
        const contact =
          `<sip:${randomToken(8)}@${host};transport=ws;ob>;+g.oma.pusheventapp="${PUSH_APP}"` +
          `;+sip.instance="<urn:uuid:${crypto.randomUUID()}>";reg-id=1`;
        const request: SipRequest = {
          kind: 'request',
          method: 'REGISTER',
          uri: `sip:${options.domain}`,
          headers: [
            { name: 'Via', value: `SIP/2.0/WS ${host};branch=${newBranch()};rport` },
            { name: 'Max-Forwards', value: '70' },
            { name: 'From', value: `<${aor}>;tag=${randomToken(8)}` },
            { name: 'To', value: `<${aor}>` },
            { name: 'Call-ID', value: `reg-${randomToken(16)}` },
            { name: 'CSeq', value: '1 REGISTER' },
            { name: 'Contact', value: contact },
            { name: 'Expires', value: String(options.expires ?? 3600) },
            { name: 'Supported', value: 'path, outbound, gruu' },
          ],
          body: new Uint8Array(0),
        };
        socket.send(serializeSipMessage(request), { binary: false });
      });
    });

  const close = async (): Promise<void> => {
    await Promise.all(
      sockets.map((s) => (s.readyState === WebSocket.CLOSED ? undefined : new Promise<void>((resolve) => (s.once('close', () => resolve()), s.close())))),
    );
  };

  // Bounded: a thousand handshakes at once would only queue in the core's accept backlog.
  const concurrency = options.connectConcurrency ?? 32;
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, aors.length) }, async () => {
        while (next < aors.length) await register(aors[next++]!);
      }),
    );
  } catch (error) {
    await close();
    throw error;
  }
  return { aors, arrivals, anomalies, bodySizes, close };
}
