/**
 * HTTP inspection on the WebSocket port: `GET /bindings[?aor=sip:alice@localhost]` returns the
 * registrar's bindings as JSON. End-to-end tests read "feature tags seen at the core" here.
 */
import type http from 'node:http';
import type { BindingInfo } from './registrar.ts';

export function inspectionHandler(bindings: (aor?: string) => BindingInfo[]): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    // A request target that is not a URL (`//[`, `//a:99999`) is the client's error: 400. It
    // must never throw out of the handler, where it would end the process and every binding.
    const url = URL.parse(req.url ?? '/', 'http://core.invalid');
    if (!url) return send(400, { error: `Request target ${JSON.stringify(req.url)} is not a URL path; try GET /bindings` });
    if (req.method !== 'GET') return send(405, { error: 'Only GET' });
    try {
      if (url.pathname === '/bindings') {
        const aor = url.searchParams.get('aor');
        return send(200, bindings(aor ?? undefined));
      }
      if (url.pathname === '/health') return send(200, { ok: true });
      return send(404, { error: 'Not found; try GET /bindings' });
    } catch (error) {
      return send(400, { error: error instanceof Error ? error.message : String(error) });
    }
  };
}
