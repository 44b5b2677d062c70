import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureIo, runCli, usageMessage } from '../../testing/cliProcess.ts';
import { startTestCore, type TestCore } from '../../testing/coreHarness.ts';
import { TestReceiver } from '../../testing/msrpTestReceiver.ts';
import { DEFAULT_MESSAGE_MAX, main, parseCli, type CliConfig } from '../cli.ts';

const sink = () => captureIo(true);

let dir: string;
let core: TestCore;
let receiver: TestReceiver;
let big: string;
let small: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sender-cli-msrp-'));
  big = join(dir, 'big.bin');
  writeFileSync(big, randomBytes(300_000));
  small = join(dir, 'small.txt');
  writeFileSync(small, 'hello');
  core = await startTestCore();
  receiver = await TestReceiver.start(core.wsUrl);
});
afterAll(async () => {
  await receiver.close();
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  receiver.behaviour = {};
});

// Some tests start a CLI process (tsx): seconds on a loaded machine, never the default 5.
describe('CLI, MSRP mode', { timeout: 30_000 }, () => {
  it('exits 0 with the status line after an MSRP transfer (child process, --mode msrp)', async () => {
    const before = receiver.transfers.length;
    const run = await runCli(['--server', core.wsUrl, '--to', 'sip:alice@localhost', '--app', 'news.ua', '--mode', 'msrp', '--file', small]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^200 OK \(REPORT 000 200\) \(\d+ ms; MSRP 5 of 5 bytes(, [\d.]+ MB\/s)?\)$/);
    expect(receiver.transfers.length).toBe(before + 1);
    await receiver.transfers[before]!.ended;
    expect(receiver.transfers[before]!.bytes).toBe(5);
  });

  it('exits 1 with the receiver status when the INVITE is refused', async () => {
    receiver.behaviour = { refuse: 488 };
    const run = await runCli(['--server', core.wsUrl, '--to', 'sip:alice@localhost', '--file', big]);
    expect(run.code).toBe(1);
    expect(run.stdout.trim()).toMatch(/^488 Not Acceptable Here \(\d+ ms; MSRP 0 of 300000 bytes/);
    expect(run.stderr).toBe('push failed: 488 Not Acceptable Here: the receiver refused the offer; check --type, --app and the size of --file against what the app accepts\n');
  });

  it('exits 2 on usage errors of the MSRP flags', async () => {
    const run = await runCli(['--to', 'sip:alice@localhost', '--mode', 'msrp', '--data', 'x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('push: --mode msrp needs --file <path>; see npm run push -- --help\n');
  });

  it('uses MSRP for a --file above --message-max in auto mode, MESSAGE below it or with --mode message', async () => {
    const s1 = sink();
    const before = receiver.transfers.length;
    expect(await main(['--server', core.wsUrl, '--to', 'sip:alice@localhost', '--file', big], s1.io, {})).toBe(0);
    expect(receiver.transfers.length).toBe(before + 1);
    expect(s1.out[0]).toMatch(/^200 OK \(REPORT 000 200\) \(\d+ ms; MSRP 300000 of 300000 bytes/);
    expect(s1.progress.join('')).toMatch(/\r100% 0\.3\/0\.3 MB [\d.]+ MB\/s 0s left {3}\n$/);

    const messages = () => receiver.ua.received.filter((m) => m.kind === 'request' && m.method === 'MESSAGE').length;
    const m0 = messages();
    const s2 = sink();
    expect(await main(['--server', core.wsUrl, '--to', 'sip:alice@localhost', '--file', small], s2.io, {})).toBe(0);
    expect(s2.out[0]).toMatch(/^200 OK \(\d+ ms\)$/);
    const s3 = sink();
    // --mode message wins over --message-max (the core still refuses above its own limit, 413).
    expect(await main(['--server', core.wsUrl, '--to', 'sip:alice@localhost', '--file', small, '--mode', 'message', '--message-max', '1'], s3.io, {})).toBe(0);
    expect(messages()).toBe(m0 + 2);
    expect(receiver.transfers.length).toBe(before + 1);
    const s4 = sink();
    expect(await main(['--server', core.wsUrl, '--to', 'sip:alice@localhost', '--file', small, '--message-max', '1'], s4.io, {})).toBe(0);
    expect(receiver.transfers.length).toBe(before + 2);
    expect(messages()).toBe(m0 + 2);
  });

  it('exits 1 when the receiver never connects', async () => {
    receiver.behaviour = { neverConnect: true };
    const s = sink();
    expect(await main(['--server', core.wsUrl, '--to', 'sip:alice@localhost', '--mode', 'msrp', '--file', small, '--timeout', '300'], s.io, {})).toBe(1);
    expect(s.err).toHaveLength(1);
    expect(s.err[0]).toMatch(/^push failed: 408 The receiver did not connect to msrp:\/\/127\.0\.0\.1:\d+\/\w+;ws within 300 ms: the receiver could not reach our MSRP endpoint; check --msrp-host and --msrp-port \(the receiver connects to them\), or raise --timeout$/);
  });
});

describe('parseCli, MSRP flags', () => {
  const ok = (args: string[]) => parseCli(args, {}) as CliConfig;
  const usage = usageMessage;

  it('chooses the mode from --mode, --message-max and the file size', () => {
    expect(DEFAULT_MESSAGE_MAX).toBe(60_000);
    expect(ok(['--to', 'sip:a@b', '--file', big])).toMatchObject({ mode: 'msrp', msrpPort: 0, msrpHost: '127.0.0.1', large: { to: 'sip:a@b', file: big, contentType: 'application/octet-stream' } });
    expect(ok(['--to', 'sip:a@b', '--file', big]).push).toBeUndefined();
    expect(ok(['--to', 'sip:a@b', '--file', big, '--message-max', '300000']).mode).toBe('message');
    expect(ok(['--to', 'sip:a@b', '--file', small]).mode).toBe('message');
    expect(ok(['--to', 'sip:a@b', '--file', small, '--mode', 'msrp', '--msrp-port', '9000', '--timeout', '700'])).toMatchObject({
      mode: 'msrp',
      msrpPort: 9000,
      large: { connectTimeoutMs: 700, reportTimeoutMs: 700 },
    });
    expect(ok(['--to', 'sip:a@b', '--file', big]).msrpWindow).toBe(32);
    expect(ok(['--to', 'sip:a@b', '--file', big, '--msrp-window', '0']).msrpWindow).toBe(0);
  });

  it('names bad MSRP flags', () => {
    expect(usage(['--to', 'sip:a@b', '--file', small, '--mode', 'fast'])).toBe('--mode fast: expected auto, message or msrp');
    expect(usage(['--to', 'sip:a@b', '--file', small, '--msrp-port', '70000'])).toBe('--msrp-port 70000: expected 0 to 65535');
    expect(usage(['--to', 'sip:a@b', '--file', big, '--msrp-window', 'many'])).toBe('--msrp-window many: expected a non-negative integer');
    expect(usage(['--to', 'sip:a@b', '--file', small, '--message-max', 'lots'])).toBe('--message-max lots: expected a non-negative integer');
    expect(usage(['--to', 'sip:a@b', '--file', big, '--count', '2'])).toBe('--count and --concurrency apply to MESSAGE pushes only');
    expect(usage(['--to', 'sip:a@b', '--file', dir])).toMatch(/^--file .*: is a directory; give the path of a file$/);
  });
});
