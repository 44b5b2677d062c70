/**
 * `npm start` and `npm run core` with a port that is taken: one line naming the port, what it
 * is for and the variable or flag that changes it, exit status 1, and the process ends by
 * itself (a hung one is killed at the timeout: code -1) with the ports it had opened free
 * again. Each script runs as a process, as npm runs it; each case takes a port on 127.0.0.1
 * first (a TCP server, or a UDP socket for the SIP port's UDP half) and points the setting at it.
 */
import { freePort } from '../deploy/kamailio/launch.ts';
import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runScript } from '../server/testing/cliProcess.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function takeTcpPort(port = 0): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as net.AddressInfo).port;
}

async function takeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return socket.address().port;
}

/** Whether a TCP port on 127.0.0.1 can be bound: after the script exits, it must be. */
async function isFree(port: number): Promise<boolean> {
  const server = net.createServer();
  const bound = await new Promise<boolean>((resolve) => server.once('error', () => resolve(false)).listen(port, '127.0.0.1', () => resolve(true)));
  if (bound) await new Promise<void>((resolve) => server.close(() => resolve()));
  return bound;
}

// The service's API goes to a free port and its queue to memory unless a case says otherwise,
// so no case takes 8077 or a developer's .runtime/psa-queue.
const start = (env: Record<string, string>) => runScript('scripts/start.ts', [], { SIP_PUSH_PSA_PORT: '0', SIP_PUSH_QUEUE_URL: 'memory:', ...env }, 60_000);

// The client port goes to a free one too, so no case ever takes 5173.
describe('npm start with a taken port', () => {
  it('names the SIP over WebSocket port and SIP_PUSH_WS_PORT', async () => {
    const taken = await takeTcpPort();
    const run = await start({ SIP_PUSH_WS_PORT: String(taken), SIP_PUSH_SIP_PORT: 'off', SIP_PUSH_CLIENT_PORT: String(await freePort()) });
    expect(run.stderr).toBe(`start: Port ${taken} (SIP over WebSocket) is in use: stop the other process or set SIP_PUSH_WS_PORT=<port>\n`);
    expect(run).toMatchObject({ code: 1, stdout: '' });
  }, 90_000);

  it('names the SIP port (its TCP half taken) and SIP_PUSH_SIP_PORT; the WebSocket port it had opened is free again', async () => {
    const taken = await takeTcpPort();
    const wsPort = await freePort();
    const run = await start({ SIP_PUSH_WS_PORT: String(wsPort), SIP_PUSH_SIP_PORT: String(taken), SIP_PUSH_CLIENT_PORT: String(await freePort()) });
    expect(run.stderr).toBe(`start: Port ${taken} (SIP over TCP and UDP) is in use: stop the other process or set SIP_PUSH_SIP_PORT=<port|off>\n`);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(await isFree(wsPort)).toBe(true);
  }, 90_000);

  it('names the SIP port when only its UDP half is taken', async () => {
    const taken = await takeUdpPort();
    const run = await start({ SIP_PUSH_WS_PORT: '0', SIP_PUSH_SIP_PORT: String(taken), SIP_PUSH_CLIENT_PORT: String(await freePort()) });
    expect(run.stderr).toBe(`start: Port ${taken} (SIP over TCP and UDP) is in use: stop the other process or set SIP_PUSH_SIP_PORT=<port|off>\n`);
    expect(run).toMatchObject({ code: 1, stdout: '' });
  }, 90_000);

  it('names the web client port and SIP_PUSH_CLIENT_PORT, and closes the core it had started', async () => {
    const taken = await takeTcpPort();
    const wsPort = await freePort();
    const run = await start({ SIP_PUSH_WS_PORT: String(wsPort), SIP_PUSH_SIP_PORT: 'off', SIP_PUSH_CLIENT_PORT: String(taken) });
    expect(run.stderr).toBe(`start: Port ${taken} (the web client) is in use: stop the other process or set SIP_PUSH_CLIENT_PORT=<port>\n`);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(await isFree(wsPort)).toBe(true);
  }, 90_000);

  it('names the Push Sender Agent API port and SIP_PUSH_PSA_PORT, and closes the core and the client it had started', async () => {
    const taken = await takeTcpPort();
    const wsPort = await freePort();
    const clientPort = await freePort();
    const run = await start({ SIP_PUSH_WS_PORT: String(wsPort), SIP_PUSH_SIP_PORT: 'off', SIP_PUSH_CLIENT_PORT: String(clientPort), SIP_PUSH_PSA_PORT: String(taken) });
    expect(run.stderr).toBe(`start: Port ${taken} (the Push Sender Agent API) is in use: stop the other process or set SIP_PUSH_PSA_PORT=<port>\n`);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(await isFree(wsPort)).toBe(true);
    expect(await isFree(clientPort)).toBe(true);
  }, 90_000);

  it('says which setting is not a port number (exit status 2)', async () => {
    const run = await start({ SIP_PUSH_WS_PORT: 'eighty', SIP_PUSH_SIP_PORT: 'off' });
    expect(run.stderr).toBe('start: SIP_PUSH_WS_PORT=eighty is not a port number: set it to 0 (any free port) through 65535\n');
    expect(run).toMatchObject({ code: 2, stdout: '' });
  }, 90_000);
});

describe('npm run core with a taken port', () => {
  const core = (args: string[]) => runScript('server/core/cli.ts', args, {}, 60_000);

  it('names the WebSocket port and --ws-port', async () => {
    const taken = await takeTcpPort();
    const run = await core(['--ws-port', String(taken), '--sip-port', 'off']);
    expect(run.stderr).toBe(`core: Port ${taken} (SIP over WebSocket) is in use: stop the other process or set --ws-port <port>\n`);
    expect(run).toMatchObject({ code: 1, stdout: '' });
  }, 90_000);

  it('names the SIP port and --sip-port, and releases the WebSocket port it had opened', async () => {
    const taken = await takeTcpPort();
    const wsPort = await freePort();
    const run = await core(['--ws-port', String(wsPort), '--sip-port', String(taken)]);
    expect(run.stderr).toBe(`core: Port ${taken} (SIP over TCP and UDP) is in use: stop the other process or set --sip-port <port|off>\n`);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(await isFree(wsPort)).toBe(true);
  }, 90_000);

  it('a usage error is one line (exit status 2)', async () => {
    const run = await core(['--ws-prot', '1']);
    expect(run.stderr).toBe('core: Unknown option --ws-prot; see npm run core -- --help\n');
    expect(run).toMatchObject({ code: 2, stdout: '' });
  }, 90_000);
});
