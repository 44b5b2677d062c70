import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHeader } from '../../src/protocol/sip/index.ts';
import { guessContentType } from './contentType.ts';
import { captureIo, runCli, usageMessage } from '../testing/cliProcess.ts';
import { main, parseCli, type CliConfig } from './cli.ts';
import { startFakeCore, type FakeCore } from '../testing/fakeCore.ts';

let core: FakeCore;
let dir: string;

beforeAll(async () => {
  core = await startFakeCore((r) => {
    const to = r.request.uri;
    if (to.startsWith('sip:nobody@')) r.reply(404);
    else r.reply(200);
  });
  dir = mkdtempSync(join(tmpdir(), 'sender-cli-'));
});

afterAll(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

// Each test starts a CLI process (tsx): seconds on a loaded machine, never the default 5.
describe('CLI process', { timeout: 30_000 }, () => {
  it('exits 0 and prints the status line on 200', async () => {
    const before = core.received.length;
    const run = await runCli(['--server', core.url, '--to', 'sip:alice@localhost', '--app', 'news.ua', '--data', 'hello', '--header', 'Subject: hi there']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.trim()).toMatch(/^200 OK \(\d+ ms\)$/);
    const { request, binary } = core.received[before]!;
    expect(binary).toBe(false);
    expect(getHeader(request, 'accept-contact')).toBe('*;+g.oma.pusheventapp="news.ua";require;explicit');
    expect(getHeader(request, 'content-type')).toBe('text/plain');
    expect(getHeader(request, 'subject')).toBe('hi there');
    expect(getHeader(request, 'from')).toMatch(/^<sip:psa@localhost>;tag=/);
    expect(Buffer.from(request.body).toString()).toBe('hello');
  });

  it('exits 1 on a 404 with the status line and one line saying why', async () => {
    const run = await runCli(['--server', core.url, '--to', 'sip:nobody@localhost', '--data', 'x']);
    expect(run.code).toBe(1);
    expect(run.stdout.trim()).toMatch(/^404 Not Found \(\d+ ms\)$/);
    expect(run.stderr.trim()).toBe('push failed: 404 Not Found: sip:nobody@localhost is not registered at the core; open the web client as that user so it registers, or check --to');
  });

  it('exits 1 with a one-line reason when the core is unreachable', async () => {
    const run = await runCli(['--server', 'ws://127.0.0.1:1', '--to', 'sip:alice@localhost', '--data', 'x']);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe('push failed: connection refused at ws://127.0.0.1:1: no SIP/IP Core listens there; start the core (npm start), or check --server');
  });

  it('exits 2 on an unknown option, naming it in one line that points at --help', async () => {
    const run = await runCli(['--to', 'sip:alice@localhost', '--dat', 'x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("push: Unknown option '--dat'; see npm run push -- --help\n");
  });

  it('exits 2 when --to is missing', async () => {
    const run = await runCli(['--data', 'x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('push: missing --to <sip-uri>');
  });

  it('sends a --file as bytes with the type guessed from its extension', async () => {
    const file = join(dir, 'pic.png');
    writeFileSync(file, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0x00]));
    const before = core.received.length;
    const run = await runCli(['--server', core.url, '--to', 'sip:alice@localhost', '--app', 'news.ua', '--file', file]);
    expect(run.code).toBe(0);
    const { request, binary } = core.received[before]!;
    expect(binary).toBe(true);
    expect(getHeader(request, 'content-type')).toBe('image/png');
    expect([...request.body]).toEqual([0x89, 0x50, 0x4e, 0x47, 0xff, 0x00]);
  });

  it('runs a quick load trial with --count and --concurrency', async () => {
    const before = core.received.length;
    const run = await runCli(['--server', core.url, '--to', 'sip:alice@localhost', '--data', 'x', '--count', '20', '--concurrency', '4']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^20 pushes in \d+ ms \(\d+\/s, 4 in flight\): 200 x20; latency p50 [\d.]+ ms, p99 [\d.]+ ms$/);
    expect(core.received.length - before).toBe(20);
  });

  it('exits 1 when some pushes of a trial fail', async () => {
    const run = await runCli(['--server', core.url, '--to', 'sip:nobody@localhost', '--data', 'x', '--count', '3']);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe('push failed: 3 of 3 pushes failed (404 x3)');
  });
});

describe('CLI in process', () => {
  const io = () => captureIo();

  it('prints help and exits 0', async () => {
    const { out, io: sink } = io();
    expect(await main(['--help'], sink)).toBe(0);
    expect(out.join('\n')).toContain('--concurrency K');
  });

  it('reports a timeout as 408', async () => {
    const silent = await startFakeCore(() => {});
    try {
      const { out, err, io: sink } = io();
      expect(await main(['--server', silent.url, '--to', 'sip:alice@localhost', '--data', 'x', '--timeout', '20'], sink)).toBe(1);
      expect(out[0]).toMatch(/^408 Request Timeout \(no response from core\) \(\d+ ms\)$/);
      expect(err).toEqual(['push failed: 408 Request Timeout (no response from core): no final answer within 20 ms; check that the receiver is online, or raise --timeout']);
    } finally {
      await silent.close();
    }
  });
});

describe('parseCli', () => {
  const ok = (args: string[], env: Record<string, string | undefined> = {}) => parseCli(args, env) as CliConfig;
  const usage = (args: string[], env: Record<string, string | undefined> = {}) => usageMessage(args, env);

  it('applies defaults, SIP_PUSH_SERVER and flags', () => {
    const config = ok(['--to', 'sip:a@b', '--data', 'x']);
    expect(config).toMatchObject({ server: 'ws://127.0.0.1:8066', from: 'sip:psa@localhost', count: 1, concurrency: 1, verbose: false });
    expect(config.push).toEqual({ to: 'sip:a@b', contentType: 'text/plain', body: 'x' });
    expect(ok(['--to', 'sip:a@b', '--data', 'x'], { SIP_PUSH_SERVER: 'ws://core:9' }).server).toBe('ws://core:9');
    const full = ok(['--to', 'sip:a@b', '--data', '{}', '--type', 'application/json', '--from', 'sip:me@x', '--server', 'wss://h/ws', '--auth-user', 'u', '--password', 'p', '--header', 'X-A: 1', '--header', 'X-B:2', '--count', '10', '--concurrency', '3', '--timeout', '500', '--app', 'mms.ua']);
    expect(full).toMatchObject({ server: 'wss://h/ws', from: 'sip:me@x', authUser: 'u', password: 'p', count: 10, concurrency: 3, timeoutMs: 500 });
    expect(full.push).toEqual({ to: 'sip:a@b', app: 'mms.ua', contentType: 'application/json', body: '{}', headers: [{ name: 'X-A', value: '1' }, { name: 'X-B', value: '2' }] });
  });

  it('names the offending argument', () => {
    expect(usage(['--to', 'sip:a@b', '--data', 'x', 'extra'])).toMatch(/Unexpected argument 'extra'/);
    expect(usage(['--to', 'alice', '--data', 'x'])).toBe('--to alice: not a sip: or sips: URI');
    expect(usage(['--to', 'sip:a@b'])).toBe('missing --data <text> or --file <path>');
    expect(usage(['--to', 'sip:a@b', '--data', 'x', '--file', 'y'])).toBe('give either --data or --file, not both');
    expect(usage(['--to', 'sip:a@b', '--data', 'x', '--app', 'bad app'])).toMatch(/^--app bad app: not an RFC 3840 token/);
    expect(usage(['--to', 'sip:a@b', '--data', 'x', '--count', '0'])).toBe('--count 0: expected a positive integer');
    expect(usage(['--to', 'sip:a@b', '--data', 'x', '--concurrency', 'many'])).toBe('--concurrency many: expected a positive integer');
    expect(usage(['--to', 'sip:a@b', '--data', 'x', '--timeout', '-5'])).toMatch(/--timeout/);
    expect(usage(['--to', 'sip:a@b', '--data', 'x', '--header', 'NoColon'])).toBe('--header NoColon: expected "Name: value"');
    expect(usage(['--to', 'sip:a@b', '--data', 'x', '--header', 'Via: x'])).toMatch(/^--header Via: x: Header Via is set by the sender/);
    expect(usage(['--to', 'sip:a@b', '--data', 'x', '--type', 'plain'])).toBe('--type plain: not a media type (type/subtype)');
    expect(usage(['--to', 'sip:a@b', '--data', 'x', '--server', 'http://x'])).toBe('--server http://x: expected a ws:// or wss:// URL');
    expect(usage(['--to', 'sip:a@b', '--file', join(dir, 'missing.bin')])).toMatch(/^--file .*missing\.bin: no such file; check the path$/);
    expect(usage(['--to', 'sip:a@b', '--data', 'x'], { SIP_PUSH_SERVER: 'core:9' })).toBe('SIP_PUSH_SERVER=core:9: expected a ws:// or wss:// URL');
  });
});

describe('guessContentType', () => {
  it.each([
    ['a.txt', 'text/plain'],
    ['a.json', 'application/json'],
    ['a.PNG', 'image/png'],
    ['a.jpg', 'image/jpeg'],
    ['a.jpeg', 'image/jpeg'],
    ['a.gif', 'image/gif'],
    ['a.svg', 'image/svg+xml'],
    ['a.html', 'text/html'],
    ['a.pdf', 'application/pdf'],
    ['a.bin', 'application/octet-stream'],
    ['noext', 'application/octet-stream'],
    ['dir.d/noext', 'application/octet-stream'],
    ['.hidden', 'application/octet-stream'],
  ])('%s -> %s', (name, type) => {
    expect(guessContentType(name)).toBe(type);
  });
});
