/**
 * The inspection API on the WebSocket port. A request line whose target is not a URL
 * (`//[`, `//a:99999`) once threw outside any try and took the whole core down with every
 * binding (issue 9 item 1): it is a 400, and the core goes on serving.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startCore, type RunningCore } from './index.ts';

let core: RunningCore | undefined;
afterEach(async () => {
  await core?.close();
  core = undefined;
});

/** One raw HTTP/1.1 exchange: the request line as written, the status line answered. */
function rawRequest(port: number, requestLine: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`${requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('end', () => resolve(text.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

describe('inspection API: bad request targets', () => {
  it.each(['GET //[ HTTP/1.1', 'GET //a:99999 HTTP/1.1', 'GET //user@[::1 HTTP/1.1'])('%s is answered 400 and the core keeps serving', async (line) => {
    core = await startCore({ wsPort: 0, sipPort: null, noAuth: true });
    const port = Number(new URL(core.httpUrl).port);
    expect(await rawRequest(port, line)).toMatch(/^HTTP\/1\.1 400 /);
    const health = await fetch(`${core.httpUrl}/health`);
    expect(health.status).toBe(200);
    expect(await rawRequest(port, 'GET /bindings HTTP/1.1')).toMatch(/^HTTP\/1\.1 200 /);
  });
});
