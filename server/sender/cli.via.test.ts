/**
 * The CLI's --via mode against the service's real HTTP API over a fake PushService: it submits
 * (uploading a --file first), prints one line per status change, exits 0 on delivered or
 * displayed and 1 with one line naming the cause and the fix otherwise.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureIo, runCli, usageMessage } from '../testing/cliProcess.ts';
import { createFakePushService, type FakePushService } from '../testing/fakePushService.ts';
import { until } from '../testing/until.ts';
import { main, parseCli } from './cli.ts';
import type { ContentFile, DeliveryStatus } from './queue/index.ts';
import { createPushApi, type PushApi } from './service/http/server.ts';
import { ServiceError } from './service/types.ts';

const TOKEN = 'cli-token';
const ALICE = 'sip:alice@localhost';
const ALICE_KEY = `aor:${ALICE}`;
let fake: FakePushService;
let api: PushApi;
let url: string;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cli-via-'));
  fake = createFakePushService();
  api = createPushApi(fake, { port: 0, token: TOKEN, uploadDir: join(dir, 'uploads') });
  ({ url } = await api.listen());
  writeFileSync(join(dir, 'pic.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]));
});

afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  delete fake.onSubmit;
});

const base = (...extra: string[]) => ['--via', url, '--token', TOKEN, '--to', ALICE, '--app', 'news.ua', '--text', 'hello', ...extra];

/**
 * Run main in process; once it follows the push (subscribed, and its state read: the
 * `terminal: pending` lines printed), `script` moves the deliveries, so the moves arrive live.
 */
async function run(args: string[], script?: (pushId: string) => void): Promise<{ code: number; out: string[]; err: string[] }> {
  const { out, err, io } = captureIo();
  // The streams of earlier runs are gone, so the next listener is this run's.
  await until(() => fake.listenerCount() === 0);
  const done = main(args, io, {});
  if (script) {
    const submitted = fake.pushes.size;
    const lastPush = () => [...fake.pushes.values()].at(-1)!;
    await until(() => fake.pushes.size > submitted && fake.listenerCount() > 0 && out.filter((l) => l.endsWith(': pending')).length === lastPush().deliveries.length);
    script(lastPush().pushId);
  }
  return { code: await done, out, err };
}

const moves =
  (...steps: [DeliveryStatus, { reason?: string; sipStatus?: number }?, string?][]) =>
  (pushId: string) => {
    for (const [to, extra, terminal] of steps) fake.move(pushId, terminal ?? ALICE_KEY, to, extra);
  };

