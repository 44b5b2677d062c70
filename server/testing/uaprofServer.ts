/**
 * A UAProf server for the tests of the service's discovery (server/sender/service/discovery):
 * node:http on 127.0.0.1, a free port, serving one profile (src/protocol/uaprof buildUaprof) at
 * `/uaprof.rdf` with the validators and Cache-Control the test sets, answering conditional
 * GETs with 304, and able to stall (timeouts) or serve more than a limit (size). Counts what it
 * was asked.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildUaprof, type UaprofDescription } from '../../src/protocol/uaprof/index.ts';

export interface UaprofServerState {
  description: UaprofDescription;
  etag?: string;
  lastModified?: string;
  cacheControl?: string;
  /** Never answer (the client's timeout fires). */
  stall?: boolean;
  /** Serve this many bytes of padding instead of the profile (no Content-Length: chunked). */
  bodyBytes?: number;
}

export interface UaprofServer {
  /** `http://127.0.0.1:<port>/uaprof.rdf` */
  url: string;
  state: UaprofServerState;
  /** Requests seen: method, the conditional headers, the status answered. */
  readonly requests: Array<{ ifNoneMatch?: string; ifModifiedSince?: string; status: number }>;
  close(): Promise<void>;
}

export const TEST_UAPROF: UaprofDescription = { clientName: 'SIP Push Web test', acceptTypes: ['text/plain', 'image/*'], maxMessageBytes: 1300, appIds: ['news.ua'] };

export async function startUaprofServer(state: Partial<UaprofServerState> = {}): Promise<UaprofServer> {
  const requests: UaprofServer['requests'] = [];
  const current: UaprofServerState = { description: TEST_UAPROF, ...state };
  const stalled: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const seen: UaprofServer['requests'][number] = { status: 0 };
    if (typeof req.headers['if-none-match'] === 'string') seen.ifNoneMatch = req.headers['if-none-match'];
    if (typeof req.headers['if-modified-since'] === 'string') seen.ifModifiedSince = req.headers['if-modified-since'];
    requests.push(seen);
    if (current.stall) {
      stalled.push(res);
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'application/rdf+xml' };
    if (current.etag) headers['etag'] = current.etag;
    if (current.lastModified) headers['last-modified'] = current.lastModified;
    if (current.cacheControl) headers['cache-control'] = current.cacheControl;
    const notModified = (current.etag && seen.ifNoneMatch === current.etag) || (!current.etag && current.lastModified && seen.ifModifiedSince === current.lastModified);
    if (notModified) {
      seen.status = 304;
      res.writeHead(304, headers).end();
      return;
    }
    seen.status = 200;
    if (current.bodyBytes !== undefined) {
      res.writeHead(200, headers);
      const chunk = Buffer.alloc(Math.min(16384, current.bodyBytes), 0x20);
      let left = current.bodyBytes;
      const pump = () => {
        while (left > 0) {
          const piece = chunk.subarray(0, Math.min(chunk.length, left));
          left -= piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => {});
      pump();
      return;
    }
    res.writeHead(200, headers).end(buildUaprof(current.description));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/uaprof.rdf`,
    state: current,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of stalled.splice(0)) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