describe('npm run push -- --via', () => {
  it('submits text, prints each status change and exits 0 when delivered', async () => {
    const { code, out, err } = await run(base('--report', '--priority', 'high', '--expires-in', '60', '--push-id', 'cli-1'), moves(['accepted', { sipStatus: 202 }], ['delivered']));
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out).toEqual(['push cli-1 queued for 1 terminal', `${ALICE_KEY}: pending`, `${ALICE_KEY}: accepted (SIP 202)`, `${ALICE_KEY}: delivered`, 'push cli-1: delivered']);
    expect(fake.submitted.at(-1)).toMatchObject({ pushId: 'cli-1', reportRequested: true, priority: 'high', contentType: 'text/plain', content: new TextEncoder().encode('hello') });
  });

  it('uploads a --file first (type from its extension) and pushes the upload', async () => {
    const { code, out } = await run(['--via', url, '--token', TOKEN, '--to', ALICE, '--app', 'news.ua', '--file', join(dir, 'pic.png')], moves(['delivered']));
    expect(code).toBe(0);
    expect(out[0]).toBe(`uploaded ${join(dir, 'pic.png')} (7 bytes)`);
    const request = fake.submitted.at(-1)!;
    expect(request.contentType).toBe('image/png');
    expect([...readFileSync((request.content as ContentFile).file)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]);
  });

  it('--wait-for displayed waits past delivered', async () => {
    const { code, out } = await run(base('--wait-for', 'displayed'), moves(['delivered'], ['displayed']));
    expect(code).toBe(0);
    expect(out.slice(-3)).toEqual([`${ALICE_KEY}: delivered`, `${ALICE_KEY}: displayed`, expect.stringMatching(/: displayed$/)]);
  });

  it('a push the service already settled before the CLI subscribed is read from its state', async () => {
    fake.onSubmit = (push, f) => f.move(push.pushId, ALICE_KEY, 'delivered');
    const { code, out } = await run(base());
    expect(code).toBe(0);
    expect(out.slice(1)).toEqual([`${ALICE_KEY}: delivered`, expect.stringMatching(/: delivered$/)]);
  });

  it('--no-wait exits 0 once queued', async () => {
    const { code, out } = await run(base('--no-wait'));
    expect(code).toBe(0);
    expect(out).toEqual([expect.stringMatching(/^push push-\d+ queued for 1 terminal$/)]);
  });

  const outcomes: [string, string[], (id: string) => void, RegExp][] = [
    ['undeliverable', [], moves(['undeliverable', { reason: '404 Not Found', sipStatus: 404 }]), /^push failed: push \S+ undeliverable: aor:sip:alice@localhost undeliverable \(404 Not Found\); check --to and --app \(GET \/v1\/receivers/],
    ['expired', [], moves(['expired', { reason: 'expired' }]), /^push failed: push \S+ expired: expired before aor:sip:alice@localhost took it \(expired\); the receiver was not online in time: raise --expires-in/],
    ['cancelled', [], (id) => void fake.cancel(id), /^push failed: push (\S+) cancelled: cancelled \(DELETE \/v1\/pushes\/\1\) before it reached aor:sip:alice@localhost; send it again/],
    [
      'partial',
      ['--to', JSON.stringify([ALICE, { aor: 'sip:bob@localhost', terminals: 'all' }])],
      moves(['delivered'], ['undeliverable', { reason: '480' }, 'aor:sip:bob@localhost']),
      /^push failed: push \S+ reached 1 of 2 terminals: aor:sip:bob@localhost undeliverable \(480\); check --to and --app/,
    ],
  ];
  it.each(outcomes)('%s: exit 1 with one line naming the cause and the fix', async (_name, extra, script, line) => {
    const args = base();
    if (extra.length) args.splice(args.indexOf('--to'), 2, ...extra);
    const { code, err } = await run(args, script);
    expect(code).toBe(1);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(line);
  });

  it('--timeout: still waiting, the push stays queued', async () => {
    const { code, err } = await run(base('--timeout', '100', '--push-id', 'slow'));
    expect(code).toBe(1);
    expect(err).toEqual(['push failed: push slow is still pending after 100 ms; it stays queued at the service (follow it with GET /v1/pushes/slow, or cancel it with DELETE); raise --timeout to wait longer']);
  });

  it('the API refusals: token, field (with the flag that sets it), capabilities, push ID taken', async () => {
    const noToken = await run(base().filter((a) => a !== '--token' && a !== TOKEN));
    expect(noToken.err).toEqual([`push failed: the service at ${url} wants a token (401); give --token or set SIP_PUSH_PSA_TOKEN (npm run psa prints it)`]);
    const wrong = await run(base().map((a) => (a === TOKEN ? 'nope' : a)));
    expect(wrong.err).toEqual([`push failed: the service at ${url} refused the token from --token (401); check it against the one npm run psa printed`]);
    const field = await run(base().map((a) => (a === ALICE ? '{"aor":"bob"}' : a)));
    expect(field.err).toEqual(['push failed: 400 target.aor (--to): target.aor "bob" is not a sip: or sips: URI; give an AoR such as "sip:alice@example.com"']);
    fake.failNext(new ServiceError('PSA_ERR_CAPABILITIES', 'news.ua at sip:alice@localhost does not accept text/plain; send one of image/png', 'contentType'));
    const capabilities = await run(base());
    expect(capabilities.err).toEqual(['push failed: 422 contentType (--type): news.ua at sip:alice@localhost does not accept text/plain; send one of image/png']);
    await run(base('--push-id', 'twice', '--no-wait'));
    const taken = await run(base('--push-id', 'twice', '--no-wait'));
    expect(taken.err[0]).toMatch(/^push failed: 409 pushId \(--push-id\): Push ID twice is taken/);
    for (const r of [noToken, wrong, field, capabilities, taken]) expect(r.code).toBe(1);
  });

  it('the service unreachable', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { code, err } = await run(base().map((a) => (a === url ? `http://127.0.0.1:${port}` : a)));
    expect(code).toBe(1);
    expect(err).toEqual([`push failed: connection refused at http://127.0.0.1:${port}: no push service listens there; start it (npm run psa), or check --via`]);
  });

  it('usage errors name the flag', () => {
    expect(usageMessage(['--to', ALICE, '--text', 'x'])).toBe('--text applies with --via <service URL> only; without it give --data');
    expect(usageMessage(['--to', ALICE, '--data', 'x', '--report'])).toBe('--report applies with --via <service URL> only');
    expect(usageMessage([...base(), '--server', 'ws://x'])).toBe('--server does not apply with --via: the service sends with its own settings');
    expect(usageMessage(['--via', 'localhost:8077', '--to', ALICE, '--app', 'a', '--text', 'x'])).toMatch(/^--via localhost:8077: expected the service's http/);
    expect(usageMessage(['--via', url, '--to', ALICE, '--text', 'x'])).toBe('missing --app <id>: the service pushes to an application');
    expect(usageMessage(['--via', url, '--to', '{aor', '--app', 'a', '--text', 'x'])).toMatch(/^--to \{aor: not JSON/);
    expect(usageMessage([...base(), '--priority', 'urgent'])).toBe('--priority urgent: expected low, normal or high');
    expect(usageMessage([...base(), '--expires-in', '0'])).toBe('--expires-in 0: expected a positive integer');
    expect(usageMessage([...base(), '--wait-for', 'read'])).toBe('--wait-for read: expected delivered or displayed');
    expect(usageMessage(['--via', url, '--to', ALICE, '--app', 'a', '--file', join(dir, 'missing')])).toMatch(/^--file .*missing: no such file; check the path$/);
    expect(parseCli(base(), { SIP_PUSH_PSA_TOKEN: 'env' })).toMatchObject({ token: TOKEN, tokenSetting: '--token' });
    expect(parseCli(['--via', url, '--to', ALICE, '--app', 'a', '--text', 'x'], { SIP_PUSH_PSA_TOKEN: 'env' })).toMatchObject({ token: 'env', tokenSetting: 'SIP_PUSH_PSA_TOKEN', wait: true, waitFor: 'delivered' });
  });

  it('as a process, with the token from SIP_PUSH_PSA_TOKEN', { timeout: 30_000 }, async () => {
    fake.onSubmit = (push, f) => setTimeout(() => f.move(push.pushId, ALICE_KEY, 'delivered'), 0);
    const result = await runCli(['--via', url, '--to', ALICE, '--app', 'news.ua', '--text', 'hi'], { SIP_PUSH_PSA_TOKEN: TOKEN });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.trim().split('\n').at(-1)).toMatch(/^push push-\d+: delivered$/);
  });
});
